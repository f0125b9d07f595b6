"""`make bench`'s floor: a bare program registering the same resources as the dev stack.

Same resource classes, same parent (a component with the same alias transformation), the
same references between them (NIC -> subnet, pool; VM -> NIC; gate -> VM), but minimal
inputs, no validation, no bootstrap, no outputs beyond one. What the plan costs per VM
above this is ours; this much is the Pulumi SDK's and the mock engine's.
"""

import pulumi
from pulumi_azure_native import compute, managedidentity, network, resources

from components.aliases import drop_versioned_type_aliases

count = int(pulumi.Config("floor").get("vmCount") or "2")


class Floor(pulumi.ComponentResource):
    def __init__(self, name: str, vm_count: int) -> None:
        super().__init__(
            "floor:index:Floor", name, None, pulumi.ResourceOptions(transformations=[drop_versioned_type_aliases])
        )
        child = pulumi.ResourceOptions(parent=self)
        rg = resources.ResourceGroup(f"{name}-rg", opts=child)
        nsg = network.NetworkSecurityGroup(f"{name}-nsg", resource_group_name=rg.name, opts=child)
        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            resource_group_name=rg.name,
            address_space={"address_prefixes": ["10.0.0.0/16"]},
            subnets=[{"name": "vms", "address_prefix": "10.0.1.0/24", "network_security_group": {"id": nsg.id}}],
            opts=child,
        )
        subnet_id = vnet.subnets.apply(lambda s: (s[0].id or "") if s else "")
        pip = network.PublicIPAddress(f"{name}-pip", resource_group_name=rg.name, sku={"name": "Standard"}, opts=child)
        lb = network.LoadBalancer(
            f"{name}-lb",
            resource_group_name=rg.name,
            sku={"name": "Standard"},
            frontend_ip_configurations=[{"name": "frontend", "public_ip_address": {"id": pip.id}}],
            backend_address_pools=[{"name": "backend"}],
            opts=child,
        )
        pool_id = lb.id.apply(lambda i: f"{i}/backendAddressPools/backend")
        managedidentity.UserAssignedIdentity(f"{name}-identity", resource_group_name=rg.name, opts=child)
        avset = compute.AvailabilitySet(f"{name}-avset", resource_group_name=rg.name, opts=child)
        network.InboundNatRule(
            f"{name}-admin-nat",
            resource_group_name=rg.name,
            load_balancer_name=lb.name,
            frontend_port_range_start=50001,
            frontend_port_range_end=50400,
            backend_address_pool={"id": pool_id},
            backend_port=22,
            protocol="Tcp",
            opts=child,
        )
        for i in range(1, vm_count + 1):
            nic = network.NetworkInterface(
                f"{name}-nic-{i}",
                resource_group_name=rg.name,
                ip_configurations=[
                    {
                        "name": "ipconfig",
                        "subnet": {"id": subnet_id},
                        "load_balancer_backend_address_pools": [{"id": pool_id}],
                    }
                ],
                opts=child,
            )
            vm = compute.VirtualMachine(
                f"{name}-vm-{i}",
                resource_group_name=rg.name,
                availability_set={"id": avset.id},
                network_profile={"network_interfaces": [{"id": nic.id}]},
                opts=child,
            )
            compute.VirtualMachineRunCommandByVirtualMachine(
                f"{name}-vm-{i}-gate", resource_group_name=rg.name, vm_name=vm.name, opts=child
            )
        self.register_outputs({})


Floor("web", count)
