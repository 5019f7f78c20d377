"""The whole access matrix of the deployment, cell by cell.

Each table lists who may do what; every other combination of its principals, operations and
targets must be denied, and is asserted denied. The policies are the JSON templates Terraform
renders (see deployment.py), so widening any of them fails a cell here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import pytest

import deployment as d
from policy_eval import Decision, PolicyError, Principal, Request, evaluate, render

OBJECT_KEY = "photos/2024 summer/café+1.jpg"

EVENTBRIDGE_OTHER_RULE = Principal("EventBridge, another rule", service="events.amazonaws.com")
CLOUDWATCH_OTHER_ALARM = Principal("CloudWatch, another alarm", service="cloudwatch.amazonaws.com")
ECS_TASKS_OTHER_ACCOUNT = Principal("ECS tasks, another account", service="ecs-tasks.amazonaws.com")
S3_LOGGING_OTHER_BUCKET = Principal(
    "S3 server access logging, another bucket", service="logging.s3.amazonaws.com"
)

# The identity policies attached to each principal, by rendered policy name (policies.tf).
# Principals not listed have none of ours.
IDENTITY = {
    d.USER_A.name: ["user_a_policy"],
    d.USER_B.name: ["user_b_policy"],
    d.WORKER.name: ["worker_policy", "lambda_logs_policy"],
    d.WORKER_TASK.name: ["worker_policy"],
    d.TASK_EXECUTION.name: ["ecs_execution_policy"],
}

# What AWS adds to the request context when a service acts for a resource of ours or not.
SERVICE_CONTEXT = {
    d.EVENTBRIDGE.name: {"aws:SourceArn": d.RULE, "aws:SourceAccount": d.ACCOUNT},
    EVENTBRIDGE_OTHER_RULE.name: {
        "aws:SourceArn": f"arn:aws:events:{d.REGION}:{d.ACCOUNT}:rule/someone-elses-rule",
        "aws:SourceAccount": d.ACCOUNT,
    },
    d.CLOUDWATCH.name: {"aws:SourceArn": d.OUR_ALARM, "aws:SourceAccount": d.ACCOUNT},
    CLOUDWATCH_OTHER_ALARM.name: {"aws:SourceArn": d.OTHER_ALARM, "aws:SourceAccount": d.ACCOUNT},
    d.S3_LOGGING.name: {"aws:SourceArn": d.BUCKET_A, "aws:SourceAccount": d.ACCOUNT},
    S3_LOGGING_OTHER_BUCKET.name: {
        "aws:SourceArn": "arn:aws:s3:::another-bucket-of-this-account",
        "aws:SourceAccount": d.ACCOUNT,
    },
    d.ECS_TASKS.name: {
        "aws:SourceArn": f"arn:aws:ecs:{d.REGION}:{d.ACCOUNT}:task/{d.PREFIX}-worker/0a1b2c",
        "aws:SourceAccount": d.ACCOUNT,
    },
    ECS_TASKS_OTHER_ACCOUNT.name: {
        "aws:SourceArn": f"arn:aws:ecs:{d.REGION}:{d.OTHER_ACCOUNT}:task/x/0a1b2c",
        "aws:SourceAccount": d.OTHER_ACCOUNT,
    },
}

IAM_PRINCIPALS = (
    d.USER_A,
    d.USER_B,
    d.WORKER,
    d.WORKER_TASK,
    d.TASK_EXECUTION,
    d.KEY_ADMIN,
    d.OPERATOR,
    d.STRANGER,
    d.ANONYMOUS,
)
SERVICES = (
    d.EVENTBRIDGE,
    EVENTBRIDGE_OTHER_RULE,
    d.CLOUDWATCH_LOGS,
    d.CLOUDWATCH,
    CLOUDWATCH_OTHER_ALARM,
    d.S3_LOGGING,
)
WORKERS = (d.WORKER.name, d.WORKER_TASK.name)


@dataclass(frozen=True)
class Target:
    arn: str
    policy: str | None = None
    context: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    name: str
    principals: tuple[Principal, ...]
    # operation -> (action, whether it acts on an object inside the target)
    operations: Mapping[str, tuple[str, bool]]
    targets: Mapping[str, Target]
    allowed: frozenset[tuple[str, str, str]]
    key_policy: bool = False
    trust_policy: bool = False


def grants(principals, operations, targets) -> set[tuple[str, str, str]]:
    return {(p, o, t) for p in principals for o in operations for t in targets}


S3 = Table(
    name="S3",
    principals=IAM_PRINCIPALS + (d.S3_LOGGING, S3_LOGGING_OTHER_BUCKET, d.EVENTBRIDGE),
    operations={
        "list": ("s3:ListBucket", False),
        "read": ("s3:GetObject", True),
        "read an old version": ("s3:GetObjectVersion", True),
        "write": ("s3:PutObject", True),
        "delete": ("s3:DeleteObject", True),
        "delete a version for good": ("s3:DeleteObjectVersion", True),
        "change the bucket policy": ("s3:PutBucketPolicy", False),
        "change versioning": ("s3:PutBucketVersioning", False),
    },
    targets={
        "bucket A": Target(d.BUCKET_A, "bucket_a_policy"),
        "bucket B": Target(d.BUCKET_B, "bucket_b_policy"),
        "the access-log bucket": Target(d.ACCESS_LOGS, "access_log_bucket_policy"),
    },
    allowed=frozenset(
        grants([d.USER_A.name], ["list", "read", "write", "delete"], ["bucket A"])
        | grants([d.USER_B.name], ["list", "read"], ["bucket B"])
        | grants(WORKERS, ["list", "read", "read an old version"], ["bucket A"])
        | grants(WORKERS, ["list", "read", "write", "delete"], ["bucket B"])
        | grants([d.S3_LOGGING.name], ["write"], ["the access-log bucket"])
    ),
)

SQS = Table(
    name="SQS",
    principals=IAM_PRINCIPALS + (d.EVENTBRIDGE, EVENTBRIDGE_OTHER_RULE),
    operations={
        "receive": ("sqs:ReceiveMessage", False),
        "delete a message": ("sqs:DeleteMessage", False),
        "extend visibility": ("sqs:ChangeMessageVisibility", False),
        "read attributes": ("sqs:GetQueueAttributes", False),
        # The consumers find the dead-letter queue's URL from the redrive policy's ARN, and
        # the Lambda function its work queue's from the event source ARN.
        "find the URL": ("sqs:GetQueueUrl", False),
        "send": ("sqs:SendMessage", False),
        "purge": ("sqs:PurgeQueue", False),
        "change attributes": ("sqs:SetQueueAttributes", False),
    },
    targets={
        "the work queue": Target(d.QUEUE, "queue_policy"),
        "the work DLQ": Target(d.DEAD_LETTER_QUEUE, "dead_letter_queue_policy"),
        "the delivery DLQ": Target(
            d.DELIVERY_DEAD_LETTER_QUEUE, "delivery_dead_letter_queue_policy"
        ),
    },
    allowed=frozenset(
        grants(
            WORKERS,
            [
                "receive",
                "delete a message",
                "extend visibility",
                "read attributes",
                "find the URL",
            ],
            ["the work queue"],
        )
        | grants(WORKERS, ["send", "read attributes", "find the URL"], ["the work DLQ"])
        | grants([d.EVENTBRIDGE.name], ["send"], ["the work queue", "the delivery DLQ"])
    ),
)


def _route(via: str | None, context_key: str | None, arn: str | None) -> Target:
    context: dict[str, object] = {}
    if via is not None:
        context["kms:ViaService"] = via
    if context_key is not None:
        context[f"kms:EncryptionContext:{context_key}"] = arn
    return Target(d.KEY, "kms_key_policy", context)


KMS_ROUTES = {
    "through S3 in bucket A": _route(d.S3_SERVICE, "aws:s3:arn", d.BUCKET_A),
    "through S3 in bucket B": _route(d.S3_SERVICE, "aws:s3:arn", d.BUCKET_B),
    "through S3 in another bucket": _route(d.S3_SERVICE, "aws:s3:arn", "arn:aws:s3:::elsewhere"),
    "through SQS on the work queue": _route(d.SQS_SERVICE, "aws:sqs:arn", d.QUEUE),
    "through SQS on the work DLQ": _route(d.SQS_SERVICE, "aws:sqs:arn", d.DEAD_LETTER_QUEUE),
    "through SQS on the delivery DLQ": _route(
        d.SQS_SERVICE, "aws:sqs:arn", d.DELIVERY_DEAD_LETTER_QUEUE
    ),
    "through SQS on another queue": _route(
        d.SQS_SERVICE, "aws:sqs:arn", f"arn:aws:sqs:{d.REGION}:{d.ACCOUNT}:other"
    ),
    "for the worker's log group": _route(None, "aws:logs:arn", d.LAMBDA_LOG_GROUP),
    "for another log group": _route(
        None, "aws:logs:arn", f"arn:aws:logs:{d.REGION}:{d.ACCOUNT}:log-group:other"
    ),
    "through SNS on the alarm topic": _route(d.SNS_SERVICE, "aws:sns:topicArn", d.ALARM_TOPIC),
    # No kms:ViaService: a direct call to KMS, as with `aws kms decrypt`. A caller may pass any
    # encryption context it likes, so direct calls claiming our buckets' and queues' contexts
    # must fail as well.
    "directly": _route(None, None, None),
    "directly, claiming bucket A's context": _route(None, "aws:s3:arn", d.BUCKET_A),
    "directly, claiming bucket B's context": _route(None, "aws:s3:arn", d.BUCKET_B),
    "directly, claiming the work queue's context": _route(None, "aws:sqs:arn", d.QUEUE),
    "directly, claiming the work DLQ's context": _route(None, "aws:sqs:arn", d.DEAD_LETTER_QUEUE),
}

KMS = Table(
    name="KMS",
    principals=IAM_PRINCIPALS + SERVICES,
    operations={"decrypt": ("kms:Decrypt", False), "encrypt": ("kms:GenerateDataKey", False)},
    targets=KMS_ROUTES,
    allowed=frozenset(
        grants([d.USER_A.name], ["decrypt", "encrypt"], ["through S3 in bucket A"])
        | grants([d.USER_B.name], ["decrypt"], ["through S3 in bucket B"])
        | grants(
            WORKERS,
            ["decrypt"],
            [
                "through S3 in bucket A",
                "through S3 in bucket B",
                "through SQS on the work queue",
                "through SQS on the work DLQ",
            ],
        )
        | grants(WORKERS, ["encrypt"], ["through S3 in bucket B", "through SQS on the work DLQ"])
        | grants(
            [d.OPERATOR.name],
            ["decrypt", "encrypt"],
            [
                "through SQS on the work queue",
                "through SQS on the work DLQ",
                "through SQS on the delivery DLQ",
            ],
        )
        # KMS does not receive aws:SourceArn for EventBridge deliveries, so the key trusts
        # EventBridge by queue (encryption context) whatever the rule; the queue policies are
        # what let only our rule send (see the SQS table).
        | grants(
            [d.EVENTBRIDGE.name, EVENTBRIDGE_OTHER_RULE.name],
            ["decrypt", "encrypt"],
            [
                "through SQS on the work queue",
                "through SQS on the delivery DLQ",
                "directly, claiming the work queue's context",
            ],
        )
        | grants([d.CLOUDWATCH_LOGS.name], ["decrypt", "encrypt"], ["for the worker's log group"])
        # CloudWatch is trusted by alarm identity (aws:SourceArn, aws:SourceAccount), the
        # conditions AWS documents for alarms publishing to an encrypted topic, not by route:
        # the service reaches KMS only through SNS.
        | grants([d.CLOUDWATCH.name], ["decrypt", "encrypt"], KMS_ROUTES)
    ),
    key_policy=True,
)

KMS_ADMINISTRATION = Table(
    name="KMS administration",
    principals=IAM_PRINCIPALS + SERVICES,
    operations={
        "change the key policy": ("kms:PutKeyPolicy", False),
        "schedule key deletion": ("kms:ScheduleKeyDeletion", False),
        "disable rotation": ("kms:DisableKeyRotation", False),
        "create a grant": ("kms:CreateGrant", False),
        "re-encrypt": ("kms:ReEncryptFrom", False),
    },
    targets={"the key": Target(d.KEY, "kms_key_policy")},
    allowed=frozenset(
        grants(
            [d.KEY_ADMIN.name],
            ["change the key policy", "schedule key deletion", "disable rotation"],
            ["the key"],
        )
    ),
    key_policy=True,
)

SNS = Table(
    name="SNS",
    principals=IAM_PRINCIPALS + (d.CLOUDWATCH, CLOUDWATCH_OTHER_ALARM),
    operations={
        "publish": ("sns:Publish", False),
        "subscribe": ("sns:Subscribe", False),
        "change the topic": ("sns:SetTopicAttributes", False),
    },
    targets={"the alarm topic": Target(d.ALARM_TOPIC, "alarm_topic_policy")},
    allowed=frozenset(grants([d.CLOUDWATCH.name], ["publish"], ["the alarm topic"])),
)

LOGS_AND_IMAGES = Table(
    name="Logs and images",
    principals=IAM_PRINCIPALS,
    operations={
        "write logs": ("logs:PutLogEvents", False),
        "delete logs": ("logs:DeleteLogGroup", False),
        "pull an image": ("ecr:BatchGetImage", False),
        "push an image": ("ecr:PutImage", False),
    },
    targets={
        "the function's log group": Target(f"{d.LAMBDA_LOG_GROUP}:log-stream:2024/01/01/abc"),
        "the container's log group": Target(f"{d.ECS_LOG_GROUP}:log-stream:worker/worker/abc"),
        "another log group": Target(
            f"arn:aws:logs:{d.REGION}:{d.ACCOUNT}:log-group:other:log-stream:abc"
        ),
        "the worker repository": Target(d.REPOSITORY),
        "another repository": Target(f"arn:aws:ecr:{d.REGION}:{d.ACCOUNT}:repository/other"),
    },
    allowed=frozenset(
        grants([d.WORKER.name], ["write logs"], ["the function's log group"])
        | grants([d.TASK_EXECUTION.name], ["write logs"], ["the container's log group"])
        | grants([d.TASK_EXECUTION.name], ["pull an image"], ["the worker repository"])
    ),
)

ASSUME_ROLE = Table(
    name="Assume role",
    principals=IAM_PRINCIPALS + (d.LAMBDA, d.ECS_TASKS, ECS_TASKS_OTHER_ACCOUNT),
    operations={"assume": ("sts:AssumeRole", False)},
    targets={
        "the function role": Target(d.WORKER_ROLE, "lambda_assume_role_policy"),
        "the task roles": Target(d.TASK_ROLE, "ecs_tasks_assume_role_policy"),
    },
    allowed=frozenset(
        grants([d.LAMBDA.name], ["assume"], ["the function role"])
        | grants([d.ECS_TASKS.name], ["assume"], ["the task roles"])
    ),
    trust_policy=True,
)

TABLES = (S3, SQS, KMS, KMS_ADMINISTRATION, SNS, LOGS_AND_IMAGES, ASSUME_ROLE)


@dataclass(frozen=True)
class Cell:
    table: Table
    principal: Principal
    operation: str
    target: str

    @property
    def expected(self) -> bool:
        return (self.principal.name, self.operation, self.target) in self.table.allowed

    def __str__(self) -> str:
        verdict = "may" if self.expected else "may not"
        return f"[{self.table.name}] {self.principal.name} {verdict} {self.operation} {self.target}"


def cells(tables=TABLES) -> list[Cell]:
    return [
        Cell(table, principal, operation, target)
        for table in tables
        for principal in table.principals
        for operation in table.operations
        for target in table.targets
    ]


def request(cell: Cell, extra_context: Mapping[str, object] | None = None) -> Request:
    action, on_object = cell.table.operations[cell.operation]
    target = cell.table.targets[cell.target]
    resource = f"{target.arn}/{OBJECT_KEY}" if on_object else target.arn
    context = {
        **SERVICE_CONTEXT.get(cell.principal.name, {}),
        **target.context,
        **(extra_context or {}),
    }
    return Request(cell.principal, action, resource, context)


def decide(
    policies: Mapping[str, dict],
    cell: Cell,
    *,
    identity_only: bool = False,
    extra_context: Mapping[str, object] | None = None,
) -> Decision:
    identity = [policies[name] for name in IDENTITY.get(cell.principal.name, [])]
    target = cell.table.targets[cell.target]
    resource_policy = None
    if target.policy is not None and not identity_only:
        resource_policy = policies[target.policy]
    return evaluate(
        request(cell, extra_context),
        identity,
        resource_policy,
        key_policy=cell.table.key_policy and not identity_only,
        trust_policy=cell.table.trust_policy,
    )


def identity_layer_cells() -> list[Cell]:
    """KMS cells of principals whose identity policies are ours: those must hold on their own too.

    The key policy alone decides key use, so without this a wider identity policy (kms:* on *)
    would go unnoticed until someone widened the key policy as well.
    """
    return [
        cell
        for cell in cells((KMS, KMS_ADMINISTRATION))
        if cell.principal.name in IDENTITY
    ]


def violations(policies: Mapping[str, dict]) -> list[str]:
    found = [str(c) for c in cells() if decide(policies, c).allowed != c.expected]
    found += [
        f"{c} (identity policies alone)"
        for c in identity_layer_cells()
        if decide(policies, c, identity_only=True).allowed != c.expected
    ]
    return found


@pytest.fixture(scope="module")
def policies() -> dict[str, dict]:
    return d.render_all()


# --- the matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", cells(), ids=str)
def test_cell(policies, cell):
    decision = decide(policies, cell)
    assert decision.allowed == cell.expected, f"{cell}, but the policies say {decision.value}"


@pytest.mark.parametrize("cell", identity_layer_cells(), ids=str)
def test_key_cell_on_identity_policies_alone(policies, cell):
    decision = decide(policies, cell, identity_only=True)
    assert decision.allowed == cell.expected, f"{cell}, but the identity policies say otherwise"


def test_every_allowed_cell_is_reachable():
    # A grant in a table that names no principal, operation or target of the table would
    # silently test nothing.
    for table in TABLES:
        names = {p.name for p in table.principals}
        for principal, operation, target in table.allowed:
            assert principal in names, f"[{table.name}] unknown principal {principal}"
            assert operation in table.operations, f"[{table.name}] unknown operation {operation}"
            assert target in table.targets, f"[{table.name}] unknown target {target}"


def test_every_policy_is_judged_by_the_matrix():
    used = {name for names in IDENTITY.values() for name in names}
    used |= {t.policy for table in TABLES for t in table.targets.values() if t.policy}
    assert used == set(d.render_all())


# --- conditions the matrix does not vary ------------------------------------------------------

TLS_TABLES = (S3, SQS)


@pytest.mark.parametrize(
    "cell", [c for c in cells(TLS_TABLES) if c.expected], ids=str
)
def test_allowed_requests_without_tls_are_denied(policies, cell):
    decision = decide(policies, cell, extra_context={"aws:SecureTransport": False})
    assert decision is Decision.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, True),
        ({"s3:x-amz-server-side-encryption": "aws:kms"}, True),
        (
            {
                "s3:x-amz-server-side-encryption": "aws:kms",
                "s3:x-amz-server-side-encryption-aws-kms-key-id": d.KEY,
            },
            True,
        ),
        ({"s3:x-amz-server-side-encryption": "AES256"}, False),
        (
            {
                "s3:x-amz-server-side-encryption": "aws:kms",
                "s3:x-amz-server-side-encryption-aws-kms-key-id": (
                    f"arn:aws:kms:{d.REGION}:{d.OTHER_ACCOUNT}:key/other"
                ),
            },
            False,
        ),
    ],
)
def test_uploads_must_use_the_deployment_key(policies, headers, allowed):
    for principal, bucket in ((d.USER_A, "bucket A"), (d.WORKER, "bucket B")):
        cell = Cell(S3, principal, "write", bucket)
        decision = decide(policies, cell, extra_context=headers)
        assert decision.allowed == allowed, (principal.name, headers)


def test_key_use_per_object_context(policies):
    # Without an S3 bucket key, the encryption context is the object ARN instead of the bucket's.
    for principal, bucket, allowed in (
        (d.USER_A, d.BUCKET_A, True),
        (d.USER_B, d.BUCKET_A, False),
        (d.USER_B, d.BUCKET_B, True),
        (d.WORKER, d.BUCKET_A, True),
    ):
        req = Request(
            principal,
            "kms:Decrypt",
            d.KEY,
            {
                "kms:ViaService": d.S3_SERVICE,
                "kms:EncryptionContext:aws:s3:arn": f"{bucket}/{OBJECT_KEY}",
            },
        )
        identity = [policies[n] for n in IDENTITY[principal.name]]
        assert evaluate(req, identity, policies["kms_key_policy"], key_policy=True).allowed == (
            allowed
        ), (principal.name, bucket)


def test_key_through_s3_in_another_region_is_denied(policies):
    req = Request(
        d.WORKER,
        "kms:Decrypt",
        d.KEY,
        {
            "kms:ViaService": "s3.us-east-1.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": d.BUCKET_A,
        },
    )
    identity = [policies[n] for n in IDENTITY[d.WORKER.name]]
    assert not evaluate(req, identity, policies["kms_key_policy"], key_policy=True).allowed


def test_lambda_only_deployment_gives_the_task_role_nothing():
    policies = d.render_all(worker_roles=[d.WORKER_ROLE])
    for route in KMS_ROUTES:
        cell = Cell(KMS, d.WORKER_TASK, "decrypt", route)
        # The task role would not exist; its name must not be trusted by the key either.
        assert not evaluate(request(cell), [], policies["kms_key_policy"], key_policy=True).allowed
    assert decide(policies, Cell(KMS, d.WORKER, "decrypt", "through S3 in bucket A")).allowed


# --- the matrix is not vacuous ----------------------------------------------------------------


def test_rendered_policies_satisfy_the_matrix(policies):
    assert violations(policies) == []


def test_giving_user_b_everything_is_caught(policies):
    widened = d.with_statement(
        policies, "user_b_policy", {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    )
    found = violations(widened)
    assert "[S3] user B may not write bucket A" in found
    assert "[S3] user B may not delete bucket B" in found


def test_giving_the_worker_any_key_use_is_caught(policies):
    widened = d.with_statement(
        policies, "worker_policy", {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}
    )
    assert "[KMS] worker (Lambda) may not decrypt directly (identity policies alone)" in violations(
        widened
    )


IDENTITY_POLICIES = sorted({n for names in IDENTITY.values() for n in names})
RESOURCE_POLICIES = sorted(
    {t.policy for table in TABLES for t in table.targets.values() if t.policy}
)


@pytest.mark.parametrize("name", IDENTITY_POLICIES)
def test_widening_any_identity_policy_is_caught(policies, name):
    widened = d.with_statement(policies, name, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert violations(widened), f"allowing everything in {name} went unnoticed"


@pytest.mark.parametrize("name", RESOURCE_POLICIES)
def test_widening_any_resource_policy_is_caught(policies, name):
    statement = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    if name.endswith("assume_role_policy"):
        statement = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    widened = d.with_statement(policies, name, statement)
    assert violations(widened), f"opening {name} to everyone went unnoticed"


def test_narrowing_is_caught_too(policies):
    narrowed = d.render_all()
    worker = narrowed["worker_policy"]
    worker["Statement"] = [
        s for s in worker["Statement"] if s["Sid"] != "ReadWriteAndDeleteScrubbedCopies"
    ]
    assert "[S3] worker (Lambda) may delete bucket B" in violations(narrowed)


def test_dropping_the_tls_rule_is_caught(policies):
    relaxed = d.render_all()
    bucket = relaxed["bucket_b_policy"]
    bucket["Statement"] = [s for s in bucket["Statement"] if s["Sid"] != "DenyRequestsWithoutTls"]
    cell = Cell(S3, d.USER_B, "read", "bucket B")
    assert decide(relaxed, cell, extra_context={"aws:SecureTransport": False}).allowed


# --- the templates are the ones Terraform renders ----------------------------------------------


def test_policies_tf_passes_what_the_tests_pass():
    calls = {call.local: call for call in d.terraform_template_calls()}
    values = d.template_values([d.WORKER_ROLE, d.TASK_ROLE])
    assert set(calls) == set(values), "policies.tf and deployment.py render different policies"
    for local, (template, arguments) in values.items():
        call = calls[local]
        assert call.template == template, local
        assert set(call.arguments) == set(arguments), local
        for key, expression in call.arguments.items():
            is_list = isinstance(arguments[key], list)
            assert expression.startswith("jsonencode(") == is_list, f"{local}.{key}"


def test_every_template_is_rendered():
    on_disk = {p.name for p in d.POLICY_DIR.glob("*.tpl")}
    rendered = {call.template for call in d.terraform_template_calls()}
    assert on_disk == rendered


# --- the evaluator itself ---------------------------------------------------------------------

_ALLOW_GET = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}],
}


def test_evaluator_wildcards_and_explicit_deny():
    req = Request(d.USER_A, "s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate(req, [_ALLOW_GET]).allowed
    assert not evaluate(Request(d.USER_A, "s3:PutObject", "arn:aws:s3:::b/k"), [_ALLOW_GET]).allowed
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    assert evaluate(req, [_ALLOW_GET], deny) is Decision.EXPLICIT_DENY


def test_evaluator_missing_condition_keys():
    def policy(operator):
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {operator: {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
                }
            ],
        }

    req = Request(d.USER_A, "kms:Decrypt", d.KEY)
    assert not evaluate(req, [policy("StringEquals")]).allowed
    assert evaluate(req, [policy("StringNotEquals")]).allowed
    assert evaluate(req, [policy("StringEqualsIfExists")]).allowed


def test_evaluator_refuses_what_it_does_not_know():
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": "x"}},
            }
        ],
    }
    with pytest.raises(PolicyError):
        evaluate(Request(d.USER_A, "s3:GetObject", "x"), [policy])


def test_renderer_requires_exact_values(tmp_path):
    template = tmp_path / "t.json.tpl"
    template.write_text('{"Version": "${version}"}')
    assert render(template, {"version": "2012-10-17"}) == {"Version": "2012-10-17"}
    with pytest.raises(PolicyError):
        render(template, {})
    with pytest.raises(PolicyError):
        render(template, {"version": "x", "unused": "y"})


# --- every condition is load-bearing ----------------------------------------------------------

SSE = "s3:x-amz-server-side-encryption"
SSE_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id"
HEADER_CASES = [
    ({SSE: "aws:kms"}, True),
    ({SSE: "aws:kms", SSE_KEY: d.KEY}, True),
    ({SSE: "AES256"}, False),
    ({SSE_KEY: f"arn:aws:kms:{d.REGION}:{d.OTHER_ACCOUNT}:key/x"}, False),
]


def all_violations(policies: Mapping[str, dict]) -> list[str]:
    """The matrix, plus the request properties it does not vary: TLS and encryption headers."""
    found = violations(policies)
    for cell in cells(TLS_TABLES):
        if cell.expected and decide(
            policies, cell, extra_context={"aws:SecureTransport": False}
        ).allowed:
            found.append(f"{cell} without TLS")
    for headers, allowed in HEADER_CASES:
        writers = (Cell(S3, d.USER_A, "write", "bucket A"), Cell(S3, d.WORKER, "write", "bucket B"))
        for cell in writers:
            if decide(policies, cell, extra_context=headers).allowed != allowed:
                found.append(f"{cell} with headers {headers}")
    return found


# Conditions that only repeat what another condition of the same statement already pins down.
# AWS recommends both keys against the confused deputy; the model cannot tell them apart.
REDUNDANT_CONDITIONS = {
    ("ecs_tasks_assume_role_policy", "EcsTasksInThisAccount", "aws:SourceAccount"),
    ("ecs_tasks_assume_role_policy", "EcsTasksInThisAccount", "aws:SourceArn"),
    ("kms_key_policy", "CloudWatchAlarmsPublishToEncryptedTopic", "aws:SourceAccount"),
    ("alarm_topic_policy", "OnlyOurAlarmsPublish", "aws:SourceAccount"),
    ("access_log_bucket_policy", "S3ServerAccessLogsFromOurBuckets", "aws:SourceAccount"),
}


def _conditions():
    for name, policy in sorted(d.render_all().items()):
        for statement in policy["Statement"]:
            for operator, keys in statement.get("Condition", {}).items():
                for key in keys:
                    yield name, statement["Sid"], operator, key


@pytest.mark.parametrize(("name", "sid", "operator", "key"), list(_conditions()), ids=str)
def test_removing_a_condition_is_caught(name, sid, operator, key):
    relaxed = d.render_all()
    statement = next(s for s in relaxed[name]["Statement"] if s["Sid"] == sid)
    del statement["Condition"][operator][key]
    if not statement["Condition"][operator]:
        del statement["Condition"][operator]
    caught = bool(all_violations(relaxed))
    if (name, sid, key) in REDUNDANT_CONDITIONS:
        assert not caught, f"{name} {sid} {key} is load-bearing after all: drop the exemption"
    else:
        assert caught, f"dropping {operator} {key} from {name} {sid} went unnoticed"
