variable "name_prefix" {
  description = "Prefix for every resource name. Lowercase letters, digits and hyphens; it ends up in bucket names, so keep it short."
  type        = string
  default     = "exifstrip"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 20 characters: a lowercase letter, then lowercase letters, digits or hyphens."
  }
}

variable "bucket_a_name" {
  description = "Name of bucket A, where uploads land. Null generates <prefix>-a-<account>-<region>, which is unique to this account and region."
  type        = string
  default     = null
}

variable "bucket_b_name" {
  description = "Name of bucket B, where scrubbed copies appear under the same key. Null generates <prefix>-b-<account>-<region>."
  type        = string
  default     = null
}

variable "access_log_bucket_name" {
  description = "Name of the bucket that receives S3 server access logs for A and B. Null generates <prefix>-logs-<account>-<region>."
  type        = string
  default     = null
}

variable "key_admin_arns" {
  description = "IAM role or user ARNs that administer the KMS key (policy, rotation, deletion). Include the role that runs Terraform, or KMS refuses to create the key. Administrators cannot decrypt through S3."
  type        = list(string)

  validation {
    condition     = length(var.key_admin_arns) > 0 && alltrue([for arn in var.key_admin_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", arn))])
    error_message = "key_admin_arns needs at least one IAM role or user ARN (arn:aws:iam::<account>:role/... or :user/...)."
  }
}

variable "queue_operator_arns" {
  description = "IAM role or user ARNs of on-call engineers who read and replay the dead-letter queues; the key policy lets them use the key through SQS on this deployment's queues only. Empty means the key administrators."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.queue_operator_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", arn))])
    error_message = "queue_operator_arns must hold IAM role or user ARNs."
  }
}

variable "kms_deletion_window_days" {
  description = "Days KMS waits before deleting the key after terraform destroy (7 to 30). Objects encrypted with the key are unreadable once it is gone."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object version is kept in buckets A and B before lifecycle removes it for good."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "access_log_retention_days" {
  description = "Days S3 server access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 1
    error_message = "access_log_retention_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete non-empty buckets and the image repository. Keep false in production; see docs/deploy.md for emptying buckets by hand."
  type        = bool
  default     = false
}

variable "worker_mode" {
  description = "Where the worker runs: \"lambda\" (the function), \"ecs\" (the container on Fargate) or \"both\" (both consume the same queue)."
  type        = string
  default     = "lambda"

  validation {
    condition     = contains(["lambda", "ecs", "both"], var.worker_mode)
    error_message = "worker_mode must be \"lambda\", \"ecs\" or \"both\"."
  }
}

variable "lambda_zip_path" {
  description = "The function's zip, as built by `cargo lambda build --release --output-format zip`. A relative path is taken from the repository root."
  type        = string
  default     = "target/lambda/exifstrip/bootstrap.zip"
}

variable "architecture" {
  description = "CPU architecture of the worker (Lambda and Fargate): \"x86_64\" or \"arm64\". It must match the architecture the zip or image was built for."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be \"x86_64\" or \"arm64\"."
  }
}

variable "lambda_memory_mb" {
  description = "Function memory in MB. The scrubber streams (about 32 MiB resident for any object size), so 256 leaves room for the SDK and TLS buffers."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Function timeout in seconds; one invocation handles a batch of up to batch_size objects of up to 256 MiB. The queue's visibility timeout is six times this."
  type        = number
  default     = 60

  validation {
    condition     = var.lambda_timeout_seconds >= 10 && var.lambda_timeout_seconds <= 900
    error_message = "lambda_timeout_seconds must be between 10 and 900."
  }
}

variable "batch_size" {
  description = "Messages handed to one function invocation. Failed items are retried alone (partial batch responses)."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10
    error_message = "batch_size must be between 1 and 10 (larger batches need a batching window)."
  }
}

variable "max_concurrency" {
  description = "Most concurrent function invocations the queue may drive (event source maximum concurrency, also reserved for the function). Bounds the load on S3 and the cost of a burst."
  type        = number
  default     = 10

  validation {
    condition     = var.max_concurrency >= 2 && var.max_concurrency <= 1000
    error_message = "max_concurrency must be between 2 and 1000."
  }
}

variable "max_receive_count" {
  description = "Deliveries of one message before SQS moves it to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "log_level" {
  description = "Application log level of the worker (TRACE, DEBUG, INFO, WARN, ERROR or FATAL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
}

variable "log_retention_days" {
  description = "Days the worker's CloudWatch logs are kept. Must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs supports."
  }
}

variable "ecs_image_tag" {
  description = "Tag of the worker image in the repository this module creates (tags are immutable). Required when worker_mode is \"ecs\" or \"both\"."
  type        = string
  default     = null

  validation {
    condition     = var.worker_mode == "lambda" || var.ecs_image_tag != null
    error_message = "ecs_image_tag is required when worker_mode runs the container."
  }
}

variable "ecs_vpc_id" {
  description = "VPC for the Fargate service. Required for the container worker."
  type        = string
  default     = null

  validation {
    condition     = var.worker_mode == "lambda" || var.ecs_vpc_id != null
    error_message = "ecs_vpc_id is required when worker_mode runs the container."
  }
}

variable "ecs_subnet_ids" {
  description = "Private subnets for the Fargate tasks. They need a route to S3, SQS, ECR and CloudWatch Logs (NAT gateway or VPC endpoints); tasks get no public IP."
  type        = list(string)
  default     = []

  validation {
    condition     = var.worker_mode == "lambda" || length(var.ecs_subnet_ids) > 0
    error_message = "ecs_subnet_ids needs at least one subnet when worker_mode runs the container."
  }
}

variable "ecs_desired_count" {
  description = "Number of Fargate tasks polling the queue; with ecs_max_count, the fewest kept running (0 lets an idle queue run none)."
  type        = number
  default     = 1

  validation {
    condition     = var.ecs_desired_count >= 0
    error_message = "ecs_desired_count must not be negative."
  }
}

variable "ecs_max_count" {
  description = "Most Fargate tasks the work queue's backlog may scale to; null keeps ecs_desired_count tasks at all times."
  type        = number
  default     = null

  validation {
    condition     = var.ecs_max_count == null || try(var.ecs_max_count >= max(var.ecs_desired_count, 1), false)
    error_message = "ecs_max_count must be at least ecs_desired_count, and at least 1."
  }
}

variable "ecs_scale_out_backlog" {
  description = "Messages waiting in the work queue that make the container worker add a task; ten times as many add two, a hundred times four."
  type        = number
  default     = 100

  validation {
    condition     = var.ecs_scale_out_backlog >= 1
    error_message = "ecs_scale_out_backlog must be at least 1."
  }
}

variable "ecs_cpu" {
  description = "Fargate task CPU units (256 = a quarter vCPU)."
  type        = number
  default     = 256
}

variable "ecs_memory_mb" {
  description = "Fargate task memory in MB; must be a size Fargate allows for ecs_cpu."
  type        = number
  default     = 512
}

variable "queue_age_alarm_seconds" {
  description = "Alarm when the oldest message in the work queue is older than this many seconds: the worker is stuck, failing or too slow."
  type        = number
  default     = 900
}

variable "alarm_topic_enabled" {
  description = "Create an SNS topic (encrypted with the key) that every alarm notifies."
  type        = bool
  default     = true
}

variable "alarm_email_addresses" {
  description = "Email addresses subscribed to the alarm topic. Each must confirm the subscription from the email SNS sends."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource that takes tags."
  type        = map(string)
  default     = {}
}
