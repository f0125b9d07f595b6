"""What a change does to a live stack (`make plan --diff OLD.json`), on golden cases.

GIVEN the plan of a deployed config, WHEN the config changes, THEN the change plan names the
exact steps in Pulumi's order, the fewest VMs in rotation, what Azure would refuse, and a
recipe only where one `pulumi up` cannot do it; and the README's "What a change does" table
says the same.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from offline import changes, engine, plan

PREFIX = "urn:pulumi:dev::lb-vms::lbvms:index:MultiVmLoadBalanced$"
URN = PREFIX + "azure-native:compute:VirtualMachine::"
NIC_URN = PREFIX + "azure-native:network:NetworkInterface::"
#: One salt for every plan here, as `--diff` reuses the old plan's: secret hashes compare.
SALT = "5a" * 16
OLD_PASSWORD = "Old-Passw0rd-2024!"
#: As `make plan` runs it: the dev stack sets no SSH key.
THROWAWAY = ["--throwaway-ssh-key", "sshPublicKey"]
NEW_PASSWORD = "New-Passw0rd-2025!"


@cache
def plan_of(*sets: str) -> dict[str, Any]:
    """The dev stack's plan as `--json` writes it, with `--set` values; `secret:key=value`
    is a `--secret`, and `image:<os>=<publisher>/<offer>/<sku>` runs the program with another
    image (part of the cache key, so no other plan sees it)."""
    from components import compute

    values = [s for s in sets if not s.startswith(("secret:", "image:"))]
    secrets = [s.removeprefix("secret:") for s in sets if s.startswith("secret:")]
    images = dict(s.removeprefix("image:").split("=", 1) for s in sets if s.startswith("image:"))
    saved = dict(compute.IMAGES)
    try:
        for os_type, spec in images.items():
            compute.IMAGES[os_type] = compute.Image(*spec.split("/"))
        cfg, _ = plan.load_config("dev", values, secrets, throwaway_ssh_keys=["sshPublicKey"])
        result = plan.run(cfg)
    finally:
        compute.IMAGES.clear()
        compute.IMAGES.update(saved)
    assert result.error is None, result.error
    return json.loads(json.dumps(plan.plan_json(result, cfg, SALT)))  # as --json writes it


def edited(*sets: str) -> dict[str, Any]:
    """A copy of a plan to edit."""
    return copy.deepcopy(plan_of(*sets))


def change_of(old: tuple[str, ...], new: tuple[str, ...], parallel: int = 8) -> changes.Change:
    return changes.compare(plan_of(*old), plan_of(*new), parallel=parallel)


def steps(change: changes.Change) -> list[tuple[str, str]]:
    return [(s.op, s.name) for s in change.steps]


def by_name(plan_data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in plan_data["resources"] if r["name"] == name)


def roll(vms: tuple[int, ...] = (1, 2), extension: bool = False) -> list[tuple[str, str]]:
    """What `pulumi up` does to VMs whose model changed: each NIC and VM replaced create-first
    (their replacement_trigger), then each VM's extension and gate, named after the VM, replaced
    delete-first (explicit Azure names on a new path), and the old VMs and NICs deleted at the end."""
    out = [("create-replacement", f"web-nic-{i}") for i in vms] + [("create-replacement", f"web-vm-{i}") for i in vms]
    for kind in ("web", "gate") if extension else ("gate",):
        for i in vms:
            out += [("delete-replaced", f"web-vm-{i}-{kind}"), ("create-replacement", f"web-vm-{i}-{kind}")]
    out += [("delete-replaced", f"web-vm-{i}") for i in reversed(vms)]
    return out + [("delete-replaced", f"web-nic-{i}") for i in reversed(vms)]


WINDOWS_OLD = ("osType=windows", f"secret:adminPassword={OLD_PASSWORD}")
WINDOWS_NEW = ("osType=windows", f"secret:adminPassword={NEW_PASSWORD}")
CUSTOM_V1 = ("workload=custom", "workloadFile=tests/data/app-v1.yaml")
CUSTOM_V2 = ("workload=custom", "workloadFile=tests/data/app-v2.yaml")
ILB = ("frontendType=internal", "placement=zones")
ZERO_GUID = "00000000-0000-0000-0000-000000000000"

# (case, old --set values, new --set values, steps, minInRotation, of, exit code)
GOLDEN: list[tuple[str, tuple[str, ...], tuple[str, ...], list[tuple[str, str]], int, int, int]] = [
    (
        "scale out 2 -> 3",
        (),
        ("vmCount=3",),
        [("create", "web-nic-3"), ("create", "web-vm-3"), ("create", "web-vm-3-gate")],
        2,
        3,
        0,
    ),
    (
        "scale in 3 -> 2",
        ("vmCount=3",),
        (),
        [("delete", "web-vm-3-gate"), ("delete", "web-vm-3"), ("delete", "web-nic-3")],
        2,
        2,
        0,
    ),
    ("bootstrap change", CUSTOM_V1, CUSTOM_V2, roll(), 2, 2, 0),
    (
        "probe path change",
        (),
        ("probe={path: /healthz}",),
        [("update", "web-lb"), ("update", "web-vm-1-gate"), ("update", "web-vm-2-gate")],
        2,
        2,
        0,
    ),
    ("vmSize change", (), ("vmSize=Standard_D4s_v5",), roll(), 2, 2, 0),
    ("osDiskType change", (), ("osDiskType=Premium_LRS",), roll(), 2, 2, 0),
    ("encryptionAtHost on", (), ("encryptionAtHost=true",), roll(), 2, 2, 0),
    ("trustedLaunch off -> on", ("trustedLaunch=false",), (), roll(), 2, 2, 0),
    ("Windows password rotation", WINDOWS_OLD, WINDOWS_NEW, roll(extension=True), 2, 2, 0),
    ("image change", (), ("image:linux=Canonical/ubuntu-24_04-lts/minimal",), roll(), 2, 2, 0),
    (
        "osType linux -> windows",
        (),
        ("osType=windows",),
        [
            ("update", "web-admin-nat"),
            ("create", "web-admin-password"),
            *roll()[:4],
            ("create", "web-vm-1-web"),
            ("create", "web-vm-2-web"),
            *roll()[4:],
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
            *roll()[:8],
            ("delete-replaced", "web-vm-2"),
            ("delete-replaced", "web-vm-1"),
            ("delete-replaced", "web-nic-2"),
            ("delete-replaced", "web-nic-1"),
            ("delete", "web-avset"),
            ("delete-replaced", "web-pip"),
        ],
        0,
        2,
        4,
    ),
    (
        "placement availabilitySet -> scaleSet",
        (),
        ("placement=scaleSet",),
        [
            ("create-replacement", "web-pip"),
            ("update", "web-lb"),
            ("create", "web-vmss"),
            ("create", "web-autoscale"),
            ("delete", "web-vm-2-gate"),
            ("delete", "web-vm-1-gate"),
            ("delete", "web-vm-2"),
            ("delete", "web-vm-1"),
            ("delete", "web-nic-2"),
            ("delete", "web-nic-1"),
            ("delete", "web-avset"),
            ("delete-replaced", "web-pip"),
        ],
        0,
        2,
        4,
    ),
    (
        "placement scaleSet -> availabilitySet",
        ("placement=scaleSet",),
        (),
        [
            ("create-replacement", "web-pip"),
            ("update", "web-lb"),
            ("create", "web-avset"),
            ("create", "web-nic-1"),
            ("create", "web-nic-2"),
            ("create", "web-vm-1"),
            ("create", "web-vm-2"),
            ("create", "web-vm-1-gate"),
            ("create", "web-vm-2-gate"),
            ("delete", "web-autoscale"),
            ("delete", "web-vmss"),
            ("delete-replaced", "web-pip"),
        ],
        0,
        2,
        4,
    ),
    (
        "resourceGroupName -> existing-rg",
        (),
        ("resourceGroupName=existing-rg",),
        [
            ("create-replacement", "web-nsg"),
            ("create-replacement", "web-vnet"),
            ("create-replacement", "web-pip"),
            # Auto-named, so azure-native creates the LB first; the NAT rule has the explicit
            # name `admin` under it, a path parameter too, so it is replaced delete-first.
            ("create-replacement", "web-lb"),
            ("delete-replaced", "web-admin-nat"),
            ("create-replacement", "web-admin-nat"),
            ("create-replacement", "web-identity"),
            ("create-replacement", "web-avset"),
            *roll()[:8],
            ("delete-replaced", "web-vm-2"),
            ("delete-replaced", "web-vm-1"),
            ("delete-replaced", "web-nic-2"),
            ("delete-replaced", "web-nic-1"),
            ("delete-replaced", "web-avset"),
            ("delete-replaced", "web-identity"),
            ("delete-replaced", "web-lb"),
            ("delete-replaced", "web-pip"),
            ("delete-replaced", "web-vnet"),
            ("delete-replaced", "web-nsg"),
            ("delete", "web-rg"),
        ],
        0,
        2,
        4,
    ),
    (
        "subnetPrefix under running VMs",
        (),
        ("subnetPrefix=10.0.1.0/25",),
        [("update", "web-nsg"), ("update", "web-vnet")],
        2,
        2,
        4,
    ),
    (
        "internal frontend zones [1, 2] -> [1]",
        (*ILB, "zones=[1,2]"),
        (*ILB, "zones=[1]"),
        # The egress LB's public IP moves to zone 1 too (an outbound address, not what serves).
        [
            ("create-replacement", "web-egress-pip"),
            ("update", "web-egress-lb"),
            ("update", "web-lb"),
            *roll((2,))[:-1],
            ("delete-replaced", "web-nic-2"),
            ("delete-replaced", "web-egress-pip"),
        ],
        2,
        2,
        4,
    ),
    (
        "adminAccess nat -> bastion",
        (),
        ("adminAccess=bastion",),
        [
            ("update", "web-nsg"),
            ("update", "web-vnet"),
            ("create", "web-bastion-pip"),
            ("create", "web-bastion"),
            ("delete", "web-admin-nat"),
        ],
        2,
        2,
        0,
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
                "web-vm-1-gate",
                "web-vm-2-gate",
            )
        ],
        2,
        2,
        0,
    ),
    ("dataDisks added", (), ("dataDisks=[{lun: 0, sizeGb: 64}]",), roll(), 2, 2, 0),
    (
        "roleAssignments added",
        (),
        (f"roleAssignments=[{{role: Reader, scope: /subscriptions/{ZERO_GUID}/resourceGroups/rg-data}}]",),
        [("create", "web-role-e3f5d4db")],
        2,
        2,
        0,
    ),
    (
        "keyVaultId set (Windows)",
        WINDOWS_OLD,
        (
            *WINDOWS_OLD,
            f"keyVaultId=/subscriptions/{ZERO_GUID}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-web",
        ),
        [("create", "web-admin-password")],
        2,
        2,
        0,
    ),
    (
        "vmSize change with namePrefix",
        ("namePrefix=web",),
        ("namePrefix=web", "vmSize=Standard_D4s_v5"),
        roll(),
        2,
        2,
        0,
    ),
    (
        "namePrefix set on a live stack",
        (),
        ("namePrefix=web",),
        [
            ("create-replacement", "web-rg"),
            ("create-replacement", "web-nsg"),
            ("create-replacement", "web-vnet"),
            ("create-replacement", "web-pip"),
            ("create-replacement", "web-lb"),
            ("delete-replaced", "web-admin-nat"),
            ("create-replacement", "web-admin-nat"),
            ("create-replacement", "web-identity"),
            ("create-replacement", "web-avset"),
            *roll()[:8],
            ("delete-replaced", "web-vm-2"),
            ("delete-replaced", "web-vm-1"),
            ("delete-replaced", "web-nic-2"),
            ("delete-replaced", "web-nic-1"),
            ("delete-replaced", "web-avset"),
            ("delete-replaced", "web-identity"),
            ("delete-replaced", "web-lb"),
            ("delete-replaced", "web-pip"),
            ("delete-replaced", "web-vnet"),
            ("delete-replaced", "web-nsg"),
            ("delete-replaced", "web-rg"),
        ],
        0,
        2,
        4,
    ),
]

#: Changes to what a VM is: `pulumi up` rolls them create-first, every VM serving throughout.
VM_MODEL_CHANGES = [
    "bootstrap change",
    "vmSize change",
    "osDiskType change",
    "encryptionAtHost on",
    "trustedLaunch off -> on",
    "Windows password rotation",
    "image change",
    "osType linux -> windows",
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
    assert (changes.UNSAFE_EXIT if change.unsafe else 0) == code
    if code == 0:
        assert change.problems == []


@pytest.mark.parametrize("case", VM_MODEL_CHANGES)
def test_a_vm_model_change_creates_every_new_vm_before_deleting_an_old_one(case: str) -> None:
    _, old, new, *_ = next(g for g in GOLDEN if g[0] == case)
    change = change_of(old, new)
    assert (change.min_in_rotation, change.of, change.unsafe) == (2, 2, False)
    vm_steps = [(s.op, i) for i, s in enumerate(change.steps) if s.type == changes.VM]
    creates = [i for op, i in vm_steps if op == "create-replacement"]
    deletes = [i for op, i in vm_steps if op == "delete-replaced"]
    assert creates and deletes and max(creates) < min(deletes)
    assert change.recipe == []
    for vm in ("web-vm-1", "web-vm-2"):
        step = next(s for s in change.resources.values() if s.name == vm)
        assert step.reason.startswith("create-first: the program's replacement, decided by the engine")
        assert "replacementTrigger changed (pulumi/pulumi#20936" in step.reason


def test_the_golden_image_case_really_changes_the_image() -> None:
    vm = by_name(plan_of("image:linux=Canonical/ubuntu-24_04-lts/minimal"), "web-vm-1")
    assert vm["inputs"]["storageProfile"]["imageReference"]["sku"] == "minimal"
    assert by_name(plan_of(), "web-vm-1")["inputs"]["storageProfile"]["imageReference"]["sku"] == "server"


# ------------------------------------------------------------------ path parameters, from the SDK


@pytest.mark.parametrize(
    ("token", "params", "name"),
    [
        (changes.VM, ("resourceGroupName", "vmName"), "vmName"),
        (
            "azure-native:compute:VirtualMachineExtension",
            ("resourceGroupName", "vmExtensionName", "vmName"),
            "vmExtensionName",
        ),
        (
            "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
            ("resourceGroupName", "runCommandName", "vmName"),
            "runCommandName",
        ),
        (changes.NAT_RULE, ("inboundNatRuleName", "loadBalancerName", "resourceGroupName"), "inboundNatRuleName"),
        (changes.PIP, ("publicIpAddressName", "resourceGroupName"), "publicIpAddressName"),
        ("azure-native:resources:ResourceGroup", ("resourceGroupName",), "resourceGroupName"),
        ("azure-native:monitor:DiagnosticSetting", ("name", "resourceUri"), "name"),
        ("random:index/randomPassword:RandomPassword", (), None),
    ],
)
def test_path_parameters_and_the_azure_name_come_from_the_sdk_getter(
    token: str, params: tuple[str, ...], name: str | None
) -> None:
    assert changes.path_parameters(token) == params  # `expand` (a query parameter) is left out
    assert changes.name_parameter(token) == name


def test_a_changed_path_parameter_replaces_delete_first_with_an_explicit_name_and_its_dependents_too() -> None:
    old, new = edited(), edited()
    # An LB named explicitly (as the component named it before relative IDs), then renamed.
    by_name(old, "web-lb")["inputs"]["loadBalancerName"] = "web-lb"
    by_name(new, "web-lb")["inputs"]["loadBalancerName"] = "web-lb2"
    change = changes.compare(old, new, parallel=8)
    assert steps(change) == [
        ("delete-replaced", "web-admin-nat"),
        ("delete-replaced", "web-lb"),
        ("create-replacement", "web-lb"),
        ("create-replacement", "web-admin-nat"),
        # The LB's new path is a new ID, so the NICs move to its pool (an update).
        ("update", "web-nic-1"),
        ("update", "web-nic-2"),
    ]
    lb = next(s for s in change.resources.values() if s.name == "web-lb")
    assert lb.reason.startswith("delete-first: azure-native deletes first when the Azure name (loadBalancerName)")
    assert "loadBalancerName is a path parameter (azure-native provider/pkg/provider/diff.go" in lb.reason
    nat = next(s for s in change.resources.values() if s.name == "web-admin-nat")
    assert "loadBalancerName depend(s) on web-lb, which is replaced delete-first" in nat.reason
    assert "calculateDependentReplacements" in nat.reason
    # The NICs keep referencing the old LB's pool: Azure refuses, and nothing serves meanwhile.
    assert change.problems == [
        "web-lb is replaced delete-first while web-nic-1, web-nic-2 still reference it; Azure refuses to delete a "
        "resource in use"
    ]
    assert (change.min_in_rotation, change.unsafe) == (0, True)


def test_an_auto_named_resource_is_replaced_create_first_and_its_new_name_replaces_what_names_it() -> None:
    change = change_of(CUSTOM_V1, CUSTOM_V2)
    gate = next(s for s in change.resources.values() if s.name == "web-vm-1-gate")
    assert gate.paths == ["vmName"]
    assert "vmName is a path parameter, the new name of web-vm-1" in gate.reason
    assert gate.reason.startswith("delete-first: azure-native deletes first when the Azure name (runCommandName)")
    # The VM's new NIC (a new ID) is an update-level input of the VM, replaced anyway.
    vm = next(s for s in change.resources.values() if s.name == "web-vm-1")
    assert "networkProfile.networkInterfaces[0].id" in vm.paths


def test_an_explicit_name_replaced_create_first_is_a_problem() -> None:
    old, new = edited(), edited("probe={path: /healthz}")
    for data in (old, new):
        by_name(data, "web-vm-1-gate")["replaceOnChanges"] = ["source"]
    change = changes.compare(old, new, parallel=8)
    assert change.problems == [
        "web-vm-1-gate: replaced create-first (source (replace_on_changes)) with an explicit Azure name "
        "(runCommandName='health-gate'): the create PUTs over the existing resource and the delete at the end of "
        "the run removes it. Set deleteBeforeReplace on it, or let it be auto-named"
    ]
    by_name(new, "web-vm-1-gate")["deleteBeforeReplace"] = True
    assert changes.compare(old, new, parallel=8).problems == []


def test_replace_with_replaces_together() -> None:
    old, new = edited(), edited("vmSize=Standard_D4s_v5")
    for data in (old, new):
        for r in data["resources"]:
            if r["name"] == "web-identity":
                r["replaceWith"] = [URN + "web-vm-1"]
    change = changes.compare(old, new, parallel=8)
    # The identity comes before the VM in dependency order: replace_with only sees earlier ones.
    assert "web-identity" not in {s.name for s in change.resources.values()}
    for data in (old, new):
        by_name(data, "web-avset")["replaceWith"] = []
        by_name(data, "web-vm-1-gate")["replaceWith"] = [URN + "web-vm-1"]
    gate = next(s for s in changes.compare(old, new, parallel=8).resources.values() if s.name == "web-vm-1-gate")
    assert "replace_with web-vm-1, which is replaced" in gate.reason


# ------------------------------------------------------------------ replacementTrigger


def without_triggers(data: dict[str, Any]) -> dict[str, Any]:
    """The plan as a program without replacement triggers would give it."""
    for r in data["resources"]:
        r["replacementTrigger"] = None
        r.pop("replacementTriggerHash", None)
    return data


def test_a_trigger_new_on_a_deployed_stack_does_not_replace_and_the_recipe_asks_for_it() -> None:
    old = without_triggers(edited())
    change = changes.compare(old, plan_of("vmSize=Standard_D4s_v5"), parallel=8)
    assert [s.op for s in change.resources.values() if s.type == changes.VM] == ["update", "update"]
    assert any("replacementTrigger is new (none before), so Pulumi does not replace them" in n for n in change.notes)
    urns = " ".join(f"--replace '{p}web-{i}'" for p, i in ((NIC_URN, "nic-1"), (NIC_URN, "nic-2")))
    urns += " " + " ".join(f"--replace '{URN}web-vm-{i}'" for i in (1, 2))
    assert change.recipe[-1] == f"pulumi up {urns}"
    # In place, a resize restarts both VMs at once: nothing serves meanwhile.
    assert (change.min_in_rotation, change.unsafe) == (0, True)


def test_a_trigger_new_on_an_unchanged_resource_changes_nothing() -> None:
    change = changes.compare(without_triggers(edited()), plan_of(), parallel=8)
    assert (change.steps, change.recipe, change.notes) == ([], [], [])


def test_an_unknown_trigger_counts_as_a_replacement_and_a_removed_one_as_none() -> None:
    old, new = plan_of(), edited()
    by_name(new, "web-vm-1")["replacementTrigger"] = changes.UNKNOWN_TEXT
    step = next(s for s in changes.compare(old, new, parallel=8).resources.values() if s.name == "web-vm-1")
    assert step.op == "replace" and "replacementTrigger unknown in preview" in step.reason
    by_name(new, "web-vm-1")["replacementTrigger"] = None
    assert changes.compare(old, new, parallel=8).steps == []


def test_a_secret_trigger_compares_by_value() -> None:
    """A plain trigger made secret with the same value does not replace (#21142)."""
    old, new = edited(), edited()
    vm = by_name(new, "web-vm-1")
    vm["replacementTriggerHash"] = changes.secret_hash(SALT, vm["replacementTrigger"])
    vm["replacementTrigger"] = changes.MASK
    assert changes.compare(old, new, parallel=8).steps == []
    vm["replacementTriggerHash"] = changes.secret_hash(SALT, "model:other")
    replaced = changes.compare(old, new, parallel=8).resources.values()
    assert [s.name for s in replaced] == ["web-vm-1", "web-vm-1-gate"]  # the gate names the VM


# ------------------------------------------------------------------ secrets


def test_a_plan_records_a_salted_hash_of_each_secret_and_never_its_value() -> None:
    data = plan_of(*WINDOWS_OLD)
    text = json.dumps(data)
    assert OLD_PASSWORD not in text
    assert data["secretSalt"] == SALT
    vm = by_name(data, "web-vm-1")
    assert vm["inputs"]["osProfile"] == changes.MASK  # Pulumi makes the whole object secret
    # A literal: a plan written by an earlier version must still compare (`--diff`).
    assert vm["secretHashes"]["osProfile.adminPassword"] == (
        "8db62fb74883634ce63a0c06945feacfc300ac8e945f185842873f9f48670e34"
    )
    assert vm["replacementTrigger"] == changes.MASK and len(vm["replacementTriggerHash"]) == 64
    assert by_name(plan_of(), "web-vm-1")["replacementTrigger"].startswith("model:")


def test_the_engine_records_the_trigger_as_sent_plain_secret_or_unknown() -> None:
    cfg, _ = plan.load_config("dev", ["osType=windows"], [f"adminPassword={OLD_PASSWORD}"])
    known = plan.run(cfg)
    vm = next(r for r in known.resources if r.name == "web-vm-1")
    assert isinstance(vm.replacement_trigger, engine.Secret)
    assert engine.plain(vm.replacement_trigger).startswith("model:") and vm.replace_with == []
    # A generated password is unknown in preview, and so is the trigger made from it.
    generated, _ = plan.load_config("dev", ["osType=windows"])
    unknown = plan.run(generated, computed="unknown")
    vm = next(r for r in unknown.resources if r.name == "web-vm-1")
    assert plan.trigger_json(vm.replacement_trigger) == changes.UNKNOWN_TEXT
    linux = plan_of()
    assert by_name(linux, "web-nic-1")["replacementTrigger"] == by_name(linux, "web-vm-1")["replacementTrigger"]
    assert by_name(linux, "web-lb")["replacementTrigger"] is None and by_name(linux, "web-lb")["replaceWith"] == []


def test_a_changed_secret_is_seen_by_its_hash() -> None:
    change = change_of(WINDOWS_OLD, WINDOWS_NEW)
    vm = next(s for s in change.resources.values() if s.name == "web-vm-1")
    assert "osProfile.adminPassword" in vm.paths
    same = change_of(WINDOWS_OLD, WINDOWS_OLD)
    assert same.steps == []


def test_plans_with_different_salts_do_not_compare_secrets_and_say_so() -> None:
    old, new = edited(*WINDOWS_OLD), plan_of(*WINDOWS_NEW)
    old["secretSalt"] = "00" * 16
    change = changes.compare(old, new, parallel=8)
    assert change.steps == []
    assert any("another (or no) secretSalt, so secrets are not compared" in n for n in change.notes)


def test_make_plan_diff_reuses_the_old_plans_salt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(plan.SECRET_ENV_PREFIX + "adminPassword", raising=False)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    windows = ["--set", "osType=windows"]
    assert plan.main(["--quiet", *windows, "--secret", f"adminPassword={OLD_PASSWORD}", "--json", str(old)]) == 0
    args = [*windows, "--secret", f"adminPassword={NEW_PASSWORD}", "--diff", str(old), "--json", str(new)]
    assert plan.main(["--quiet", *args]) == 0
    written = json.loads(new.read_text())
    assert written["secretSalt"] == json.loads(old.read_text())["secretSalt"]
    assert OLD_PASSWORD not in new.read_text() and NEW_PASSWORD not in new.read_text()
    vm = next(s for s in written["change"]["steps"] if s["name"] == "web-vm-1" and s["op"] == "create-replacement")
    assert "osProfile.adminPassword" in vm["paths"]


# ------------------------------------------------------------------ what Azure refuses in place


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            (),
            ("osDiskType=Premium_LRS",),
            "web-vm-1: storageProfile.osDisk.managedDisk.storageAccountType changes in place, which Azure refuses: "
            "a disk type changes only on a deallocated VM (https://learn.microsoft.com/azure/virtual-machines/"
            "disks-convert-types)",
        ),
        (
            (),
            ("encryptionAtHost=true",),
            "web-vm-1: securityProfile.encryptionAtHost changes in place, which Azure refuses: encryption at host "
            "changes on a deallocated VM only (https://learn.microsoft.com/azure/virtual-machines/"
            "disks-enable-host-based-encryption-portal)",
        ),
        (
            ("trustedLaunch=false",),
            (),
            "web-vm-1: securityProfile.securityType changes in place, which Azure refuses: Trusted Launch is enabled "
            "on a deallocated VM only (https://learn.microsoft.com/azure/virtual-machines/trusted-launch-existing-vm)",
        ),
        (
            WINDOWS_OLD,
            WINDOWS_NEW,
            "web-vm-1: osProfile.adminPassword changes in place, which Azure refuses: the admin password of an "
            "existing VM cannot change through its model (Azure: PropertyChangeNotAllowed)",
        ),
    ],
    ids=["osDiskType", "encryptionAtHost", "trustedLaunch", "adminPassword"],
)
def test_a_running_vm_refuses_these_in_place(old: tuple[str, ...], new: tuple[str, ...], problem: str) -> None:
    """Without the trigger (a program that updates VMs in place) Azure would refuse each."""
    change = changes.compare(without_triggers(edited(*old)), without_triggers(edited(*new)), parallel=8)
    assert problem in change.problems
    assert change.unsafe


def test_trusted_launch_in_place_names_both_of_its_properties() -> None:
    change = changes.compare(without_triggers(edited("trustedLaunch=false")), without_triggers(edited()), parallel=8)
    vm = next(s for s in change.resources.values() if s.name == "web-vm-1")
    assert vm.op == "update" and vm.paths == ["securityProfile"]  # added whole
    assert [p.split(" changes in place")[0] for p in change.problems if p.startswith("web-vm-1:")] == [
        "web-vm-1: securityProfile.securityType",
        "web-vm-1: securityProfile.uefiSettings",
    ]
    old, new = without_triggers(edited()), without_triggers(edited())
    by_name(new, "web-vm-1")["inputs"]["securityProfile"]["uefiSettings"]["secureBootEnabled"] = False
    assert changes.compare(old, new, parallel=8).problems == [
        "web-vm-1: securityProfile.uefiSettings.secureBootEnabled changes in place, which Azure refuses: Secure Boot "
        "and vTPM change on a deallocated VM only (https://learn.microsoft.com/azure/virtual-machines/"
        "trusted-launch-existing-vm)"
    ]


def test_a_subnet_re_addressed_under_its_nics_is_refused() -> None:
    change = change_of((), ("subnetPrefix=10.0.1.0/25",))
    assert change.problems == [
        "web-vnet: subnet vms changes its address prefix 10.0.1.0/24 -> 10.0.1.0/25 while web-nic-1, web-nic-2 use "
        "it; Azure refuses (InUseSubnetCannotBeUpdated; https://learn.microsoft.com/azure/virtual-network/"
        'virtual-network-manage-subnet: "If any resources exist in the subnet, you must first either move the '
        'resources to another subnet or delete them")'
    ]


def test_an_internal_frontends_zones_cannot_change() -> None:
    change = change_of((*ILB, "zones=[1,2]"), (*ILB, "zones=[1]"))
    assert change.problems == [
        "web-lb: frontendIPConfigurations[0].zones changes in place, which Azure refuses: the zonality of a frontend "
        "IP configuration is fixed (https://learn.microsoft.com/azure/load-balancer/"
        'load-balancer-standard-availability-zones ("the zonality ... isn\'t alterable"))'
    ]


def test_a_create_only_change_without_a_replacement_is_a_problem() -> None:
    old, new = plan_of(), edited()
    avset = by_name(new, "web-avset")
    avset["inputs"]["platformFaultDomainCount"] = 3
    avset["replaceOnChanges"] = []
    change = changes.compare(old, new, parallel=8)
    assert change.problems == [
        "web-avset: platformFaultDomainCount is create-only in Azure and would be updated in place, which Azure "
        "refuses (https://learn.microsoft.com/azure/virtual-machines/availability-set-overview)"
    ]
    assert change.unsafe


def test_the_availability_sets_counts_replace_it_after_the_vms_move() -> None:
    change = change_of((), ("faultDomainCount=3",))
    avset = next(s for s in change.resources.values() if s.name == "web-avset")
    assert avset.op == "replace" and "platformFaultDomainCount (replace_on_changes" in avset.reason
    order = steps(change)
    assert order[0] == ("create-replacement", "web-avset")
    assert order[-1] == ("delete-replaced", "web-avset")  # after the old VMs that were in it
    assert (change.problems, change.min_in_rotation) == ([], 2)


def test_deleting_what_a_surviving_resource_still_references_is_a_problem() -> None:
    old, new = plan_of(), edited()
    new["resources"] = [r for r in new["resources"] if r["name"] != "web-avset"]
    assert changes.compare(old, new, parallel=8).problems == [
        "web-avset is deleted while web-vm-1 still references it",
        "web-avset is deleted while web-vm-2 still references it",
    ]


def test_leaving_bastion_is_refused_by_azure_and_says_how_to_do_it() -> None:
    change = change_of(("adminAccess=bastion",), ())
    assert change.problems == [
        "web-vnet: subnet AzureBastionSubnet is removed in an update while web-bastion (deleted only afterwards) "
        "still uses it; Azure refuses (InUseSubnetCannotBeDeleted). Delete it first: "
        "pulumi destroy --target <urn of web-bastion>"
    ]


# ------------------------------------------------------------------ from per-VM NAT rules to the V2 range


def per_vm_nat_plan(*sets: str) -> dict[str, Any]:
    """The dev stack as the program deployed it before NAT rule V2 and the health gates: a NAT
    rule per VM (frontend port 50001 + i - 1) that each NIC references, no gate, no trigger,
    and another bootstrap in the VMs' customData."""
    data = without_triggers(edited(*sets))
    rule = by_name(data, "web-admin-nat")
    nics = [r for r in data["resources"] if r["type"] == "azure-native:network:NetworkInterface"]
    data["resources"] = [
        r for r in data["resources"] if r["name"] != "web-admin-nat" and not r["name"].endswith("gate")
    ]
    for i, nic in enumerate(nics, start=1):
        old_rule = copy.deepcopy(rule)
        old_rule["urn"] = rule["urn"].replace("web-admin-nat", f"web-nat-{i}")
        old_rule["name"] = f"web-nat-{i}"
        inputs = old_rule["inputs"]
        for key in ("frontendPortRangeStart", "frontendPortRangeEnd", "backendAddressPool"):
            inputs.pop(key)
        inputs |= {"inboundNatRuleName": f"web-nat-{i}", "frontendPort": 50000 + i}
        old_rule["outputs"] = {**inputs, "id": rule["outputs"]["id"].replace("/admin", f"/web-nat-{i}")}
        data["resources"].append(old_rule)
        nic["inputs"]["ipConfigurations"][0]["loadBalancerInboundNatRules"] = [{"id": old_rule["outputs"]["id"]}]
        nic["dependencies"].append(old_rule["urn"])
        vm = by_name(data, f"web-vm-{i}")
        vm["inputs"]["osProfile"]["customData"] = "b2xkIGJvb3RzdHJhcA=="
        vm |= {"replaceOnChanges": ["zones", "availabilitySet"], "deleteBeforeReplace": True}
    return data


def test_moving_from_per_vm_nat_rules_to_the_range_clashes_on_ports_and_says_how_to_avoid_it() -> None:
    change = changes.compare(per_vm_nat_plan(), plan_of(), parallel=8)
    clash = [p for p in change.problems if p.startswith("web-admin-nat")]
    assert len(clash) == 1
    assert "overlap port(s) 50001, 50002 of web-nat-1, web-nat-2 on the same frontend" in clash[0]
    assert "deleted only at the end of the run (pulumi/pulumi deployment_executor.go performDeletes)" in clash[0]
    assert "(e.g. a range from 50101)" in clash[0]
    assert any("give it frontend ports from 50101 on" in line for line in change.recipe)
    # Steps: the NICs drop their rules (update), the gates come, the old rules go at the end.
    assert steps(change)[-2:] == [("delete", "web-nat-2"), ("delete", "web-nat-1")]
    # The VMs (trigger new, none before) are updated in place, which Azure refuses for the bootstrap:
    assert (
        "web-vm-1: osProfile.customData is create-only in Azure and would be updated in place, which Azure refuses "
        "(https://learn.microsoft.com/azure/virtual-machines/custom-data (PropertyChangeNotAllowed)) (replace it "
        "instead: see the recipe)"
    ) in change.problems
    assert change.recipe[-1].startswith(f"pulumi up --replace '{NIC_URN}web-nic-1'")
    assert f"--replace '{URN}web-vm-2'" in change.recipe[-1]


def test_a_nat_range_clear_of_the_old_ports_does_not_clash() -> None:
    change = changes.compare(per_vm_nat_plan(), plan_of("natFrontendPortStart=50101"), parallel=8)
    assert not [p for p in change.problems if p.startswith("web-admin-nat")]


@pytest.mark.parametrize(("old", "new"), [((), ("placement=scaleSet",)), (("placement=scaleSet",), ())])
def test_a_placement_change_keeps_the_one_nat_rule_without_a_clash(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    change = change_of(old, new)
    assert change.problems == []
    assert "web-admin-nat" not in [name for op, name in steps(change) if op != "update"]


# ------------------------------------------------------------------ availability


def test_scale_in_states_how_long_a_deleted_vm_may_still_get_flows() -> None:
    change = change_of(("vmCount=3",), ())
    assert change.availability_causes == [
        "web-vm-3: deleted at the end of the run; the load balancer may still send new flows to a deleted VM for up "
        "to 10 s (intervalInSeconds 5 x probeThreshold 2, web-lb probes[0])"
    ]
    assert change.recipe == []


def test_a_probe_path_change_keeps_every_vm_and_says_what_they_must_answer() -> None:
    change = change_of((), ("probe={path: /healthz}",))
    assert change.availability_causes == []
    assert change.notes == [
        "probe path / -> /healthz: the load balancer probes the new path as soon as it is updated, so every VM that "
        "keeps running must answer HTTP 200 at /healthz (a workload that answers every path does; a custom one "
        "must), or it leaves rotation"
    ]
    assert change.recipe == []


@pytest.mark.parametrize(("parallel", "least"), [(1, 3), (2, 2), (8, 0)])
def test_delete_first_vms_go_out_at_most_parallel_at_a_time(parallel: int, least: int) -> None:
    old, new = edited("vmCount=4"), edited("vmCount=4", "vmSize=Standard_D4s_v5")
    for r in new["resources"]:
        if r["type"] == changes.VM:
            r["deleteBeforeReplace"] = True
    change = changes.compare(old, new, parallel=parallel)
    assert (change.min_in_rotation, change.of) == (least, 4)
    assert ("delete-replaced", "web-vm-1-gate") in steps(change)  # the gate names the VM: it goes with it
    assert steps(change).index(("delete-replaced", "web-vm-1")) < steps(change).index(
        ("create-replacement", "web-vm-1")
    )
    if parallel < 4:
        assert f"at most {parallel} of these 4 at a time (--parallel {parallel})" in change.availability_causes


def test_an_in_place_resize_restarts_at_most_parallel_vms_at_a_time() -> None:
    old, new = without_triggers(edited()), without_triggers(edited("vmSize=Standard_D4s_v5"))
    one = changes.compare(old, new, parallel=1)
    assert (one.min_in_rotation, one.unsafe) == (1, False)
    assert all(s.reason.startswith("restarts the VM: hardwareProfile.vmSize") for s in one.steps)
    assert changes.compare(old, new, parallel=8).min_in_rotation == 0


def test_the_default_parallel_is_the_clis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_PARALLEL", raising=False)
    monkeypatch.setattr(changes.os, "cpu_count", lambda: 3)
    assert changes.default_parallel() == 12
    monkeypatch.setenv("PULUMI_PARALLEL", "5")
    assert changes.default_parallel() == 5
    monkeypatch.setenv("PULUMI_PARALLEL", "0")
    assert changes.default_parallel() == 12


# ------------------------------------------------------------------ quota


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("Standard_D4s_v5", ("Standard_D*s_v5", 4)),
        ("Standard_M8-2ms_v2", ("Standard_M*ms_v2", 8)),
        ("Standard_NV36adms_A10_v5", ("Standard_NV*adms_A10_v5", 36)),
        ("Standard_DS2_v2", ("Standard_DS*_v2", 2)),
        ("Standard_D2_v2_Promo", None),
    ],
)
def test_vcpus_come_from_the_size_name(size: str, expected: tuple[str, int] | None) -> None:
    assert changes.size_vcpus(size) == expected


def test_quota_counts_the_vms_created_while_the_old_ones_run() -> None:
    resize = change_of((), ("vmSize=Standard_D4s_v5",))
    assert resize.quota.as_json() == {
        "vms": 2,
        "vcpus": 8,
        "families": {"Standard_D*s_v5": 8},
        "unknownSizes": [],
        "untilOldVmsDeleted": True,
    }
    assert resize.quota.text() == (
        "Quota: up to 2 VMs and 8 vCPUs (family Standard_D*s_v5) beyond the running ones, until the old VMs are deleted"
    )
    assert change_of((), ("vmCount=3",)).quota.text() == (
        "Quota: up to 1 VM and 2 vCPUs (family Standard_D*s_v5) beyond the running ones"
    )
    assert change_of((), ("placement=scaleSet",)).quota.vms == 2  # the scale set's instances
    assert change_of((), ("probe={path: /healthz}",)).quota.vms == 0


# ------------------------------------------------------------------ the scale set


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


# ------------------------------------------------------------------ the command


def test_make_plan_diff_prints_the_change_first_writes_it_and_exits_4_when_unsafe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    assert plan.main(["--quiet", *THROWAWAY, "--json", str(old)]) == 0
    assert plan.main([*THROWAWAY, "--set", "vmCount=3", "--diff", str(old), "--parallel", "6", "--json", str(new)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Change against the old plan")
    assert out.index("Availability: at least 2 of 3 in rotation during the change (with --parallel 6)") < out.index(
        "Plan of stack 'dev'"
    )
    assert "Quota: up to 1 VM and 2 vCPUs (family Standard_D*s_v5) beyond the running ones" in out
    written = json.loads(new.read_text())["change"]
    assert written["availability"] == {
        "minInRotation": 2,
        "of": 3,
        "causes": [],
        "parallel": 6,
        "timeline": {"before": 2, "during": 2, "after": 3},
    }
    assert written["quota"]["vcpus"] == 2
    assert [s["op"] for s in written["steps"]] == ["create", "create", "create"]
    assert set(written["steps"][0]) == {"op", "type", "name", "paths", "reason"}
    assert plan.main([*THROWAWAY, "--set", "subnetPrefix=10.0.1.0/25", "--diff", str(old)]) == changes.UNSAFE_EXIT
    assert "Unsafe as one `pulumi up` (exit 4)" in capsys.readouterr().out
    assert plan.main(["--quiet", *THROWAWAY, "--set", "vmSize=Standard_D4s_v5", "--diff", str(old)]) == 0


def test_parallel_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        plan.main(["--parallel", "0"])
    assert exited.value.code == 2
    assert "'0' is not a whole number of 1 or more" in capsys.readouterr().err


def test_svg_with_diff_also_draws_the_timeline(tmp_path: Path) -> None:
    old, picture = tmp_path / "old.json", tmp_path / "architecture.svg"
    assert plan.main(["--quiet", *THROWAWAY, "--set", "placement=zones", "--json", str(old)]) == 0
    assert plan.main(["--quiet", *THROWAWAY, "--diff", str(old), "--svg", str(picture)]) == changes.UNSAFE_EXIT
    timeline = tmp_path / "architecture-change.svg"
    assert plan.change_picture_path(picture) == timeline
    text = timeline.read_text()
    assert text.startswith("<svg xmlns='http://www.w3.org/2000/svg'")
    assert ">during creates/updates</text>" in text and ">after deletes</text>" in text
    assert "at least 0 of 2 in rotation" in text  # the frontend's public IP is replaced


def test_a_diff_file_that_is_not_a_plan_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "old.json"
    bad.write_text("[1, 2]")
    assert plan.main([*THROWAWAY, "--diff", str(bad)]) == 2
    assert f"error: --diff {bad}: not a plan written by --json" in capsys.readouterr().err


#: Another project, component type and resource names for the same stacks.
OTHER_NAMES = [("lbvms:index:MultiVmLoadBalanced", "acme:shop:Tier"), ("lb-vms", "acme"), ("web-", "shop-")]


def under_other_names(data: Any) -> Any:
    text = json.dumps(data)
    for ours, theirs in OTHER_NAMES:
        text = text.replace(ours, theirs)
    return json.loads(text)


@pytest.mark.parametrize("case", [*(g[0] for g in GOLDEN), "per-VM NAT rules -> the V2 range"])
def test_the_change_model_knows_no_product_names(case: str) -> None:
    """The same change of another project (other type, names and Azure names): the same
    steps, problems, availability and recipe, under the other names."""
    if case == "per-VM NAT rules -> the V2 range":
        old, new = per_vm_nat_plan(), plan_of()
    else:
        _, sets_old, sets_new, *_ = next(g for g in GOLDEN if g[0] == case)
        old, new = plan_of(*sets_old), plan_of(*sets_new)
    ours = changes.compare(old, new, parallel=8)
    theirs = changes.compare(under_other_names(old), under_other_names(new), parallel=8)
    assert theirs.as_json() == under_other_names(ours.as_json())
    assert theirs.steps and all(s.name.startswith("shop-") for s in theirs.steps)


# ------------------------------------------------------------------ README


def readme_rows() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "changing-a-live-stack.md").read_text()
    section = text[text.index("## What a change does") :]
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


def test_an_lb_named_by_an_earlier_version_keeps_its_name_when_left_to_auto_naming() -> None:
    # Earlier versions named the LB `<component>-lb` and built absolute sub-resource IDs from
    # it; azure-native's Check reuses an old name the program no longer sets.
    old, new = edited(), edited()
    lb_old = by_name(old, "web-lb")
    lb_old["inputs"]["loadBalancerName"] = "web-lb"
    lb_old["inputs"]["loadBalancingRules"][0]["probe"]["id"] = f"{lb_old['outputs']['id']}/probes/health"
    change = changes.compare(old, new, parallel=8)
    assert steps(change) == [("update", "web-lb")]
    lb = next(s for s in change.resources.values() if s.name == "web-lb")
    assert lb.paths == ["loadBalancingRules[0].probe.id"]
    assert (change.problems, change.unsafe) == ([], False)
