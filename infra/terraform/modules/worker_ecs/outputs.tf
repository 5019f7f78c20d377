output "repository_url" {
  description = "URL of the ECR repository to push the worker image to."
  value       = aws_ecr_repository.worker.repository_url
}

output "task_role_arn" {
  description = "ARN of the role the worker container runs as."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the role ECS uses to start the task."
  value       = aws_iam_role.execution.arn
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.worker.name
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.worker.name
}

output "log_group_name" {
  description = "Name of the worker's log group."
  value       = aws_cloudwatch_log_group.worker.name
}
