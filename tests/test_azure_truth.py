"""Rules that no schema states and the mock engine cannot see: what Azure refuses, drops or
fights. Each test names its source; the README's "Azure rules" section lists them all.

GIVEN a config, WHEN the program runs (or the config is read), THEN what it sends is what
Azure accepts and keeps.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import (
    AVSET,
    IDENTITY,
    LB,
    NAT_RULE,
    NIC,
    PIP,
    ROOT,
    VM,
    dev_values,
    main_lb,
    ok,
    run_stack,
    single_problem,
)

from components.workload import IIS_SCRIPT
from offline import changes, plan
from offline.engine import ProgramRun, plain
from stack_config import args_from_config

VMSS = "azure-native:compute:VirtualMachineScaleSet"
WINDOWS = {"osType": "windows", "sshPublicKey": None}
IDENTITY_ID = "/subscriptions/0000/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web"


def short(urn: str) -> str:
    return urn.rsplit("::", 1)[1]


# ------------------------------------------------------------------ 1. identity
# Flexible scale sets: "Managed Identity | User Assigned Identity only" and "System assigned
# Managed Identity - Use User assigned Managed Identity instead"
# (https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes).


def test_scale_set_identity_is_user_assigned_never_system_assigned() -> None:
    run = ok(run_stack(overrides={"placement": "scaleSet"}))
    identity = run.one(VMSS).inputs["identity"]
    assert identity == {"type": "UserAssigned", "userAssignedIdentities": [run.one(IDENTITY).id]}


def test_an_existing_identity_is_used_and_none_created() -> None:
    for overrides in ({"identityId": IDENTITY_ID}, {"identityId": IDENTITY_ID, "placement": "scaleSet"}):
        run = ok(run_stack(overrides=overrides))
        assert run.of_type(IDENTITY) == []
        holders = run.of_type(VM) + run.of_type(VMSS)
        assert holders and all(
            r.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [IDENTITY_ID]} for r in holders
        )
        assert run.outputs["identityId"] == IDENTITY_ID
        assert "identityPrincipalId" not in run.outputs


def test_created_identity_exports_its_principal_for_role_assignments(dev: ProgramRun) -> None:
    assert dev.outputs["identityPrincipalId"] == dev.one(IDENTITY).outputs["principalId"]


def test_fails_when_identity_id_is_not_a_user_assigned_identity() -> None:
    bad = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
    assert single_problem(identityId=bad) == (
        f"identityId: {bad!r} must be a user-assigned identity's resource ID "
        "(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)"
    )


# ------------------------------------------------------------------ 2. health extension
# Binary (1.0): HTTP 200 is Healthy. Rich (2.0): a 2xx is Healthy only with the body
# {"ApplicationHealthState": "Healthy"}, else Unknown, which automatic repairs replace
# (https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-health-extension).


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_health_extension_speaks_the_binary_protocol_the_built_in_pages_answer(stack: str) -> None:
    run = ok(run_stack(stack, overrides={"placement": "scaleSet"}, remove=("vmCount", "faultDomainCount")))
    [health] = [
        e
        for e in plain(run.one(VMSS).inputs["virtualMachineProfile"])["extensionProfile"]["extensions"]
        if e["publisher"] == "Microsoft.ManagedServices"
    ]
    assert health["typeHandlerVersion"] == "1.0"
    assert health["settings"] == {"protocol": "http", "port": 80, "requestPath": "/"}


# ------------------------------------------------------------------ 3. hotpatch
# Hotpatch-capable images (automatic-vm-guest-patching#supported-os-images); on them a scale
# set with AutomaticByPlatform must set enableHotpatching ("'EnableHotpatching' must be set to
# 'true' on Virtual Machine Scale Sets running Hotpatch-compatible images",
# hashicorp/terraform-provider-azurerm#24335); it needs provisionVMAgent and AutomaticByPlatform
# (Compute REST spec, PatchSettings.enableHotpatching).


def test_windows_scale_set_and_vms_enable_hotpatching_with_platform_patching(prod: ProgramRun) -> None:
    scale_set = ok(run_stack("prod", overrides={"placement": "scaleSet"}, remove=("vmCount", "faultDomainCount")))
    profiles = [plain(scale_set.one(VMSS).inputs["virtualMachineProfile"])["osProfile"]]
    profiles += [plain(vm.inputs["osProfile"]) for vm in prod.of_type(VM)]
    for os_profile in profiles:
        windows = os_profile["windowsConfiguration"]
        assert windows["provisionVMAgent"] is True
        assert windows["patchSettings"] == {
            "patchMode": "AutomaticByPlatform",
            "assessmentMode": "AutomaticByPlatform",
            "enableHotpatching": True,
        }


def test_linux_has_no_hotpatch_setting(dev: ProgramRun) -> None:
    for vm in dev.of_type(VM):
        assert "enableHotpatching" not in vm.inputs["osProfile"]["linuxConfiguration"]["patchSettings"]


# ------------------------------------------------------------------ 4. autoscale keeps its count
# A scale set PUT sets the instance count to sku.capacity; ignore_changes sends the value in
# state, so the project refreshes first (https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/).


def test_pulumi_up_never_resets_the_count_autoscale_chose() -> None:
    run = ok(run_stack(overrides={"placement": "scaleSet"}))
    vmss = run.one(VMSS)
    assert vmss.ignore_changes == ["sku.capacity"]
    assert vmss.inputs["sku"]["capacity"] == 2  # the creation count
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["options"] == {"refresh": "always"}


# ------------------------------------------------------------------ 5. scale in, in one `pulumi up`
# Azure refuses to remove a load balancer sub-resource that a NIC still references; Pulumi runs
# creates and updates first, then deletes in reverse dependency order. So a removed NAT rule
# must be deleted after every NIC that used it (which depends on it), or those NICs must have
# dropped it in an update.


def delete_problems(old: ProgramRun, new: ProgramRun) -> list[str]:
    """What Azure would refuse in going from `old` to `new`: the change plan's own check
    (offline/changes.py), on the two recorded runs."""
    return changes.compare({"resources": plan.resources_json(old)}, {"resources": plan.resources_json(new)}).problems


@pytest.mark.parametrize(("stack", "extra"), [("dev", []), ("prod", ["web-vm-3-web"])])
def test_scaling_in_deletes_the_vm_its_nic_and_gate_and_changes_nothing_else(stack: str, extra: list[str]) -> None:
    old = ok(run_stack(stack, overrides={"vmCount": 3}))
    new = ok(run_stack(stack, overrides={"vmCount": 2}))
    new_by_urn = {r.urn: r for r in new.resources}
    removed = sorted(short(r.urn) for r in old.resources if r.urn not in new_by_urn)
    assert removed == sorted(["web-vm-3", "web-nic-3", "web-vm-3-gate", *extra])
    changed = [
        short(r.urn)
        for r in old.resources
        if r.urn in new_by_urn and plain(r.inputs) != plain(new_by_urn[r.urn].inputs)
    ]
    # The LB and the admin NAT rule are untouched: NAT rule V2 follows the pool, whose member
    # leaves with its NIC (deleted after its VM, which depends on it).
    assert changed == []
    by_name = {r.name: r for r in old.resources}
    assert by_name["web-nic-3"].urn in by_name["web-vm-3"].dependencies
    assert by_name["web-vm-3"].urn in by_name["web-vm-3-gate"].dependencies
    assert delete_problems(old, new) == []


def test_switching_nat_to_bastion_deletes_the_one_rule_no_nic_refers_to() -> None:
    old = ok(run_stack(overrides={"vmCount": 3}))
    new = ok(run_stack(overrides={"vmCount": 3, "adminAccess": "bastion"}))
    assert len(old.of_type(NAT_RULE)) == 1 and new.of_type(NAT_RULE) == []
    for nic in old.of_type(NIC) + new.of_type(NIC):
        assert "loadBalancerInboundNatRules" not in nic.inputs["ipConfigurations"][0]
    assert delete_problems(old, new) == []


def test_the_check_catches_a_deleted_resource_a_survivor_references() -> None:
    """The check above can fail: the identity deleted while the surviving VMs carry it."""
    old = ok(run_stack(overrides={"vmCount": 3}))
    new = ok(run_stack(overrides={"vmCount": 3}))
    new.resources = [r for r in new.resources if r.name != "web-identity"]
    assert [p for p in delete_problems(old, new) if p.startswith("web-identity is deleted")] == [
        f"web-identity is deleted while web-vm-{i} still references it" for i in (1, 2, 3)
    ]


def test_the_lb_never_declares_nat_rules_inline() -> None:
    # pulumi-azure-native keeps unset sub-resource lists on update but deletes standalone ones
    # when the parent lists them inline ("Do not mix inline and standalone resource").
    for overrides in ({}, {"placement": "scaleSet"}, {"adminAccess": "bastion"}):
        assert "inboundNatRules" not in ok(run_stack(overrides=overrides)).one(LB).inputs


# ------------------------------------------------------------------ 6. user names
# Reserved names, with user3-user5 on every OS: Compute REST spec, OSProfile.adminUsername,
# and https://learn.microsoft.com/azure/virtual-machines/linux/faq. Linux names are lower case:
# the Azure CLI's validator ("admin user name cannot contain upper case character A-Z") and
# useradd's NAME_REGEX.


@pytest.mark.parametrize("name", ["user3", "User4", "user5"])
def test_fails_when_windows_admin_username_is_user3_to_user5(name: str) -> None:
    assert (
        single_problem(**WINDOWS, adminUsername=name)
        == f"adminUsername: {name!r} is reserved by Azure; choose another name"
    )


def test_fails_when_linux_admin_username_has_upper_case() -> None:
    assert single_problem(adminUsername="AzureUser") == (
        "adminUsername: 'AzureUser' is not a Linux user name: lower-case letters, digits, '_' or '-' only, "
        "starting with a letter or '_' (^[a-z_][a-z0-9_-]*$)"
    )


def test_fails_when_linux_admin_username_has_a_period() -> None:
    assert single_problem(adminUsername="azure.user").startswith("adminUsername: 'azure.user' is not a Linux user name")


def test_windows_admin_username_may_have_upper_case_and_periods() -> None:
    assert args_from_config(dev_values(**WINDOWS, adminUsername="Azure.Admin")).admin_username == "Azure.Admin"


# ------------------------------------------------------------------ 8. zones Azure keeps
# A Standard public IP is zonal (one zone) or zone-redundant (all zones of the region):
# https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses#availability-zone
# and a two-zone list is created in all three (hashicorp/terraform-provider-azurerm#18741).


@pytest.mark.parametrize(
    ("zones", "frontend"), [(["1", "2"], ["1", "2", "3"]), (["2", "3"], ["1", "2", "3"]), (["2"], ["2"])]
)
def test_frontend_zones_are_what_azure_stores(zones: list[str], frontend: list[str]) -> None:
    public = ok(run_stack(overrides={"placement": "zones", "zones": zones}))
    assert public.one(PIP).inputs["zones"] == frontend
    internal = ok(run_stack(overrides={"placement": "zones", "zones": zones, "frontendType": "internal"}))
    assert main_lb(internal).inputs["frontendIPConfigurations"][0]["zones"] == frontend
    # The VMs keep the zones asked for.
    assert sorted({z for vm in public.of_type(VM) for z in vm.inputs["zones"]}) == zones


def test_create_only_properties_replace_instead_of_failing_in_place(dev: ProgramRun) -> None:
    # azure-native replaces a public IP only for location, version, prefix and SKU
    # (provider/pkg/gen/replacement.go); Azure refuses zone changes in place.
    assert dev.one(PIP).replace_on_changes == ["zones"]
    # VMs are immutable: their replacement_trigger (compute.py) covers zones, the
    # availability set and the image, and replaces them create-first.
    for vm in dev.of_type(VM):
        assert vm.replace_on_changes == [] and vm.replacement_trigger is not None
    assert dev.one(AVSET).replace_on_changes == ["platformFaultDomainCount", "platformUpdateDomainCount", "sku"]


# ------------------------------------------------------------------ 9. IIS script


def test_iis_script_installs_the_module_it_imports_before_importing_it() -> None:
    text = IIS_SCRIPT.read_text()
    install = next(line for line in text.splitlines() if line.startswith("Install-WindowsFeature"))
    assert "Web-Server" in install and "Web-Scripting-Tools" in install
    assert text.index("Web-Scripting-Tools -IncludeManagementTools") < text.index("Import-Module WebAdministration")


# ------------------------------------------------------------------ 10. resource providers
# azure-native registers no resource provider; a fresh subscription answers
# MissingSubscriptionRegistration ("The subscription is not registered to use namespace ...":
# https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider).


#: The resource provider namespace of each azure-native module the program uses (Azure's, not
#: the program's: a new module fails the test below until it is added here and to the README).
NAMESPACES = {
    "compute": "Microsoft.Compute",
    "network": "Microsoft.Network",
    "managedidentity": "Microsoft.ManagedIdentity",
    "monitor": "Microsoft.Insights",
    "operationalinsights": "Microsoft.OperationalInsights",
    "portal": "Microsoft.Portal",
    "maintenance": "Microsoft.Maintenance",
}


def test_readme_registers_every_namespace_the_program_uses(dev: ProgramRun) -> None:
    # Every kind of resource: VMs, a scale set and its autoscale, Bastion, a NAT gateway, monitoring.
    runs = [dev] + [
        ok(run_stack(overrides=o))
        for o in (
            {"placement": "scaleSet"},
            {"adminAccess": "bastion"},
            {"frontendType": "internal"},
            {"monitoring": {"enabled": True, "alertEmails": ["ops@example.com"], "guest": True}},
            {"maintenance": {"startDateTime": "2026-12-05 22:00"}},
        )
    ]
    modules = {r.type.split(":")[1] for run in runs for r in run.resources if r.type.startswith("azure-native:")}
    # Microsoft.Resources (the resource group) is registered in every subscription.
    used = {NAMESPACES[m] for m in modules - {"resources"}}
    readme = (ROOT / "README.md").read_text()
    assert sorted(n for n in used if f"az provider register --namespace {n}" not in readme) == []
    assert used == set(NAMESPACES.values())


# ------------------------------------------------------------------ 12. plan of a Windows scale set


def test_plan_renders_a_windows_scale_set_whose_profile_is_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--set", "osType=windows", "--set", "placement=scaleSet"]) == 0
    out, err = capsys.readouterr()
    assert "Flexible Standard_D2s_v5 x2 WindowsServer/2025-datacenter-azure-edition zones=1,2,3" in out
    assert "extensions=ApplicationHealthWindows,CustomScriptExtension" in out
    assert "Mock-Passw0rd" not in out and err == ""
