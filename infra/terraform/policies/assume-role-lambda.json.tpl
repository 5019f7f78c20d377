{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "LambdaRunsTheWorker",
      "Effect": "Allow",
      "Principal": { "Service": "lambda.amazonaws.com" },
      "Action": "sts:AssumeRole"
    }
  ]
}
