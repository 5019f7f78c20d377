output "user_a_arn" {
  description = "ARN of user A (uploads to bucket A)."
  value       = aws_iam_user.a.arn
}

output "user_a_name" {
  description = "Name of user A."
  value       = aws_iam_user.a.name
}

output "user_b_arn" {
  description = "ARN of user B (reads bucket B)."
  value       = aws_iam_user.b.arn
}

output "user_b_name" {
  description = "Name of user B."
  value       = aws_iam_user.b.name
}
