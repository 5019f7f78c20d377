# The worker as a Lambda function fed by the work queue.

resource "aws_iam_role" "worker" {
  name               = var.function_name
  description        = "Runs the exifstrip Lambda worker"
  assume_role_policy = var.assume_role_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "worker" {
  name   = "scrub-a-into-b"
  role   = aws_iam_role.worker.id
  policy = var.worker_policy
}

resource "aws_iam_role_policy" "logs" {
  name   = "write-own-logs"
  role   = aws_iam_role.worker.id
  policy = var.logs_policy
}

# Created here rather than by Lambda on first run, so it has a retention period and the key.
resource "aws_cloudwatch_log_group" "worker" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "worker" {
  #checkov:skip=CKV_AWS_50:The function emits no X-Ray segments; active tracing would add xray:PutTraceSegments on "*" to the role for no insight. Logs and metrics carry the object outcome.
  #checkov:skip=CKV_AWS_116:The function is invoked synchronously by the SQS event source mapping; a Lambda dead-letter queue applies only to asynchronous invocations. Failed messages go to the work queue's dead-letter queue.
  #checkov:skip=CKV_AWS_117:The function talks only to public AWS endpoints (S3, SQS, CloudWatch); a VPC would add NAT or endpoint cost and no protection.
  #checkov:skip=CKV_AWS_173:The environment holds only the destination bucket URL, no secret; Lambda encrypts it at rest with its service key. A customer-managed key here would need kms:CreateGrant for the deployer.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile owned by the operator; the deployed zip is pinned by source_code_hash.
  function_name    = var.function_name
  description      = "exifstrip worker: scrubs objects from bucket A into bucket B"
  role             = aws_iam_role.worker.arn
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = [var.architecture]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds

  # Reserving the same concurrency the queue may drive keeps other functions in the account from
  # starving the worker, and caps its burst.
  reserved_concurrent_executions = var.max_concurrency

  environment {
    variables = {
      EXIFSTRIP_DEST = var.destination_url
    }
  }

  # Sets AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL, which the worker's logging reads.
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.worker.name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.logs]
}

resource "aws_lambda_event_source_mapping" "work_queue" {
  event_source_arn = var.queue_arn
  function_name    = aws_lambda_function.worker.arn
  batch_size       = var.batch_size

  # The function returns the messages it failed on; only those are retried, and only those
  # count towards the queue's max_receive_count.
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.max_concurrency
  }

  # Lambda checks the role may read the queue when the mapping is created.
  depends_on = [aws_iam_role_policy.worker]
}
