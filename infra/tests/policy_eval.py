"""A small IAM policy evaluator, enough to check exifstrip's policies honestly.

It follows the documented evaluation logic for requests within one account:

- an explicit Deny in any applicable statement wins;
- otherwise the request is allowed when an identity policy or the resource policy allows it;
- for KMS keys (``key_policy=True``) the key policy must allow the request itself, or name the
  account (``arn:aws:iam::<account>:root``) so that identity policies decide;
- anonymous callers and service principals have no identity policies: only a resource policy
  can allow them.

Supported: ``Action``/``NotAction`` and ``Resource``/``NotResource`` with ``*`` and ``?``
wildcards, ``Principal`` as ``"*"`` or ``{"AWS": ...}``/``{"Service": ...}``, and the condition
operators the policies use (String*, Arn*, Bool, Null, with ``IfExists``). Anything else (an
unknown operator, ``NotPrincipal``, ``ForAnyValue:``) raises :class:`PolicyError` instead of
being guessed at, so a policy the evaluator cannot judge fails the tests.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping


class PolicyError(Exception):
    """A policy uses a construct this evaluator does not understand."""


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"

    @property
    def allowed(self) -> bool:
        return self is Decision.ALLOW


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an IAM user or role, a service, or nobody (anonymous)."""

    name: str
    arn: str | None = None
    service: str | None = None

    @property
    def account(self) -> str | None:
        if self.arn is None:
            return None
        return self.arn.split(":")[4]


@dataclass(frozen=True)
class Request:
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)

    def context_value(self, key: str) -> tuple[bool, Any]:
        """Condition keys are case-insensitive; a few global keys come from the request."""
        values = {k.lower(): v for k, v in self.context.items()}
        values.setdefault("aws:securetransport", True)
        if self.principal.arn is not None:
            values.setdefault("aws:principalarn", self.principal.arn)
            values.setdefault("aws:principalaccount", self.principal.account)
        lowered = key.lower()
        return (lowered in values, values.get(lowered))


# --- rendering the templates Terraform uses ------------------------------------------------

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def template_placeholders(path: Path) -> set[str]:
    text = path.read_text()
    if "%{" in text or "$${" in text:
        raise PolicyError(f"{path.name}: template directives and escapes are not supported")
    names = set(_PLACEHOLDER.findall(text))
    bad = sorted(n for n in names if not _IDENTIFIER.match(n))
    if bad:
        raise PolicyError(f"{path.name}: placeholders must be plain variables, found {bad}")
    return names


def render(path: Path, values: Mapping[str, str | list[str]]) -> dict:
    """Render a policy template as Terraform's templatefile() does for ${name} placeholders.

    Lists are substituted as JSON arrays, as the Terraform side passes them through
    jsonencode(). Every placeholder must have a value and every value a placeholder.
    """
    names = template_placeholders(path)
    missing = names - values.keys()
    extra = values.keys() - names
    if missing or extra:
        raise PolicyError(f"{path.name}: missing values {sorted(missing)}, unused {sorted(extra)}")

    def substitute(match: re.Match) -> str:
        value = values[match.group(1)]
        return json.dumps(value) if isinstance(value, list) else value

    return json.loads(_PLACEHOLDER.sub(substitute, path.read_text()))


# --- evaluation ----------------------------------------------------------------------------

_STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Principal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}


def evaluate(
    request: Request,
    identity_policies: Iterable[Mapping] = (),
    resource_policy: Mapping | None = None,
    *,
    key_policy: bool = False,
    trust_policy: bool = False,
) -> Decision:
    """Decide a request against the caller's identity policies and the resource's policy."""
    principal = request.principal
    identity_allows = False
    if principal.arn is not None:
        for statement in _statements(identity_policies):
            if "Principal" in statement:
                raise PolicyError(f"identity policy statement {_sid(statement)} names a Principal")
            if not _applies(statement, request, needs_resource=True):
                continue
            if statement["Effect"] == "Deny":
                return Decision.EXPLICIT_DENY
            identity_allows = True

    resource_allows = False
    account_delegates = False
    if resource_policy is not None:
        for statement in _statements([resource_policy]):
            how = _principal_match(statement, principal)
            if how is None or not _applies(statement, request, needs_resource=not trust_policy):
                continue
            if statement["Effect"] == "Deny":
                return Decision.EXPLICIT_DENY
            if how == "direct":
                resource_allows = True
            else:
                account_delegates = True

    if key_policy or trust_policy:
        allowed = resource_allows or (account_delegates and identity_allows)
    else:
        allowed = resource_allows or identity_allows
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _statements(policies: Iterable[Mapping]) -> list[Mapping]:
    statements = []
    for policy in policies:
        if policy.get("Version") != "2012-10-17":
            raise PolicyError(f"policy version must be 2012-10-17, got {policy.get('Version')!r}")
        for statement in _as_list(policy["Statement"]):
            unknown = set(statement) - _STATEMENT_KEYS
            if unknown:
                raise PolicyError(f"statement {_sid(statement)} uses {sorted(unknown)}")
            if statement.get("Effect") not in ("Allow", "Deny"):
                raise PolicyError(f"statement {_sid(statement)} has no valid Effect")
            statements.append(statement)
    return statements


def _applies(statement: Mapping, request: Request, *, needs_resource: bool) -> bool:
    return (
        _action_matches(statement, request.action)
        and _resource_matches(statement, request.resource, needs_resource)
        and _conditions_hold(statement.get("Condition", {}), request)
    )


def _action_matches(statement: Mapping, action: str) -> bool:
    if "Action" in statement:
        return any(_glob(p, action, ignore_case=True) for p in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(
            _glob(p, action, ignore_case=True) for p in _as_list(statement["NotAction"])
        )
    raise PolicyError(f"statement {_sid(statement)} has neither Action nor NotAction")


def _resource_matches(statement: Mapping, resource: str, needs_resource: bool) -> bool:
    if "Resource" in statement:
        return any(_glob(p, resource) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(_glob(p, resource) for p in _as_list(statement["NotResource"]))
    if needs_resource:
        raise PolicyError(f"statement {_sid(statement)} has neither Resource nor NotResource")
    return True


def _principal_match(statement: Mapping, principal: Principal) -> str | None:
    """How a resource policy statement names the caller: "direct", "account" or not at all."""
    if "Principal" not in statement:
        raise PolicyError(f"resource policy statement {_sid(statement)} has no Principal")
    named = statement["Principal"]
    if named == "*":
        return "direct"
    if not isinstance(named, Mapping) or set(named) - {"AWS", "Service"}:
        raise PolicyError(f"statement {_sid(statement)}: unsupported Principal {named!r}")
    for value in _as_list(named.get("AWS", [])):
        if value == "*":
            return "direct"
        if principal.arn is not None and value == principal.arn:
            return "direct"
        root = re.fullmatch(r"(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?", value)
        if root and principal.account == root.group(1):
            return "account"
    for value in _as_list(named.get("Service", [])):
        if principal.service is not None and value == principal.service:
            return "direct"
    return None


_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Bool",
    "Null",
}


def _conditions_hold(conditions: Mapping, request: Request) -> bool:
    """Every operator, and every key under it, must hold (AND); any listed value may match (OR)."""
    for operator, keys in conditions.items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, _as_list(expected), request):
                return False
    return True


def _condition_holds(operator: str, key: str, expected: list, request: Request) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base not in _OPERATORS or ":" in operator:
        raise PolicyError(f"condition operator {operator} is not supported by the evaluator")
    present, actual = request.context_value(key)

    if base == "Null":
        wants_absent = [str(v).lower() for v in expected] == ["true"]
        return present != wants_absent
    if not present:
        # A missing key satisfies IfExists and negated operators, and nothing else.
        return if_exists or base in _NEGATED
    if isinstance(actual, (list, tuple, set)):
        raise PolicyError(f"condition key {key} is multi-valued; use ForAnyValue/ForAllValues")

    if base == "Bool":
        matched = any(str(v).lower() == str(actual).lower() for v in expected)
    elif base in ("StringEquals", "StringNotEquals"):
        matched = any(str(v) == str(actual) for v in expected)
    elif base in ("StringLike", "StringNotLike"):
        matched = any(_glob(str(v), str(actual)) for v in expected)
    else:
        # ArnEquals and ArnLike behave alike: each of the six colon-separated parts is compared
        # on its own, with wildcards.
        matched = any(_arn_like(str(v), str(actual)) for v in expected)
    return not matched if base in _NEGATED else matched


def _arn_like(pattern: str, arn: str) -> bool:
    pattern_parts = pattern.split(":", 5)
    arn_parts = arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(_glob(p, a) for p, a in zip(pattern_parts, arn_parts))


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern
    )
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list) else [value]


def _sid(statement: Mapping) -> str:
    return repr(statement.get("Sid", "<no Sid>"))
