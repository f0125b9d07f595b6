"""What a change does to a live stack (`make plan --diff OLD.json`), on golden cases.

GIVEN the plan of a deployed config, WHEN the config changes, THEN the change plan names the
exact steps in Pulumi's order, the fewest VMs in rotation, what Azure would refuse, and the
rolling recipe; and the README's "What a change does" table says the same.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from offline import changes, plan

URN = "urn:pulumi:dev::lb-vms::lbvms:index:MultiVmLoadBalanced$azure-native:compute:VirtualMachine::"


@cache
def plan_of(*sets: str) -> dict[str, Any]:
    cfg, _ = plan.load_config("dev", sets)
    result = plan.run(cfg)
    assert result.error is None, result.error
    return json.loads(json.dumps(plan.plan_json(result, cfg)))  # as --json writes it


def change_of(old: tuple[str, ...], new: tuple[str, ...]) -> changes.Change:
    return changes.compare(plan_of(*old), plan_of(*new))


def steps(change: changes.Change) -> list[tuple[str, str]]:
    return [(s.op, s.name) for s in change.steps]


# (case, old --set values, new --set values, steps, minInRotation, of, exit code)
GOLDEN: list[tuple[str, tuple[str, ...], tuple[str, ...], list[tuple[str, str]], int, int, int]] = [
    (
        "scale out 2 -> 3",
        (),
        ("vmCount=3",),
        [("create", "web-nat-3"), ("create", "web-nic-3"), ("create", "web-vm-3")],
        2,
        3,
        0,
    ),
    (
        "scale in 3 -> 2",
        ("vmCount=3",),
        (),
        [("delete", "web-vm-3"), ("delete", "web-nic-3"), ("delete", "web-nat-3")],
        2,
        2,
        0,
    ),
    (
        "bootstrap change",
        ("workload=custom", "workloadFile=tests/data/app-v1.yaml"),
        ("workload=custom", "workloadFile=tests/data/app-v2.yaml"),
        [],
        2,
        2,
        0,
    ),
    ("probe path change", (), ("probe={path: /healthz}",), [("update", "web-lb")], 0, 2, 4),
    ("vmSize change", (), ("vmSize=Standard_D4s_v5",), [("update", "web-vm-1"), ("update", "web-vm-2")], 0, 2, 4),
    (
        "adminAccess nat -> bastion",
        (),
        ("adminAccess=bastion",),
        [
            ("update", "web-nsg"),
            ("update", "web-vnet"),
            ("create", "web-bastion-pip"),
            ("create", "web-bastion"),
            ("update", "web-nic-1"),
            ("update", "web-nic-2"),
            ("delete", "web-nat-2"),
            ("delete", "web-nat-1"),
        ],
        2,
        2,
        0,
    ),
    (
        "placement availabilitySet -> zones",
        (),
        ("placement=zones",),
        [
            ("create-replacement", "web-pip"),
            ("update", "web-lb"),
            ("delete-replaced", "web-vm-1"),
            ("create-replacement", "web-vm-1"),
            ("delete-replaced", "web-vm-2"),
            ("create-replacement", "web-vm-2"),
            ("delete", "web-avset"),
            ("delete-replaced", "web-pip"),
        ],
        0,
        2,
        4,
    ),
    (
        "osType linux -> windows",
        (),
        ("osType=windows",),
        [
            ("update", "web-nat-1"),
            ("update", "web-nat-2"),
            ("create", "web-admin-password"),
            ("delete-replaced", "web-vm-1"),
            ("create-replacement", "web-vm-1"),
            ("delete-replaced", "web-vm-2"),
            ("create-replacement", "web-vm-2"),
            ("create", "web-vm-1-web"),
            ("create", "web-vm-2-web"),
        ],
        0,
        2,
        4,
    ),
    (
        "tag change",
        (),
        ("tags={environment: dev, workload: lb-vms, owner: platform}",),
        [
            ("update", n)
            for n in (
                "web-rg",
                "web-nsg",
                "web-vnet",
                "web-pip",
                "web-lb",
                "web-identity",
                "web-avset",
                "web-nic-1",
                "web-nic-2",
                "web-vm-1",
                "web-vm-2",
            )
        ],
        2,
        2,
        0,
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected", "least", "of", "code"), [g[1:] for g in GOLDEN], ids=[g[0] for g in GOLDEN]
)
def test_golden_change(
    old: tuple[str, ...], new: tuple[str, ...], expected: list[tuple[str, str]], least: int, of: int, code: int
) -> None:
    change = change_of(old, new)
    assert steps(change) == expected
    assert (change.min_in_rotation, change.of) == (least, of)
    assert change.problems == []
    assert (changes.UNSAFE_EXIT if change.unsafe else 0) == code


def test_scale_in_passes_in_one_up_because_each_nic_goes_before_its_nat_rule() -> None:
    change = change_of(("vmCount=3",), ())
    order = [name for _, name in steps(change)]
    assert order.index("web-nic-3") < order.index("web-nat-3")
    assert change.recipe == []


def test_a_bootstrap_change_keeps_every_vm_serving_and_prints_the_roll() -> None:
    change = change_of(
        ("workload=custom", "workloadFile=tests/data/app-v1.yaml"),
        ("workload=custom", "workloadFile=tests/data/app-v2.yaml"),
    )
    assert change.drift == {"web-vm-1": ["osProfile.customData"], "web-vm-2": ["osProfile.customData"]}
    rolls = [line for line in change.recipe if line.startswith("pulumi up")]
    assert rolls == [
        f"pulumi up --target '{URN}web-vm-{i}' --target-dependents --replace '{URN}web-vm-{i}'" for i in (1, 2)
    ]


def test_vm_size_restarts_every_vm_at_once_so_the_recipe_rolls_them() -> None:
    change = change_of((), ("vmSize=Standard_D4s_v5",))
    assert all(s.reason.startswith("restarts the VM: hardwareProfile.vmSize") for s in change.steps)
    assert [line for line in change.recipe if line.startswith("pulumi up")] == [
        f"pulumi up --target '{URN}web-vm-{i}' --target-dependents" for i in (1, 2)
    ]


def test_a_probe_path_change_moves_the_probe_to_tcp_first() -> None:
    change = change_of((), ("probe={path: /healthz}",))
    assert change.availability_causes == [
        "probe path / -> /healthz: the LB probes the new path at once, which VMs created with the old bootstrap "
        "do not serve"
    ]
    assert change.recipe[1] == (
        "pulumi config set --path probe.protocol Tcp && pulumi config rm --path probe.path && pulumi up"
    )


def test_placement_change_names_why_each_resource_is_replaced() -> None:
    change = change_of((), ("placement=zones",))
    by_name = {s.name: s for s in change.resources.values()}
    assert by_name["web-pip"].reason.startswith("zones (replace_on_changes; Azure: 'Zones cannot be added")
    assert by_name["web-vm-1"].paths == ["availabilitySet", "zones"]
    assert (
        "availabilitySet (replace_on_changes; https://learn.microsoft.com/azure/virtual-machines/availability-set-overview"
        in by_name["web-vm-1"].reason
    )


def test_scale_set_model_change_rolls_through_the_upgrade_policy() -> None:
    change = change_of(("placement=scaleSet",), ("placement=scaleSet", "vmSize=Standard_D4s_v5"))
    assert [(s.op, s.name, s.paths) for s in change.steps] == [("update", "web-vmss", ["sku.name"])]
    assert (change.min_in_rotation, change.of) == (2, 2)  # maxSurge: new instances first
    no_surge = change_of(
        ("placement=scaleSet", "scaleSet={minCount: 2, defaultCount: 4, rollingMaxSurge: false}"),
        (
            "placement=scaleSet",
            "scaleSet={minCount: 2, defaultCount: 4, rollingMaxSurge: false}",
            "vmSize=Standard_D4s_v5",
        ),
    )
    assert (no_surge.min_in_rotation, no_surge.of) == (3, 4)  # 20% of 4 rounds up to one per batch


# ------------------------------------------------------------------ what Azure would refuse


def test_a_create_only_change_without_a_replacement_is_a_problem() -> None:
    old = plan_of()
    new = json.loads(json.dumps(old))
    avset = next(r for r in new["resources"] if r["name"] == "web-avset")
    avset["inputs"]["platformFaultDomainCount"] = 3
    change = changes.compare(old, new)
    assert change.problems == [
        "web-avset: platformFaultDomainCount is create-only in Azure and would be updated in place, which Azure "
        "refuses (https://learn.microsoft.com/azure/virtual-machines/availability-set-overview)"
    ]
    assert change.unsafe


def test_deleting_what_a_surviving_resource_still_references_is_a_problem() -> None:
    old = plan_of("vmCount=3")
    new = json.loads(json.dumps(old))
    new["resources"] = [r for r in new["resources"] if r["name"] != "web-nat-3"]
    assert changes.compare(old, new).problems == ["web-nat-3 is deleted while web-nic-3 still references it"]


def test_leaving_bastion_is_refused_by_azure_and_says_how_to_do_it() -> None:
    change = change_of(("adminAccess=bastion",), ())
    assert change.problems == [
        "web-vnet: subnet AzureBastionSubnet is removed in an update while web-bastion (deleted only afterwards) "
        "still uses it; Azure refuses (InUseSubnetCannotBeDeleted). Delete it first: "
        "pulumi destroy --target <urn of web-bastion>"
    ]


# ------------------------------------------------------------------ the command


def test_make_plan_diff_prints_the_change_first_writes_it_and_exits_4_when_unsafe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    assert plan.main(["--quiet", "--json", str(old)]) == 0
    assert plan.main(["--set", "vmCount=3", "--diff", str(old), "--json", str(new)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Change against the old plan")
    assert out.index("Availability: at least 2 of 3") < out.index("Plan of stack 'dev'")
    written = json.loads(new.read_text())["change"]
    assert written["availability"] == {"minInRotation": 2, "of": 3, "causes": []}
    assert [s["op"] for s in written["steps"]] == ["create", "create", "create"]
    assert set(written["steps"][0]) == {"op", "type", "name", "paths", "reason"}
    assert plan.main(["--set", "vmSize=Standard_D4s_v5", "--diff", str(old)]) == changes.UNSAFE_EXIT
    assert "Unsafe as one `pulumi up` (exit 4)" in capsys.readouterr().out


def test_a_diff_file_that_is_not_a_plan_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "old.json"
    bad.write_text("[1, 2]")
    assert plan.main(["--diff", str(bad)]) == 2
    assert f"error: --diff {bad}: not a plan written by --json" in capsys.readouterr().err


# ------------------------------------------------------------------ README


def readme_rows() -> dict[str, list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### What a change does") :]
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \| (\d+) of (\d+) \| (\d) \|", section, re.MULTILINE)
    return {r[0].strip(): [r[1].strip(), r[2], r[3], r[4]] for r in rows}


def summary(change: changes.Change) -> str:
    counts: dict[str, int] = {}
    for s in change.resources.values():
        counts[s.op] = counts.get(s.op, 0) + 1
    parts = [f"{counts[op]} {op}" for op in ("create", "update", "replace", "delete") if op in counts]
    if change.drift:
        parts.append(f"{len(change.drift)} drift")
    return ", ".join(parts) or "nothing"


def test_readme_table_matches_the_golden_cases() -> None:
    rows = readme_rows()
    assert list(rows) == [g[0] for g in GOLDEN]
    for case, old, new, _, least, of, code in GOLDEN:
        change = change_of(old, new)
        assert rows[case] == [summary(change), str(least), str(of), str(code)], case
