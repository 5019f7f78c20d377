"""A sample deployment: the policies of infra/terraform rendered with made-up account values.

The templates are the files Terraform renders, and the variables passed to each one are checked
against the templatefile() calls in infra/terraform/policies.tf, so the tests judge exactly what
would be deployed (with sample names in place of the real ones).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from policy_eval import Principal, render

INFRA = Path(__file__).resolve().parent.parent
TERRAFORM = INFRA / "terraform"
POLICY_DIR = TERRAFORM / "policies"

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "eu-west-1"
PREFIX = "exifstrip"


def _iam(kind: str, name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def _sqs(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def _log_group(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


BUCKET_A = f"arn:aws:s3:::{PREFIX}-a-{ACCOUNT}-{REGION}"
BUCKET_B = f"arn:aws:s3:::{PREFIX}-b-{ACCOUNT}-{REGION}"
ACCESS_LOGS = f"arn:aws:s3:::{PREFIX}-logs-{ACCOUNT}-{REGION}"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0d6c1f2e-8a4b-4c3d-9e7f-123456789abc"
QUEUE = _sqs(f"{PREFIX}-work")
DEAD_LETTER_QUEUE = _sqs(f"{PREFIX}-work-dlq")
DELIVERY_DEAD_LETTER_QUEUE = _sqs(f"{PREFIX}-delivery-dlq")
RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{PREFIX}-uploads"
LAMBDA_LOG_GROUP = _log_group(f"/aws/lambda/{PREFIX}-worker")
ECS_LOG_GROUP = _log_group(f"/ecs/{PREFIX}-worker")
REPOSITORY = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{PREFIX}-worker"
ALARM_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:{PREFIX}-alarms"
ALARM_PATTERN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{PREFIX}-*"
OUR_ALARM = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{PREFIX}-work-dlq-not-empty"
OTHER_ALARM = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:billing-spike"
WORKER_ROLE = _iam("role", f"{PREFIX}-worker")
TASK_ROLE = _iam("role", f"{PREFIX}-worker-task")

S3_SERVICE = f"s3.{REGION}.amazonaws.com"
SQS_SERVICE = f"sqs.{REGION}.amazonaws.com"
SNS_SERVICE = f"sns.{REGION}.amazonaws.com"
LOGS_SERVICE = f"logs.{REGION}.amazonaws.com"

USER_A = Principal("user A", arn=_iam("user", f"{PREFIX}/{PREFIX}-user-a"))
USER_B = Principal("user B", arn=_iam("user", f"{PREFIX}/{PREFIX}-user-b"))
WORKER = Principal("worker (Lambda)", arn=WORKER_ROLE)
WORKER_TASK = Principal("worker (ECS task)", arn=TASK_ROLE)
TASK_EXECUTION = Principal(
    "ECS task execution", arn=_iam("role", f"{PREFIX}-worker-task-execution")
)
KEY_ADMIN = Principal("key administrator", arn=_iam("role", "platform-admin"))
OPERATOR = Principal("queue operator", arn=_iam("role", "on-call"))
STRANGER = Principal("role in another account", arn=_iam("role", "intruder", OTHER_ACCOUNT))
ANONYMOUS = Principal("anonymous")
EVENTBRIDGE = Principal("EventBridge", service="events.amazonaws.com")
CLOUDWATCH_LOGS = Principal("CloudWatch Logs", service=LOGS_SERVICE)
CLOUDWATCH = Principal("CloudWatch alarms", service="cloudwatch.amazonaws.com")
S3_LOGGING = Principal("S3 server access logging", service="logging.s3.amazonaws.com")
LAMBDA = Principal("Lambda", service="lambda.amazonaws.com")
ECS_TASKS = Principal("ECS tasks", service="ecs-tasks.amazonaws.com")


def template_values(worker_roles: list[str]) -> dict[str, tuple[str, dict]]:
    """The values each templatefile() call in policies.tf receives, keyed by its local name."""
    return {
        "kms_key_policy": (
            "kms-key.json.tpl",
            {
                "key_admin_arns": [KEY_ADMIN.arn],
                "queue_operator_arns": [OPERATOR.arn],
                "worker_role_arns": worker_roles,
                "user_a_arn": USER_A.arn,
                "user_b_arn": USER_B.arn,
                "bucket_a_arn": BUCKET_A,
                "bucket_b_arn": BUCKET_B,
                "queue_arn": QUEUE,
                "dead_letter_queue_arn": DEAD_LETTER_QUEUE,
                "delivery_dead_letter_queue_arn": DELIVERY_DEAD_LETTER_QUEUE,
                "log_group_arns": [LAMBDA_LOG_GROUP, ECS_LOG_GROUP],
                "s3_service": S3_SERVICE,
                "sqs_service": SQS_SERVICE,
                "logs_service": LOGS_SERVICE,
                "account_id": ACCOUNT,
                "alarm_arn_pattern": ALARM_PATTERN,
            },
        ),
        "bucket_a_policy": ("bucket.json.tpl", {"bucket_arn": BUCKET_A, "kms_key_arn": KEY}),
        "bucket_b_policy": ("bucket.json.tpl", {"bucket_arn": BUCKET_B, "kms_key_arn": KEY}),
        "access_log_bucket_policy": (
            "access-log-bucket.json.tpl",
            {
                "bucket_arn": ACCESS_LOGS,
                "bucket_a_arn": BUCKET_A,
                "bucket_b_arn": BUCKET_B,
                "account_id": ACCOUNT,
            },
        ),
        "queue_policy": ("queue-rule-target.json.tpl", {"queue_arn": QUEUE, "rule_arn": RULE}),
        "delivery_dead_letter_queue_policy": (
            "queue-rule-target.json.tpl",
            {"queue_arn": DELIVERY_DEAD_LETTER_QUEUE, "rule_arn": RULE},
        ),
        "dead_letter_queue_policy": ("queue-tls-only.json.tpl", {"queue_arn": DEAD_LETTER_QUEUE}),
        "worker_policy": (
            "worker.json.tpl",
            {
                "bucket_a_arn": BUCKET_A,
                "bucket_b_arn": BUCKET_B,
                "queue_arn": QUEUE,
                "dead_letter_queue_arn": DEAD_LETTER_QUEUE,
                "kms_key_arn": KEY,
                "s3_service": S3_SERVICE,
                "sqs_service": SQS_SERVICE,
            },
        ),
        "lambda_logs_policy": ("lambda-logs.json.tpl", {"log_group_arn": LAMBDA_LOG_GROUP}),
        "lambda_assume_role_policy": ("assume-role-lambda.json.tpl", {}),
        "ecs_tasks_assume_role_policy": (
            "assume-role-ecs-tasks.json.tpl",
            {
                "account_id": ACCOUNT,
                "ecs_source_arn_pattern": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*",
            },
        ),
        "ecs_execution_policy": (
            "ecs-execution.json.tpl",
            {"repository_arn": REPOSITORY, "log_group_arn": ECS_LOG_GROUP},
        ),
        "user_a_policy": (
            "user-a.json.tpl",
            {"bucket_a_arn": BUCKET_A, "kms_key_arn": KEY, "s3_service": S3_SERVICE},
        ),
        "user_b_policy": (
            "user-b.json.tpl",
            {"bucket_b_arn": BUCKET_B, "kms_key_arn": KEY, "s3_service": S3_SERVICE},
        ),
        "alarm_topic_policy": (
            "alarm-topic.json.tpl",
            {"topic_arn": ALARM_TOPIC, "account_id": ACCOUNT, "alarm_arn_pattern": ALARM_PATTERN},
        ),
    }


def render_all(worker_roles: list[str] | None = None) -> dict[str, dict]:
    """Every policy of the deployment, rendered; the worker runs on Lambda and ECS by default."""
    roles = [WORKER_ROLE, TASK_ROLE] if worker_roles is None else worker_roles
    return {
        name: render(POLICY_DIR / template, values)
        for name, (template, values) in template_values(roles).items()
    }


@dataclass(frozen=True)
class TemplateCall:
    local: str
    template: str
    arguments: dict[str, str]


def terraform_template_calls() -> list[TemplateCall]:
    """The templatefile() calls of policies.tf: local name, template file, argument expressions."""
    text = (TERRAFORM / "policies.tf").read_text()
    pattern = re.compile(
        r'^\s*(\w+)\s*=\s*templatefile\("\$\{local\.policy_dir\}/([\w.-]+)",\s*\{(.*?)\}\)',
        re.MULTILINE | re.DOTALL,
    )
    calls = []
    for local, template, body in pattern.findall(text):
        arguments = {}
        for line in body.strip().splitlines():
            key, _, expression = line.partition("=")
            arguments[key.strip()] = expression.strip()
        calls.append(TemplateCall(local, template, arguments))
    return calls


def with_statement(policies: dict[str, dict], name: str, statement: dict) -> dict[str, dict]:
    """A copy of the rendered policies with one statement added to one of them."""
    widened = copy.deepcopy(policies)
    widened[name]["Statement"].append(statement)
    return widened
