# Every IAM, key, bucket, queue and topic policy of the deployment, rendered from the JSON
# templates in policies/. The templates are plain data so that infra/tests can read the very
# same files and check the whole access matrix; widen one and the tests fail.
#
# Templates only use ${name} placeholders (no template directives); list values are passed
# through jsonencode.

locals {
  policy_dir = "${path.module}/policies"

  kms_key_policy = templatefile("${local.policy_dir}/kms-key.json.tpl", {
    key_admin_arns                 = jsonencode(var.key_admin_arns)
    queue_operator_arns            = jsonencode(local.queue_operator_arns)
    worker_role_arns               = jsonencode(local.worker_role_arns)
    user_a_arn                     = module.users.user_a_arn
    user_b_arn                     = module.users.user_b_arn
    bucket_a_arn                   = local.bucket_a_arn
    bucket_b_arn                   = local.bucket_b_arn
    queue_arn                      = local.queue_arn
    dead_letter_queue_arn          = local.dead_letter_queue_arn
    delivery_dead_letter_queue_arn = local.delivery_dead_letter_queue_arn
    log_group_arns                 = jsonencode([local.lambda_log_group_arn, local.ecs_log_group_arn])
    s3_service                     = local.s3_service
    sqs_service                    = local.sqs_service
    logs_service                   = local.logs_service
    account_id                     = local.account_id
    alarm_arn_pattern              = local.alarm_arn_pattern
  })

  bucket_a_policy = templatefile("${local.policy_dir}/bucket.json.tpl", {
    bucket_arn  = local.bucket_a_arn
    kms_key_arn = module.kms.key_arn
  })

  bucket_b_policy = templatefile("${local.policy_dir}/bucket.json.tpl", {
    bucket_arn  = local.bucket_b_arn
    kms_key_arn = module.kms.key_arn
  })

  access_log_bucket_policy = templatefile("${local.policy_dir}/access-log-bucket.json.tpl", {
    bucket_arn   = local.access_log_bucket_arn
    bucket_a_arn = local.bucket_a_arn
    bucket_b_arn = local.bucket_b_arn
    account_id   = local.account_id
  })

  queue_policy = templatefile("${local.policy_dir}/queue-rule-target.json.tpl", {
    queue_arn = local.queue_arn
    rule_arn  = local.rule_arn
  })

  # EventBridge sends events it could not deliver here, under the same rule.
  delivery_dead_letter_queue_policy = templatefile("${local.policy_dir}/queue-rule-target.json.tpl", {
    queue_arn = local.delivery_dead_letter_queue_arn
    rule_arn  = local.rule_arn
  })

  dead_letter_queue_policy = templatefile("${local.policy_dir}/queue-tls-only.json.tpl", {
    queue_arn = local.dead_letter_queue_arn
  })

  worker_policy = templatefile("${local.policy_dir}/worker.json.tpl", {
    bucket_a_arn          = local.bucket_a_arn
    bucket_b_arn          = local.bucket_b_arn
    queue_arn             = local.queue_arn
    dead_letter_queue_arn = local.dead_letter_queue_arn
    kms_key_arn           = module.kms.key_arn
    s3_service            = local.s3_service
    sqs_service           = local.sqs_service
  })

  lambda_logs_policy = templatefile("${local.policy_dir}/lambda-logs.json.tpl", {
    log_group_arn = local.lambda_log_group_arn
  })

  lambda_assume_role_policy = templatefile("${local.policy_dir}/assume-role-lambda.json.tpl", {})

  ecs_tasks_assume_role_policy = templatefile("${local.policy_dir}/assume-role-ecs-tasks.json.tpl", {
    account_id             = local.account_id
    ecs_source_arn_pattern = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"
  })

  ecs_execution_policy = templatefile("${local.policy_dir}/ecs-execution.json.tpl", {
    repository_arn = local.repository_arn
    log_group_arn  = local.ecs_log_group_arn
  })

  user_a_policy = templatefile("${local.policy_dir}/user-a.json.tpl", {
    bucket_a_arn = local.bucket_a_arn
    kms_key_arn  = module.kms.key_arn
    s3_service   = local.s3_service
  })

  user_b_policy = templatefile("${local.policy_dir}/user-b.json.tpl", {
    bucket_b_arn = local.bucket_b_arn
    kms_key_arn  = module.kms.key_arn
    s3_service   = local.s3_service
  })

  alarm_topic_policy = templatefile("${local.policy_dir}/alarm-topic.json.tpl", {
    topic_arn         = local.alarm_topic_arn
    account_id        = local.account_id
    alarm_arn_pattern = local.alarm_arn_pattern
  })
}
