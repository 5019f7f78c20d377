# A complete deployment of exifstrip: the Lambda worker, alarms mailed to on-call, and (when
# worker_mode says so) the container worker on Fargate.
#
#   cp terraform.tfvars.example terraform.tfvars   # then edit it
#   terraform init && terraform plan -out plan.tfplan && terraform apply plan.tfplan
#
# docs/deploy.md walks through the whole procedure.

terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.94"
    }
  }

  # Keep the state remote and encrypted in a real deployment; the state holds no secret (no
  # access keys are created) but does name every resource. For example:
  # backend "s3" {
  #   bucket       = "my-terraform-state"
  #   key          = "exifstrip/terraform.tfstate"
  #   region       = "eu-west-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      "app"         = "exifstrip"
      "environment" = var.environment
    }
  }
}

module "exifstrip" {
  # The root module of this repository. From elsewhere, use a git source pinned to a tag.
  source = "../.."

  name_prefix = var.name_prefix

  # Whoever runs Terraform must be among the key administrators, or KMS refuses the key policy.
  key_admin_arns = var.key_admin_arns

  # On-call engineers who read and replay the dead-letter queues.
  queue_operator_arns = var.queue_operator_arns

  # Built with `cargo lambda build --release --output-format zip` at the repository root.
  lambda_zip_path = var.lambda_zip_path
  architecture    = var.architecture

  # Sized for a streaming scrubber (flat ~32 MiB) and objects up to 256 MiB.
  lambda_memory_mb       = 256
  lambda_timeout_seconds = 60
  batch_size             = 10
  max_concurrency        = var.max_concurrency

  # "lambda", "ecs" or "both". The container worker needs a VPC with private subnets and an
  # image pushed to the repository this module creates (see the ecr_repository_url output).
  worker_mode    = var.worker_mode
  ecs_image_tag  = var.ecs_image_tag
  ecs_vpc_id     = var.ecs_vpc_id
  ecs_subnet_ids = var.ecs_subnet_ids

  # One task at all times, up to four while the queue has a backlog.
  ecs_desired_count = 1
  ecs_max_count     = 4

  noncurrent_version_days = 30
  log_retention_days      = 365

  alarm_topic_enabled   = true
  alarm_email_addresses = var.alarm_email_addresses

  # Leave false outside experiments: destroy then refuses to delete buckets that hold objects.
  force_destroy = false
}

output "exifstrip" {
  description = "Everything the root module reports: bucket names, queue URLs, user names, alarm topic."
  value       = module.exifstrip
}
