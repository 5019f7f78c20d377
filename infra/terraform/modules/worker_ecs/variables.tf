variable "name_prefix" {
  description = "Prefix for the cluster, service, roles and security group."
  type        = string
}

variable "repository_name" {
  description = "Name of the ECR repository holding the worker image."
  type        = string
}

variable "image_tag" {
  description = "Tag of the worker image to run."
  type        = string
}

variable "architecture" {
  description = "CPU architecture of the tasks: x86_64 or arm64."
  type        = string
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
}

variable "memory_mb" {
  description = "Task memory in MB."
  type        = number
}

variable "min_count" {
  description = "Fewest tasks: the service starts with this many and never scales below it."
  type        = number
}

variable "max_count" {
  description = "Most tasks the backlog may scale the service to; equal to min_count for a fixed count."
  type        = number
}

variable "queue_name" {
  description = "Name of the work queue, whose backlog drives scaling."
  type        = string
}

variable "scale_out_backlog" {
  description = "Visible messages in the work queue that add a task (ten times as many add two, a hundred times four)."
  type        = number
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the tasks."
  type        = list(string)
}

variable "queue_url" {
  description = "URL of the work queue the worker polls."
  type        = string
}

variable "destination_url" {
  description = "Where scrubbed objects go, as s3://bucket."
  type        = string
}

variable "task_assume_role_policy" {
  description = "Trust policy for both task roles as a JSON string (policies/assume-role-ecs-tasks.json.tpl)."
  type        = string
}

variable "worker_policy" {
  description = "The worker's permissions as a JSON string (policies/worker.json.tpl)."
  type        = string
}

variable "execution_policy" {
  description = "The execution role's permissions as a JSON string (policies/ecs-execution.json.tpl)."
  type        = string
}

variable "log_group_name" {
  description = "Name of the worker's log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the logs are kept."
  type        = number
}

variable "kms_key_arn" {
  description = "ARN of the key encrypting the log group."
  type        = string
}

variable "force_destroy" {
  description = "Whether terraform destroy may delete the repository with its images."
  type        = bool
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
}
