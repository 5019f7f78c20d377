# The one customer-managed key of the deployment. It encrypts buckets A and B, the queues, the
# worker's logs and the alarm topic. Its policy (rendered in the root policies.tf) is the whole
# truth about who may use it: it does not delegate to the account's IAM policies, so no IAM
# administrator gains use of the key by accident.

resource "aws_kms_key" "this" {
  description             = "${var.name_prefix}: buckets, queues, logs and alarm topic"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = var.deletion_window_days
  policy                  = var.policy
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this.key_id
}
