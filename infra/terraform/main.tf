# exifstrip on AWS: uploads land in bucket A, S3 tells EventBridge, EventBridge queues the event,
# and the worker (a Lambda function, a Fargate service, or both) writes the scrubbed copy to
# bucket B under the same key, or deletes it there when the upload is deleted.
#
# Every name and ARN that a policy needs is computed here from the inputs, so that the policies
# (rendered in policies.tf from the JSON templates in policies/) can be read in one place and do
# not tie the modules into dependency cycles.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  # Generated bucket names carry the account and region: unique without a random suffix, and
  # predictable for the operator.
  bucket_a_name          = coalesce(var.bucket_a_name, "${var.name_prefix}-a-${local.account_id}-${local.region}")
  bucket_b_name          = coalesce(var.bucket_b_name, "${var.name_prefix}-b-${local.account_id}-${local.region}")
  access_log_bucket_name = coalesce(var.access_log_bucket_name, "${var.name_prefix}-logs-${local.account_id}-${local.region}")
  bucket_a_arn           = "arn:${local.partition}:s3:::${local.bucket_a_name}"
  bucket_b_arn           = "arn:${local.partition}:s3:::${local.bucket_b_name}"
  access_log_bucket_arn  = "arn:${local.partition}:s3:::${local.access_log_bucket_name}"

  queue_name                      = "${var.name_prefix}-work"
  dead_letter_queue_name          = "${var.name_prefix}-work-dlq"
  delivery_dead_letter_queue_name = "${var.name_prefix}-delivery-dlq"
  queue_arn                       = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.queue_name}"
  dead_letter_queue_arn           = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.dead_letter_queue_name}"
  delivery_dead_letter_queue_arn  = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.delivery_dead_letter_queue_name}"

  rule_name = "${var.name_prefix}-uploads"
  rule_arn  = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.rule_name}"

  function_name         = "${var.name_prefix}-worker"
  lambda_log_group_name = "/aws/lambda/${local.function_name}"
  ecs_log_group_name    = "/ecs/${var.name_prefix}-worker"
  lambda_log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.lambda_log_group_name}"
  ecs_log_group_arn     = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.ecs_log_group_name}"

  repository_name = "${var.name_prefix}-worker"
  repository_arn  = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${local.repository_name}"

  # Alarm names all start with the prefix; the alarm topic and the key trust alarms by this ARN.
  alarm_arn_pattern = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"
  alarm_topic_name  = "${var.name_prefix}-alarms"
  alarm_topic_arn   = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.alarm_topic_name}"

  # The service endpoints that kms:ViaService names: the key is usable only through these.
  s3_service   = "s3.${local.region}.${local.dns_suffix}"
  sqs_service  = "sqs.${local.region}.${local.dns_suffix}"
  logs_service = "logs.${local.region}.${local.dns_suffix}"

  lambda_enabled = var.worker_mode != "ecs"
  ecs_enabled    = var.worker_mode != "lambda"

  # AWS guidance for SQS-triggered functions: at least six times the function timeout, so a
  # message is not handed out again while an invocation (with its retries) may still hold it.
  visibility_timeout_seconds = 6 * var.lambda_timeout_seconds

  lambda_zip_path = startswith(var.lambda_zip_path, "/") ? var.lambda_zip_path : "${path.module}/../../${var.lambda_zip_path}"

  queue_operator_arns = length(var.queue_operator_arns) > 0 ? var.queue_operator_arns : var.key_admin_arns

  worker_role_arns = concat(
    local.lambda_enabled ? [module.worker_lambda[0].role_arn] : [],
    local.ecs_enabled ? [module.worker_ecs[0].task_role_arn] : [],
  )

  tags = merge({ "app" = "exifstrip" }, var.tags)
}

module "kms" {
  source = "./modules/kms"

  name_prefix          = var.name_prefix
  policy               = local.kms_key_policy
  deletion_window_days = var.kms_deletion_window_days
  tags                 = local.tags
}

module "users" {
  source = "./modules/users"

  name_prefix   = var.name_prefix
  user_a_policy = local.user_a_policy
  user_b_policy = local.user_b_policy
  tags          = local.tags
}

module "buckets" {
  source = "./modules/buckets"

  bucket_a_name            = local.bucket_a_name
  bucket_b_name            = local.bucket_b_name
  bucket_a_policy          = local.bucket_a_policy
  bucket_b_policy          = local.bucket_b_policy
  access_log_bucket_name   = local.access_log_bucket_name
  access_log_bucket_policy = local.access_log_bucket_policy
  kms_key_arn              = module.kms.key_arn
  noncurrent_version_days  = var.noncurrent_version_days
  access_log_days          = var.access_log_retention_days
  force_destroy            = var.force_destroy
  tags                     = local.tags
}

module "events" {
  source = "./modules/events"

  bucket_a_name                     = module.buckets.bucket_a_name
  rule_name                         = local.rule_name
  queue_name                        = local.queue_name
  queue_policy                      = local.queue_policy
  dead_letter_queue_name            = local.dead_letter_queue_name
  dead_letter_queue_policy          = local.dead_letter_queue_policy
  delivery_dead_letter_queue_name   = local.delivery_dead_letter_queue_name
  delivery_dead_letter_queue_policy = local.delivery_dead_letter_queue_policy
  kms_key_arn                       = module.kms.key_arn
  visibility_timeout_seconds        = local.visibility_timeout_seconds
  max_receive_count                 = var.max_receive_count
  tags                              = local.tags
}

module "worker_lambda" {
  source = "./modules/worker_lambda"
  count  = local.lambda_enabled ? 1 : 0

  function_name      = local.function_name
  zip_path           = local.lambda_zip_path
  architecture       = var.architecture
  memory_mb          = var.lambda_memory_mb
  timeout_seconds    = var.lambda_timeout_seconds
  batch_size         = var.batch_size
  max_concurrency    = var.max_concurrency
  destination_url    = "s3://${module.buckets.bucket_b_name}"
  queue_arn          = module.events.queue_arn
  assume_role_policy = local.lambda_assume_role_policy
  worker_policy      = local.worker_policy
  logs_policy        = local.lambda_logs_policy
  log_group_name     = local.lambda_log_group_name
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  kms_key_arn        = module.kms.key_arn
  tags               = local.tags
}

module "worker_ecs" {
  source = "./modules/worker_ecs"
  count  = local.ecs_enabled ? 1 : 0

  name_prefix             = var.name_prefix
  repository_name         = local.repository_name
  image_tag               = var.ecs_image_tag
  architecture            = var.architecture
  cpu                     = var.ecs_cpu
  memory_mb               = var.ecs_memory_mb
  min_count               = var.ecs_desired_count
  max_count               = coalesce(var.ecs_max_count, var.ecs_desired_count)
  queue_name              = module.events.queue_name
  scale_out_backlog       = var.ecs_scale_out_backlog
  vpc_id                  = var.ecs_vpc_id
  subnet_ids              = var.ecs_subnet_ids
  queue_url               = module.events.queue_url
  destination_url         = "s3://${module.buckets.bucket_b_name}"
  task_assume_role_policy = local.ecs_tasks_assume_role_policy
  worker_policy           = local.worker_policy
  execution_policy        = local.ecs_execution_policy
  log_group_name          = local.ecs_log_group_name
  log_retention_days      = var.log_retention_days
  kms_key_arn             = module.kms.key_arn
  force_destroy           = var.force_destroy
  tags                    = local.tags
}

module "alarms" {
  source = "./modules/alarms"

  name_prefix                     = var.name_prefix
  queue_name                      = module.events.queue_name
  dead_letter_queue_name          = module.events.dead_letter_queue_name
  delivery_dead_letter_queue_name = module.events.delivery_dead_letter_queue_name
  function_name                   = one(module.worker_lambda[*].function_name)
  queue_age_alarm_seconds         = var.queue_age_alarm_seconds
  topic_enabled                   = var.alarm_topic_enabled
  topic_name                      = local.alarm_topic_name
  topic_policy                    = local.alarm_topic_policy
  email_addresses                 = var.alarm_email_addresses
  kms_key_arn                     = module.kms.key_arn
  tags                            = local.tags
}
