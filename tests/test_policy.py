"""The policy pack (policy/rules.py), without the Pulumi CLI.

GIVEN what this project deploys, WHEN every policy runs on what the recording mock
captured, THEN nothing is reported; GIVEN a crafted bad resource, THEN its policy reports
it with its message. `policy/__main__.py` is never imported: it starts the analyzer (the plan
runs it with a stand-in for PolicyPack, offline/policies.py).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, ok, run_stack
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, ResourceValidationArgs

from offline import plan, policies
from offline.engine import ProgramRun
from policy.rules import POLICIES

#: This project's pack as `--policy-pack policy` loads it.
PACKS = [policies.load_pack(ROOT / "policy")]

DEPLOYED: dict[str, dict[str, Any]] = {
    "linux dev": {},
    "linux, internal frontend": {"frontendType": "internal"},
    "linux, bastion": {"adminAccess": "bastion"},
    "linux, no admin path": {"adminAccess": "none"},
    "linux, monitoring": {"monitoring": {"enabled": True, "alertEmails": ["ops@example.com"]}},
    "linux, admin allow-list": {"adminSourcePrefixes": ["203.0.113.7"]},
}


@pytest.mark.parametrize("overrides", DEPLOYED.values(), ids=DEPLOYED.keys())
def test_every_policy_passes_on_the_dev_stack_variants(overrides: dict[str, Any]) -> None:
    assert policies.check(ok(run_stack("dev", overrides=overrides)), PACKS) == []


@pytest.mark.parametrize("overrides", [{}, {"adminAccess": "bastion"}], ids=["windows prod", "windows, bastion"])
def test_every_policy_passes_on_windows(overrides: dict[str, Any]) -> None:
    remove = ("adminSourcePrefixes",) if overrides else ()
    assert policies.check(ok(run_stack("prod", overrides=overrides, remove=remove)), PACKS) == []


def test_every_policy_passes_on_the_n_tier_example() -> None:
    root = ROOT / "examples" / "n-tier"
    cfg, _ = plan.load_config("dev", root=root, throwaway_ssh_keys=["sshPublicKey"])
    assert policies.check(ok(plan.run(cfg, root=root)), PACKS) == []


# ------------------------------------------------------------------ crafted violations


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def resource(kind: str, props: dict[str, Any], name: str = "bad", **deps: list[PolicyResource]) -> PolicyResource:
    return PolicyResource(
        resource_type=kind,
        props=props,
        urn=f"urn:pulumi:test::p::{kind}::{name}",
        name=name,
        opts=options(),
        provider=None,
        parent=None,
        dependencies=[d for ds in deps.values() for d in ds],
        property_dependencies=dict(deps),
    )


def violations(policy_name: str, resources: list[PolicyResource]) -> list[str]:
    policy = next(p for p in POLICIES if p.name == policy_name)
    found: list[str] = []

    def report(message: str, urn: str | None) -> None:
        found.append(message)

    if policy_name in STACK_POLICIES:
        from pulumi_policy import StackValidationArgs

        policy.validate(StackValidationArgs(resources), report)  # type: ignore[attr-defined]
    else:
        for r in resources:
            policy.validate(ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None), report)  # type: ignore[attr-defined]
    return found


STACK_POLICIES = {"two-vms-per-availability-set", "every-vm-in-a-backend-pool", "outbound-path-exists"}
NIC = "azure-native:network:NetworkInterface"
VM = "azure-native:compute:VirtualMachine"
LB = "azure-native:network:LoadBalancer"
NSG = "azure-native:network:NetworkSecurityGroup"
AVSET = "azure-native:compute:AvailabilitySet"


def nsg_rule(source: Any, port: str | None = "22", **extra: Any) -> dict[str, Any]:
    return {
        "name": "r",
        "access": "Allow",
        "direction": "Inbound",
        "sourceAddressPrefix": source,
        "destinationPortRange": port,
        **extra,
    }


def crafted() -> list[tuple[str, str, list[PolicyResource], str]]:
    avset = resource(AVSET, {"sku": {"name": "Aligned"}}, "avset")
    lone_vm = resource(VM, {}, "vm-1", availabilitySet=[avset])
    nic_outside = resource(NIC, {"ipConfigurations": [{"name": "ipconfig1"}]}, "nic")
    lb_no_outbound = resource(LB, {"sku": {"name": "Standard"}, "loadBalancingRules": []}, "lb")
    nic_in_pool = resource(
        NIC,
        {"ipConfigurations": [{"loadBalancerBackendAddressPools": [{"id": "x"}]}]},
        "nic",
        ipConfigurations=[lb_no_outbound],
    )
    return [
        (
            "no-public-ip-on-vm-nic",
            "nic",
            [resource(NIC, {"ipConfigurations": [{"name": "ipconfig1", "publicIPAddress": {"id": "x"}}]})],
            "NIC ip configuration 'ipconfig1' has a public IP",
        ),
        (
            "no-public-ip-on-vm-nic",
            "scale set",
            [
                resource(
                    "azure-native:compute:VirtualMachineScaleSet",
                    {
                        "virtualMachineProfile": {
                            "networkProfile": {
                                "networkInterfaceConfigurations": [
                                    {"ipConfigurations": [{"publicIPAddressConfiguration": {"name": "pip"}}]}
                                ]
                            }
                        }
                    },
                )
            ],
            "Scale set instances get public IPs",
        ),
        (
            "standard-load-balancer",
            "basic",
            [resource(LB, {"sku": {"name": "Basic"}})],
            "LoadBalancer SKU is Basic. Basic SKUs are retired",
        ),
        (
            "standard-load-balancer",
            "no sku",
            [resource("azure-native:network/v20230501:LoadBalancer", {})],
            "LoadBalancer SKU is unset (Basic)",
        ),
        (
            "standard-public-ip",
            "basic",
            [resource("azure-native:network:PublicIPAddress", {"sku": {"name": "Basic"}})],
            "PublicIPAddress SKU is Basic. Basic SKUs are retired: set sku: {name: Standard} and publicIPAllocationMethod: Static.",
        ),
        (
            "managed-disks",
            "vhd",
            [
                resource(
                    VM, {"storageProfile": {"osDisk": {"vhd": {"uri": "https://x.blob.core.windows.net/v/os.vhd"}}}}
                )
            ],
            "The VM uses an unmanaged disk",
        ),
        (
            "availability-set-aligned",
            "classic",
            [resource(AVSET, {"sku": {"name": "Classic"}})],
            "Availability set SKU is Classic; VMs with managed disks need sku: {name: Aligned}.",
        ),
        (
            "lb-rule-has-probe",
            "no probe",
            [resource(LB, {"loadBalancingRules": [{"name": "http"}]})],
            "Load-balancing rule 'http' has no health probe",
        ),
        (
            "http-probe-has-path",
            "no path",
            [resource(LB, {"probes": [{"name": "p", "protocol": "Http", "port": 80}]})],
            "Http probe 'p' has no requestPath",
        ),
        (
            "no-admin-ports-from-internet",
            "ssh from *",
            [resource(NSG, {"securityRules": [nsg_rule("*")]})],
            "NSG rule 'r' allows 22 from anywhere",
        ),
        (
            "no-admin-ports-from-internet",
            "rdp from Internet in a range",
            [resource(NSG, {"securityRules": [nsg_rule("Internet", "3000-4000")]})],
            "NSG rule 'r' allows 3389 from anywhere",
        ),
        (
            "no-admin-ports-from-internet",
            "all ports from 0.0.0.0/0",
            [resource(NSG, {"securityRules": [nsg_rule(None, "*", sourceAddressPrefixes=["0.0.0.0/0"])]})],
            "NSG rule 'r' allows all ports from anywhere",
        ),
        (
            "no-admin-ports-from-internet",
            "separate rule from Any",
            [resource("azure-native:network:SecurityRule", nsg_rule("Any", None, destinationPortRanges=["22"]))],
            "NSG rule 'r' allows 22 from anywhere",
        ),
        (
            "subnet-has-nsg",
            "inline subnet",
            [
                resource(
                    "azure-native:network:VirtualNetwork",
                    {"subnets": [{"name": "vms"}, {"name": "AzureBastionSubnet"}]},
                )
            ],
            "Subnet 'vms' has no network security group",
        ),
        (
            "subnet-has-nsg",
            "subnet resource",
            [resource("azure-native:network:Subnet", {"subnetName": "app"})],
            "Subnet 'app' has no network security group",
        ),
        (
            "linux-ssh-keys-only",
            "password login",
            [resource(VM, {"osProfile": {"linuxConfiguration": {"disablePasswordAuthentication": False}}})],
            "Linux VM allows password login",
        ),
        (
            "storage-account-secure",
            "http",
            [
                resource(
                    "azure-native:storage:StorageAccount",
                    {"enableHttpsTrafficOnly": False, "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False},
                )
            ],
            "Storage account accepts plain HTTP",
        ),
        (
            "storage-account-secure",
            "old tls",
            [
                resource(
                    "azure-native:storage:StorageAccount",
                    {"minimumTlsVersion": "TLS1_0", "allowBlobPublicAccess": False},
                )
            ],
            "Storage account allows TLS below 1.2 (minimumTlsVersion: TLS1_0)",
        ),
        (
            "storage-account-secure",
            "public blobs",
            [resource("azure-native:storage:StorageAccount", {"minimumTlsVersion": "TLS1_2"})],
            "Storage account may expose blobs publicly",
        ),
        (
            "boot-diagnostics-on",
            "off",
            [resource(VM, {"diagnosticsProfile": {"bootDiagnostics": {"enabled": False}}})],
            "Boot diagnostics are off",
        ),
        (
            "two-vms-per-availability-set",
            "one vm",
            [avset, lone_vm],
            "Availability set 'avset' holds 1 VM(s); the 99.95% SLA needs at least two",
        ),
        (
            "every-vm-in-a-backend-pool",
            "nic outside",
            [lb_no_outbound, nic_outside, resource(VM, {}, "vm-1", networkProfile=[nic_outside])],
            "VM 'vm-1' has NIC 'nic' in no load balancer backend pool",
        ),
        (
            "outbound-path-exists",
            "no egress",
            [lb_no_outbound, nic_in_pool, resource(VM, {}, "vm-1", networkProfile=[nic_in_pool])],
            "VM 'vm-1' has no explicit outbound path",
        ),
    ]


CRAFTED = crafted()


@pytest.mark.parametrize(
    ("policy_name", "resources", "expected"),
    [(c[0], c[2], c[3]) for c in CRAFTED],
    ids=[f"{c[0]} fails on {c[1]}" for c in CRAFTED],
)
def test_policy_fails_on_a_crafted_violation(policy_name: str, resources: list[PolicyResource], expected: str) -> None:
    found = violations(policy_name, resources)
    assert len(found) == 1, found
    assert found[0].startswith(expected)


def test_every_policy_has_a_crafted_violation() -> None:
    assert {c[0] for c in CRAFTED} == {p.name for p in POLICIES}


def test_unknown_values_in_a_preview_are_not_violations() -> None:
    """During `pulumi preview`, IDs of resources not yet created are unknown (None)."""
    lb = resource(LB, {"sku": {"name": "Standard"}, "loadBalancingRules": [{"name": "http", "probe": {"id": None}}]})
    assert violations("lb-rule-has-probe", [lb]) == []


def test_mandatory_and_advisory_levels() -> None:
    levels = {p.name: p.enforcement_level.value for p in POLICIES if p.enforcement_level}
    assert {n for n, level in levels.items() if level == "advisory"} == {
        "boot-diagnostics-on",
        "two-vms-per-availability-set",
        "every-vm-in-a-backend-pool",
        "outbound-path-exists",
    }
    assert len(levels) == len(POLICIES)


# ------------------------------------------------------------------ offline, in make plan

#: As `make plan` runs it: the dev stack sets no SSH key; this project's pack.
THROWAWAY = ["--throwaway-ssh-key", "sshPublicKey", "--policy-pack", str(ROOT / "policy")]


def test_plan_prints_that_policies_passed(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(THROWAWAY) == 0
    assert f"Policies: all passed in lb-vms-guardrails@v0.0.1 (local: {ROOT / 'policy'})." in capsys.readouterr().out


def test_policy_strict_fails_the_plan_on_mandatory_violations(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def one_violation(run: ProgramRun, packs: list[policies.Pack]) -> list[policies.Violation]:
        return [
            policies.Violation(
                "standard-load-balancer", "mandatory", "urn:x::web-lb", "LoadBalancer SKU is Basic.", packs[0].name
            )
        ]

    monkeypatch.setattr(policies, "check", one_violation)
    assert plan.main(THROWAWAY) == 0  # reported, not fatal, without the flag
    assert "[mandatory] standard-load-balancer: web-lb: LoadBalancer SKU is Basic." in capsys.readouterr().out
    assert plan.main([*THROWAWAY, "--policy-strict"]) == 3
    assert "error: 1 mandatory policy violation(s)" in capsys.readouterr().err


def test_advisory_violations_do_not_fail_a_strict_plan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        policies,
        "check",
        lambda run, packs: [policies.Violation("boot-diagnostics-on", "advisory", "urn:x::vm", "off")],
    )
    assert plan.main([*THROWAWAY, "--policy-strict", "--quiet"]) == 0


def test_the_pack_module_is_never_imported() -> None:
    assert "policy.__main__" not in sys.modules
    assert (Path(ROOT) / "policy" / "PulumiPolicy.yaml").exists()
