variable "bucket_a_name" {
  description = "Name of bucket A, whose events the rule matches."
  type        = string
}

variable "rule_name" {
  description = "Name of the EventBridge rule on the default event bus."
  type        = string
}

variable "queue_name" {
  description = "Name of the work queue."
  type        = string
}

variable "queue_policy" {
  description = "Policy of the work queue as a JSON string (policies/queue-rule-target.json.tpl)."
  type        = string
}

variable "dead_letter_queue_name" {
  description = "Name of the dead-letter queue for messages the worker failed on."
  type        = string
}

variable "dead_letter_queue_policy" {
  description = "Policy of the work dead-letter queue as a JSON string (policies/queue-tls-only.json.tpl)."
  type        = string
}

variable "delivery_dead_letter_queue_name" {
  description = "Name of the dead-letter queue for events EventBridge could not deliver."
  type        = string
}

variable "delivery_dead_letter_queue_policy" {
  description = "Policy of the delivery dead-letter queue as a JSON string (policies/queue-rule-target.json.tpl)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed key encrypting the queues."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the work queue."
  type        = number
}

variable "max_receive_count" {
  description = "Receives of one message before it moves to the dead-letter queue."
  type        = number
}

variable "tags" {
  description = "Tags for the queues and the rule."
  type        = map(string)
}
