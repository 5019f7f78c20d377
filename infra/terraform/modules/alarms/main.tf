# Every way the pipeline can fail ends in one of these alarms:
# - an event EventBridge could not deliver (delivery dead-letter queue),
# - an object the worker gave up on (work dead-letter queue),
# - a function that crashed or timed out (failed items are reported per message and do not
#   count as function errors; they reach the dead-letter queue instead),
# - a worker that is stuck, missing or too slow (age of the oldest queued message).
#
# Alarm names start with the prefix: the topic policy and the key policy trust alarms by name.

locals {
  alarm_actions = var.topic_enabled ? [aws_sns_topic.alarms[0].arn] : []

  dead_letter_queues = {
    "work-dlq-not-empty"     = var.dead_letter_queue_name
    "delivery-dlq-not-empty" = var.delivery_dead_letter_queue_name
  }
}

resource "aws_sns_topic" "alarms" {
  count = var.topic_enabled ? 1 : 0

  name              = var.topic_name
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "alarms" {
  count = var.topic_enabled ? 1 : 0

  arn    = aws_sns_topic.alarms[0].arn
  policy = var.topic_policy
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.topic_enabled ? toset(var.email_addresses) : toset([])

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "dead_letter" {
  for_each = local.dead_letter_queues

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = "Messages are waiting in ${each.value}. Read them and replay them as docs/deploy.md describes."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # SQS stops reporting for queues idle for hours; no data means an empty queue.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
  tags               = var.tags
}

resource "aws_cloudwatch_metric_alarm" "queue_age" {
  alarm_name          = "${var.name_prefix}-work-queue-old-messages"
  alarm_description   = "The oldest message in ${var.queue_name} waited more than ${var.queue_age_alarm_seconds} s: the worker is failing, stopped or too slow."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.queue_age_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  count = var.function_name == null ? 0 : 1

  alarm_name          = "${var.name_prefix}-function-errors"
  alarm_description   = "The worker function ${var.function_name} crashed or timed out. Its log group has the details."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
