variable "region" {
  description = "AWS region to deploy into."
  type        = string
}

variable "environment" {
  description = "Environment name, used as a tag (for example prod or staging)."
  type        = string
  default     = "prod"
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "exifstrip"
}

variable "key_admin_arns" {
  description = "IAM roles or users that administer the KMS key; include the one running Terraform."
  type        = list(string)
}

variable "queue_operator_arns" {
  description = "IAM roles or users that read and replay the dead-letter queues (empty: the key administrators)."
  type        = list(string)
  default     = []
}

variable "lambda_zip_path" {
  description = "The function's zip, relative to the repository root."
  type        = string
  default     = "target/lambda/exifstrip/bootstrap.zip"
}

variable "architecture" {
  description = "x86_64 or arm64; must match the build."
  type        = string
  default     = "x86_64"
}

variable "max_concurrency" {
  description = "Most concurrent worker invocations."
  type        = number
  default     = 10
}

variable "worker_mode" {
  description = "lambda, ecs or both."
  type        = string
  default     = "lambda"
}

variable "ecs_image_tag" {
  description = "Tag of the pushed worker image (container worker only)."
  type        = string
  default     = null
}

variable "ecs_vpc_id" {
  description = "VPC of the container worker."
  type        = string
  default     = null
}

variable "ecs_subnet_ids" {
  description = "Private subnets of the container worker."
  type        = list(string)
  default     = []
}

variable "alarm_email_addresses" {
  description = "Who gets alarm emails."
  type        = list(string)
  default     = []
}
