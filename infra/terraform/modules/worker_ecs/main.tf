# The worker as a long-running container on Fargate: `exifstrip worker` polls the work queue
# itself, and drains on SIGTERM (deployments and scale-in stop tasks with SIGTERM, then wait
# stop_timeout seconds).

data "aws_region" "current" {}

locals {
  cpu_architecture = var.architecture == "arm64" ? "ARM64" : "X86_64"
  image            = "${aws_ecr_repository.worker.repository_url}:${var.image_tag}"
}

resource "aws_ecr_repository" "worker" {
  name = var.repository_name

  # A tag names one build for good: what runs is what was reviewed and scanned.
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_destroy

  image_scanning_configuration {
    scan_on_push = true
  }

  # Images hold no secrets or user data; the AWS managed key avoids the grants a
  # customer-managed key needs for every pull.
  encryption_configuration {
    encryption_type = "KMS"
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "worker" {
  repository = aws_ecr_repository.worker.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 20 most recent images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 20
      }
      action = { type = "expire" }
    }]
  })
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# What the worker itself may do: the same policy as the Lambda function's.
resource "aws_iam_role" "task" {
  name               = "${var.name_prefix}-worker-task"
  description        = "Runs the exifstrip container worker"
  assume_role_policy = var.task_assume_role_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "scrub-a-into-b"
  role   = aws_iam_role.task.id
  policy = var.worker_policy
}

# What ECS needs to start the task: pull the image and ship its logs. Kept apart from the task
# role so the worker cannot pull images and ECS cannot touch the buckets.
resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-worker-task-execution"
  description        = "Starts the exifstrip container worker"
  assume_role_policy = var.task_assume_role_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-image-and-write-logs"
  role   = aws_iam_role.execution.id
  policy = var.execution_policy
}

resource "aws_security_group" "worker" {
  name        = "${var.name_prefix}-worker"
  description = "exifstrip container worker: no inbound, HTTPS out to AWS APIs"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.worker.id
  description       = "HTTPS to S3, SQS, ECR and CloudWatch Logs endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_ecs_cluster" "worker" {
  name = "${var.name_prefix}-worker"

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name_prefix}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory_mb
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = aws_iam_role.execution.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.cpu_architecture
  }

  # The root filesystem is read-only; /tmp is the task's ephemeral storage, in case the worker
  # spools.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([{
    name      = "worker"
    image     = local.image
    essential = true
    command   = ["worker", "--queue-url", var.queue_url, "--dest", var.destination_url]
    environment = [
      { name = "EXIFSTRIP_DEST", value = var.destination_url },
    ]
    readonlyRootFilesystem = true
    privileged             = false
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    # Fargate's maximum: time to finish the objects in hand after SIGTERM.
    stopTimeout = 120
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.worker.name
        "awslogs-region"        = data.aws_region.current.name
        "awslogs-stream-prefix" = "worker"
      }
    }
  }])

  tags = var.tags
}

resource "aws_ecs_service" "worker" {
  name             = "${var.name_prefix}-worker"
  cluster          = aws_ecs_cluster.worker.id
  task_definition  = aws_ecs_task_definition.worker.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  propagate_tags   = "SERVICE"

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }

  # A task that cannot start (bad image, missing permission) stops the deployment and rolls
  # back instead of cycling quietly.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.task, aws_iam_role_policy.execution]
}
