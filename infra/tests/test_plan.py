"""What `terraform plan` of examples/complete would create, read from the plans infra/check.sh
makes against an emulator (EXIFSTRIP_PLAN_DIR holds plan-lambda.json and plan-both.json).

The layout and access-matrix tests read the Terraform as text; these read Terraform's own
evaluation of it, with every count, for_each and variable validation applied.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PLAN_DIR = os.environ.get("EXIFSTRIP_PLAN_DIR")

pytestmark = pytest.mark.skipif(
    PLAN_DIR is None,
    reason="no plans: run `scripts/with-emulators.sh infra/check.sh`",
)

ECS = "module.exifstrip.module.worker_ecs[0]."
LAMBDA = "module.exifstrip.module.worker_lambda[0]."


def planned(mode: str) -> dict[str, dict]:
    """Every resource the plan for `worker_mode = mode` creates: address to planned values."""
    plan = json.loads(Path(PLAN_DIR, f"plan-{mode}.json").read_text())
    resources: dict[str, dict] = {}

    def walk(module: dict) -> None:
        for resource in module.get("resources", []):
            resources[resource["address"]] = resource.get("values", {})
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan["planned_values"]["root_module"])
    return resources


def test_lambda_mode_creates_the_function_and_no_container():
    resources = planned("lambda")
    assert LAMBDA + "aws_lambda_function.worker" in resources
    assert LAMBDA + "aws_lambda_event_source_mapping.work_queue" in resources
    assert not [address for address in resources if address.startswith(ECS)]


def test_both_modes_share_the_queue():
    resources = planned("both")
    assert LAMBDA + "aws_lambda_function.worker" in resources
    service = resources[ECS + "aws_ecs_service.worker"]
    assert service["desired_count"] == 1
    assert service["launch_type"] == "FARGATE"


def test_the_container_worker_scales_between_the_example_bounds():
    resources = planned("both")
    target = resources[ECS + "aws_appautoscaling_target.worker"]
    assert (target["min_capacity"], target["max_capacity"]) == (1, 4)
    assert target["resource_id"] == "service/exifstrip-worker/exifstrip-worker"


def steps(policy: dict) -> list[tuple[float | None, float | None, int]]:
    """A step policy's adjustments as (lower bound, upper bound, change), lowest first."""
    (configuration,) = policy["step_scaling_policy_configuration"]

    def bound(value: str | None) -> float | None:
        return None if value in (None, "") else float(value)

    found = [
        (
            bound(step["metric_interval_lower_bound"]),
            bound(step["metric_interval_upper_bound"]),
            step["scaling_adjustment"],
        )
        for step in configuration["step_adjustment"]
    ]
    return sorted(found, key=lambda step: float("-inf") if step[0] is None else step[0])


def test_scaling_steps_cover_every_backlog_without_gaps():
    resources = planned("both")
    out = resources[ECS + 'aws_appautoscaling_policy.worker["out"]']
    assert steps(out) == [(0, 900, 1), (900, 9900, 2), (9900, None, 4)]
    assert out["step_scaling_policy_configuration"][0]["cooldown"] == 120
    scale_in = resources[ECS + 'aws_appautoscaling_policy.worker["in"]']
    assert steps(scale_in) == [(None, 0, -1)]
    assert scale_in["step_scaling_policy_configuration"][0]["cooldown"] == 300


def test_scaling_alarms_watch_the_work_queue():
    resources = planned("both")
    queue = resources["module.exifstrip.module.events.aws_sqs_queue.work"]["name"]
    backlog = resources[ECS + "aws_cloudwatch_metric_alarm.backlog[0]"]
    assert backlog["dimensions"] == {"QueueName": queue}
    assert backlog["threshold"] == 100
    assert backlog["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    idle = resources[ECS + "aws_cloudwatch_metric_alarm.idle[0]"]
    assert (idle["evaluation_periods"], idle["datapoints_to_alarm"]) == (15, 15)
    assert idle["treat_missing_data"] == "breaching"
    watched = {
        query["metric"][0]["metric_name"]: query["metric"][0]["dimensions"]
        for query in idle["metric_query"]
        if query["metric"]
    }
    assert watched == {
        "ApproximateNumberOfMessagesVisible": {"QueueName": queue},
        "ApproximateNumberOfMessagesNotVisible": {"QueueName": queue},
    }
