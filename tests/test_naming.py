"""`namePrefix`: GIVEN a prefix, WHEN the stack runs, THEN every resource has the Cloud Adoption
Framework name around it (components/naming.py), the VMs' names change with each generation so
that they still roll create-first, and the change plan says so. Rule edges: tests/test_rules.py;
the longest prefixes each type allows: tests/test_scenarios.py."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from conftest import AVSET, IDENTITY, LB, NAT_RULE, NIC, NSG, PIP, RG, VM, VNET, dev_values, ok, run_stack
from test_changes import change_of, steps
from test_scenarios import AUTOSCALE, NAT_GATEWAY, VMSS, profile

from offline.engine import ProgramRun, Secret, plain
from stack_config import args_from_config

PREFIX = "web-prod"
OLD_PASSWORD = "Old-Passw0rd-for-tests!"


def tag_of(trigger: Any) -> str:
    """The generation tag, computed here from the trigger the engine recorded."""
    value = plain(trigger)
    assert isinstance(value, str) and value.startswith("model:"), value
    return hashlib.sha256(value.encode()).hexdigest()[:6]


def by_index(run: ProgramRun, type_: str) -> dict[int, Any]:
    return {int(r.name.rsplit("-", 1)[1]): r for r in run.of_type(type_)}


@pytest.fixture(scope="module")
def named() -> ProgramRun:
    return ok(run_stack(overrides={"namePrefix": PREFIX, "dataDisks": [{"lun": 0, "sizeGb": 64}]}))


def test_every_resource_of_the_dev_stack_is_named_by_the_convention(named: ProgramRun) -> None:
    run = named
    assert run.one(RG).inputs["resourceGroupName"] == "rg-web-prod"
    assert run.one(VNET).inputs["virtualNetworkName"] == "vnet-web-prod"
    assert [s["name"] for s in run.one(VNET).inputs["subnets"]] == ["snet-web-prod"]
    assert run.one(NSG).inputs["networkSecurityGroupName"] == "nsg-web-prod"
    assert run.one(PIP).inputs["publicIpAddressName"] == "pip-web-prod"
    assert run.one(LB).inputs["loadBalancerName"] == "lbe-web-prod"
    # The LB's children keep their short names: they live under it.
    assert run.one(NAT_RULE).inputs["inboundNatRuleName"] == "admin"
    assert run.one(AVSET).inputs["availabilitySetName"] == "avail-web-prod-fd2-ud5"
    assert run.one(IDENTITY).inputs["resourceName"] == "id-web-prod"


def test_each_vm_its_nic_and_its_disks_carry_the_vms_generation_tag(named: ProgramRun) -> None:
    vms, nics = by_index(named, VM), by_index(named, NIC)
    assert sorted(vms) == sorted(nics) == [1, 2]
    tags = set()
    for i, vm in vms.items():
        tag = tag_of(vm.replacement_trigger)
        tags.add(tag)
        assert plain(nics[i].replacement_trigger) == plain(vm.replacement_trigger)
        assert vm.inputs["vmName"] == f"vm-web-prod-{i}-{tag}"
        assert nics[i].inputs["networkInterfaceName"] == f"nic-web-prod-{i}-{tag}"
        storage = plain(vm.inputs["storageProfile"])
        assert storage["osDisk"]["name"] == f"osdisk-web-prod-{i}-{tag}"
        assert [d["name"] for d in storage["dataDisks"]] == [f"disk-web-prod-{i}-0-{tag}"]
        # The host name has no tag: it is the same in every generation.
        assert plain(vm.inputs["osProfile"])["computerName"] == f"web-prod-{i}"
        # The NIC is on the prefixed subnet.
        [config] = nics[i].inputs["ipConfigurations"]
        assert config["subnet"]["id"] == f"{named.one(VNET).id}/subnets/snet-web-prod"
    assert len(tags) == 2  # each VM's model holds its own host name


def test_what_a_new_generation_renames_overrides_azure_natives_delete_first(named: ProgramRun) -> None:
    # Renamed by what replaces them (naming.py), so they can be created beside the old ones.
    overriding = {r.name: r.delete_before_replace for r in named.resources if r.delete_before_replace is not None}
    assert overriding == {
        "web-nic-1": False,
        "web-nic-2": False,
        "web-vm-1": False,
        "web-vm-2": False,
        "web-avset": False,
        "web-pip": False,
    }


def test_a_windows_vms_name_is_not_secret_though_its_trigger_is() -> None:
    run = ok(
        run_stack(
            overrides={"namePrefix": "web", "osType": "windows", "sshPublicKey": None},
            secrets={"adminPassword": OLD_PASSWORD},
        )
    )
    for i, vm in by_index(run, VM).items():
        assert isinstance(vm.replacement_trigger, Secret)
        name = vm.inputs["vmName"]
        assert not isinstance(name, Secret)
        assert name == f"vm-web-{i}-{tag_of(vm.replacement_trigger)}"
        assert len(plain(vm.inputs["osProfile"])["computerName"]) <= 15


def test_a_model_change_rolls_the_named_vms_create_first_under_new_names() -> None:
    change = change_of((f"namePrefix={PREFIX}",), (f"namePrefix={PREFIX}", "vmSize=Standard_D4s_v5"))
    assert steps(change)[:4] == [
        ("create-replacement", "web-nic-1"),
        ("create-replacement", "web-nic-2"),
        ("create-replacement", "web-vm-1"),
        ("create-replacement", "web-vm-2"),
    ]
    assert change.problems == []
    assert (change.min_in_rotation, change.unsafe) == (2, False)
    vm = next(s for s in change.resources.values() if s.name == "web-vm-1")
    assert "vmName" in vm.paths
    assert vm.reason.startswith("create-first: deleteBeforeReplace is set false, which overrides azure-native")


def test_a_tags_change_keeps_every_name() -> None:
    change = change_of((f"namePrefix={PREFIX}",), (f"namePrefix={PREFIX}", "tags={team: web}"))
    assert {op for op, _ in steps(change)} == {"update"}
    assert change.problems == []


def test_spreading_over_zones_renames_the_public_ip_and_replaces_it_create_first() -> None:
    change = change_of((f"namePrefix={PREFIX}",), (f"namePrefix={PREFIX}", "placement=zones"))
    pip = next(s for s in change.resources.values() if s.name == "web-pip")
    assert pip.op == "replace" and pip.reason.startswith("create-first")
    assert change.problems == []
    zoned = ok(run_stack(overrides={"namePrefix": PREFIX, "placement": "zones"}))
    assert zoned.one(PIP).inputs["publicIpAddressName"] == "pip-web-prod-zr"
    assert zoned.of_type(AVSET) == []


def test_a_scale_set_internal_tier_is_named_too() -> None:
    run = ok(
        run_stack(overrides={"namePrefix": PREFIX, "placement": "scaleSet", "frontendType": "internal", "zones": []})
    )
    assert run.one(VMSS).inputs["vmScaleSetName"] == "vmss-web-prod"
    assert profile(run)["osProfile"]["computerNamePrefix"] == "web-prod"
    assert run.one(AUTOSCALE).inputs["autoscaleSettingName"] == "autoscale-web-prod"
    assert run.one(LB).inputs["loadBalancerName"] == "lbi-web-prod"
    assert run.one(NAT_GATEWAY).inputs["natGatewayName"] == "ng-web-prod"
    assert run.one(PIP).inputs["publicIpAddressName"] == "pip-web-prod-ng"


def test_the_longest_windows_prefixes_are_accepted_at_their_edge() -> None:
    # `<13>-9` and a 9-character scale set prefix: 15 characters each (one more is refused,
    # tests/test_rules.py).
    windows = {"osType": "windows", "sshPublicKey": None}
    for overrides in (
        {**windows, "namePrefix": "a" * 13, "vmCount": 9},
        {**windows, "namePrefix": "a" * 9, "placement": "scaleSet"},
        {"namePrefix": "a" * 40, "vmCount": 200, "placement": "zones", "subnetPrefix": "10.0.0.0/22"},
        {"namePrefix": "a" * 19, "monitoring": {"enabled": True}},  # dash-<19>: 24 characters
    ):
        args = args_from_config(dev_values(**overrides))  # raises ConfigError on any problem
        assert args.name_prefix == overrides["namePrefix"]


def test_new_fault_domains_give_a_new_availability_set_beside_the_old_one() -> None:
    change = change_of((f"namePrefix={PREFIX}",), (f"namePrefix={PREFIX}", "faultDomainCount=3"))
    avset = next(s for s in change.resources.values() if s.name == "web-avset")
    assert avset.op == "replace" and "availabilitySetName" in avset.paths
    assert avset.reason.startswith("create-first: deleteBeforeReplace is set false")
    assert steps(change)[0] == ("create-replacement", "web-avset")
    assert change.problems == []
    assert (change.min_in_rotation, change.unsafe) == (2, False)
