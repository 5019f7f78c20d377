{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OnlyTheUploadRuleSends",
      "Effect": "Allow",
      "Principal": { "Service": "events.amazonaws.com" },
      "Action": "sqs:SendMessage",
      "Resource": "${queue_arn}",
      "Condition": { "ArnEquals": { "aws:SourceArn": "${rule_arn}" } }
    },
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
