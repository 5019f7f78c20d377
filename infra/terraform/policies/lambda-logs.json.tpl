{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "WriteOwnLogGroup",
      "Effect": "Allow",
      "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
      "Resource": "${log_group_arn}:log-stream:*"
    }
  ]
}
