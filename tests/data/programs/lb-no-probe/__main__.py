"""Fixture: a Standard load balancer whose rule has no probe (Azure accepts it: the probe
is optional on a rule), an NSG rule with port ranges instead of one port, no VMs."""

import pulumi
from pulumi_azure_native import network, resources

rg = resources.ResourceGroup("edge-rg")
pip = network.PublicIPAddress(
    "edge-pip",
    resource_group_name=rg.name,
    sku=network.PublicIPAddressSkuArgs(name="Standard"),
    public_ip_allocation_method="Static",
)
frontend_id = pulumi.Output.concat(
    "/subscriptions/",
    "00000000-0000-0000-0000-000000000000",
    "/resourceGroups/",
    rg.name,
    "/providers/Microsoft.Network/loadBalancers/edge-lb/frontendIPConfigurations/front",
)
pool_id = pulumi.Output.concat(
    "/subscriptions/",
    "00000000-0000-0000-0000-000000000000",
    "/resourceGroups/",
    rg.name,
    "/providers/Microsoft.Network/loadBalancers/edge-lb/backendAddressPools/pool",
)
lb = network.LoadBalancer(
    "edge-lb",
    load_balancer_name="edge-lb",
    resource_group_name=rg.name,
    sku=network.LoadBalancerSkuArgs(name="Standard"),
    frontend_ip_configurations=[
        network.FrontendIPConfigurationArgs(name="front", public_ip_address=network.PublicIPAddressArgs(id=pip.id))
    ],
    backend_address_pools=[network.BackendAddressPoolArgs(name="pool")],
    load_balancing_rules=[
        network.LoadBalancingRuleArgs(
            name="udp-53",
            protocol="Udp",
            frontend_port=53,
            backend_port=53,
            frontend_ip_configuration=network.SubResourceArgs(id=frontend_id),
            backend_address_pool=network.SubResourceArgs(id=pool_id),
        )
    ],
)
nsg = network.NetworkSecurityGroup(
    "edge-nsg",
    resource_group_name=rg.name,
    security_rules=[
        network.SecurityRuleArgs(
            name="allow-dns",
            priority=100,
            direction="Inbound",
            access="Allow",
            protocol="Udp",
            source_address_prefixes=["10.0.0.0/8", "192.168.0.0/16"],
            source_port_range="*",
            destination_address_prefix="*",
            destination_port_ranges=["53", "5353"],
        )
    ],
)
pulumi.export("frontendIp", pip.ip_address)
