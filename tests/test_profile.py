"""One machine for both placements (components/profile.py).

GIVEN a config, WHEN it runs once with single VMs and once as a scale set, THEN a VM and the
scale set's instance model are the same machine: image, OS disk, admin user and sign-in,
bootstrap (customData or the web-server extension), security profile, boot diagnostics and
identity. Only the host name differs: a VM's computerName, the scale set's computerNamePrefix.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXTENSION, ROOT, VM, ok, run_stack

from offline.engine import ProgramRun, plain

VMSS = "azure-native:compute:VirtualMachineScaleSet"
PASSWORD = "Parity-Passw0rd-1!"
IDENTITY_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shared"
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-workload"
)
APP_V1 = ROOT / "tests" / "data" / "app-v1.yaml"
WEB_EXTENSION_FIELDS = ("publisher", "type", "typeHandlerVersion", "autoUpgradeMinorVersion", "settings")


def vm_machine(run: ProgramRun) -> dict[str, Any]:
    """VM 1 as a machine (every VM of a tier is the same one but for its host name)."""
    [vm] = [r for r in run.of_type(VM) if r.name == "web-vm-1"]
    inputs = plain(vm.inputs)
    os_profile = dict(inputs["osProfile"])
    assert os_profile.pop("computerName")
    web = [plain(r.inputs) for r in run.of_type(EXTENSION) if r.name == "web-vm-1-web"]
    return {
        "osProfile": os_profile,
        "storageProfile": inputs["storageProfile"],
        "securityProfile": inputs.get("securityProfile"),
        "diagnosticsProfile": inputs["diagnosticsProfile"],
        "identity": inputs["identity"],
        "webExtension": [{"name": e["vmExtensionName"], **{k: e[k] for k in WEB_EXTENSION_FIELDS}} for e in web],
    }


def scale_set_machine(run: ProgramRun) -> dict[str, Any]:
    vmss = plain(run.one(VMSS).inputs)
    profile = vmss["virtualMachineProfile"]
    os_profile = dict(profile["osProfile"])
    assert os_profile.pop("computerNamePrefix")
    extensions = profile["extensionProfile"]["extensions"]
    # The health extension is the scale set's own (automatic repairs, rolling upgrades).
    assert extensions[0]["name"] == "health"
    return {
        "osProfile": os_profile,
        "storageProfile": profile["storageProfile"],
        "securityProfile": profile.get("securityProfile"),
        "diagnosticsProfile": profile["diagnosticsProfile"],
        "identity": vmss["identity"],
        "webExtension": extensions[1:],
    }


def _ps1(tmp: Path) -> str:
    path = tmp / "app.ps1"
    path.write_text("Install-WindowsFeature Web-Server\n", encoding="utf-8")
    return str(path)


#: name -> (stack, overrides from a temp folder, secrets, what the machine must show).
CASES: dict[str, tuple[str, Callable[[Path], dict[str, Any]], dict[str, str], dict[tuple[str | int, ...], Any]]] = {
    "linux_defaults": (
        "dev",
        lambda t: {},
        {},
        {
            # The OS disk is not a Pulumi resource: Azure deletes it with its VM or instance.
            ("storageProfile", "osDisk"): {
                "createOption": "FromImage",
                "caching": "ReadWrite",
                "managedDisk": {"storageAccountType": "StandardSSD_LRS"},
                "deleteOption": "Delete",
            },
            ("webExtension",): [],
        },
    ),
    "windows_iis": (
        "prod",
        lambda t: {},
        {"adminPassword": PASSWORD},
        {
            ("osProfile", "adminPassword"): PASSWORD,
            ("storageProfile", "imageReference", "sku"): "2025-datacenter-azure-edition",
            ("webExtension", 0, "name"): "install-web-server",
        },
    ),
    "premium_disk_encryption_at_host_without_trusted_launch": (
        "dev",
        lambda t: {"osDiskType": "Premium_LRS", "encryptionAtHost": True, "trustedLaunch": False},
        {},
        {
            ("storageProfile", "osDisk", "managedDisk"): {"storageAccountType": "Premium_LRS"},
            ("securityProfile",): {"encryptionAtHost": True},
        },
    ),
    "custom_cloud_init_and_identity_passed_in": (
        "dev",
        lambda t: {"workload": "custom", "workloadFile": str(APP_V1), "identityId": IDENTITY_ID},
        {},
        {
            ("osProfile", "customData"): base64.b64encode(APP_V1.read_bytes()).decode(),
            ("identity",): {"type": "UserAssigned", "userAssignedIdentities": [IDENTITY_ID]},
        },
    ),
    "custom_windows_script": (
        "prod",
        lambda t: {"workload": "custom", "workloadFile": _ps1(t), "adminUsername": "operator"},
        {"adminPassword": PASSWORD},
        {("osProfile", "adminUsername"): "operator", ("webExtension", 0, "type"): "CustomScriptExtension"},
    ),
    "windows_without_workload": (
        "prod",
        lambda t: {"workload": "none"},
        {"adminPassword": PASSWORD},
        {("webExtension",): []},
    ),
}


def dig(data: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


@pytest.mark.parametrize("case", list(CASES))
def test_a_vm_and_a_scale_set_instance_are_the_same_machine(case: str, tmp_path: Path) -> None:
    stack, overrides_of, secrets, expected = CASES[case]
    overrides = overrides_of(tmp_path)
    vms = ok(run_stack(stack, overrides=overrides, secrets=secrets))
    # prod sets vmCount and faultDomainCount, which a zonal scale set does not read.
    scale_set = ok(
        run_stack(
            stack,
            overrides={**overrides, "placement": "scaleSet"},
            secrets=secrets,
            remove=("vmCount", "faultDomainCount"),
        )
    )
    machine = vm_machine(vms)
    assert machine == scale_set_machine(scale_set)
    for path, value in expected.items():
        assert dig(machine, path) == value, path
