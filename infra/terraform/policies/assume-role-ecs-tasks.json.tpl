{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EcsTasksInThisAccount",
      "Effect": "Allow",
      "Principal": { "Service": "ecs-tasks.amazonaws.com" },
      "Action": "sts:AssumeRole",
      "Condition": {
        "StringEquals": { "aws:SourceAccount": "${account_id}" },
        "ArnLike": { "aws:SourceArn": "${ecs_source_arn_pattern}" }
      }
    }
  ]
}
