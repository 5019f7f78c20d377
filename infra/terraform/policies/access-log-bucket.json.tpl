{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyRequestsWithoutTls",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": ["${bucket_arn}", "${bucket_arn}/*"],
      "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    },
    {
      "Sid": "S3ServerAccessLogsFromOurBuckets",
      "Effect": "Allow",
      "Principal": { "Service": "logging.s3.amazonaws.com" },
      "Action": "s3:PutObject",
      "Resource": "${bucket_arn}/*",
      "Condition": {
        "StringEquals": { "aws:SourceAccount": "${account_id}" },
        "ArnEquals": { "aws:SourceArn": ["${bucket_a_arn}", "${bucket_b_arn}"] }
      }
    }
  ]
}
