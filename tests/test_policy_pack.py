"""`--policy-pack DIR`: the plan runs the policy packs it is given, any Python pack, loaded from
its folder as the CLI does (`pulumi preview --policy-pack DIR`), and no policies without one.

GIVEN a pack written here (PulumiPolicy.yaml, __main__.py building `PolicyPack`, a `rules.py`
module), WHEN the plan runs a program written elsewhere with it, THEN the pack's policies are
enforced with their levels under the pack's name; GIVEN no pack, THEN nothing about policies;
GIVEN a folder that is no Python pack, THEN exit 2 naming the folder. Loading never starts the
analyzer server and leaves sys.path, sys.modules and `pulumi_policy.PolicyPack` as they were.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path

import grpc
import pulumi_policy
import pulumi_policy.policy
import pytest
from conftest import ROOT

from offline import plan, policies
from policy.rules import POLICIES

PROGRAMS = ROOT / "tests" / "data" / "programs"
PET = "random:index/randomPet:RandomPet"

#: The pack's module, named as this project's (`rules`), so that both load side by side.
RULES = f'''
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

def _no_pets(args, report_violation):
    if args.resource_type == "{PET}":
        report_violation(f"{{args.name}} is a RandomPet; use a RandomString")

NO_PETS = ResourceValidationPolicy(
    name="no-pets", description="No RandomPet", validate=_no_pets, enforcement_level=LEVEL
)
'''

MAIN = """
from pulumi_policy import EnforcementLevel, PolicyPack
from rules import NO_PETS

PolicyPack(name="tiny-pack", policies=[NO_PETS]{extra})
raise SystemExit("never reached: the real constructor serves until the CLI stops it")
"""


def write_pack(
    folder: Path,
    *,
    level: str = "EnforcementLevel.MANDATORY",
    extra: str = "",
    manifest: str = "runtime: python\n",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "PulumiPolicy.yaml").write_text(manifest)
    (folder / "rules.py").write_text(RULES.replace("LEVEL", level))
    (folder / "__main__.py").write_text(MAIN.format(extra=extra))
    return folder


def run_plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = plan.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_pack_from_a_folder_is_enforced_on_a_program_written_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = write_pack(tmp_path / "pack", manifest="runtime:\n  name: python\n  options: {virtualenv: venv}\n")
    program = ["--dir", str(PROGRAMS / "storage-random"), "--policy-pack", str(pack)]
    code, out, err = run_plan(capsys, *program)
    assert (code, err) == (0, "")  # reported, not fatal, without --policy-strict
    assert (
        f"\nPolicy violations (1) in tiny-pack@v0.0.1 (local: {pack}):\n"
        "  [mandatory] no-pets: pet: pet is a RandomPet; use a RandomString\n"
        "Azure API types:"
    ) in out
    code, out, err = run_plan(capsys, *program, "--policy-strict", "--quiet")
    assert (code, out, err) == (3, "", "error: 1 mandatory policy violation(s)\n")


def test_each_pack_reports_under_its_name_and_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two packs with a module of the same name (`rules`), as the CLI runs each in its own
    process: each sees its own."""
    pack = write_pack(tmp_path / "pack", manifest="runtime: python\nversion: 1.2.3\n")
    program = PROGRAMS / "lb-no-probe"
    code, out, _ = run_plan(
        capsys, "--dir", str(program), "--policy-pack", str(ROOT / "policy"), "--policy-pack", str(pack)
    )
    assert code == 0
    assert (
        f"\nPolicy violations (1) in lb-vms-guardrails@v0.0.1 (local: {ROOT / 'policy'}):\n"
        "  [mandatory] lb-rule-has-probe: edge-lb: Load-balancing rule 'udp-53' has no health probe"
    ) in out
    assert f"\nPolicies: all passed in tiny-pack@v1.2.3 (local: {pack}).\nAzure API types:" in out


@pytest.mark.parametrize(
    ("level", "extra", "shown"),
    [
        ("None", "", "advisory"),  # neither sets one: the analyzer's default
        ("None", ", enforcement_level=EnforcementLevel.MANDATORY", "mandatory"),  # the pack's
        ("EnforcementLevel.ADVISORY", ", enforcement_level=EnforcementLevel.MANDATORY", "advisory"),  # the policy's
        ("EnforcementLevel.MANDATORY", ', initial_config={"no-pets": EnforcementLevel.ADVISORY}', "advisory"),
        ("EnforcementLevel.REMEDIATE", "", "mandatory"),  # a violation left after remediation
        (
            "EnforcementLevel.MANDATORY",
            ', initial_config={"no-pets": {"enforcementLevel": EnforcementLevel.DISABLED}}',
            None,
        ),
    ],
)
def test_enforcement_levels_resolve_as_the_analyzer_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], level: str, extra: str, shown: str | None
) -> None:
    pack = write_pack(tmp_path / "pack", level=level, extra=extra)
    json_plan = tmp_path / "plan.json"
    code, _, err = run_plan(
        capsys, "--dir", str(PROGRAMS / "storage-random"), "--policy-pack", str(pack), "--json", str(json_plan)
    )
    assert (code, err) == (0, "")
    found = json.loads(json_plan.read_text())["policyViolations"]
    violation = {
        "pack": "tiny-pack",
        "policy": "no-pets",
        "level": shown,
        "urn": f"urn:pulumi:dev::storage-random::pulumi:pulumi:Stack${PET}::pet",
        "message": "pet is a RandomPet; use a RandomString",
    }
    assert found == ([] if shown is None else [violation])


def test_without_a_pack_no_policies_run_and_nothing_is_said_about_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `pulumi preview` without --policy-pack: the rule without a probe, which this
    project's pack flags, passes unremarked, even with --policy-strict."""
    json_plan = tmp_path / "plan.json"
    argv = ["--dir", str(PROGRAMS / "lb-no-probe"), "--policy-strict", "--json", str(json_plan)]
    code, out, err = run_plan(capsys, *argv)
    assert (code, err) == (0, "")
    assert "rule udp-53: Udp 53 -> 53 pool=pool probe=NONE" in out
    assert "Polic" not in out
    assert json.loads(json_plan.read_text())["policyViolations"] == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: write_pack(d, manifest="runtime: nodejs\n"),
            "a nodejs policy pack (PulumiPolicy.yaml runtime); only Python packs run offline",
        ),
        (lambda d: d.mkdir(), "not a policy pack (no PulumiPolicy.yaml)"),
        (lambda d: None, "no such folder"),
        (lambda d: (write_pack(d), (d / "__main__.py").unlink()), "a Python policy pack without __main__.py"),
        (
            lambda d: (write_pack(d), (d / "__main__.py").write_text("import pulumi_policy\n")),
            "its __main__.py constructs no pulumi_policy.PolicyPack",
        ),
        (
            lambda d: (write_pack(d), (d / "rules.py").write_text("raise ValueError('broken rules')\n")),
            "the pack's program failed: ValueError: broken rules",
        ),
        (
            lambda d: (
                write_pack(d),
                (d / "__main__.py").write_text(MAIN.format(extra="").replace("tiny-pack", "a b")),
            ),
            "the pack's program failed: TypeError: Invalid policy pack name 'a b'",
        ),
    ],
    ids=[
        "nodejs",
        "no PulumiPolicy.yaml",
        "no folder",
        "no __main__.py",
        "no PolicyPack",
        "a failing pack",
        "bad name",
    ],
)
def test_a_folder_that_is_no_python_pack_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], object], message: str
) -> None:
    folder = tmp_path / "pack"
    make(folder)
    code, out, err = run_plan(capsys, "--dir", str(PROGRAMS / "lb-no-probe"), "--policy-pack", str(folder))
    assert (code, out, err) == (2, "", f"error: --policy-pack {folder}: {message}\n")


def test_the_same_pack_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = write_pack(tmp_path / "a"), write_pack(tmp_path / "b")
    code, out, err = run_plan(capsys, "--policy-pack", str(first), "--policy-pack", str(second))
    assert (code, out) == (2, "")
    assert err == f"error: --policy-pack {second}: the policy pack tiny-pack is given twice (also {first})\n"


@pytest.mark.parametrize("imported_before", [False, True], ids=["no rules module", "another rules module"])
def test_loading_starts_no_server_and_leaves_the_interpreter_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imported_before: bool
) -> None:
    servers: list[object] = []
    monkeypatch.setattr(grpc, "server", lambda *a, **k: servers.append(a))
    monkeypatch.delitem(sys.modules, "rules", raising=False)
    if imported_before:  # a module imported earlier under the name of the pack's own (`rules`)
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "rules.py").write_text("NO_PETS = 'not a policy'\n")
        monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
        __import__("rules")

    before = (list(sys.path), dict(sys.modules), pulumi_policy.PolicyPack, pulumi_policy.policy.PolicyPack)
    pack = policies.load_pack(write_pack(tmp_path / "pack"))
    assert (list(sys.path), dict(sys.modules), pulumi_policy.PolicyPack, pulumi_policy.policy.PolicyPack) == before
    assert servers == []
    assert (pack.name, [p.name for p in pack.policies]) == ("tiny-pack", ["no-pets"])


def test_this_projects_pack_loads_with_every_policy_of_its_rules() -> None:
    pack = policies.load_pack(ROOT / "policy")
    assert (pack.name, pack.version, pack.folder) == ("lb-vms-guardrails", "0.0.1", str(ROOT / "policy"))
    assert [p.name for p in pack.policies] == [p.name for p in POLICIES]
    assert pack.enforcement_level == pulumi_policy.EnforcementLevel.ADVISORY


def test_the_stand_in_takes_what_the_real_constructor_takes() -> None:
    real = list(inspect.signature(pulumi_policy.PolicyPack.__init__).parameters.values())[1:]  # minus self
    stand_in = list(inspect.signature(policies._stand_in).parameters.values())
    assert [(p.name, p.default, p.kind) for p in stand_in] == [(p.name, p.default, p.kind) for p in real]
