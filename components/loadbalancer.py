"""The public side: a Standard static public IP and a Standard load balancer.

The frontend, pool, probe, rules and outbound rule are declared inline, and refer to each
other by relative IDs, `$self/<kind>/<child>`: pulumi-azure-native replaces `$self` with the
LB's own ID before it sends the request (provider/pkg/convert/sdkInputsToRequestBody.go
`convertSdkPropToRequestBodyPropValue`, for every `SubResource` whose ID starts with
`$self/`; the SDK documents it on `SubResourceArgs.id`). So nothing needs the LB's Azure name
before it exists: it is auto-named, or named by the prefix (naming.py), and two components in
one resource group never clash. Resources outside the LB (the NICs, the scale set, the NAT
rule) get absolute IDs built from the created LB's `id`, so each of them waits for it.

Admin access is one inbound NAT rule V2, a separate `InboundNatRule` resource: a frontend
port range mapped to the admin port of every member of the backend pool, for fixed VMs and
the scale set alike. Azure retires the per-NIC rules (V1) and NAT pools on 30 September
2027 ("Inbound NAT rules", https://learn.microsoft.com/azure/load-balancer/inbound-nat-rules),
and with V2 no NIC refers to a NAT rule: a VM joins admin access by joining the pool, so a
replacement VM's new NIC needs nothing else, and a placement change keeps the rule (same
logical and Azure name) and updates it in place. Azure gives each pool member one port of the
range (adminEndpoints says how to look it up), so the range holds at least as many ports as
the pool can hold members at once (old and new VMs during a roll), and is sized for the
largest tier so that no change of vmCount or placement resizes it (`nat_port_count`).
The LB never declares `inboundNatRules` inline: pulumi-azure-native keeps the existing
sub-resources of a property left unset on update (`MaintainSubResourceIfUnset`,
provider/pkg/resources/resources.go), and its docs on that property say: "Do not mix inline
and standalone resource as they will conflict with each other, leading to resources
deletion." The other references into the LB (pool, probe, frontend) never go away while the
LB exists, so they stay inline.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from .naming import azure_name, load_balancer_kind
from .network import standard_public_ip
from .settings import MultiVmLoadBalancedArgs

FRONTEND = "frontend"
POOL = "backend"
PROBE = "health"
OUTBOUND = "outbound"
#: Azure name of the admin NAT rule (V2), the same for every placement (it is the LB's child).
ADMIN_NAT_RULE = "admin"
EGRESS = "egress"


def own(kind: str, child: str) -> network.SubResourceArgs:
    """A reference from inside a load balancer to its own `kind/child` (module docstring)."""
    return network.SubResourceArgs(id=f"$self/{kind}/{child}")


def build_egress(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    """Outbound-only egress of a zone-spread internal tier (`args.egress`, settings.py, says
    why not a NAT gateway): a Standard LB on a zone-redundant public IP with one outbound rule
    and no load-balancing rule or inbound NAT, so nothing comes in through it. "A virtual
    machine can reference backend address pools of one public and one internal load balancer"
    (REST spec, IP configuration `loadBalancerBackendAddressPools`). Returns the ID of its
    backend pool, which the VMs' NICs (or the scale set's) join."""
    public_ip = standard_public_ip(
        f"{name}-egress-pip", args, resource_group_name, opts, zones=args.frontend_zones, role=EGRESS
    )
    lb = network.LoadBalancer(
        f"{name}-egress-lb",
        load_balancer_name=azure_name(args.name_prefix, load_balancer_kind(args), EGRESS),
        resource_group_name=resource_group_name,
        sku=network.LoadBalancerSkuArgs(name="Standard", tier="Regional"),
        frontend_ip_configurations=[
            network.FrontendIPConfigurationArgs(
                name=EGRESS, public_ip_address=network.PublicIPAddressArgs(id=public_ip.id)
            )
        ],
        backend_address_pools=[network.BackendAddressPoolArgs(name=EGRESS)],
        outbound_rules=[
            network.OutboundRuleArgs(
                name=OUTBOUND,
                frontend_ip_configurations=[own("frontendIPConfigurations", EGRESS)],
                backend_address_pool=own("backendAddressPools", EGRESS),
                protocol="All",
                enable_tcp_reset=True,
                idle_timeout_in_minutes=4,
            )
        ],
        tags=args.tags,
        opts=opts,
    )
    return pulumi.Output.concat(lb.id, f"/backendAddressPools/{EGRESS}")


@dataclass
class LoadBalancer:
    #: The frontend's public IP; None for an internal frontend.
    public_ip: network.PublicIPAddress | None
    lb: network.LoadBalancer
    #: IDs taken from the created LB (so users of them wait for it).
    backend_pool_id: pulumi.Output[str]
    #: The admin NAT rule (V2) on the pool; None unless admin access is `nat`.
    admin_nat_rule: network.InboundNatRule | None


def build_load_balancer(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
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

    frontend = own("frontendIPConfigurations", FRONTEND)
    pool = own("backendAddressPools", POOL)
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
    lb = network.LoadBalancer(
        f"{name}-lb",
        load_balancer_name=azure_name(args.name_prefix, load_balancer_kind(args)),
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
                probe=own("probes", PROBE),
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

    admin_nat = None
    if args.admin_mode == "nat":
        # A resource of its own, so `$self` would be the rule: absolute IDs into the created LB.
        lb_frontend = network.SubResourceArgs(id=pulumi.Output.concat(lb.id, f"/frontendIPConfigurations/{FRONTEND}"))
        lb_pool = network.SubResourceArgs(id=pulumi.Output.concat(lb.id, f"/backendAddressPools/{POOL}"))
        first, last = args.nat_port_range
        admin_nat = network.InboundNatRule(
            f"{name}-admin-nat",
            resource_group_name=resource_group_name,
            # From the created LB, so the rule waits for it (and is deleted before it).
            load_balancer_name=lb.name,
            inbound_nat_rule_name=ADMIN_NAT_RULE,
            frontend_ip_configuration=lb_frontend,
            protocol="Tcp",
            frontend_port_range_start=first,
            frontend_port_range_end=last,
            backend_address_pool=lb_pool,
            backend_port=args.admin_port,
            enable_floating_ip=False,
            enable_tcp_reset=True,
            idle_timeout_in_minutes=4,
            # Stacks deployed before every placement shared one rule had the scale set's
            # under this name: the alias keeps it the same resource, and the Azure name's
            # change (a path parameter) makes azure-native replace it delete-first, so the
            # old range never holds the ports the new one takes.
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{name}-nat-instances")])
            ),
        )

    # Taken from the created LB's ID so that every NIC waits for the LB that holds them.
    return LoadBalancer(
        public_ip=public_ip,
        lb=lb,
        backend_pool_id=pulumi.Output.concat(lb.id, f"/backendAddressPools/{POOL}"),
        admin_nat_rule=admin_nat,
    )
