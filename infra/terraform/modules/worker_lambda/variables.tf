variable "function_name" {
  description = "Name of the function, also used for its role."
  type        = string
}

variable "zip_path" {
  description = "Path to the function's bootstrap.zip."
  type        = string
}

variable "architecture" {
  description = "Instruction set of the function: x86_64 or arm64."
  type        = string
}

variable "memory_mb" {
  description = "Memory of the function in MB."
  type        = number
}

variable "timeout_seconds" {
  description = "Timeout of the function in seconds."
  type        = number
}

variable "batch_size" {
  description = "Messages per invocation."
  type        = number
}

variable "max_concurrency" {
  description = "Most concurrent invocations from the queue; also the function's reserved concurrency."
  type        = number
}

variable "destination_url" {
  description = "Where scrubbed objects go, as s3://bucket (EXIFSTRIP_DEST)."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the work queue."
  type        = string
}

variable "assume_role_policy" {
  description = "Trust policy of the role as a JSON string (policies/assume-role-lambda.json.tpl)."
  type        = string
}

variable "worker_policy" {
  description = "The worker's permissions as a JSON string (policies/worker.json.tpl)."
  type        = string
}

variable "logs_policy" {
  description = "Permission to write the log group, as a JSON string (policies/lambda-logs.json.tpl)."
  type        = string
}

variable "log_group_name" {
  description = "Name of the function's log group (/aws/lambda/<function>)."
  type        = string
}

variable "log_retention_days" {
  description = "Days the logs are kept."
  type        = number
}

variable "log_level" {
  description = "Application log level."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the key encrypting the log group."
  type        = string
}

variable "tags" {
  description = "Tags for the function, role and log group."
  type        = map(string)
}
