{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OnlyOurAlarmsPublish",
      "Effect": "Allow",
      "Principal": { "Service": "cloudwatch.amazonaws.com" },
      "Action": "sns:Publish",
      "Resource": "${topic_arn}",
      "Condition": {
        "StringEquals": { "aws:SourceAccount": "${account_id}" },
        "ArnLike": { "aws:SourceArn": "${alarm_arn_pattern}" }
      }
    }
  ]
}
