output "bucket_a_name" {
  description = "Name of bucket A."
  value       = aws_s3_bucket.this["a"].id
}

output "bucket_a_arn" {
  description = "ARN of bucket A."
  value       = aws_s3_bucket.this["a"].arn
}

output "bucket_b_name" {
  description = "Name of bucket B."
  value       = aws_s3_bucket.this["b"].id
}

output "bucket_b_arn" {
  description = "ARN of bucket B."
  value       = aws_s3_bucket.this["b"].arn
}

output "access_log_bucket_name" {
  description = "Name of the access-log bucket."
  value       = aws_s3_bucket.access_logs.id
}
