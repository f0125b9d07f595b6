"""`MultiVmLoadBalanced`: N VMs behind a Standard public load balancer, one component.

No `from __future__ import annotations` here: Pulumi's schema analyzer (provider/) reads
the output annotations below with `inspect.get_annotations`, which leaves postponed
annotations as strings it cannot analyze (pulumi 3.272,
pulumi/provider/experimental/analyzer.py `analyze_type`).
"""

from typing import Any

import pulumi
from pulumi_azure_native import resources

from .aliases import drop_versioned_type_aliases
from .bastion import build_bastion
from .compute import Compute, build_compute
from .dashboard import build_dashboard
from .guest import build_guest_monitoring
from .identity import build_identity
from .keyvault import store_admin_password
from .loadbalancer import POOL, build_egress, build_load_balancer
from .maintenance import build_maintenance
from .monitoring import build_monitoring
from .naming import azure_name
from .network import build_network
from .roles import build_role_assignments
from .rules import check
from .scaleset import build_scale_set
from .settings import MultiVmLoadBalancedArgs

COMPONENT_TYPE = "lbvms:index:MultiVmLoadBalanced"


class MultiVmLoadBalanced(pulumi.ComponentResource):
    """The Azure reference architecture "Run load-balanced VMs for scalability and
    availability": a resource group (or an existing one), a VNet with one private subnet
    and its NSG, a Standard public IP and load balancer (rules, probe, outbound rule, one
    admin NAT rule per VM), an availability set, and N VMs with private NICs only.

    Child names derive from `name` (`<name>-vm-1`, `<name>-nic-1`, ...) and never from
    vmCount, so scaling out adds resources and replaces none. `args` is validated before
    anything is registered: a bad value raises one `ConfigError` listing every problem.
    """

    #: The frontend's IPv4 address: public, or private for an internal frontend.
    frontend_ip: pulumi.Output[str]
    #: The frontend's public IPv4 address; None for an internal frontend.
    public_ip_address: pulumi.Output[str] | None
    #: The public host name if `dns_label` is set, else the frontend IP address.
    public_host: pulumi.Output[str]
    #: URL of the first TCP load-balancing rule.
    url: pulumi.Output[str]
    #: Per VM: `name`, `host`, `portRange`, the `mapping` command that tells its port, and the
    #: `command` to reach it (Bastion: the tunnel command; scale set: one entry for all).
    admin_endpoints: pulumi.Output[list[dict[str, Any]]]
    #: Azure names of the VMs, VM 1 first.
    vm_names: pulumi.Output[list[str]]
    #: Private IP addresses of the VMs, VM 1 first.
    private_ips: pulumi.Output[list[str]]
    resource_group_name: pulumi.Output[str]
    #: Windows admin password (secret); None on Linux.
    admin_password: pulumi.Output[str] | None
    #: URI of the Key Vault secret that also holds it (`key_vault_id` set), else None.
    admin_password_secret_uri: pulumi.Output[str] | None
    load_balancer_id: pulumi.Output[str]
    backend_pool_id: pulumi.Output[str]
    #: The VNet's ID; None on an existing subnet (`subnet_id`).
    vnet_id: pulumi.Output[str] | None
    subnet_id: pulumi.Output[str]
    nsg_id: pulumi.Output[str]
    #: Zone of each VM, VM 1 first (placement zones); empty otherwise.
    vm_zones: list[str]
    #: The scale set's Azure name (placement scaleSet), else None.
    scale_set_name: pulumi.Output[str] | None
    #: The admin NAT rule's frontend port range ("50001-50004"; NAT rule V2, every placement),
    #: else None.
    nat_port_range: str | None
    #: Resource ID of the user-assigned identity every VM or instance carries.
    identity_id: pulumi.Output[str]
    #: Its principal ID, for role assignments; None when `identity_id` was passed in.
    identity_principal_id: pulumi.Output[str] | None
    #: Log Analytics workspace ID (monitoring on), else None.
    workspace_id: pulumi.Output[str] | None
    #: Kusto query of the LB's health events (monitoring on), else None.
    probe_failures_query: pulumi.Output[str] | None
    #: Azure CLI command listing probe status per backend instance (monitoring on), else None.
    probe_status_command: pulumi.Output[str] | None
    #: Portal link of the tier's dashboard (monitoring on), else None.
    dashboard_url: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: MultiVmLoadBalancedArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Before super().__init__: a bad configuration must register nothing at all. Direct
        # Python callers get the same checks as stack config and provider arguments.
        check(args, name)
        # Children skip azure-native's versioned-type aliases: no stack can hold them, and
        # they are most of the cost of registering a VM (components/aliases.py says why).
        own = pulumi.ResourceOptions(transformations=[drop_versioned_type_aliases])
        super().__init__(COMPONENT_TYPE, name, None, pulumi.ResourceOptions.merge(opts, own))
        child = pulumi.ResourceOptions(parent=self)

        if args.resource_group_name:
            # Reading the group fails the preview early if it does not exist; the name is taken
            # through it, so that nothing is created before the read has succeeded.
            existing = resources.get_resource_group_output(
                resource_group_name=args.resource_group_name,
                opts=pulumi.InvokeOutputOptions(parent=self),
            )
            rg_name: pulumi.Output[str] = pulumi.Output.all(existing.id, args.resource_group_name).apply(
                lambda found: found[1]
            )
        else:
            rg = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=azure_name(args.name_prefix, "resourceGroup"),
                tags=args.tags,
                opts=child,
            )
            rg_name = rg.name

        net = build_network(name, args, rg_name, child)
        lb = build_load_balancer(name, args, rg_name, net.subnet_id, child)
        nic_nsg = net.nsg.id if net.nsg_on_nics else None
        identity = build_identity(name, args, rg_name, child)
        build_role_assignments(name, args, identity, child)
        pools = [lb.backend_pool_id]
        if args.egress == "egress-lb":
            pools.append(build_egress(name, args, rg_name, child))
        scale_set = None
        vms = None
        if args.placement == "scaleSet":
            scale_set = build_scale_set(name, args, rg_name, net.subnet_id, pools, nic_nsg, identity.id, child)
        else:
            vms = build_compute(name, args, rg_name, net.subnet_id, pools, nic_nsg, identity.id, child)
        vm_list = vms.vms if vms else []
        bastion = None
        if net.bastion_subnet_id is not None:
            bastion = build_bastion(name, args, rg_name, net.bastion_subnet_id, child)

        watch = build_monitoring(name, args, rg_name, lb.lb, lb.public_ip, child) if args.monitoring.enabled else None
        vmss = scale_set.vmss if scale_set else None
        if watch is not None and args.monitoring.guest:
            # Each VM's agent after its web server and health gate: one extension operation at a
            # time per VM.
            after = [
                [*(vms.extensions[i : i + 1] if vms and vms.extensions else []), *(vms.gates[i : i + 1] if vms else [])]
                for i in range(len(vm_list))
            ]
            build_guest_monitoring(
                name, args, rg_name, watch.workspace, identity.id, vm_list, after, vmss, watch.action_group, child
            )
        build_maintenance(name, args, rg_name, vm_list, vmss, child)
        dashboard = None
        if watch is not None:
            dashboard = build_dashboard(name, args, rg_name, lb.lb, vm_list, vmss, watch.alerts, child)

        if lb.public_ip is not None:
            ip = lb.public_ip.ip_address.apply(lambda a: a or "")
            fqdn = lb.public_ip.dns_settings.apply(lambda d: (d.fqdn or "") if d else "")
            host = pulumi.Output.all(ip, fqdn).apply(lambda p: p[1] or p[0])
        else:
            ip = lb.lb.frontend_ip_configurations.apply(lambda f: (f[0].private_ip_address or "") if f else "")
            host = ip

        self.frontend_ip = ip
        self.public_ip_address = ip if lb.public_ip is not None else None
        self.public_host = host
        self.url = host.apply(lambda h: _url(h, args))
        if scale_set is not None:
            self.admin_endpoints = pulumi.Output.all(host, scale_set.vmss.name, rg_name, lb.lb.name).apply(
                lambda v: _scale_set_endpoints(v[0], v[1], v[2], v[3], args, bastion is not None)
            )
        elif bastion is not None:
            self.admin_endpoints = pulumi.Output.all(bastion.name, rg_name, *[vm.id for vm in vm_list]).apply(
                lambda v: _bastion_endpoints(name, v[0], v[1], v[2:], args)
            )
        elif args.admin_mode == "nat" and vms is not None:
            self.admin_endpoints = pulumi.Output.all(host, rg_name, lb.lb.name, *_private_ips(vms)).apply(
                lambda v: _admin_endpoints(name, v[0], v[1], v[2], v[3:], args)
            )
        else:
            self.admin_endpoints = pulumi.Output.from_input([])
        self.vm_names = pulumi.Output.all(*[vm.name for vm in vm_list]).apply(list)
        zones = args.vm_zones
        self.vm_zones = [zones[(i - 1) % len(zones)] for i in range(1, len(vm_list) + 1)] if zones else []
        self.scale_set_name = scale_set.vmss.name if scale_set else None
        self.nat_port_range = "{}-{}".format(*args.nat_port_range) if args.admin_mode == "nat" else None
        self.private_ips = pulumi.Output.all(*(_private_ips(vms) if vms else [])).apply(list)
        self.resource_group_name = rg_name
        self.admin_password = vms.admin_password if vms else scale_set.admin_password if scale_set else None
        vault_secret = store_admin_password(name, args, self.admin_password, child)
        # The URI names the secret, it does not hold it: plain, though its resource's
        # `properties` is secret because it carries the value.
        self.admin_password_secret_uri = (
            pulumi.Output.unsecret(vault_secret.properties.secret_uri) if vault_secret else None
        )
        self.load_balancer_id = lb.lb.id
        self.backend_pool_id = lb.backend_pool_id
        self.vnet_id = net.vnet.id if net.vnet else None
        self.subnet_id = net.subnet_id
        self.nsg_id = net.nsg.id
        self.identity_id = identity.id
        self.identity_principal_id = identity.principal_id
        self.workspace_id = watch.workspace.id if watch else None
        self.probe_failures_query = watch.probe_failures_query if watch else None
        self.probe_status_command = watch.probe_status_command if watch else None
        self.dashboard_url = (
            dashboard.id.apply(lambda i: f"https://portal.azure.com/#@/dashboard/arm{i}") if dashboard else None
        )

        self.register_outputs(
            {
                "frontendIp": self.frontend_ip,
                "url": self.url,
                "adminEndpoints": self.admin_endpoints,
                "vmNames": self.vm_names,
                "privateIps": self.private_ips,
                "resourceGroupName": self.resource_group_name,
                "loadBalancerId": self.load_balancer_id,
                "backendPoolId": self.backend_pool_id,
                "subnetId": self.subnet_id,
            }
        )


def _url(host: str, args: MultiVmLoadBalancedArgs) -> str:
    tcp = [r for r in args.lb_rules if r.protocol == "Tcp"]
    if not tcp:
        return ""
    port = tcp[0].frontend_port
    # A load-balancing rule is layer 4: it forwards TCP and terminates no TLS. The scheme is
    # what the VMs speak on the backend port, so https only when they serve 443 (and a
    # frontend 443 to a plain-HTTP backend 80 is http://host:443/). Azure: "Load Balancer
    # operates at layer 4", https://learn.microsoft.com/azure/load-balancer/load-balancer-overview
    scheme = "https" if tcp[0].backend_port == 443 else "http"
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}/" if port == default else f"{scheme}://{host}:{port}/"


def _bastion_endpoints(
    name: str, bastion: str, rg: str, vm_ids: list[str], args: MultiVmLoadBalancedArgs
) -> list[dict[str, Any]]:
    """Per VM, the Azure CLI command that tunnels through Bastion (native client)."""
    endpoints: list[dict[str, Any]] = []
    for i, vm_id in enumerate(vm_ids, start=1):
        base = f"az network bastion {{}} --name {bastion} --resource-group {rg} --target-resource-id {vm_id}"
        if args.os_type == "windows":
            command = base.format("rdp")
        else:
            command = (
                base.format("ssh") + f" --auth-type ssh-key --username {args.admin_username} --ssh-key <private key>"
            )
        endpoints.append({"name": f"{name}-vm-{i}", "bastion": bastion, "command": command})
    return endpoints


def _scale_set_endpoints(
    host: str, vmss: str, rg: str, lb: str, args: MultiVmLoadBalancedArgs, bastion: bool
) -> list[dict[str, Any]]:
    """Instances come and go, so one entry tells how to reach any of them."""
    if bastion:
        kind = "rdp" if args.os_type == "windows" else "ssh"
        return [
            {
                "name": vmss,
                "instances": f'az vm list --resource-group {rg} --query "[?virtualMachineScaleSet.id!=null].id"',
                "command": f"az network bastion {kind} --name <bastion> --resource-group {rg} "
                "--target-resource-id <instance id>",
            }
        ]
    if args.admin_mode != "nat":
        return []
    first, last = args.nat_port_range
    client = f"mstsc /v:{host}:<port>" if args.os_type == "windows" else f"ssh -p <port> {args.admin_username}@{host}"
    return [
        {
            "name": vmss,
            "host": host,
            "portRange": f"{first}-{last}",
            # NAT rule V2 gives each instance one port of the range; the LB lists which.
            "mapping": f"az network lb list-mapping --resource-group {rg} --name {lb} "
            f"--backend-pool-name {POOL} --request ip=<instance private ip>",
            "command": client,
        }
    ]


def _private_ips(vms: Compute) -> list[pulumi.Output[str]]:
    return [
        nic.ip_configurations.apply(lambda cfgs: (cfgs[0].private_ip_address or "") if cfgs else "") for nic in vms.nics
    ]


def _admin_endpoints(
    name: str, host: str, rg: str, lb: str, private_ips: list[str], args: MultiVmLoadBalancedArgs
) -> list[dict[str, Any]]:
    """Per VM, how to reach its admin port through the NAT rule V2. Azure gives each pool
    member one port of the range when it joins and does not document the order (its tutorial
    shows the first VM on the first port), nor whether a NIC-based pool's GET lists the
    mapping; its own lookup, `az network lb list-mapping` (REST
    `queryInboundNatRulePortMapping`), tells it for the VM's private IP, which is filled in."""
    first, last = args.nat_port_range
    client = f"mstsc /v:{host}:<port>" if args.os_type == "windows" else f"ssh -p <port> {args.admin_username}@{host}"
    return [
        {
            "name": f"{name}-vm-{i}",
            "host": host,
            "portRange": f"{first}-{last}",
            "mapping": f"az network lb list-mapping --resource-group {rg} --name {lb} "
            f"--backend-pool-name {POOL} --request ip={ip} --query 'inboundNatRulePortMappings[0].frontendPort'",
            "command": client,
        }
        for i, ip in enumerate(private_ips, start=1)
    ]
