"""Runs Pulumi policy packs on a recorded program run, offline: the packs given with
`--policy-pack DIR` (as `pulumi preview --policy-pack DIR`), loaded from their folders, their
validate functions called on the same kind of objects the analyzer passes them, without the
CLI or the analyzer server. Nothing here knows which pack or which program it checks."""

from __future__ import annotations

import asyncio
import inspect
import runpy
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi_policy
import pulumi_policy.policy
import yaml
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

# Raised by `args.not_applicable()`; the analyzer catches it and reports the policy as not
# applicable, not as violated (pulumi_policy/policy.py, `_PolicyAnalyzerServicer.Analyze`).
from pulumi_policy.policy import _NotApplicableError

from offline.engine import ProgramRun, Registered, plain

MANIFEST = "PulumiPolicy.yaml"
# What the analyzer reports when PulumiPolicy.yaml names no version; the CLI prints the file's
# version when it has one (pulumi_policy/policy.py, `PolicyPack.__init__`).
DEFAULT_VERSION = "0.0.1"


class PackError(ValueError):
    """A --policy-pack folder that is not a Python policy pack this plan can run."""


@dataclass(frozen=True)
class Pack:
    """What a pack's program handed `pulumi_policy.PolicyPack`, and where it came from."""

    name: str
    version: str
    folder: str  # as given, as the CLI prints it: `(local: <folder>)`
    policies: tuple[Policy, ...]
    # The pack's default for policies that set none; ADVISORY when the pack sets none either.
    enforcement_level: EnforcementLevel = EnforcementLevel.ADVISORY
    initial_config: Mapping[str, Any] = field(default_factory=dict)

    def level(self, policy: Policy) -> EnforcementLevel:
        """The analyzer's order: the pack's config for this policy, the policy's own level,
        the pack's (pulumi_policy/policy.py, `_get_enforcement_level`)."""
        configured = self.initial_config.get(policy.name)
        if isinstance(configured, EnforcementLevel):
            return configured
        if isinstance(configured, Mapping) and isinstance(configured.get("enforcementLevel"), EnforcementLevel):
            return configured["enforcementLevel"]
        return policy.enforcement_level or self.enforcement_level

    def config(self, policy: Policy) -> dict[str, Any]:
        """The policy's properties in the pack's initial config (`args.get_config()`)."""
        configured = self.initial_config.get(policy.name)
        if not isinstance(configured, Mapping):
            return {}
        return {k: v for k, v in configured.items() if k != "enforcementLevel"}

    @property
    def label(self) -> str:
        return f"{self.name}@v{self.version} (local: {self.folder})"


class _Constructed(Exception):
    """Stops the pack's program where the real constructor would serve forever."""

    def __init__(self, pack: dict[str, Any]) -> None:
        super().__init__()
        self.pack = pack


def _stand_in(
    name: str,
    policies: list[Policy],
    enforcement_level: EnforcementLevel | None = None,
    initial_config: dict[str, Any] | None = None,
    description: str | None = None,
    display_name: str | None = None,
    readme: str | None = None,
    provider: str | None = None,
    tags: list[str] | None = None,
    repository: str | None = None,
) -> None:
    """`pulumi_policy.PolicyPack` with the same parameters (pulumi_policy/policy.py,
    `PolicyPack.__init__`, pulumi-policy 1.21): it records what the real one would serve and,
    like it (it never returns: it serves until the CLI stops it), runs nothing after it."""
    if not isinstance(name, str) or not pulumi_policy.policy._POLICY_PACK_NAME_RE.match(name):
        raise TypeError(f"Invalid policy pack name {name!r}")
    if not isinstance(policies, list) or not policies or not all(isinstance(p, Policy) for p in policies):
        raise TypeError("Expected policies to be a non-empty list of policies")
    if enforcement_level is not None and not isinstance(enforcement_level, EnforcementLevel):
        raise TypeError("Expected enforcement_level to be an EnforcementLevel")
    raise _Constructed(
        {
            "name": name,
            "policies": tuple(policies),
            "enforcement_level": enforcement_level or EnforcementLevel.ADVISORY,
            "initial_config": dict(initial_config or {}),
        }
    )


def _manifest(folder: Path) -> dict[str, Any]:
    manifest = folder / MANIFEST
    if not folder.is_dir():
        raise PackError(f"{folder}: no such folder")
    if not manifest.is_file():
        raise PackError(f"{folder}: not a policy pack (no {MANIFEST})")
    try:
        meta = yaml.safe_load(manifest.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise PackError(f"{folder}: {MANIFEST} is not readable YAML ({err})") from err
    if not isinstance(meta, dict):
        raise PackError(f"{folder}: {MANIFEST} is not a mapping")
    return meta


def _pack_modules(folder: Path) -> set[str]:
    """The top-level modules the pack's folder provides (`rules` for rules.py)."""
    names = {p.stem for p in folder.glob("*.py")} | {p.name for p in folder.iterdir() if p.is_dir()}
    return {n for n in names if n.isidentifier() and not n.startswith("__")}


def _inside(module: Any, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return bool(file) and Path(file).resolve().is_relative_to(folder)


def load_pack(folder: Path | str) -> Pack:
    """Load a Python policy pack as its analyzer would: run `<folder>/__main__.py` with the
    folder first on sys.path, here with `pulumi_policy.PolicyPack` replaced by a stand-in that
    records the pack instead of starting the server. sys.path, sys.modules and PolicyPack are
    as they were afterwards, so packs with modules of the same name load side by side."""
    where = Path(folder)
    meta = _manifest(where)
    runtime = meta.get("runtime")
    # `runtime: python` or `runtime: {name: python, options: ...}`, as in Pulumi.yaml.
    runtime = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime != "python":
        raise PackError(f"{where}: a {runtime} policy pack ({MANIFEST} runtime); only Python packs run offline")
    program = where / "__main__.py"
    if not program.is_file():
        raise PackError(f"{where}: a Python policy pack without __main__.py")
    version = str(meta.get("version") or DEFAULT_VERSION)

    home = where.resolve()
    saved_path = list(sys.path)
    # Modules of the same names as the pack's, imported before (another pack's `rules`), are
    # set aside while it runs, so that its imports find its own files, as in its own process.
    local = _pack_modules(home)
    shadowed = {n: m for n, m in sys.modules.items() if n.split(".")[0] in local}
    for name in shadowed:
        del sys.modules[name]
    before = set(sys.modules)
    saved_classes = (pulumi_policy.PolicyPack, pulumi_policy.policy.PolicyPack)
    recorded: dict[str, Any] | None = None
    try:
        sys.path.insert(0, str(home))
        pulumi_policy.PolicyPack = _stand_in
        pulumi_policy.policy.PolicyPack = _stand_in
        runpy.run_path(str(program), run_name="__main__")
    except _Constructed as done:
        recorded = done.pack
    except (Exception, SystemExit) as err:
        raise PackError(f"{where}: the pack's program failed: {type(err).__name__}: {err}") from err
    finally:
        sys.path[:] = saved_path
        pulumi_policy.PolicyPack, pulumi_policy.policy.PolicyPack = saved_classes
        # The pack's own modules (`rules`, ...) leave with it; its policies keep what they use.
        for name in [n for n, m in sys.modules.items() if n not in before and _inside(m, home)]:
            del sys.modules[name]
        sys.modules.update(shadowed)
    if recorded is None:
        raise PackError(f"{where}: its __main__.py constructs no pulumi_policy.PolicyPack")
    return Pack(version=version, folder=str(folder), **recorded)


def load_packs(folders: Sequence[Path | str]) -> list[Pack]:
    packs = [load_pack(f) for f in folders]
    seen: dict[str, str] = {}
    for pack in packs:
        if pack.name in seen:
            raise PackError(f"{pack.folder}: the policy pack {pack.name} is given twice (also {seen[pack.name]})")
        seen[pack.name] = pack.folder
    return packs


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str  # "mandatory" or "advisory"
    urn: str
    message: str
    pack: str = ""  # the pack's name


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


def _validate(policy: Any, args: Any, report: Any) -> None:
    """One validate call as the analyzer makes it: awaited when async, and a policy that
    declares itself not applicable reports nothing."""
    try:
        result = policy.validate(args, report)
        if inspect.isawaitable(result):
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(result)
            finally:
                loop.close()
    except _NotApplicableError:
        pass


def _collector(found: list[Violation], policy: str, level: str, pack: str, about: str = "") -> ReportViolation:
    """A report function for one policy (and resource: `about`, the URN a report without one
    is about)."""

    def report(message: str, urn: str | None = None) -> None:
        found.append(Violation(policy, level, urn or about, message, pack))

    return report


def check(run: ProgramRun, packs: Sequence[Pack]) -> list[Violation]:
    resources = policy_resources(run) if packs else []
    found: list[Violation] = []
    for pack in packs:
        for policy in pack.policies:
            level = pack.level(policy)
            if level == EnforcementLevel.DISABLED:
                continue
            # A violation left after a remediation reports as mandatory (the analyzer's rule).
            shown = EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level
            config = pack.config(policy)

            if isinstance(policy, ResourceValidationPolicy):
                if not policy.has_validation():  # a remediation only
                    continue
                for r in resources:
                    args = ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None, config)
                    _validate(policy, args, _collector(found, policy.name, shown.value, pack.name, r.urn))
            elif isinstance(policy, StackValidationPolicy):
                _validate(
                    policy,
                    StackValidationArgs(resources, config),
                    _collector(found, policy.name, shown.value, pack.name),
                )
    return found


def render(packs: Sequence[Pack], violations: Sequence[Violation]) -> str:
    """Each pack's result under its name and version, as `pulumi preview` names it; nothing
    without packs, as `pulumi preview` without --policy-pack prints no policy section."""
    out: list[str] = []
    for pack in packs:
        mine = [v for v in violations if v.pack == pack.name]
        if not mine:
            out.append(f"Policies: all passed in {pack.label}.")
            continue
        out.append(f"Policy violations ({len(mine)}) in {pack.label}:")
        for v in mine:
            out.append(f"  [{v.level}] {v.policy}: {v.urn.rsplit('::', 1)[-1]}: {v.message}")
    return "".join(line + "\n" for line in out)
