{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ListBucketA",
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "${bucket_a_arn}"
    },
    {
      "Sid": "ReadWriteDeleteObjectsInBucketA",
      "Effect": "Allow",
      "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
      "Resource": "${bucket_a_arn}/*"
    },
    {
      "Sid": "UseTheKeyOnlyThroughS3",
      "Effect": "Allow",
      "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
      "Resource": "${kms_key_arn}",
      "Condition": {
        "StringEquals": { "kms:ViaService": "${s3_service}" },
        "StringLike": { "kms:EncryptionContext:aws:s3:arn": ["${bucket_a_arn}", "${bucket_a_arn}/*"] }
      }
    }
  ]
}
