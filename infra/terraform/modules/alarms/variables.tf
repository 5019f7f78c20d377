variable "name_prefix" {
  description = "Prefix of every alarm name."
  type        = string
}

variable "queue_name" {
  description = "Name of the work queue."
  type        = string
}

variable "dead_letter_queue_name" {
  description = "Name of the work dead-letter queue."
  type        = string
}

variable "delivery_dead_letter_queue_name" {
  description = "Name of the delivery dead-letter queue."
  type        = string
}

variable "function_name" {
  description = "Name of the worker function, or null when the worker runs only on ECS."
  type        = string
  default     = null
}

variable "queue_age_alarm_seconds" {
  description = "Age of the oldest work-queue message that raises the alarm."
  type        = number
}

variable "topic_enabled" {
  description = "Whether to create the SNS topic the alarms notify."
  type        = bool
}

variable "topic_name" {
  description = "Name of the alarm topic."
  type        = string
}

variable "topic_policy" {
  description = "Policy of the alarm topic as a JSON string (policies/alarm-topic.json.tpl)."
  type        = string
}

variable "email_addresses" {
  description = "Email addresses subscribed to the topic."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "ARN of the key encrypting the topic."
  type        = string
}

variable "tags" {
  description = "Tags for the topic and alarms."
  type        = map(string)
}
