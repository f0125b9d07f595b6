"""Request bodies against Microsoft's published API types (offline/azure_types, vendored from
Azure/bicep-types-az by scripts/vendor_azure_types.py).

GIVEN the inputs of a resource as azure-native sends them (flattened `properties`), WHEN the
check maps them onto the API type at the installed SDK's API version, THEN it reports required,
read-only, closed-enum, length, pattern and range violations by resource and body path, our
own stacks show none, and `--policy-strict` fails on one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from offline import azure_types, engine, plan


def violations(token: str, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    found = azure_types.check_resource(token, "urn:pulumi:dev::p::t::r", inputs)
    assert found is not None, f"no vendored type for {token}"
    return [(v.path, v.message) for v in found]


@pytest.mark.parametrize("token", sorted(azure_types.ARM_TYPES))
def test_every_type_in_use_is_vendored_at_the_sdks_api_version(token: str) -> None:
    arm_type, _ = azure_types.ARM_TYPES[token]
    version = azure_types.api_version(token)
    assert version is not None
    data = json.loads(azure_types.data_file(arm_type, version).read_text())
    assert arm_type.lower() in data["resources"], "run scripts/vendor_azure_types.py after an SDK upgrade"
    assert data["source"].startswith("https://github.com/Azure/bicep-types-az/blob/")
    assert data["source"].endswith(f"/{arm_type.split('/')[0].lower()}/{version}/types.json")


def test_the_sdks_api_versions_are_read_from_its_docstrings() -> None:
    assert azure_types.api_version("azure-native:network:LoadBalancer") == "2024-05-01"
    assert azure_types.api_version("azure-native:compute:VirtualMachine") == "2024-11-01"
    assert azure_types.api_version("azure-native:monitor:MetricAlert") == "2018-03-01"


LB = "azure-native:network:LoadBalancer"
GALLERY_IMAGE = "/subscriptions/0000/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/gal/images/web"


@pytest.mark.parametrize(
    ("token", "inputs", "expected"),
    [
        (  # required, inside a flattened `properties`
            LB,
            {
                "loadBalancerName": "lb",
                "loadBalancingRules": [{"name": "r", "frontendPort": 80.0, "backendPort": 80.0}],
            },
            [("properties.loadBalancingRules[0].properties.protocol", "is required")],
        ),
        (  # required at the top of the body
            "azure-native:storage:StorageAccount",
            {"accountName": "okname", "kind": "StorageV2"},
            [("sku", "is required")],
        ),
        (  # read-only
            "azure-native:network:PublicIPAddress",
            {"publicIpAddressName": "p", "provisioningState": "Succeeded"},
            [("properties.provisioningState", "is read-only (Azure sets it)")],
        ),
        (  # the resource's own name (a path parameter) against the body's name type
            "azure-native:storage:StorageAccount",
            {"accountName": "Bad_Name", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
            [("name", "'Bad_Name' does not match ^[a-z0-9]+$")],
        ),
        (
            "azure-native:storage:StorageAccount",
            {"accountName": "ab", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
            [("name", "'ab' is 2 characters; allowed 3-24")],
        ),
        (  # string length
            "azure-native:monitor:ActionGroup",
            {"actionGroupName": "ag", "groupShortName": "much-too-long-name", "enabled": True},
            [("properties.groupShortName", "'much-too-long-name' is 18 characters; allowed any-12")],
        ),
        (  # closed enum and integer range, deep in a scale set
            "azure-native:compute:VirtualMachineScaleSet",
            {
                "vmScaleSetName": "s",
                "upgradePolicy": {"mode": "Sometimes", "rollingUpgradePolicy": {"maxBatchInstancePercent": 120.0}},
            },
            [
                ("properties.upgradePolicy.mode", "'Sometimes' is not one of Automatic, Manual, Rolling"),
                ("properties.upgradePolicy.rollingUpgradePolicy.maxBatchInstancePercent", "120 is out of range 5-100"),
            ],
        ),
        (
            "azure-native:network:BastionHost",
            {"bastionHostName": "b", "scaleUnits": 1.0},
            [("properties.scaleUnits", "1 is out of range 2-50")],
        ),
    ],
)
def test_each_kind_of_violation_is_reported_by_path(
    token: str, inputs: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert violations(token, inputs) == expected


def test_an_enum_that_allows_any_string_is_not_a_violation() -> None:
    # vmSize is `modelAsString`: its list stops at v3 sizes, yet Standard_D2s_v5 is valid.
    vm = {"vmName": "v", "hardwareProfile": {"vmSize": "Standard_D2s_v5"}}
    assert violations("azure-native:compute:VirtualMachine", vm) == []


def test_unknown_values_and_secrets_are_handled() -> None:
    unknown = engine.Unknown()
    rule = {"name": "r", "frontendPort": 80.0, "backendPort": 80.0, "protocol": unknown}
    assert violations(LB, {"loadBalancerName": "lb", "loadBalancingRules": [rule]}) == []
    secret = engine.Secret({"mode": "Sometimes"})
    assert violations(
        "azure-native:compute:VirtualMachineScaleSet", {"vmScaleSetName": "s", "upgradePolicy": secret}
    ) == [("properties.upgradePolicy.mode", "'Sometimes' is not one of Automatic, Manual, Rolling")]


@pytest.mark.parametrize(
    ("stack", "sets"),
    [
        ("dev", []),
        ("dev", ["placement=scaleSet"]),
        ("dev", ["adminAccess=bastion"]),
        ("dev", ["monitoring={enabled: true, alertEmails: [ops@example.com]}"]),
        ("dev", ["osType=windows"]),
        ("dev", ["osType=windows", "placement=scaleSet"]),
        ("dev", ["dataDisks=[{lun: 0, sizeGb: 128, caching: ReadOnly}, {lun: 1, sizeGb: 4096}]"]),
        ("dev", ["placement=scaleSet", "dataDisks=[{lun: 0, sizeGb: 128, type: Premium_LRS}]"]),
        ("dev", ["image={publisher: Canonical, offer: ubuntu-24_04-lts, sku: minimal, version: 24.04.202411030}"]),
        ("dev", ["placement=scaleSet", f"image={{id: {GALLERY_IMAGE}/versions/1.2.0}}"]),
        ("prod", [f"image={{id: {GALLERY_IMAGE}}}"]),
        ("prod", []),
        ("prod", ["osType=windows"]),
        ("prod", ["monitoring={enabled: true, alertEmails: [ops@example.com]}"]),
        # Every Azure name the prefix gives, disks and the internal LB's included.
        ("dev", ["namePrefix=web-prod", "dataDisks=[{lun: 0, sizeGb: 64}]", "adminAccess=bastion"]),
        ("dev", ["namePrefix=web-prod", "frontendType=internal", "placement=zones"]),
        ("dev", ["namePrefix=web-prod", "placement=scaleSet", "monitoring={enabled: true, alertEmails: [a@b.io]}"]),
    ],
)
def test_our_stacks_conform(stack: str, sets: list[str]) -> None:
    secrets = ["adminPassword=Correct-Horse-9-Battery"] if "osType=windows" in sets else []
    cfg, _ = plan.load_config(stack, sets, secrets, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg)
    assert result.error is None
    assert azure_types.check(result) == ([], [])


def test_the_n_tier_example_conforms() -> None:
    example = ROOT / "examples" / "n-tier"
    cfg, _ = plan.load_config("dev", root=example, throwaway_ssh_keys=["sshPublicKey"])
    assert azure_types.check(plan.run(cfg, root=example)) == ([], [])


def test_the_plan_reports_violations_and_policy_strict_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: scratch\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  azure-native:location: westeurope\n")
    (tmp_path / "__main__.py").write_text(
        "from pulumi_azure_native import storage\n"
        "storage.StorageAccount('data', resource_group_name='rg', account_name='Bad_Name',\n"
        "                       sku=storage.SkuArgs(name='Standard_LRS'), kind='StorageV2')\n"
    )
    assert plan.main(["--dir", str(tmp_path)]) == 0  # reported, not fatal, without the flag
    out, _ = capsys.readouterr()
    assert "Azure API type violations (1):\n  data: name: 'Bad_Name' does not match ^[a-z0-9]+$\n" in out
    assert plan.main(["--dir", str(tmp_path), "--policy-strict", "--quiet"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    # The policy pack has its own say about this storage account; the type check adds one.
    assert err.startswith("error: ") and err.endswith(" 1 Azure API type violation(s)\n")
