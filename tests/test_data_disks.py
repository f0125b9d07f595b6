"""`dataDisks`: empty managed disks created with every VM, and in the scale set's model, and
deleted with them, for each placement; a change to them rolls like any other VM change."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import VM, ok, run_stack

from offline.engine import ProgramRun

VMSS = "azure-native:compute:VirtualMachineScaleSet"

DISKS = [{"lun": 0, "sizeGb": 128, "type": "Premium_LRS", "caching": "ReadOnly"}, {"lun": 1, "sizeGb": 4096}]

#: What Azure is asked for, from DISKS: the second disk takes the declared defaults
#: (StandardSSD_LRS, no host caching).
EXPECTED = [
    {
        "lun": 0,
        "diskSizeGB": 128,
        "createOption": "Empty",
        "caching": "ReadOnly",
        "managedDisk": {"storageAccountType": "Premium_LRS"},
        "deleteOption": "Delete",
    },
    {
        "lun": 1,
        "diskSizeGB": 4096,
        "createOption": "Empty",
        "caching": "None",
        "managedDisk": {"storageAccountType": "StandardSSD_LRS"},
        "deleteOption": "Delete",
    },
]


def vms(run: ProgramRun) -> list[Any]:
    return run.of_type(VM)


@pytest.mark.parametrize(
    "placement",
    [{}, {"placement": "zones", "vmCount": 3}],
    ids=["availabilitySet", "zones"],
)
def test_every_vm_gets_the_disks_created_and_deleted_with_it(placement: dict[str, Any]) -> None:
    run = ok(run_stack(overrides={**placement, "dataDisks": DISKS}))
    assert len(vms(run)) == placement.get("vmCount", 2)
    for vm in vms(run):
        assert vm.inputs["storageProfile"]["dataDisks"] == EXPECTED, vm.name
    # The disks are the VM's, not resources of their own: nothing to orphan.
    assert [r for r in run.resources if r.type == "azure-native:compute:Disk"] == []


def test_the_scale_sets_model_carries_the_disks() -> None:
    run = ok(run_stack(overrides={"placement": "scaleSet", "dataDisks": DISKS}))
    [vmss] = run.of_type(VMSS)
    assert vmss.inputs["virtualMachineProfile"]["storageProfile"]["dataDisks"] == EXPECTED


def test_without_data_disks_nothing_is_sent() -> None:
    run = ok(run_stack())
    for vm in vms(run):
        assert "dataDisks" not in vm.inputs["storageProfile"]


def test_adding_a_disk_replaces_the_vms_like_any_other_model_change() -> None:
    """VMs are immutable here: a new disk layout is a new model, so each VM is replaced
    create-first (compute.py); what was on the old disks does not move."""
    before = {vm.name: vm.replacement_trigger for vm in vms(ok(run_stack()))}
    after = {vm.name: vm.replacement_trigger for vm in vms(ok(run_stack(overrides={"dataDisks": DISKS[:1]})))}
    assert before.keys() == after.keys()
    assert all(before[name] != after[name] for name in before)
    bigger = [{**DISKS[0], "sizeGb": 256}]
    resized = {vm.name: vm.replacement_trigger for vm in vms(ok(run_stack(overrides={"dataDisks": bigger})))}
    assert all(resized[name] != after[name] for name in after)
