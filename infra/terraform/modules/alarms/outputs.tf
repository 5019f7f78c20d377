output "topic_arn" {
  description = "ARN of the alarm topic, or null when it is not created."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "alarm_names" {
  description = "Names of every alarm."
  value = concat(
    [for alarm in aws_cloudwatch_metric_alarm.dead_letter : alarm.alarm_name],
    [aws_cloudwatch_metric_alarm.queue_age.alarm_name],
    aws_cloudwatch_metric_alarm.function_errors[*].alarm_name,
  )
}
