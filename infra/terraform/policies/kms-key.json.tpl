{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "KeyAdministration",
      "Effect": "Allow",
      "Principal": { "AWS": ${key_admin_arns} },
      "Action": [
        "kms:CancelKeyDeletion",
        "kms:CreateAlias",
        "kms:DeleteAlias",
        "kms:DescribeKey",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:EnableKey",
        "kms:EnableKeyRotation",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListAliases",
        "kms:ListGrants",
        "kms:ListKeyPolicies",
        "kms:ListKeyRotations",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:RevokeGrant",
        "kms:RotateKeyOnDemand",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateAlias",
        "kms:UpdateKeyDescription"
      ],
      "Resource": "*"
    },
    {
      "Sid": "UserAThroughS3OnBucketA",
      "Effect": "Allow",
      "Principal": { "AWS": "${user_a_arn}" },
      "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
      "Resource": "*",
      "Condition": {
        "StringEquals": { "kms:ViaService": "${s3_service}" },
        "StringLike": { "kms:EncryptionContext:aws:s3:arn": ["${bucket_a_arn}", "${bucket_a_arn}/*"] }
      }
    },
    {
      "Sid": "UserBThroughS3OnBucketB",
      "Effect": "Allow",
      "Principal": { "AWS": "${user_b_arn}" },
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Condition": {
        "StringEquals": { "kms:ViaService": "${s3_service}" },
        "StringLike": { "kms:EncryptionContext:aws:s3:arn": ["${bucket_b_arn}", "${bucket_b_arn}/*"] }
      }
    },
    {
      "Sid": "WorkerReadsThroughS3",
      "Effect": "Allow",
      "Principal": { "AWS": ${worker_role_arns} },
      "Action": "kms:Decrypt",
      "Resource": "*",
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
      "Sid": "WorkerWritesThroughS3OnBucketB",
      "Effect": "Allow",
      "Principal": { "AWS": ${worker_role_arns} },
      "Action": "kms:GenerateDataKey",
      "Resource": "*",
      "Condition": {
        "StringEquals": { "kms:ViaService": "${s3_service}" },
        "StringLike": { "kms:EncryptionContext:aws:s3:arn": ["${bucket_b_arn}", "${bucket_b_arn}/*"] }
      }
    },
    {
      "Sid": "WorkerReadsThroughSqs",
      "Effect": "Allow",
      "Principal": { "AWS": ${worker_role_arns} },
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "${sqs_service}",
          "kms:EncryptionContext:aws:sqs:arn": ["${queue_arn}", "${dead_letter_queue_arn}"]
        }
      }
    },
    {
      "Sid": "WorkerDeadLettersThroughSqs",
      "Effect": "Allow",
      "Principal": { "AWS": ${worker_role_arns} },
      "Action": "kms:GenerateDataKey",
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "${sqs_service}",
          "kms:EncryptionContext:aws:sqs:arn": "${dead_letter_queue_arn}"
        }
      }
    },
    {
      "Sid": "OperatorsReadAndReplayQueuesThroughSqs",
      "Effect": "Allow",
      "Principal": { "AWS": ${queue_operator_arns} },
      "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "${sqs_service}",
          "kms:EncryptionContext:aws:sqs:arn": [
            "${queue_arn}",
            "${dead_letter_queue_arn}",
            "${delivery_dead_letter_queue_arn}"
          ]
        }
      }
    },
    {
      "Sid": "EventBridgeDeliversToQueues",
      "Effect": "Allow",
      "Principal": { "Service": "events.amazonaws.com" },
      "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "kms:EncryptionContext:aws:sqs:arn": ["${queue_arn}", "${delivery_dead_letter_queue_arn}"]
        }
      }
    },
    {
      "Sid": "CloudWatchLogsEncryptsWorkerLogs",
      "Effect": "Allow",
      "Principal": { "Service": "${logs_service}" },
      "Action": [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo"
      ],
      "Resource": "*",
      "Condition": {
        "ArnEquals": { "kms:EncryptionContext:aws:logs:arn": ${log_group_arns} }
      }
    },
    {
      "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
      "Effect": "Allow",
      "Principal": { "Service": "cloudwatch.amazonaws.com" },
      "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
      "Resource": "*",
      "Condition": {
        "StringEquals": { "aws:SourceAccount": "${account_id}" },
        "ArnLike": { "aws:SourceArn": "${alarm_arn_pattern}" }
      }
    }
  ]
}
