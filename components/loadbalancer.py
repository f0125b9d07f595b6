"""The public side: a Standard static public IP and a Standard load balancer.

The frontend, pool, probe, rules and outbound rule are declared inline. They refer to each
other by ID, and those IDs must exist before the LB does, so they are built by hand from
the LB's *known* name:
`<resource group id>/providers/Microsoft.Network/loadBalancers/<name>/<kind>/<child>`.
That is why the LB (alone) gets an explicit Azure name.

The admin NAT rules are separate `InboundNatRule` resources instead, because NICs refer to
them: Azure refuses to remove a NAT rule that a NIC still uses, and Pulumi deletes a
resource only after everything that depends on it. As one inline list on the LB, scaling
3 -> 2 VMs would update the LB (dropping rule 3) before NIC 3 is deleted, and fail; as
resources the NICs depend on, NIC 3 goes first and its rule after it, in one `pulumi up`.
The LB must then never declare `inboundNatRules` at all: pulumi-azure-native keeps the
existing sub-resources of a property left unset on update (`MaintainSubResourceIfUnset`,
provider/pkg/resources/resources.go: "When updating the parent, if the list of nested
resources is not specified as a property on the parent, the child resources will be
deleted ... if the list of nested resources was not originally specified inline, we'll
maintain the existing sub-resources transparently"), and its docs on that property say:
"Do not mix inline and standalone resource as they will conflict with each other,
leading to resources deletion." The other references into the LB (pool, probe,
frontend) never go away while the LB exists, so they stay inline.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from .network import standard_public_ip
from .settings import MultiVmLoadBalancedArgs

FRONTEND = "frontend"
POOL = "backend"
PROBE = "health"
OUTBOUND = "outbound"


SCALE_SET_NAT_RULE = "admin-instances"


def load_balancer_name(component: str) -> str:
    """The LB's fixed Azure name: its sub-resource IDs are built from it."""
    return f"{component}-lb"


def nat_rule_name(index: int) -> str:
    """Name of VM `index`'s (1-based) admin NAT rule; independent of vmCount."""
    return f"admin-vm-{index}"


@dataclass
class LoadBalancer:
    #: The frontend's public IP; None for an internal frontend.
    public_ip: network.PublicIPAddress | None
    lb: network.LoadBalancer
    #: IDs taken from the created LB (so users of them wait for it).
    backend_pool_id: pulumi.Output[str]
    nat_rule_ids: list[pulumi.Output[str]]


def build_load_balancer(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    resource_group_id: pulumi.Input[str],
    subnet_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> LoadBalancer:
    # Zone-redundant when the VMs are spread over zones, so the frontend survives the loss
    # of any one of them (see `frontend_zones` for why a subset becomes all three).
    public_ip = (
        None
        if args.internal
        else standard_public_ip(
            f"{name}-pip", args, resource_group_name, opts, zones=args.frontend_zones, dns_label=args.dns_label
        )
    )

    lb_name = load_balancer_name(name)
    lb_id = pulumi.Output.concat(resource_group_id, "/providers/Microsoft.Network/loadBalancers/", lb_name)

    def ref(kind: str, child: str) -> network.SubResourceArgs:
        return network.SubResourceArgs(id=pulumi.Output.concat(lb_id, f"/{kind}/{child}"))

    frontend = ref("frontendIPConfigurations", FRONTEND)
    pool = ref("backendAddressPools", POOL)
    probe = args.probe
    if public_ip is not None:
        frontend_config = network.FrontendIPConfigurationArgs(
            name=FRONTEND, public_ip_address=network.PublicIPAddressArgs(id=public_ip.id)
        )
    else:
        frontend_config = network.FrontendIPConfigurationArgs(
            name=FRONTEND,
            subnet=network.SubnetArgs(id=subnet_id),
            private_ip_allocation_method="Static" if args.frontend_private_ip else "Dynamic",
            private_ip_address=args.frontend_private_ip,
            zones=args.frontend_zones or None,
        )
    # Outbound rules need a public frontend; an internal tier gets out through its
    # subnet's NAT gateway instead.
    outbound = public_ip is not None
    # Per-VM admin NAT rules exist only with admin_access "nat"; a scale set, whose
    # instances come and go, gets one rule on its pool with a port range (NAT rule V2).
    scale_set = args.placement == "scaleSet"
    nat_indexes = range(1, args.vm_count + 1) if args.admin_mode == "nat" and not scale_set else range(0)
    lb = network.LoadBalancer(
        f"{name}-lb",
        load_balancer_name=lb_name,
        resource_group_name=resource_group_name,
        sku=network.LoadBalancerSkuArgs(name="Standard", tier="Regional"),
        frontend_ip_configurations=[frontend_config],
        backend_address_pools=[network.BackendAddressPoolArgs(name=POOL)],
        probes=[
            network.ProbeArgs(
                name=PROBE,
                protocol=probe.protocol,
                port=probe.port,
                request_path=probe.path if probe.protocol != "Tcp" else None,
                interval_in_seconds=probe.interval_seconds,
                probe_threshold=probe.probe_threshold,
            )
        ],
        load_balancing_rules=[
            network.LoadBalancingRuleArgs(
                name=rule.key,
                frontend_ip_configuration=frontend,
                backend_address_pool=pool,
                probe=ref("probes", PROBE),
                protocol=rule.protocol,
                frontend_port=rule.frontend_port,
                backend_port=rule.backend_port,
                enable_floating_ip=False,
                enable_tcp_reset=rule.protocol == "Tcp",
                idle_timeout_in_minutes=4,
                load_distribution="Default",
                # Azure fails the deployment when a rule shares its frontend with an
                # outbound rule and still claims SNAT for itself.
                disable_outbound_snat=True if outbound else None,
            )
            for rule in args.lb_rules
        ],
        outbound_rules=[
            # The VMs' only way out (their subnet has no default outbound access):
            # package mirrors, patching, the Azure agent.
            network.OutboundRuleArgs(
                name=OUTBOUND,
                frontend_ip_configurations=[frontend],
                backend_address_pool=pool,
                protocol="All",
                enable_tcp_reset=True,
                idle_timeout_in_minutes=4,
            )
        ]
        if outbound
        else None,
        # No `inbound_nat_rules` here, ever: see the module docstring.
        tags=args.tags,
        opts=opts,
    )

    def nat_rule(
        logical: str,
        rule_name: str,
        port: int | None = None,
        port_range: tuple[int, int] | None = None,
    ) -> network.InboundNatRule:
        """One admin NAT rule: a frontend `port` for one NIC, or a `port_range` over the
        pool (NAT rule V2: Azure gives each pool member one port of the range)."""
        return network.InboundNatRule(
            logical,
            resource_group_name=resource_group_name,
            # From the created LB, so the rule waits for it (and is deleted before it).
            load_balancer_name=lb.name,
            inbound_nat_rule_name=rule_name,
            frontend_ip_configuration=frontend,
            protocol="Tcp",
            frontend_port=port,
            frontend_port_range_start=port_range[0] if port_range else None,
            frontend_port_range_end=port_range[1] if port_range else None,
            backend_address_pool=pool if port_range else None,
            backend_port=args.admin_port,
            enable_floating_ip=False,
            enable_tcp_reset=True,
            idle_timeout_in_minutes=4,
            opts=opts,
        )

    nat_rules = [nat_rule(f"{name}-nat-{i}", nat_rule_name(i), port=args.nat_frontend_port(i)) for i in nat_indexes]
    if scale_set and args.admin_mode == "nat":
        last = args.nat_frontend_port(args.scale_set.max_count)
        nat_rule(f"{name}-nat-instances", SCALE_SET_NAT_RULE, port_range=(args.nat_frontend_port_start, last))

    # Taken from the created LB's ID so that every NIC waits for the LB that holds them.
    return LoadBalancer(
        public_ip=public_ip,
        lb=lb,
        backend_pool_id=pulumi.Output.concat(lb.id, f"/backendAddressPools/{POOL}"),
        # The rules' own IDs: each NIC then depends on its rule, so it is deleted first.
        nat_rule_ids=[rule.id for rule in nat_rules],
    )
