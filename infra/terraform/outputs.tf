output "bucket_a_name" {
  description = "Bucket A: upload here (as user A)."
  value       = module.buckets.bucket_a_name
}

output "bucket_b_name" {
  description = "Bucket B: scrubbed copies appear here under the same key (read as user B)."
  value       = module.buckets.bucket_b_name
}

output "access_log_bucket_name" {
  description = "Bucket holding the S3 server access logs of A and B."
  value       = module.buckets.access_log_bucket_name
}

output "kms_key_arn" {
  description = "ARN of the customer-managed key."
  value       = module.kms.key_arn
}

output "queue_url" {
  description = "URL of the work queue."
  value       = module.events.queue_url
}

output "queue_arn" {
  description = "ARN of the work queue (the destination when replaying dead letters)."
  value       = module.events.queue_arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue for objects the worker gave up on."
  value       = module.events.dead_letter_queue_url
}

output "dead_letter_queue_arn" {
  description = "ARN of the work dead-letter queue."
  value       = module.events.dead_letter_queue_arn
}

output "delivery_dead_letter_queue_url" {
  description = "URL of the dead-letter queue for events EventBridge could not deliver."
  value       = module.events.delivery_dead_letter_queue_url
}

output "delivery_dead_letter_queue_arn" {
  description = "ARN of the delivery dead-letter queue."
  value       = module.events.delivery_dead_letter_queue_arn
}

output "user_a_name" {
  description = "IAM user A: list, read, write and delete in bucket A."
  value       = module.users.user_a_name
}

output "user_b_name" {
  description = "IAM user B: list and read bucket B."
  value       = module.users.user_b_name
}

output "function_name" {
  description = "Name of the worker function, or null when it is not deployed."
  value       = one(module.worker_lambda[*].function_name)
}

output "function_log_group_name" {
  description = "Log group of the worker function, or null."
  value       = one(module.worker_lambda[*].log_group_name)
}

output "ecr_repository_url" {
  description = "Where to push the worker image, or null when the container worker is off."
  value       = one(module.worker_ecs[*].repository_url)
}

output "ecs_cluster_name" {
  description = "ECS cluster of the container worker, or null."
  value       = one(module.worker_ecs[*].cluster_name)
}

output "ecs_service_name" {
  description = "ECS service of the container worker, or null."
  value       = one(module.worker_ecs[*].service_name)
}

output "ecs_log_group_name" {
  description = "Log group of the container worker, or null."
  value       = one(module.worker_ecs[*].log_group_name)
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies, or null."
  value       = module.alarms.topic_arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value       = module.alarms.alarm_names
}
