"""The VMs' network: a VNet with one subnet, and the NSG that guards it.

Subnets and NSG rules are declared *inline* (on the VNet and the NSG), never as separate
`Subnet`/`SecurityRule` resources: mixing the two styles makes every update fight itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from .naming import azure_name, zones_suffix
from .settings import BASTION_SUBNET, MultiVmLoadBalancedArgs, web_source_groups

SUBNET_NAME = "vms"

# NSG priorities (100-4096; lower wins). Bands leave room for later rules.
PRIORITY_PROBE = 100
PRIORITY_WEB = 200  # the web band: one rule per lbRule and source group (`web_source_groups`)
PRIORITY_ADMIN = 400
PRIORITY_DENY_ALL = 4096
# settings.WEB_RULES_MAX (checked) is the web band's size, PRIORITY_ADMIN - PRIORITY_WEB.


@dataclass
class Network:
    #: The VNet, unless the VMs go on an existing subnet (`subnet_id`).
    vnet: network.VirtualNetwork | None
    nsg: network.NetworkSecurityGroup
    #: True when the NSG cannot go on a subnet we do not own: it goes on each NIC instead.
    nsg_on_nics: bool
    #: ID of the VMs' subnet, built from the VNet's ID: inline subnets are not resources.
    subnet_id: pulumi.Output[str]
    #: ID of the AzureBastionSubnet (admin_access bastion), else None.
    bastion_subnet_id: pulumi.Output[str] | None


def _inbound(
    name: str,
    description: str,
    priority: int,
    protocol: str,
    sources: str | list[str],
    port: str,
    destination: str,
    access: str = "Allow",
) -> network.SecurityRuleArgs:
    """One inbound rule from one address or tag (`str`) or from a list of them."""
    return network.SecurityRuleArgs(
        name=name,
        description=description,
        priority=priority,
        direction="Inbound",
        access=access,
        protocol=protocol,
        source_address_prefix=sources if isinstance(sources, str) else None,
        source_address_prefixes=sources if isinstance(sources, list) else None,
        source_port_range="*",
        destination_address_prefix=destination,
        destination_port_range=port,
    )


def security_rules(args: MultiVmLoadBalancedArgs) -> list[network.SecurityRuleArgs]:
    """Inbound rules of the NSG: probes, web ports, admin allow-list, deny the rest."""
    # On a subnet we created, rules name its prefix; on NICs of a subnet we do not know,
    # the NSG guards only those NICs, so "*" means exactly them.
    subnet = args.subnet_prefix if args.subnet_id is None else "*"
    # Azure's default AllowAzureLoadBalancerInBound sits at 65001, below our deny-all,
    # so the probe source must be admitted explicitly or every VM is marked down.
    rules = [
        _inbound(
            "allow-azure-lb-probe",
            "Health probes from the load balancer (168.63.129.16)",
            PRIORITY_PROBE,
            "Tcp",
            "AzureLoadBalancer",
            str(args.probe.port),
            subnet,
        )
    ]
    # A Standard LB keeps the client's address and rewrites only the destination, so the
    # NSG sees the *backend* port coming from the Internet. A service tag is valid only alone,
    # in the singular `sourceAddressPrefix`; the plural `sourceAddressPrefixes` takes addresses
    # and CIDRs only (Network REST spec, SecurityRule; Azure answers
    # SecurityRuleParameterContainsUnsupportedValue: hashicorp/terraform-provider-azurerm#5617).
    # So each lbRule gets one rule per tag and one for all the addresses, G rules in all, at
    # priorities 200 + i*G + g (one group keeps the name and priority of a single rule).
    groups = web_source_groups(args.web_sources)
    for i, rule in enumerate(args.lb_rules):
        for g, (suffix, sources) in enumerate(groups):
            rules.append(
                _inbound(
                    f"allow-web-{rule.key}" + (f"-{suffix}" if len(groups) > 1 else ""),
                    f"Load-balanced {rule.protocol} {rule.frontend_port} -> {rule.backend_port}",
                    PRIORITY_WEB + i * len(groups) + g,
                    rule.protocol,
                    sources,
                    str(rule.backend_port),
                    subnet,
                )
            )
    if args.admin_mode == "nat" and args.admin_source_prefixes:
        rules.append(
            _inbound(
                "allow-admin-from-allow-list",
                "SSH/RDP through the per-VM NAT rules, from adminSourcePrefixes only",
                PRIORITY_ADMIN,
                "Tcp",
                list(args.admin_source_prefixes),
                str(args.admin_port),
                subnet,
            )
        )
    elif args.admin_mode == "bastion":
        rules.append(
            _inbound(
                "allow-admin-from-bastion",
                "SSH/RDP from Azure Bastion only",
                PRIORITY_ADMIN,
                "Tcp",
                args.bastion_subnet_prefix,
                str(args.admin_port),
                subnet,
            )
        )
    # Overrides the default AllowVnetInBound too: nothing reaches the VMs unless a rule
    # above says so.
    rules.append(
        _inbound("deny-all-inbound", "Everything not allowed above", PRIORITY_DENY_ALL, "*", "*", "*", "*", "Deny")
    )
    return rules


def build_network(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> Network:
    prefix = args.name_prefix
    nsg = network.NetworkSecurityGroup(
        f"{name}-nsg",
        network_security_group_name=azure_name(prefix, "networkSecurityGroup"),
        resource_group_name=resource_group_name,
        security_rules=security_rules(args),
        tags=args.tags,
        opts=opts,
    )
    if args.subnet_id is not None:
        # Bring your own subnet: its VNet, its subnet-level NSG and its egress are the
        # owner's; this component only adds its VMs there.
        return Network(
            vnet=None,
            nsg=nsg,
            nsg_on_nics=True,
            subnet_id=pulumi.Output.from_input(args.subnet_id),
            bastion_subnet_id=None,
        )
    nat_gateway = _nat_gateway(name, args, resource_group_name, opts) if args.egress == "nat-gateway" else None
    subnet_name = azure_name(prefix, "subnet") or SUBNET_NAME
    vnet = network.VirtualNetwork(
        f"{name}-vnet",
        virtual_network_name=azure_name(prefix, "virtualNetwork"),
        resource_group_name=resource_group_name,
        address_space=network.AddressSpaceArgs(address_prefixes=[args.vnet_address_space]),
        subnets=[
            network.SubnetArgs(
                name=subnet_name,
                address_prefix=args.subnet_prefix,
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                # Private subnet: the VMs get out only through an explicit, sized path: the
                # LB's outbound rule (public), the NAT gateway or the egress LB (internal).
                default_outbound_access=False,
                nat_gateway=network.SubResourceArgs(id=nat_gateway.id) if nat_gateway else None,
            ),
            *(
                # Bastion manages its own traffic; Azure wants this exact name.
                [network.SubnetArgs(name=BASTION_SUBNET, address_prefix=args.bastion_subnet_prefix)]
                if args.admin_mode == "bastion"
                else []
            ),
        ],
        tags=args.tags,
        opts=opts,
    )
    subnet_id = pulumi.Output.concat(vnet.id, f"/subnets/{subnet_name}")
    bastion_subnet_id = (
        pulumi.Output.concat(vnet.id, f"/subnets/{BASTION_SUBNET}") if args.admin_mode == "bastion" else None
    )
    return Network(vnet=vnet, nsg=nsg, nsg_on_nics=False, subnet_id=subnet_id, bastion_subnet_id=bastion_subnet_id)


def standard_public_ip(
    logical_name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    zones: list[str] | None = None,
    dns_label: str | None = None,
    role: str | None = None,
) -> network.PublicIPAddress:
    """A Standard, static IPv4 public IP: Basic IPs are retired, Standard ones must be Static.
    With a name prefix, `pip-<prefix>[-<role>][-<zones>]`: a change of zones replaces it
    create-first, under a new name (naming.py)."""
    return network.PublicIPAddress(
        logical_name,
        public_ip_address_name=azure_name(
            args.name_prefix, "publicIp", *([role] if role else []), *zones_suffix(zones or [])
        ),
        resource_group_name=resource_group_name,
        sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
        public_ip_allocation_method="Static",
        public_ip_address_version="IPv4",
        zones=zones or None,
        dns_settings=network.PublicIPAddressDnsSettingsArgs(domain_name_label=dns_label) if dns_label else None,
        tags=args.tags,
        # Azure refuses to change a public IP's zones ("Zones cannot be added/updated/removed
        # once the resource is created"), but azure-native replaces it only for location,
        # version, prefix and SKU (provider/pkg/gen/replacement.go), so say it here. Created
        # first, so the LB moves to the new IP before the old one goes; with a prefix its name
        # holds its zones, and `delete_before_replace=False` overrides azure-native's
        # delete-first for an explicit name (compute.py says where Pulumi decides that).
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(replace_on_changes=["zones"], delete_before_replace=False)
        ),
    )


def _nat_gateway(
    name: str, args: MultiVmLoadBalancedArgs, resource_group_name: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> network.NatGateway:
    """Egress for an internal tier in one place (no zones: see `egress` for why a zone-spread
    tier gets the egress LB instead): an internal LB cannot have outbound rules, and the
    subnet has no default outbound access, so without this the VMs could not install their
    web server or patches."""
    public_ip = standard_public_ip(f"{name}-natgw-pip", args, resource_group_name, opts, role="ng")
    return network.NatGateway(
        f"{name}-natgw",
        nat_gateway_name=azure_name(args.name_prefix, "natGateway"),
        resource_group_name=resource_group_name,
        sku=network.NatGatewaySkuArgs(name="Standard"),
        public_ip_addresses=[network.SubResourceArgs(id=public_ip.id)],
        idle_timeout_in_minutes=4,
        tags=args.tags,
        opts=opts,
    )
