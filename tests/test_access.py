"""Access and hardening: who reaches the web ports, how admins get in, encryption at host,
managed identities.

GIVEN a stack with one of the access settings, WHEN the program runs, THEN the NSG, the
load balancer's NAT rules, the Bastion host and the VMs say exactly that.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import IDENTITY, LB, NAT_RULE, NIC, NSG, PIP, VM, VNET, dev_values, ok, run_stack

from offline.engine import ProgramRun, plain
from stack_config import args_from_config

BASTION = "azure-native:network:BastionHost"


def nsg_rules(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in run.one(NSG).inputs["securityRules"]}


@pytest.fixture(scope="module")
def bastion() -> ProgramRun:
    return ok(run_stack(overrides={"adminAccess": "bastion"}))


# ------------------------------------------------------------------ web allow-list


def test_web_ports_open_to_the_internet_by_default(dev: ProgramRun) -> None:
    rule = nsg_rules(dev)["allow-web-tcp-80"]
    assert rule["sourceAddressPrefix"] == "Internet"
    assert "sourceAddressPrefixes" not in rule


def test_web_ports_open_only_to_web_source_prefixes() -> None:
    run = ok(run_stack(overrides={"webSourcePrefixes": ["203.0.113.0/24", "198.51.100.0/24"]}))
    rule = nsg_rules(run)["allow-web-tcp-80"]
    assert rule["sourceAddressPrefixes"] == ["203.0.113.0/24", "198.51.100.0/24"]
    assert "sourceAddressPrefix" not in rule
    assert not any(r.get("sourceAddressPrefix") == "Internet" for r in nsg_rules(run).values())


# ------------------------------------------------------------------ admin access


def test_bastion_mode_creates_bastion_and_its_subnet(bastion: ProgramRun) -> None:
    host = bastion.one(BASTION)
    assert host.inputs["sku"] == {"name": "Standard"}
    assert host.inputs["enableTunneling"] is True
    subnets = {s["name"]: s for s in bastion.one(VNET).inputs["subnets"]}
    assert subnets["AzureBastionSubnet"]["addressPrefix"] == "10.0.2.0/26"
    [ipconfig] = host.inputs["ipConfigurations"]
    assert ipconfig["subnet"]["id"] == f"{bastion.one(VNET).id}/subnets/AzureBastionSubnet"
    pips = {p.name: p for p in bastion.of_type(PIP)}
    assert set(pips) == {"web-pip", "web-bastion-pip"}
    assert ipconfig["publicIPAddress"]["id"] == pips["web-bastion-pip"].id
    assert pips["web-bastion-pip"].inputs["sku"]["name"] == "Standard"


def test_bastion_mode_has_no_nat_rules_and_admits_admin_only_from_bastion(bastion: ProgramRun) -> None:
    assert bastion.of_type(NAT_RULE) == []
    assert "inboundNatRules" not in bastion.one(LB).inputs
    for nic in bastion.of_type(NIC):
        assert "loadBalancerInboundNatRules" not in nic.inputs["ipConfigurations"][0]
    rules = nsg_rules(bastion)
    admin = [r for r in rules.values() if r["access"] == "Allow" and r["destinationPortRange"] == "22"]
    assert [(r["name"], r["sourceAddressPrefix"]) for r in admin] == [("allow-admin-from-bastion", "10.0.2.0/26")]


def test_bastion_mode_outputs_the_az_bastion_command_per_vm(bastion: ProgramRun) -> None:
    name = bastion.one(BASTION).outputs["name"]
    rg = bastion.outputs["resourceGroupName"]
    vms = sorted(bastion.of_type(VM), key=lambda r: r.name)
    assert bastion.outputs["adminEndpoints"] == [
        {
            "name": f"web-vm-{i}",
            "bastion": name,
            "command": f"az network bastion ssh --name {name} --resource-group {rg} --target-resource-id {vm.id}"
            " --auth-type ssh-key --username azureuser --ssh-key <private key>",
        }
        for i, vm in enumerate(vms, start=1)
    ]


def test_windows_bastion_mode_outputs_rdp_commands() -> None:
    run = ok(run_stack("prod", overrides={"adminAccess": "bastion"}, remove=("adminSourcePrefixes",)))
    assert all(e["command"].startswith("az network bastion rdp --name ") for e in run.outputs["adminEndpoints"])
    assert nsg_rules(run)["allow-admin-from-bastion"]["destinationPortRange"] == "3389"


def test_none_mode_leaves_no_admin_path() -> None:
    run = ok(run_stack(overrides={"adminAccess": "none"}))
    assert run.of_type(NAT_RULE) == []
    assert "inboundNatRules" not in run.one(LB).inputs
    assert run.of_type(BASTION) == []
    assert [n for n in nsg_rules(run) if "admin" in n] == []
    assert run.outputs["adminEndpoints"] == []


def test_scaling_out_under_bastion_changes_no_existing_resource() -> None:
    old = ok(run_stack(overrides={"adminAccess": "bastion", "vmCount": 2}))
    new = ok(run_stack(overrides={"adminAccess": "bastion", "vmCount": 3}))
    before = {r.urn: plain(r.inputs) for r in old.resources}
    after = {r.urn: plain(r.inputs) for r in new.resources}
    assert [u.rsplit("::", 1)[1] for u in before if before[u] != after[u]] == []
    assert sorted(u.rsplit("::", 1)[1] for u in set(after) - set(before)) == ["web-nic-3", "web-vm-3", "web-vm-3-gate"]


# ------------------------------------------------------------------ VM hardening


def test_every_vm_carries_the_tiers_user_assigned_identity(dev: ProgramRun, prod: ProgramRun) -> None:
    for run in (dev, prod):
        identity = run.one(IDENTITY)
        for vm in run.of_type(VM):
            assert vm.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}, vm.name
            assert identity.urn in vm.dependencies


def test_encryption_at_host_is_off_by_default(dev: ProgramRun) -> None:
    assert all("encryptionAtHost" not in vm.inputs["securityProfile"] for vm in dev.of_type(VM))


def test_encryption_at_host_on_every_vm_when_asked() -> None:
    run = ok(run_stack(overrides={"encryptionAtHost": True}))
    for vm in run.of_type(VM):
        assert vm.inputs["securityProfile"]["encryptionAtHost"] is True
        assert vm.inputs["securityProfile"]["securityType"] == "TrustedLaunch"


def test_encryption_at_host_without_trusted_launch() -> None:
    run = ok(run_stack(overrides={"encryptionAtHost": True, "trustedLaunch": False}))
    assert {str(vm.inputs["securityProfile"]) for vm in run.of_type(VM)} == {str({"encryptionAtHost": True})}


# ------------------------------------------------------------------ validation


def test_bastion_subnet_is_not_checked_when_bastion_is_off() -> None:
    assert args_from_config(dev_values(bastionSubnetPrefix="10.0.1.0/27")).admin_mode == "nat"


def test_without_nat_rules_the_nat_port_range_is_free_for_lb_rules() -> None:
    args = args_from_config(dev_values(adminAccess="bastion", lbRules=[{"frontendPort": 50001, "backendPort": 80}]))
    assert args.lb_rules[0].frontend_port == 50001
