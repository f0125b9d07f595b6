"""N-tier example: one VNet, a public web tier and an internal business tier, both built
by `MultiVmLoadBalanced`. Only the web subnet may reach the business tier's port. Each tier's
resources are named by its own prefix (`vm-web-dev-1-...`, `lbi-app-dev`), and the business
tier's identity may read the blobs of the app's data (`appDataScope`)."""

import pulumi
from pulumi_azure_native import network, resources

from components import LbRule, MultiVmLoadBalanced, MultiVmLoadBalancedArgs, RoleAssignment
from components.settings import AdminAccess, FrontendType

VNET = "10.20.0.0/16"
WEB_SUBNET = "10.20.1.0/24"
APP_SUBNET = "10.20.2.0/24"
APP_FRONTEND_IP = "10.20.2.10"
APP_PORT = 8080

config = pulumi.Config()
ssh_key = config.require("sshPublicKey")
vm_count = config.get_int("vmCountPerTier") or 2
# A storage account or resource group holding the business tier's data (a resource ID).
app_data_scope = config.require("appDataScope")
stack = pulumi.get_stack()
tags = {"app": "n-tier-example", "stack": stack}

rg = resources.ResourceGroup("ntier-rg", tags=tags)

# The business tier has no public frontend, so its subnet gets out (packages, patches)
# through a NAT gateway; the web tier gets out through its load balancer's outbound rule.
nat_ip = network.PublicIPAddress(
    "ntier-natgw-pip",
    resource_group_name=rg.name,
    sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
    public_ip_allocation_method="Static",
    tags=tags,
)
nat_gateway = network.NatGateway(
    "ntier-natgw",
    resource_group_name=rg.name,
    sku=network.NatGatewaySkuArgs(name="Standard"),
    public_ip_addresses=[network.SubResourceArgs(id=nat_ip.id)],
    tags=tags,
)


def subnet_nsg(tier: str, web_source: str, port: int) -> network.NetworkSecurityGroup:
    """A subnet-level NSG: the second layer under each tier's NIC-level NSG (the component
    guards the NICs of a subnet it does not own; this guards the subnet itself)."""

    def rule(name: str, priority: int, source: str, port_range: str, access: str = "Allow") -> network.SecurityRuleArgs:
        return network.SecurityRuleArgs(
            name=name,
            priority=priority,
            direction="Inbound",
            access=access,
            protocol="Tcp" if access == "Allow" else "*",
            source_address_prefix=source,
            source_port_range="*",
            destination_address_prefix="*",
            destination_port_range=port_range,
        )

    return network.NetworkSecurityGroup(
        f"ntier-{tier}-subnet-nsg",
        resource_group_name=rg.name,
        security_rules=[
            rule("allow-azure-lb-probe", 100, "AzureLoadBalancer", "80"),
            rule("allow-tier-port", 200, web_source, str(port)),
            rule("deny-all-inbound", 4096, "*", "*", access="Deny"),
        ],
        tags=tags,
    )


# Backends listen on 80 (the LB rules map their frontend ports onto it).
web_nsg = subnet_nsg("web", "Internet", 80)
app_nsg = subnet_nsg("app", WEB_SUBNET, 80)

vnet = network.VirtualNetwork(
    "ntier-vnet",
    resource_group_name=rg.name,
    address_space=network.AddressSpaceArgs(address_prefixes=[VNET]),
    subnets=[
        network.SubnetArgs(
            name="web",
            address_prefix=WEB_SUBNET,
            default_outbound_access=False,
            network_security_group=network.NetworkSecurityGroupArgs(id=web_nsg.id),
        ),
        network.SubnetArgs(
            name="app",
            address_prefix=APP_SUBNET,
            default_outbound_access=False,
            nat_gateway=network.SubResourceArgs(id=nat_gateway.id),
            network_security_group=network.NetworkSecurityGroupArgs(id=app_nsg.id),
        ),
    ],
    tags=tags,
)

web = MultiVmLoadBalanced(
    "web",
    MultiVmLoadBalancedArgs(
        resource_group_name=rg.name,
        subnet_id=pulumi.Output.concat(vnet.id, "/subnets/web"),
        vm_count=vm_count,
        ssh_public_key=ssh_key,
        admin_access=AdminAccess.NONE,
        name_prefix=f"web-{stack}",
        tags={**tags, "tier": "web"},
    ),
)
app = MultiVmLoadBalanced(
    "app",
    MultiVmLoadBalancedArgs(
        resource_group_name=rg.name,
        subnet_id=pulumi.Output.concat(vnet.id, "/subnets/app"),
        frontend_type=FrontendType.INTERNAL,
        frontend_private_ip=APP_FRONTEND_IP,
        # Only the web tier may call the business tier.
        web_source_prefixes=[WEB_SUBNET],
        lb_rules=[LbRule(frontend_port=APP_PORT, backend_port=80)],
        vm_count=vm_count,
        ssh_public_key=ssh_key,
        name_prefix=f"app-{stack}",
        # The business tier's VMs read the app's data with their managed identity, no secret.
        role_assignments=[RoleAssignment(role="Storage Blob Data Reader", scope=app_data_scope)],
        tags={**tags, "tier": "app"},
    ),
)

pulumi.export("webUrl", web.url)
pulumi.export("appUrl", app.url)  # reachable from the web tier only
pulumi.export("webPublicIp", web.public_ip_address)
pulumi.export("appFrontendIp", app.frontend_ip)
