{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyRequestsWithoutTls",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "sqs:*",
      "Resource": "${queue_arn}",
      "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    }
  ]
}
