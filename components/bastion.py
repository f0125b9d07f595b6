"""Azure Bastion: admin access to the VMs without any admin port on the public IP."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import network

from .naming import azure_name
from .network import standard_public_ip
from .settings import MultiVmLoadBalancedArgs


def build_bastion(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    bastion_subnet_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> network.BastionHost:
    public_ip = standard_public_ip(f"{name}-bastion-pip", args, resource_group_name, opts, role="bas")
    return network.BastionHost(
        f"{name}-bastion",
        bastion_host_name=azure_name(args.name_prefix, "bastion"),
        resource_group_name=resource_group_name,
        # Standard: the native-client tunnel behind `az network bastion ssh/rdp` needs it.
        sku=network.SkuArgs(name="Standard"),
        enable_tunneling=True,
        ip_configurations=[
            network.BastionHostIPConfigurationArgs(
                name="bastion",
                subnet=network.SubResourceArgs(id=bastion_subnet_id),
                public_ip_address=network.SubResourceArgs(id=public_ip.id),
            )
        ],
        tags=args.tags,
        opts=opts,
    )
