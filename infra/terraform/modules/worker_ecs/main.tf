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
  desired_count    = var.min_count
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

  # Application Auto Scaling owns the count once the service exists (see below).
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_iam_role_policy.task, aws_iam_role_policy.execution]
}

# Scaling on the work queue's backlog. The scalable target always exists and holds the count
# between min_count and max_count, so changing min_count moves a running service too; the
# policies and their alarms exist only when max_count leaves room to scale.
#
# Out: while at least scale_out_backlog messages wait, add a task (two at ten times that, four
# at a hundred times), then wait two minutes for the new tasks to start polling. In: when the
# queue has been empty, nothing waiting and nothing in flight, for 15 minutes, stop a task every
# five minutes. A stopped task gets SIGTERM and finishes the objects in hand (stopTimeout);
# messages it had not finished come back through their visibility timeout.

locals {
  scaling = var.max_count > var.min_count

  # Each policy's step adjustments; bounds are relative to its alarm's threshold (backlog and
  # idle below).
  scaling_policies = {
    for direction, policy in {
      out = {
        cooldown = 120
        steps = [
          { lower = 0, upper = 9 * var.scale_out_backlog, change = 1 },
          { lower = 9 * var.scale_out_backlog, upper = 99 * var.scale_out_backlog, change = 2 },
          { lower = 99 * var.scale_out_backlog, upper = null, change = 4 },
        ]
      }
      in = {
        cooldown = 300
        steps    = [{ lower = null, upper = 0, change = -1 }]
      }
    } : direction => policy if local.scaling
  }
}

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.worker.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "worker" {
  for_each = local.scaling_policies

  name               = "${var.name_prefix}-worker-scale-${each.key}"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = each.value.cooldown
    metric_aggregation_type = "Maximum"

    dynamic "step_adjustment" {
      for_each = each.value.steps
      content {
        metric_interval_lower_bound = step_adjustment.value.lower
        metric_interval_upper_bound = step_adjustment.value.upper
        scaling_adjustment          = step_adjustment.value.change
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "backlog" {
  count = local.scaling ? 1 : 0

  alarm_name          = "${var.name_prefix}-worker-backlog"
  alarm_description   = "At least ${var.scale_out_backlog} messages wait in ${var.queue_name}: adds worker tasks, up to ${var.max_count}. Scaling only; nobody is paged."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.scale_out_backlog
  # SQS stops reporting for queues idle for hours; no data means an empty queue.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_appautoscaling_policy.worker["out"].arn]
  tags               = var.tags
}

resource "aws_cloudwatch_metric_alarm" "idle" {
  count = local.scaling ? 1 : 0

  alarm_name          = "${var.name_prefix}-worker-idle"
  alarm_description   = "${var.queue_name} has been empty for 15 minutes: stops worker tasks, down to ${var.min_count}. Scaling only; nobody is paged."
  evaluation_periods  = 15
  datapoints_to_alarm = 15
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = 0
  # No data from an idle queue means an empty one.
  treat_missing_data = "breaching"
  alarm_actions      = [aws_appautoscaling_policy.worker["in"].arn]
  tags               = var.tags

  metric_query {
    id          = "outstanding"
    expression  = "waiting + in_flight"
    label       = "Messages waiting or in flight"
    return_data = true
  }

  metric_query {
    id = "waiting"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.queue_name }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id = "in_flight"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      dimensions  = { QueueName = var.queue_name }
      stat        = "Maximum"
      period      = 60
    }
  }
}
