"""Azure names: auto-named by default, or a naming convention around `namePrefix`.

Without a prefix, every resource is auto-named by azure-native (its logical name and a random
suffix), as it always was, except the load balancer, which had a fixed name: its
sub-resources now refer to each other by relative IDs (`$self/...`, see loadbalancer.py), so
nothing needs to know its name and two components in one resource group never clash.

With a prefix, each resource gets Microsoft's Cloud Adoption Framework abbreviation for its
type around the prefix ("Abbreviation recommendations for Azure resources",
https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations):
`vm-<prefix>-1`, `lbe-<prefix>`, `pip-<prefix>`, `nsg-<prefix>`, `vnet-<prefix>` ... Metric
alerts and the autoscale setting have no abbreviation there and spell their kind out.

An explicit name has one cost: Azure cannot hold two resources of one name, so a resource
replaced create-first (the VMs roll that way, compute.py) must get a new name each time it is
replaced. Those names carry what replaces them:
- a VM, its NIC and its disks: a 6-hex generation tag, a digest of the VM's replacement
  trigger (`vm-web-1-3f09a2`); its computer name is `web-1`, whatever the generation;
- the availability set: its fault and update domain counts (`avail-web-fd2-ud5`);
- a public IP: its zones (`pip-web`, `pip-web-z2` zonal, `pip-web-zr` zone-redundant).
Every other resource keeps its name through every change the configuration can make, except
what moves it to another resource group or changes its kind (`lbe` and `lbi`).

Each name is checked against its type's length rule before anything is created (rules.py
`names_fit_azure`), Windows computer names included: "Naming rules and restrictions for Azure
resources", https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules.
The prefix itself (lowercase letters, digits and '-', starting with a letter and ending with a
letter or digit) keeps every name within each type's character rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi

from .settings import MultiVmLoadBalancedArgs


@dataclass(frozen=True)
class Kind:
    #: The CAF abbreviation (or the kind spelled out where CAF has none).
    abbreviation: str
    #: Azure's longest name for the type (resource-name-rules).
    max_length: int
    #: What the name is, in messages.
    what: str


KINDS: dict[str, Kind] = {
    "resourceGroup": Kind("rg", 90, "resource group"),
    "virtualNetwork": Kind("vnet", 64, "virtual network"),
    "subnet": Kind("snet", 80, "subnet"),
    "networkSecurityGroup": Kind("nsg", 80, "network security group"),
    "natGateway": Kind("ng", 80, "NAT gateway"),
    "publicIp": Kind("pip", 80, "public IP address"),
    "externalLoadBalancer": Kind("lbe", 80, "load balancer"),
    "internalLoadBalancer": Kind("lbi", 80, "load balancer"),
    "bastion": Kind("bas", 80, "Bastion host"),
    "availabilitySet": Kind("avail", 80, "availability set"),
    "networkInterface": Kind("nic", 80, "network interface"),
    # 64 for a VM resource; Windows limits its computer name, checked separately below.
    "virtualMachine": Kind("vm", 64, "virtual machine"),
    "osDisk": Kind("osdisk", 80, "OS disk"),
    "dataDisk": Kind("disk", 80, "data disk"),
    "scaleSet": Kind("vmss", 64, "virtual machine scale set"),
    "identity": Kind("id", 128, "managed identity"),
    "workspace": Kind("log", 63, "Log Analytics workspace"),
    "actionGroup": Kind("ag", 260, "action group"),
    "metricAlert": Kind("alert", 260, "metric alert"),
    "autoscale": Kind("autoscale", 260, "autoscale setting"),
    # 24: the name pattern of Microsoft.Portal/dashboards (components/dashboard.py).
    "dashboard": Kind("dash", 24, "dashboard"),
    "dataCollectionRule": Kind("dcr", 64, "data collection rule"),
    # Resource group and configuration name together under 128 (maintenance-configurations).
    "maintenanceConfiguration": Kind("mc", 128, "maintenance configuration"),
}

#: Computer (host) names: Windows 15 characters (NetBIOS), Linux 64. A Flexible scale set
#: appends 6 characters to its computer name prefix, so the prefix gets 9 and 58.
COMPUTER_NAME_MAX = {"windows": 15, "linux": 64}
SCALE_SET_SUFFIX = 6

#: Hex digits of a VM's generation tag: two models share a tag once in 16.7 million.
TAG_LENGTH = 6


def azure_name(prefix: str | None, kind: str, *parts: object) -> str | None:
    """`<abbreviation>-<prefix>[-<part>...]`, or None (auto-named) without a prefix."""
    if prefix is None:
        return None
    return "-".join([KINDS[kind].abbreviation, prefix, *(str(p) for p in parts)])


def load_balancer_kind(args: MultiVmLoadBalancedArgs) -> str:
    return "internalLoadBalancer" if args.internal else "externalLoadBalancer"


def zones_suffix(zones: list[str]) -> tuple[str, ...]:
    """A public IP's zones in its name: none, `z<zone>` (zonal) or `zr` (zone-redundant)."""
    if not zones:
        return ()
    return (f"z{zones[0]}",) if len(zones) == 1 else ("zr",)


def availability_set_suffix(args: MultiVmLoadBalancedArgs) -> tuple[str, ...]:
    return (f"fd{args.fault_domain_count}", f"ud{args.update_domain_count}")


def generation_tag(trigger: str) -> str:
    return hashlib.sha256(trigger.encode()).hexdigest()[:TAG_LENGTH]


def tagged(base: str, trigger: pulumi.Input[str]) -> pulumi.Input[str]:
    """`<base>-<generation tag>`: a new name whenever the VM is replaced. On Windows the
    trigger is a secret (it holds a digest of the password); 6 hex digits of a digest of that
    digest tell nothing of it, so the name is not kept secret."""
    if isinstance(trigger, str):
        return f"{base}-{generation_tag(trigger)}"
    return pulumi.Output.unsecret(pulumi.Output.from_input(trigger).apply(lambda t: f"{base}-{generation_tag(t)}"))


def machine_part(
    prefix: str | None, kind: str, index: int, trigger: pulumi.Input[str], *parts: object
) -> pulumi.Input[str] | None:
    """The name of VM `index`'s `kind` (VM, NIC, disk), tagged with its generation; None
    (auto-named or named by Azure) without a prefix."""
    base = azure_name(prefix, kind, index, *parts)
    return None if base is None else tagged(base, trigger)


def computer_name(component: str, prefix: str | None, index: int, os_type: str) -> str:
    """Host name of VM `index`, which never depends on vmCount: `<prefix>-<index>`, or without a
    prefix, as always (Windows allows 15 characters, so the component name is cut to 11)."""
    if prefix is not None:
        return f"{prefix}-{index}"
    if os_type == "windows":
        return f"{component[:11]}-{index}"
    return f"{component}-vm-{index}"


def computer_name_prefix(component: str, prefix: str | None) -> str:
    """A scale set's instances are named `<this><6 characters>`: the prefix, or without one, as
    always, the component name cut to 9 (Windows allows 15 in all)."""
    if prefix is not None:
        return prefix
    return component[:9]


def names_of(args: MultiVmLoadBalancedArgs) -> list[tuple[str, str, int]]:
    """Every name the prefix gives this configuration, at its longest (the last VM, a full
    generation tag, the longest LUN): (what, name, Azure's maximum). Empty without a prefix."""
    p = args.name_prefix
    if p is None:
        return []
    tag = "0" * TAG_LENGTH
    n = args.vm_count
    found: list[tuple[str, str, int]] = []

    def add(kind: str, *parts: object) -> None:
        name = azure_name(p, kind, *parts)
        assert name is not None
        found.append((f"{KINDS[kind].what} name", name, KINDS[kind].max_length))

    add("resourceGroup")
    add("virtualNetwork")
    add("subnet")
    add("networkSecurityGroup")
    add("natGateway")
    add("publicIp", "egress", "zr")
    add("bastion")
    add(load_balancer_kind(args), "egress")
    add("identity")
    add("workspace")
    add("actionGroup")
    if args.monitoring.enabled:
        add("dashboard")
    if args.monitoring.enabled and args.monitoring.guest:
        add("dataCollectionRule")
    if args.maintenance is not None:
        add("maintenanceConfiguration")
    add("metricAlert", "snat-exhaustion")
    add("autoscale")
    os_type = args.os_type.value
    host = "Windows" if os_type == "windows" else "Linux"
    if args.placement == "scaleSet":
        add("scaleSet")
        found.append(
            (
                f"{host} computer name prefix (Azure appends {SCALE_SET_SUFFIX} characters)",
                computer_name_prefix("", p),
                COMPUTER_NAME_MAX[os_type] - SCALE_SET_SUFFIX,
            )
        )
    else:
        add("availabilitySet", *availability_set_suffix(args))
        add("virtualMachine", n, tag)
        add("networkInterface", n, tag)
        add("osDisk", n, tag)
        if args.data_disks:
            add("dataDisk", n, max(d.lun for d in args.data_disks), tag)
        found.append((f"{host} computer name", computer_name("", p, n, os_type), COMPUTER_NAME_MAX[os_type]))
    return found
