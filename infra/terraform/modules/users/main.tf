# Users A and B. Permissions are attached to one group each rather than to the users, so a second
# uploader or reader is a group membership, not a copy of the policy.
#
# No access keys, passwords or login profiles are created here: they would be stored in the
# Terraform state. docs/deploy.md explains how to issue credentials outside Terraform.

resource "aws_iam_group" "a" {
  name = "${var.name_prefix}-uploaders"
  path = "/${var.name_prefix}/"
}

resource "aws_iam_group_policy" "a" {
  name   = "bucket-a-read-write"
  group  = aws_iam_group.a.name
  policy = var.user_a_policy
}

resource "aws_iam_group" "b" {
  name = "${var.name_prefix}-readers"
  path = "/${var.name_prefix}/"
}

resource "aws_iam_group_policy" "b" {
  name   = "bucket-b-read"
  group  = aws_iam_group.b.name
  policy = var.user_b_policy
}

resource "aws_iam_user" "a" {
  #checkov:skip=CKV_AWS_273:Issue 5 asks for IAM users A and B for external uploaders and readers; no credentials are created here and docs/deploy.md recommends IAM Identity Center where the people have it.
  name = "${var.name_prefix}-user-a"
  path = "/${var.name_prefix}/"
  tags = var.tags
}

resource "aws_iam_user" "b" {
  #checkov:skip=CKV_AWS_273:Issue 5 asks for IAM users A and B for external uploaders and readers; no credentials are created here and docs/deploy.md recommends IAM Identity Center where the people have it.
  name = "${var.name_prefix}-user-b"
  path = "/${var.name_prefix}/"
  tags = var.tags
}

resource "aws_iam_user_group_membership" "a" {
  user   = aws_iam_user.a.name
  groups = [aws_iam_group.a.name]
}

resource "aws_iam_user_group_membership" "b" {
  user   = aws_iam_user.b.name
  groups = [aws_iam_group.b.name]
}
