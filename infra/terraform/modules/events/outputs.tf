output "queue_arn" {
  description = "ARN of the work queue."
  value       = aws_sqs_queue.work.arn
}

output "queue_url" {
  description = "URL of the work queue."
  value       = aws_sqs_queue.work.url
}

output "queue_name" {
  description = "Name of the work queue."
  value       = aws_sqs_queue.work.name
}

output "dead_letter_queue_arn" {
  description = "ARN of the work dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dead_letter_queue_url" {
  description = "URL of the work dead-letter queue."
  value       = aws_sqs_queue.dead_letter.url
}

output "dead_letter_queue_name" {
  description = "Name of the work dead-letter queue."
  value       = aws_sqs_queue.dead_letter.name
}

output "delivery_dead_letter_queue_arn" {
  description = "ARN of the delivery dead-letter queue."
  value       = aws_sqs_queue.delivery_dead_letter.arn
}

output "delivery_dead_letter_queue_url" {
  description = "URL of the delivery dead-letter queue."
  value       = aws_sqs_queue.delivery_dead_letter.url
}

output "delivery_dead_letter_queue_name" {
  description = "Name of the delivery dead-letter queue."
  value       = aws_sqs_queue.delivery_dead_letter.name
}

output "rule_arn" {
  description = "ARN of the EventBridge rule."
  value       = aws_cloudwatch_event_rule.uploads.arn
}
