"""Reuse in N-tier stacks: internal frontends, existing subnets, several instances, the
N-tier example and the installable package.

GIVEN the component used the way a bigger stack uses it, WHEN the program runs, THEN it
creates exactly its own resources, wired to what it was given, and clashes with nothing.
"""

from __future__ import annotations

import contextvars
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, cast

import pulumi
import pytest
from conftest import IDENTITY, LB, NAT_RULE, NIC, NSG, PIP, ROOT, SSH_KEY, VM, VNET, admin_nat_rule, ok, run_stack

import components
from components import ConfigError, LbRule, MultiVmLoadBalanced, MultiVmLoadBalancedArgs
from components.settings import FrontendType
from offline import engine, plan
from offline.engine import ProgramRun

COMPONENT = "lbvms:index:MultiVmLoadBalanced"
NAT_GATEWAY = "azure-native:network:NatGateway"
EXAMPLE = ROOT / "examples" / "n-tier"
SUBNET_ID = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/app"


def run_inline(program: Any) -> ProgramRun:
    """Run a Python callable as the whole program, on the same mock engine."""

    def run() -> ProgramRun:
        return engine._run(program, "reuse", "test", {"azure-native:location": "westeurope"}, [], "westeurope", False)

    result = contextvars.Context().run(run)
    if result.error is not None:
        raise result.error
    return result


def of_component(run: ProgramRun, name: str) -> list[engine.Registered]:
    urn = next(r.urn for r in run.resources if r.type == COMPONENT and r.name == name)
    return [r for r in run.resources if r.parent == urn]


# ------------------------------------------------------------------ internal frontend


@pytest.fixture(scope="module")
def internal() -> ProgramRun:
    return ok(run_stack(overrides={"frontendType": "internal"}))


def test_internal_frontend_sits_on_the_subnet_without_public_ip(internal: ProgramRun) -> None:
    lb = internal.one(LB)
    [frontend] = lb.inputs["frontendIPConfigurations"]
    assert frontend["subnet"]["id"] == f"{internal.one(VNET).id}/subnets/vms"
    assert frontend["privateIPAllocationMethod"] == "Dynamic"
    assert "publicIPAddress" not in frontend
    # The only public IP is the NAT gateway's, for egress.
    assert [p.name for p in internal.of_type(PIP)] == ["web-natgw-pip"]
    assert "publicIp" not in internal.outputs
    ip = internal.outputs["privateFrontendIp"]
    # The address Azure assigns the frontend (a stand-in here), not one the program picked.
    assert ip and ip == lb.outputs["frontendIPConfigurations"][0]["privateIPAddress"]
    assert internal.outputs["url"] == f"http://{ip}/"


def test_internal_tier_has_no_nat_rules_no_outbound_rule_and_vnet_only_web_access(internal: ProgramRun) -> None:
    lb = internal.one(LB).inputs
    assert internal.of_type(NAT_RULE) == []
    assert "inboundNatRules" not in lb
    assert "outboundRules" not in lb
    assert all("disableOutboundSnat" not in r for r in lb["loadBalancingRules"])
    rules = {r["name"]: r for r in internal.one(NSG).inputs["securityRules"]}
    assert rules["allow-web-tcp-80"]["sourceAddressPrefix"] == "VirtualNetwork"
    assert not any("admin" in n for n in rules)
    assert internal.outputs["adminEndpoints"] == []


def test_internal_tier_gets_out_through_a_nat_gateway_on_its_subnet(internal: ProgramRun) -> None:
    gateway = internal.one(NAT_GATEWAY)
    assert gateway.inputs["sku"] == {"name": "Standard"}
    assert gateway.inputs["publicIpAddresses"] == [{"id": internal.one(PIP).id}]
    [subnet] = internal.one(VNET).inputs["subnets"]
    assert subnet["natGateway"] == {"id": gateway.id}


def test_internal_frontend_takes_a_static_address_and_nat_when_asked() -> None:
    run = ok(run_stack(overrides={"frontendType": "internal", "frontendPrivateIp": "10.0.1.10", "adminAccess": "nat"}))
    [frontend] = run.one(LB).inputs["frontendIPConfigurations"]
    assert (frontend["privateIPAllocationMethod"], frontend["privateIPAddress"]) == ("Static", "10.0.1.10")
    rule = admin_nat_rule(run)
    assert (rule.inputs["frontendPortRangeStart"], rule.inputs["frontendPortRangeEnd"]) == (50001, 50400)
    assert run.outputs["adminEndpoints"][0]["command"] == "ssh -p <port> azureuser@10.0.1.10"


def test_internal_monitoring_skips_public_ip_logs_and_snat() -> None:
    run = ok(run_stack(overrides={"frontendType": "internal", "monitoring": {"enabled": True}}))
    diagnostics = run.of_type("azure-native:monitor:DiagnosticSetting")
    assert [d.inputs["resourceUri"] for d in diagnostics] == [run.one(LB).id]
    assert sorted(a.name for a in run.of_type("azure-native:monitor:MetricAlert")) == [
        "web-alert-backend-down",
        "web-alert-backend-health",
        "web-alert-data-path",
    ]


# ------------------------------------------------------------------ bring your own subnet


@pytest.fixture(scope="module")
def byo() -> ProgramRun:
    return ok(run_stack(overrides={"subnetId": SUBNET_ID, "frontendType": "internal"}))


def test_existing_subnet_means_no_vnet_and_no_nat_gateway(byo: ProgramRun) -> None:
    assert byo.of_type(VNET) == []
    assert byo.of_type(NAT_GATEWAY) == []
    assert byo.of_type(PIP) == []
    [frontend] = byo.one(LB).inputs["frontendIPConfigurations"]
    assert frontend["subnet"]["id"] == SUBNET_ID


def test_existing_subnet_puts_the_nsg_on_every_nic(byo: ProgramRun) -> None:
    nsg = byo.one(NSG)
    for nic in byo.of_type(NIC):
        assert nic.inputs["networkSecurityGroup"] == {"id": nsg.id}
        assert nic.inputs["ipConfigurations"][0]["subnet"]["id"] == SUBNET_ID
    # The NSG guards only these NICs, so its rules do not name a subnet prefix.
    assert {r["destinationAddressPrefix"] for r in nsg.inputs["securityRules"]} == {"*"}


def test_nics_carry_no_nsg_on_a_subnet_the_component_creates(dev: ProgramRun) -> None:
    assert all("networkSecurityGroup" not in nic.inputs for nic in dev.of_type(NIC))


# ------------------------------------------------------------------ several instances


def test_two_instances_in_one_stack_do_not_clash() -> None:
    def program() -> None:
        for name in ("web", "api"):
            MultiVmLoadBalanced(name, MultiVmLoadBalancedArgs(ssh_public_key=SSH_KEY))

    run = run_inline(program)
    urns = [r.urn for r in run.resources]
    assert len(urns) == len(set(urns)) == 2 * 15
    # No Azure name fixed by the program: the LBs are auto-named like the rest.
    assert [r.inputs.get("loadBalancerName") for r in run.of_type(LB)] == [None, None]
    computer_names = [r.inputs["osProfile"]["computerName"] for r in run.of_type(VM)]
    assert len(set(computer_names)) == 4
    # Azure identities: NAT rules and gates share names (admin, health-gate) but live under
    # different LBs and VMs.
    azure_ids = [r.id for r in run.resources if r.custom]
    assert len(azure_ids) == len(set(azure_ids))


def test_args_accept_outputs_of_other_resources() -> None:
    def program() -> None:
        MultiVmLoadBalanced(
            "app",
            MultiVmLoadBalancedArgs(
                ssh_public_key=SSH_KEY,
                resource_group_name=pulumi.Output.from_input("rg-shared"),
                subnet_id=pulumi.Output.from_input(SUBNET_ID),
                frontend_type=FrontendType.INTERNAL,
                lb_rules=[LbRule(8080, 80)],
            ),
        )

    run = run_inline(program)
    assert {r.inputs["resourceGroupName"] for r in run.of_type(VM)} == {"rg-shared"}
    assert run.one(LB).inputs["loadBalancingRules"][0]["frontendPort"] == 8080


def test_args_class_rejects_bad_values_with_the_same_errors() -> None:
    def program() -> None:
        MultiVmLoadBalanced(
            "app", MultiVmLoadBalancedArgs(ssh_public_key=SSH_KEY, frontend_type=cast(FrontendType, "private"))
        )

    with pytest.raises(ConfigError, match=r"frontendType: 'private' must be one of public, internal"):
        run_inline(program)


# ------------------------------------------------------------------ the N-tier example


#: As `make plan DIR=examples/n-tier` runs it: the example's stack sets no SSH key.
THROWAWAY = ["--throwaway-ssh-key", "sshPublicKey"]


@pytest.fixture(scope="module")
def example() -> ProgramRun:
    cfg, notes = plan.load_config("dev", root=EXAMPLE, throwaway_ssh_keys=["sshPublicKey"])
    # The example declares the key without a default (the CLI would stop): filled at once.
    key = plan.throwaway_ssh_key("lb-vms-n-tier", "dev")
    assert cfg.values["lb-vms-n-tier:sshPublicKey"] == key
    assert notes == [
        "sshPublicKey is not set: this plan uses a throw-away SSH key it made; nobody holds its private half. "
        'Before `pulumi up`: pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"'
    ]
    run = ok(plan.run(cfg, root=EXAMPLE))
    # Both tiers' VMs got it, and only it.
    keys = {
        k["keyData"]
        for vm in run.of_type(VM)
        for k in vm.inputs["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"]
    }
    assert keys == {key}
    return run


def test_example_without_the_option_stops_as_the_cli_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--dir", str(EXAMPLE), "--quiet"]) == 2
    assert capsys.readouterr().err == "error: Stack 'dev' is missing configuration value 'sshPublicKey'\n"


def test_example_has_two_tiers_one_vnet_one_public_and_one_internal_lb(example: ProgramRun) -> None:
    assert sorted(r.name for r in example.of_type(COMPONENT)) == ["app", "web"]
    assert [v.name for v in example.of_type(VNET)] == ["ntier-vnet"]
    lbs = {r.name: r.inputs["frontendIPConfigurations"][0] for r in example.of_type(LB)}
    assert "publicIPAddress" in lbs["web-lb"] and "subnet" not in lbs["web-lb"]
    assert lbs["app-lb"]["subnet"]["id"] == f"{example.one(VNET).id}/subnets/app"
    assert lbs["app-lb"]["privateIPAddress"] == "10.20.2.10"
    assert sorted(p.name for p in example.of_type(PIP)) == ["ntier-natgw-pip", "web-pip"]
    assert example.outputs["appUrl"] == "http://10.20.2.10:8080/"
    # Each tier on its own subnet of the one VNet.
    for tier in ("web", "app"):
        for nic in (r for r in of_component(example, tier) if r.type == NIC):
            assert nic.inputs["ipConfigurations"][0]["subnet"]["id"] == f"{example.one(VNET).id}/subnets/{tier}"


def test_example_names_each_tier_by_its_prefix_and_grants_the_business_tier_its_data(
    example: ProgramRun,
) -> None:
    lbs = {r.name: r.inputs["loadBalancerName"] for r in example.of_type(LB)}
    assert lbs == {"web-lb": "lbe-web-dev", "app-lb": "lbi-app-dev"}
    for tier in ("web", "app"):
        vms = sorted((r for r in of_component(example, tier) if r.type == VM), key=lambda r: r.name)
        assert [vm.inputs["vmName"].rsplit("-", 1)[0] for vm in vms] == [f"vm-{tier}-dev-1", f"vm-{tier}-dev-2"]
    [grant] = [r for r in example.resources if r.type == "azure-native:authorization:RoleAssignment"]
    assert grant.name.startswith("app-role-")
    # Storage Blob Data Reader, by its built-in ID, to the business tier's identity.
    assert grant.inputs["roleDefinitionId"].endswith("/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")
    assert grant.inputs["scope"] == "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ntier-data"
    [app_identity] = [r for r in of_component(example, "app") if r.type == IDENTITY]
    assert grant.inputs["principalId"] == app_identity.outputs["principalId"]


def test_example_lets_only_the_web_subnet_reach_the_business_port(example: ProgramRun) -> None:
    [app_nsg] = [r for r in of_component(example, "app") if r.type == NSG]
    allowed = [r for r in app_nsg.inputs["securityRules"] if r["access"] == "Allow"]
    web_rule = next(r for r in allowed if r["name"] == "allow-web-tcp-8080")
    assert (web_rule["sourceAddressPrefix"], web_rule["destinationPortRange"]) == ("10.20.1.0/24", "80")
    assert {r.get("sourceAddressPrefix") for r in allowed} == {"AzureLoadBalancer", "10.20.1.0/24"}
    assert app_nsg.inputs["securityRules"][-1]["name"] == "deny-all-inbound"


def test_example_plans_with_make_plan_machinery(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--dir", str(EXAMPLE), *THROWAWAY]) == 0
    out = capsys.readouterr().out
    assert "Resources: 30 to create" in out
    assert "lb-vms-n-tier-dev" in out


def test_example_picture_is_current() -> None:
    cfg, _ = plan.load_config("dev", root=EXAMPLE, throwaway_ssh_keys=["sshPublicKey"])
    from offline import diagram

    committed = (EXAMPLE / "docs" / "architecture-dev.svg").read_text()
    assert diagram.render(plan.run(cfg, root=EXAMPLE), title="lb-vms-n-tier / dev") == committed


# ------------------------------------------------------------------ validation


# ------------------------------------------------------------------ packaging


def test_component_builds_as_a_wheel_with_its_bootstrap_files(tmp_path: Path) -> None:
    # Build from a copy: setuptools leaves build/ and *.egg-info in the tree it builds.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "components", source / "components", ignore=shutil.ignore_patterns("__pycache__"))
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(tmp_path),
        ".",
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=source)
    assert result.returncode == 0, result.stderr
    [wheel] = tmp_path.glob("*.whl")
    # The version is the package's own (components.__version__), the license Apache-2.0.
    assert wheel.name == f"lb_vms-{components.__version__}-py3-none-any.whl"
    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(f"lb_vms-{components.__version__}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert f"lb_vms-{components.__version__}.dist-info/licenses/LICENSE" in archive.namelist()
    names = set(archive.namelist())
    assert {
        "components/__init__.py",
        "components/multi_vm_lb.py",
        "components/bootstrap/nginx-cloud-init.yaml",
        "components/bootstrap/iis.ps1",
    } <= names
    assert not any(n.startswith(("tests/", "offline/", "examples/")) for n in names)
