"""Runs the policy pack's rules (policy/rules.py) on a recorded program run, offline: the
same validate functions `pulumi preview --policy-pack policy` calls, on the same kind of
objects, without the CLI or the analyzer server."""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from offline.engine import ProgramRun, Registered, plain
from policy.rules import POLICIES


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str  # "mandatory" or "advisory"
    urn: str
    message: str


def _options(r: Registered) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=r.delete_before_replace,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=r.parent or None,
    )


def policy_resources(run: ProgramRun) -> list[PolicyResource]:
    """The run's custom resources as the analyzer sees them, dependencies resolved."""
    by_urn: dict[str, PolicyResource] = {}
    records = [r for r in run.resources if r.custom]
    for r in records:
        by_urn[r.urn] = PolicyResource(
            resource_type=r.type,
            props=plain(r.inputs),
            urn=r.urn,
            name=r.name,
            opts=_options(r),
            provider=None,
            parent=None,
            dependencies=[],
            property_dependencies={},
        )
    for r in records:
        resource = by_urn[r.urn]
        resource.dependencies = [by_urn[u] for u in r.dependencies if u in by_urn]
        resource.property_dependencies = {
            prop: [by_urn[u] for u in urns if u in by_urn] for prop, urns in r.property_dependencies.items()
        }
    return list(by_urn.values())


def check(run: ProgramRun) -> list[Violation]:
    resources = policy_resources(run)
    found: list[Violation] = []
    for policy in POLICIES:
        level = (policy.enforcement_level or EnforcementLevel.ADVISORY).value

        def report(message: str, urn: str | None, _name: str = policy.name, _level: str = level) -> None:
            found.append(Violation(_name, _level, urn or "", message))

        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                args = ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None)

                def report_for(message: str, urn: str | None, _urn: str = r.urn) -> None:
                    report(message, urn or _urn)

                policy.validate(args, report_for)
        elif isinstance(policy, StackValidationPolicy):
            policy.validate(StackValidationArgs(resources), report)
    return found


def render(violations: list[Violation]) -> str:
    if not violations:
        return "Policies: all passed (policy/rules.py).\n"
    lines = [f"Policy violations ({len(violations)}):"]
    for v in violations:
        lines.append(f"  [{v.level}] {v.policy}: {v.urn.rsplit('::', 1)[-1]}: {v.message}")
    return "\n".join(lines) + "\n"
