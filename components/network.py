"""The VMs' network: a VNet with one subnet, and the NSG that guards it.

Subnets and NSG rules are declared *inline* (on the VNet and the NSG), never as separate
`Subnet`/`SecurityRule` resources: mixing the two styles makes every update fight itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from .settings import MultiVmLoadBalancedArgs

SUBNET_NAME = "vms"

# NSG priorities (100-4096; lower wins). Bands leave room for later rules.
PRIORITY_PROBE = 100
PRIORITY_WEB = 200  # + index of the lbRule
PRIORITY_ADMIN = 400
PRIORITY_DENY_ALL = 4096


@dataclass
class Network:
    vnet: network.VirtualNetwork
    nsg: network.NetworkSecurityGroup
    #: ID of the VMs' subnet, built from the VNet's ID: inline subnets are not resources.
    subnet_id: pulumi.Output[str]


def security_rules(args: MultiVmLoadBalancedArgs) -> list[network.SecurityRuleArgs]:
    """Inbound rules of the subnet NSG: probes, web ports, admin allow-list, deny the rest."""
    subnet = args.subnet_prefix
    rules = [
        # Azure's default AllowAzureLoadBalancerInBound sits at 65001, below our deny-all,
        # so the probe source must be admitted explicitly or every VM is marked down.
        network.SecurityRuleArgs(
            name="allow-azure-lb-probe",
            description="Health probes from the load balancer (168.63.129.16)",
            priority=PRIORITY_PROBE,
            direction="Inbound",
            access="Allow",
            protocol="Tcp",
            source_address_prefix="AzureLoadBalancer",
            source_port_range="*",
            destination_address_prefix=subnet,
            destination_port_range=str(args.probe.port),
        )
    ]
    for i, rule in enumerate(args.lb_rules):
        # A Standard LB keeps the client's address and rewrites only the destination, so
        # the NSG sees the *backend* port coming from the Internet.
        rules.append(
            network.SecurityRuleArgs(
                name=f"allow-web-{rule.key}",
                description=f"Load-balanced {rule.protocol} {rule.frontend_port} -> {rule.backend_port}",
                priority=PRIORITY_WEB + i,
                direction="Inbound",
                access="Allow",
                protocol=rule.protocol,
                source_address_prefix="Internet",
                source_port_range="*",
                destination_address_prefix=subnet,
                destination_port_range=str(rule.backend_port),
            )
        )
    if args.admin_source_prefixes:
        rules.append(
            network.SecurityRuleArgs(
                name="allow-admin-from-allow-list",
                description="SSH/RDP through the per-VM NAT rules, from adminSourcePrefixes only",
                priority=PRIORITY_ADMIN,
                direction="Inbound",
                access="Allow",
                protocol="Tcp",
                source_address_prefixes=list(args.admin_source_prefixes),
                source_port_range="*",
                destination_address_prefix=subnet,
                destination_port_range=str(args.admin_port),
            )
        )
    # Overrides the default AllowVnetInBound too: nothing reaches the VMs unless a rule
    # above says so.
    rules.append(
        network.SecurityRuleArgs(
            name="deny-all-inbound",
            description="Everything not allowed above",
            priority=PRIORITY_DENY_ALL,
            direction="Inbound",
            access="Deny",
            protocol="*",
            source_address_prefix="*",
            source_port_range="*",
            destination_address_prefix="*",
            destination_port_range="*",
        )
    )
    return rules


def build_network(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> Network:
    nsg = network.NetworkSecurityGroup(
        f"{name}-nsg",
        resource_group_name=resource_group_name,
        security_rules=security_rules(args),
        tags=args.tags,
        opts=opts,
    )
    vnet = network.VirtualNetwork(
        f"{name}-vnet",
        resource_group_name=resource_group_name,
        address_space=network.AddressSpaceArgs(address_prefixes=[args.vnet_address_space]),
        subnets=[
            network.SubnetArgs(
                name=SUBNET_NAME,
                address_prefix=args.subnet_prefix,
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                # Private subnet: the VMs get out only through the LB's outbound rule,
                # which is explicit, sized and stable (default outbound access is retired).
                default_outbound_access=False,
            )
        ],
        tags=args.tags,
        opts=opts,
    )
    subnet_id = pulumi.Output.concat(vnet.id, f"/subnets/{SUBNET_NAME}")
    return Network(vnet=vnet, nsg=nsg, subnet_id=subnet_id)
