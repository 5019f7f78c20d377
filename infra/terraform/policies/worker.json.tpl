{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ListBothBuckets",
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": ["${bucket_a_arn}", "${bucket_b_arn}"]
    },
    {
      "Sid": "ReadUploadsAndTheirVersions",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:GetObjectVersion"],
      "Resource": "${bucket_a_arn}/*"
    },
    {
      "Sid": "ReadWriteAndDeleteScrubbedCopies",
      "Effect": "Allow",
      "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
      "Resource": "${bucket_b_arn}/*"
    },
    {
      "Sid": "ConsumeTheWorkQueue",
      "Effect": "Allow",
      "Action": [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage"
      ],
      "Resource": "${queue_arn}"
    },
    {
      "Sid": "DeadLetterPermanentFailures",
      "Effect": "Allow",
      "Action": ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
      "Resource": "${dead_letter_queue_arn}"
    },
    {
      "Sid": "DecryptThroughS3InBothBuckets",
      "Effect": "Allow",
      "Action": "kms:Decrypt",
      "Resource": "${kms_key_arn}",
      "Condition": {
        "StringEquals": { "kms:ViaService": "${s3_service}" },
        "StringLike": {
          "kms:EncryptionContext:aws:s3:arn": [
            "${bucket_a_arn}",
            "${bucket_a_arn}/*",
            "${bucket_b_arn}",
            "${bucket_b_arn}/*"
          ]
        }
      }
    },
    {
      "Sid": "EncryptThroughS3InBucketB",
      "Effect": "Allow",
      "Action": "kms:GenerateDataKey",
      "Resource": "${kms_key_arn}",
      "Condition": {
        "StringEquals": { "kms:ViaService": "${s3_service}" },
        "StringLike": { "kms:EncryptionContext:aws:s3:arn": ["${bucket_b_arn}", "${bucket_b_arn}/*"] }
      }
    },
    {
      "Sid": "DecryptThroughSqs",
      "Effect": "Allow",
      "Action": "kms:Decrypt",
      "Resource": "${kms_key_arn}",
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "${sqs_service}",
          "kms:EncryptionContext:aws:sqs:arn": ["${queue_arn}", "${dead_letter_queue_arn}"]
        }
      }
    },
    {
      "Sid": "EncryptThroughSqsForTheDeadLetterQueue",
      "Effect": "Allow",
      "Action": "kms:GenerateDataKey",
      "Resource": "${kms_key_arn}",
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "${sqs_service}",
          "kms:EncryptionContext:aws:sqs:arn": "${dead_letter_queue_arn}"
        }
      }
    }
  ]
}
