{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ListBucketB",
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "${bucket_b_arn}"
    },
    {
      "Sid": "ReadObjectsInBucketB",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "${bucket_b_arn}/*"
    },
    {
      "Sid": "UseTheKeyOnlyThroughS3",
      "Effect": "Allow",
      "Action": "kms:Decrypt",
      "Resource": "${kms_key_arn}",
      "Condition": {
        "StringEquals": { "kms:ViaService": "${s3_service}" },
        "StringLike": { "kms:EncryptionContext:aws:s3:arn": ["${bucket_b_arn}", "${bucket_b_arn}/*"] }
      }
    }
  ]
}
