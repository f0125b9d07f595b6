"""The workload's managed identity: one user-assigned identity for every VM or instance.

Why user-assigned, for every placement:
- A Flexible scale set refuses `SystemAssigned` ("The value 'SystemAssigned' of parameter
  'identity' is not allowed"; only `UserAssigned` or `None`, see the orchestration-modes
  table: https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes).
- A system-assigned identity lives and dies with its VM: a VM replaced for a new bootstrap,
  or an instance repaired or scaled in, would lose its role assignments. One identity per
  tier is granted its roles once and keeps them through every replacement.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import managedidentity

from .naming import azure_name
from .settings import MultiVmLoadBalancedArgs


@dataclass
class Identity:
    #: Resource ID of the identity the VMs use.
    id: pulumi.Output[str]
    #: Its principal (object) ID, for role assignments; None for an identity passed in.
    principal_id: pulumi.Output[str] | None


def build_identity(
    name: str, args: MultiVmLoadBalancedArgs, resource_group_name: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> Identity:
    if args.identity_id is not None:
        return Identity(id=pulumi.Output.from_input(args.identity_id), principal_id=None)
    created = managedidentity.UserAssignedIdentity(
        f"{name}-identity",
        resource_name_=azure_name(args.name_prefix, "identity"),
        resource_group_name=resource_group_name,
        tags=args.tags,
        opts=opts,
    )
    return Identity(id=created.id, principal_id=created.principal_id)
