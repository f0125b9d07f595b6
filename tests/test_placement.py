"""Placement: an availability set (default), availability zones, or a Flexible scale set
with autoscale, chosen by one config key.

GIVEN `placement`, WHEN the program runs, THEN the compute is exactly that mode's, wired to
the same load balancer, and the policy pack passes on it.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from conftest import (
    AVSET,
    EXTENSION,
    IDENTITY,
    LB,
    NAT_RULE,
    NIC,
    PIP,
    ROOT,
    VM,
    main_lb,
    ok,
    run_stack,
)

from components.workload import NGINX_CLOUD_INIT
from offline import policies
from offline.engine import ProgramRun, plain

VMSS = "azure-native:compute:VirtualMachineScaleSet"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"


def vms(run: ProgramRun) -> list[Any]:
    return sorted(run.of_type(VM), key=lambda r: int(r.name.rsplit("-", 1)[1]))


# ------------------------------------------------------------------ zones


@pytest.fixture(scope="module")
def zonal() -> ProgramRun:
    return ok(run_stack(overrides={"placement": "zones", "vmCount": 4}))


def test_zones_spread_vms_round_robin_without_an_availability_set(zonal: ProgramRun) -> None:
    assert zonal.of_type(AVSET) == []
    assert [vm.inputs["zones"] for vm in vms(zonal)] == [["1"], ["2"], ["3"], ["1"]]
    assert all("availabilitySet" not in vm.inputs for vm in zonal.of_type(VM))
    assert zonal.outputs["vmZones"] == ["1", "2", "3", "1"]


def test_zones_make_the_frontend_zone_redundant(zonal: ProgramRun) -> None:
    assert zonal.one(PIP).inputs["zones"] == ["1", "2", "3"]


def test_configured_zones_are_used_in_order() -> None:
    run = ok(run_stack(overrides={"placement": "zones", "zones": ["2", "3"], "vmCount": 3}))
    assert [vm.inputs["zones"] for vm in vms(run)] == [["2"], ["3"], ["2"]]


def test_internal_zonal_frontend_is_zone_redundant() -> None:
    run = ok(run_stack(overrides={"placement": "zones", "frontendType": "internal"}))
    assert main_lb(run).inputs["frontendIPConfigurations"][0]["zones"] == ["1", "2", "3"]


def test_zonal_scale_out_keeps_every_vm_in_its_zone() -> None:
    old = ok(run_stack(overrides={"placement": "zones", "vmCount": 3}))
    new = ok(run_stack(overrides={"placement": "zones", "vmCount": 4}))
    before = {r.urn: plain(r.inputs) for r in old.resources}
    after = {r.urn: plain(r.inputs) for r in new.resources}
    assert [u.rsplit("::", 1)[1] for u in before if before[u] != after[u]] == []
    assert sorted(u.rsplit("::", 1)[1] for u in set(after) - set(before)) == ["web-nic-4", "web-vm-4", "web-vm-4-gate"]


def test_availability_set_placement_has_no_zones(dev: ProgramRun) -> None:
    assert all("zones" not in vm.inputs for vm in dev.of_type(VM))
    assert "zones" not in dev.one(PIP).inputs
    assert "vmZones" not in dev.outputs


# ------------------------------------------------------------------ Flexible scale set


@pytest.fixture(scope="module")
def scale_set() -> ProgramRun:
    return ok(run_stack(overrides={"placement": "scaleSet"}))


def test_scale_set_replaces_the_vms_and_the_availability_set(scale_set: ProgramRun) -> None:
    for kind in (VM, NIC, AVSET, EXTENSION):
        assert scale_set.of_type(kind) == [], kind
    vmss = scale_set.one(VMSS).inputs
    assert vmss["orchestrationMode"] == "Flexible"
    assert vmss["zones"] == ["1", "2", "3"]
    assert vmss["platformFaultDomainCount"] == 1
    assert vmss["sku"] == {"name": "Standard_D2s_v5", "capacity": 2}
    # Flexible scale sets accept UserAssigned or None only (identity.py cites the docs).
    assert vmss["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [scale_set.one(IDENTITY).id]}
    assert set(scale_set.outputs) >= {"scaleSetName", "natPortRange"}
    assert not {"vmNames", "privateIps"} & set(scale_set.outputs)


def test_scale_set_instances_sit_in_the_backend_pool_without_public_ips(scale_set: ProgramRun) -> None:
    network = scale_set.one(VMSS).inputs["virtualMachineProfile"]["networkProfile"]
    assert network["networkApiVersion"] == "2020-11-01"
    [nic] = network["networkInterfaceConfigurations"]
    [ipconfig] = nic["ipConfigurations"]
    assert ipconfig["loadBalancerBackendAddressPools"] == [
        {"id": f"{scale_set.one(LB).id}/backendAddressPools/backend"}
    ]
    assert "publicIPAddressConfiguration" not in ipconfig
    assert ipconfig["subnet"]["id"].endswith("/subnets/vms")


def test_scale_set_admin_access_is_one_nat_rule_v2_on_the_pool(scale_set: ProgramRun) -> None:
    lb = scale_set.one(LB)
    assert "inboundNatRules" not in lb.inputs
    [resource] = scale_set.of_type(NAT_RULE)
    rule = resource.inputs
    # The same logical and Azure name as with fixed VMs, so a placement change updates it.
    assert (resource.name, rule["inboundNatRuleName"]) == ("web-admin-nat", "admin")
    # The fixed VMs' 400 ports, more than maxCount 10 + one MaxSurge batch (20% of 10 = 2).
    assert (rule["frontendPortRangeStart"], rule["frontendPortRangeEnd"], rule["backendPort"]) == (50001, 50400, 22)
    assert rule["backendAddressPool"] == {"id": f"{lb.id}/backendAddressPools/backend"}
    assert "frontendPort" not in rule
    assert scale_set.outputs["natPortRange"] == "50001-50400"
    # A stack deployed with the scale set's former rule keeps it as the same resource.
    assert any(a.endswith("web-nat-instances") for a in resource.aliases), resource.aliases


def test_scale_set_repairs_instances_that_fail_the_health_extension(scale_set: ProgramRun) -> None:
    vmss = scale_set.one(VMSS).inputs
    assert vmss["automaticRepairsPolicy"] == {"enabled": True, "gracePeriod": "PT10M", "repairAction": "Replace"}
    [health] = vmss["virtualMachineProfile"]["extensionProfile"]["extensions"]
    assert (health["publisher"], health["type"], health["typeHandlerVersion"]) == (
        "Microsoft.ManagedServices",
        "ApplicationHealthLinux",
        "1.0",  # binary: HTTP 200 is Healthy (2.0 wants a JSON body; see scaleset.py)
    )
    assert health["settings"] == {"protocol": "http", "port": 80, "requestPath": "/"}


def test_scale_set_instances_get_the_same_os_credentials_and_web_server(scale_set: ProgramRun) -> None:
    profile = plain(scale_set.one(VMSS).inputs["virtualMachineProfile"])
    os_profile = profile["osProfile"]
    assert os_profile["linuxConfiguration"]["disablePasswordAuthentication"] is True
    assert base64.b64decode(os_profile["customData"]).decode() == NGINX_CLOUD_INIT.read_text()
    assert profile["storageProfile"]["imageReference"]["offer"] == "ubuntu-24_04-lts"
    assert profile["securityProfile"]["securityType"] == "TrustedLaunch"
    assert profile["diagnosticsProfile"] == {"bootDiagnostics": {"enabled": True}}


def test_windows_scale_set_installs_iis_and_keeps_the_password_secret() -> None:
    # prod sets vmCount and faultDomainCount, which a zonal scale set does not read.
    run = ok(run_stack("prod", overrides={"placement": "scaleSet"}, remove=("vmCount", "faultDomainCount")))
    profile = plain(run.one(VMSS).inputs["virtualMachineProfile"])
    types = [e["type"] for e in profile["extensionProfile"]["extensions"]]
    assert types == ["ApplicationHealthWindows", "CustomScriptExtension"]
    assert profile["osProfile"]["computerNamePrefix"] == "web"
    assert run.outputs["adminPassword"].__class__.__name__ == "Secret"


def test_autoscale_follows_cpu_within_the_configured_bounds() -> None:
    settings = {
        "minCount": 3,
        "maxCount": 12,
        "defaultCount": 4,
        "scaleOutCpuPercent": 75,
        "scaleInCpuPercent": 25,
        "cooldownMinutes": 10,
    }
    run = ok(run_stack(overrides={"placement": "scaleSet", "scaleSet": settings}))
    autoscale = run.one(AUTOSCALE).inputs
    assert autoscale["targetResourceUri"] == run.one(VMSS).id
    [profile] = autoscale["profiles"]
    assert profile["capacity"] == {"minimum": "3", "maximum": "12", "default": "4"}
    rules = [
        (r["metricTrigger"]["operator"], r["metricTrigger"]["threshold"], r["scaleAction"]["direction"])
        for r in profile["rules"]
    ]
    assert rules == [("GreaterThan", 75, "Increase"), ("LessThan", 25, "Decrease")]
    for r in profile["rules"]:
        assert r["metricTrigger"]["metricName"] == "Percentage CPU"
        assert r["metricTrigger"]["metricResourceUri"] == run.one(VMSS).id
        assert (r["metricTrigger"]["timeWindow"], r["scaleAction"]["cooldown"]) == ("PT5M", "PT10M")
    assert run.one(VMSS).inputs["sku"]["capacity"] == 4
    assert [r.inputs["frontendPortRangeEnd"] for r in run.of_type(NAT_RULE)] == [50400]


def test_a_scale_set_larger_than_400_gets_maxcount_plus_a_surge_batch_of_admin_ports() -> None:
    run = ok(
        run_stack(overrides={"placement": "scaleSet", "scaleSet": {"maxCount": 500}, "subnetPrefix": "10.0.0.0/22"})
    )
    # 500 + a MaxSurge batch of 100 (20% of 500).
    assert [r.inputs["frontendPortRangeEnd"] for r in run.of_type(NAT_RULE)] == [50600]
    assert run.outputs["natPortRange"] == "50001-50600"


def test_scale_set_without_zones_spreads_over_fault_domains() -> None:
    run = ok(run_stack(overrides={"placement": "scaleSet", "zones": [], "faultDomainCount": 3}))
    vmss = run.one(VMSS).inputs
    assert "zones" not in vmss
    assert vmss["platformFaultDomainCount"] == 3


@pytest.mark.parametrize(
    "overrides",
    [{"placement": "zones"}, {"placement": "scaleSet"}, {"placement": "scaleSet", "adminAccess": "bastion"}],
    ids=["zones", "scaleSet", "scaleSet with bastion"],
)
def test_the_policy_pack_passes_on_every_placement(overrides: dict[str, Any]) -> None:
    assert policies.check(ok(run_stack(overrides=overrides)), [policies.load_pack(ROOT / "policy")]) == []


# ------------------------------------------------------------------ validation


def test_scale_set_rolls_model_changes_in_health_gated_batches(scale_set: ProgramRun) -> None:
    # Flexible scale sets support Rolling with the Application Health extension:
    # https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-configure-rolling-upgrades
    assert scale_set.one(VMSS).inputs["upgradePolicy"] == {
        "mode": "Rolling",
        "rollingUpgradePolicy": {
            "maxBatchInstancePercent": 20,
            "maxUnhealthyInstancePercent": 20,
            "maxUnhealthyUpgradedInstancePercent": 20,
            "pauseTimeBetweenBatches": "PT2M",
            "maxSurge": True,
        },
    }


def test_rolling_settings_come_from_config() -> None:
    settings = {
        "rollingBatchPercent": 50,
        "rollingMaxUnhealthyPercent": 30,
        "rollingMaxUnhealthyUpgradedPercent": 0,
        "rollingPauseMinutes": 0,
        "rollingMaxSurge": False,
        "minCount": 3,
        "defaultCount": 3,
    }
    run = ok(run_stack(overrides={"placement": "scaleSet", "scaleSet": settings}))
    assert run.one(VMSS).inputs["upgradePolicy"]["rollingUpgradePolicy"] == {
        "maxBatchInstancePercent": 50,
        "maxUnhealthyInstancePercent": 30,
        "maxUnhealthyUpgradedInstancePercent": 0,
        "pauseTimeBetweenBatches": "PT0S",
        "maxSurge": False,
    }
