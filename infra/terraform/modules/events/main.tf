# S3 (bucket A) -> EventBridge rule -> SQS work queue -> worker.
#
# Nothing is dropped silently on this path:
# - EventBridge retries delivery to the queue for up to 24 hours, then puts the event in the
#   delivery dead-letter queue instead of discarding it.
# - The worker reports failed messages one by one; a message that fails max_receive_count times
#   moves to the work dead-letter queue (the container worker also sends permanent failures
#   there itself).
# Both dead-letter queues keep messages for the maximum 14 days and raise an alarm.

locals {
  dead_letter_retention_seconds = 14 * 24 * 60 * 60
}

resource "aws_sqs_queue" "delivery_dead_letter" {
  name                              = var.delivery_dead_letter_queue_name
  message_retention_seconds         = local.dead_letter_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

resource "aws_sqs_queue_policy" "delivery_dead_letter" {
  queue_url = aws_sqs_queue.delivery_dead_letter.id
  policy    = var.delivery_dead_letter_queue_policy
}

resource "aws_sqs_queue" "dead_letter" {
  name                              = var.dead_letter_queue_name
  message_retention_seconds         = local.dead_letter_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = var.dead_letter_queue_policy
}

# Only the work queue may use the dead-letter queue as its redrive target.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.work.arn]
  })
}

resource "aws_sqs_queue" "work" {
  name                              = var.queue_name
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = 4 * 24 * 60 * 60
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_policy" "work" {
  queue_url = aws_sqs_queue.work.id
  policy    = var.queue_policy
}

resource "aws_cloudwatch_event_rule" "uploads" {
  name        = var.rule_name
  description = "Objects created in or deleted from bucket A, for the exifstrip worker"
  tags        = var.tags

  event_pattern = jsonencode({
    source      = ["aws.s3"]
    detail-type = ["Object Created", "Object Deleted"]
    detail = {
      bucket = { name = [var.bucket_a_name] }
    }
  })
}

resource "aws_cloudwatch_event_target" "work_queue" {
  rule      = aws_cloudwatch_event_rule.uploads.name
  target_id = "work-queue"
  arn       = aws_sqs_queue.work.arn

  # The longest EventBridge allows: an outage of the queue or the key shorter than a day loses
  # nothing.
  retry_policy {
    maximum_event_age_in_seconds = 24 * 60 * 60
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = aws_sqs_queue.delivery_dead_letter.arn
  }

  # The queue policies must let the rule send before events start flowing.
  depends_on = [aws_sqs_queue_policy.work, aws_sqs_queue_policy.delivery_dead_letter]
}
