"""The architecture picture, drawn from the resources the program actually registered.

Internet -> public IP -> load balancer (rules, probe, NAT port per VM) -> VNet / subnet
with its NSG -> availability set -> VMs. Plain SVG built in pure Python: nothing to
install beyond the project's requirements, and the same input always gives the same file.
"""

from __future__ import annotations

from html import escape
from typing import Any

from offline.engine import KIND_ORDER, ProgramRun, Registered, is_unknown, plain

MAX_VMS_DRAWN = 12
LINE = 16  # px per text line
FONT = "font-family='Segoe UI, Helvetica, Arial, sans-serif'"

COLORS = {
    "internet": ("#f3f4f6", "#6b7280"),
    "pip": ("#e0f2fe", "#0369a1"),
    "lb": ("#dbeafe", "#1d4ed8"),
    "vnet": ("#f0fdf4", "#15803d"),
    "subnet": ("#dcfce7", "#15803d"),
    "avset": ("#fef9c3", "#a16207"),
    "vm": ("#ffffff", "#374151"),
    "rg": ("#f9fafb", "#9ca3af"),
    "nat": ("#ede9fe", "#6d28d9"),
}


def _short(resource_id: Any) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1] if isinstance(resource_id, str) else "?"


def _plain(value: Any) -> Any:
    """Secrets opened, and values unknown in a preview as None: the picture draws what is
    known and leaves out what only Azure will know."""
    value = plain(value)
    if is_unknown(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _num(value: Any) -> str:
    if value is None or is_unknown(value):
        return "?"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def box(self, x: int, y: int, w: int, h: int, kind: str, dashed: bool = False) -> None:
        fill, stroke = COLORS[kind]
        dash = " stroke-dasharray='6 4'" if dashed else ""
        self.parts.append(
            f"<rect x='{x}' y='{y}' width='{w}' height='{h}' rx='8' fill='{fill}' "
            f"stroke='{stroke}' stroke-width='1.5'{dash}/>"
        )

    def text(self, x: int, y: int, s: str, size: int = 12, bold: bool = False, color: str = "#111827") -> None:
        weight = " font-weight='bold'" if bold else ""
        self.parts.append(f"<text x='{x}' y='{y}' font-size='{size}' {FONT}{weight} fill='{color}'>{escape(s)}</text>")

    def lines(self, x: int, y: int, rows: list[str], size: int = 11) -> None:
        for n, row in enumerate(rows):
            self.text(x, y + n * LINE, row, size=size, color="#374151")

    def arrow(self, x1: int, y1: int, x2: int, y2: int, label: str = "") -> None:
        self.parts.append(
            f"<line x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' stroke='#4b5563' "
            "stroke-width='1.5' marker-end='url(#arrow)'/>"
        )
        if label:
            self.text((x1 + x2) // 2 - 14, min(y1, y2) - 6, label, size=10, color="#4b5563")


def _one(run: ProgramRun, suffix: str) -> Registered | None:
    found = [r for r in run.resources if r.type.endswith(suffix)]
    return found[0] if found else None


def _all(run: ProgramRun, suffix: str) -> list[Registered]:
    return [r for r in run.ordered() if r.type.endswith(suffix)]


def _owner(run: ProgramRun) -> dict[str, str]:
    """Each resource's nearest component ancestor (URN to URN; top-level resources have none)."""
    by_urn = {r.urn: r for r in run.resources}
    out: dict[str, str] = {}
    for r in run.resources:
        parent = by_urn.get(r.parent)
        while parent is not None and parent.custom:
            parent = by_urn.get(parent.parent)
        if parent is not None:
            out[r.urn] = parent.urn
    return out


def render(run: ProgramRun, title: str = "") -> str:
    """The whole picture: one section per component of the program whose own resources include
    a kind the layout draws (a component: a registration that is not custom; the resources
    under it up to the next component down), or one for the whole program if none has."""
    owner = _owner(run)
    owned = {c.urn: [r for r in run.resources if owner.get(r.urn) == c.urn] for c in run.components()}
    components = [c for c in run.components() if any(_kind(r) in DRAWN for r in owned[c.urn])]
    groups = [owned[c.urn] for c in components] or [run.resources]
    labels = [f"component {c.name}" for c in components] if len(components) > 1 else [""]
    sections = []
    # The program's own network, outside its components (a VNet whose subnets it hands to
    # them: examples/n-tier): drawn once, first; each component's section then names it.
    top = [r for r in run.ordered() if r.custom and r.urn not in owner]
    shared: list[Registered] = []
    if components and any(_kind(r) in NETWORK for r in top):
        try:
            sections.append(_network(top, run, owned, components))
            shared = [r for r in top if _kind(r) == "VirtualNetwork"]
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            sections.append(_others([r for r in top if _kind(r) in NETWORK]))
    for group, label in zip(groups, labels, strict=False):
        sub = ProgramRun(resources=group, outputs={})
        if any(_kind(r) in DRAWN for r in group):
            try:
                sections.append(_section(sub, label, shared))
            except (KeyError, IndexError, TypeError, AttributeError, ValueError):
                # A shape the layout does not know (written elsewhere): list it, never fail.
                sections.append(_others([r for r in group if r.custom]))
    # Every resource is on the picture: those of other kinds (another provider's, an Azure
    # type the drawing does not lay out) are listed in a box of their own.
    others = [r for r in run.ordered() if r.custom and _kind(r) not in KIND_ORDER]
    if others or not sections:
        sections.append(_others(others if sections else [r for r in run.ordered() if r.custom]))
    width = max([w for _, w, _ in sections] + [600])
    height = 70 + sum(h for _, _, h in sections)
    head = _Svg()
    head.text(20, 32, f"Load-balanced VMs: {title}" if title else "Load-balanced VMs", size=18, bold=True)
    head.text(20, 52, "Drawn from the resources the program registered (offline plan).", size=11, color="#6b7280")
    body, y = [], 0
    for parts, _, h in sections:
        body.append(f"<g transform='translate(0,{y})'>\n{parts}\n</g>")
        y += h
    header = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' markerHeight='7' "
        "orient='auto-start-reverse'><path d='M 0 0 L 10 5 L 0 10 z' fill='#4b5563'/></marker></defs>"
        f"<rect width='{width}' height='{height}' fill='white'/>"
    )
    return header + "\n" + "\n".join(head.parts) + "\n" + "\n".join(body) + "\n</svg>\n"


#: Kinds the load-balanced layout draws; a group without any of them gets no such section.
DRAWN = {"LoadBalancer", "VirtualMachine", "VirtualMachineScaleSet", "VirtualNetwork", "PublicIPAddress"}


#: Kinds of a program's own network that `_network` draws when components use it.
NETWORK = {"ResourceGroup", "VirtualNetwork", "NatGateway", "NetworkSecurityGroup"}


def _by_id(resources: list[Registered]) -> dict[str, Registered]:
    return {r.outputs["id"]: r for r in resources if isinstance(r.outputs.get("id"), str)}


def _subnet_id(nic: Registered) -> str:
    return ((_plain(nic.inputs).get("ipConfigurations") or [{}])[0].get("subnet") or {}).get("id") or ""


def _vnet_of(subnet_id: str, vnets: list[Registered]) -> tuple[Registered, dict[str, Any]] | None:
    """The VNet (among `vnets`) and subnet (its input) that a subnet ID names:
    `<vnet id>/subnets/<name>`."""
    for vnet in vnets:
        vid = vnet.outputs.get("id")
        if isinstance(vid, str) and subnet_id.startswith(f"{vid}/subnets/"):
            name = subnet_id[len(vid) + len("/subnets/") :]
            for subnet in _plain(vnet.inputs).get("subnets") or []:
                if subnet.get("name") == name:
                    return vnet, subnet
    return None


def _nsg_rows(nsg: Registered | None) -> list[str]:
    rows = []
    for rule in _plain(nsg.inputs).get("securityRules", []) if nsg else []:
        sources = rule.get("sourceAddressPrefixes") or [rule.get("sourceAddressPrefix")]
        ports = rule.get("destinationPortRange") or ",".join(rule.get("destinationPortRanges") or [])
        rows.append(f"{_num(rule.get('priority'))} {rule.get('access')} {','.join(map(str, sources))} -> {ports}")
    return rows


def _network(
    top: list[Registered], run: ProgramRun, owned: dict[str, list[Registered]], components: list[Registered]
) -> tuple[str, int, int]:
    """The program's own resources outside its components: its resource group, each VNet with
    every subnet (prefix, outbound, the subnet's NSG and rules, its NAT gateway and that
    gateway's public IP, the components whose NICs sit in it), and the rest as a list."""
    nsgs, nats, pips = (
        _by_id([r for r in run.resources if _kind(r) == k])
        for k in ("NetworkSecurityGroup", "NatGateway", "PublicIPAddress")
    )
    vnets = [r for r in top if _kind(r) == "VirtualNetwork"]
    users: dict[tuple[str, str], list[str]] = {}
    for c in components:
        for nic in (r for r in owned[c.urn] if _kind(r) == "NetworkInterface"):
            found = _vnet_of(_subnet_id(nic), vnets)
            if found and c.name not in users.setdefault((found[0].urn, found[1].get("name", "")), []):
                users[(found[0].urn, found[1].get("name", ""))].append(c.name)
    drawn: set[str] = set()
    # (vnet title, [(subnet title, rows)]) per VNet.
    blocks: list[tuple[str, list[tuple[str, list[str]]]]] = []
    for vnet in vnets:
        drawn.add(vnet.urn)
        v = _plain(vnet.inputs)
        subnets = []
        for subnet in v.get("subnets") or []:
            outbound = "no default outbound" if subnet.get("defaultOutboundAccess") is False else "default outbound"
            title = f"Subnet {subnet.get('name', '')} {subnet.get('addressPrefix', '')} ({outbound})"
            rows = []
            who = users.get((vnet.urn, subnet.get("name", "")))
            if who:
                rows.append(f"VMs of component{'s' if len(who) > 1 else ''} {', '.join(who)}")
            nsg_ref = subnet.get("networkSecurityGroup")
            nsg = nsgs.get((nsg_ref or {}).get("id") or "")
            if nsg is not None:
                drawn.add(nsg.urn)
                rows.append(f"NSG {nsg.name} on the subnet:")
                rows += [f"  {row}" for row in _nsg_rows(nsg)]
            else:
                rows.append("NSG on the subnet: " + ("yes (ID known after deployment)" if nsg_ref else "NONE"))
            nat_ref = subnet.get("natGateway")
            nat = nats.get((nat_ref or {}).get("id") or "")
            if nat is not None:
                drawn.add(nat.urn)
                n = _plain(nat.inputs)
                ips = [pips.get(ref.get("id")) for ref in n.get("publicIpAddresses") or []]
                shown = [f"{p.name} {_plain(p.outputs).get('ipAddress') or ''}".strip() for p in ips if p is not None]
                drawn.update(p.urn for p in ips if p is not None)
                sku = (n.get("sku") or {}).get("name", "")
                rows.append(f"NAT gateway {nat.name} ({sku}): egress via public IP {', '.join(shown) or '?'}")
            elif nat_ref:
                rows.append("NAT gateway: yes (ID known after deployment)")
            subnets.append((title, rows))
        prefixes = ", ".join(v.get("addressSpace", {}).get("addressPrefixes", []))
        blocks.append((f"VNet {vnet.name}  {prefixes}", subnets))
    groups = [r for r in top if _kind(r) == "ResourceGroup"]
    drawn.update(r.urn for r in groups)
    rest = [f"{r.type}  {r.name}" for r in top if r.urn not in drawn and _kind(r) in KIND_ORDER]

    def fit(rows: list[str], minimum: int) -> int:
        return max([minimum, *(int(len(r) * 6.2) + 28 for r in rows)])

    every = [t for t, _ in blocks] + [x for _, subs in blocks for t, rows in subs for x in (t, *rows)] + rest
    inner_w = fit(every, 460) + 40
    width = inner_w + 100
    svg = _Svg()
    svg.text(20, 92, "The program's own resources (outside its components)", size=13, bold=True, color="#374151")
    rg_title = (
        "Resource group " + ", ".join(f"{g.name} ({_plain(g.outputs).get('location') or '?'})" for g in groups)
        if groups
        else "Resource group: the program's, not created here"
    )
    y = 112
    parts_y = y + 36
    body = _Svg()
    for title, subs in blocks:
        top_y = parts_y
        body.text(52, top_y + 22, title, bold=True)
        sy = top_y + 36
        for sub_title, rows in subs:
            h = 34 + LINE * len(rows)
            body.box(64, sy, inner_w - 48, h, "subnet")
            body.text(76, sy + 20, sub_title, bold=True)
            for n, row in enumerate(rows):
                kind = "nat" if row.startswith("NAT gateway") else None
                body.text(
                    90,
                    sy + 38 + n * LINE,
                    row,
                    size=10 if row.startswith("  ") else 11,
                    color="#6d28d9" if kind else "#374151",
                )
            sy += h + 10
        vnet_h = sy - top_y + 4
        svg.box(40, top_y, inner_w, vnet_h, "vnet", dashed=True)
        parts_y = top_y + vnet_h + 14
    for n, row in enumerate(rest):
        body.text(52, parts_y + 14 + n * LINE, row, size=11, color="#374151")
    rg_h = parts_y - y + (LINE * len(rest) + 10 if rest else 0)
    frame = _Svg()
    frame.box(24, y, inner_w + 32, rg_h, "rg")
    frame.text(36, y + 22, rg_title, bold=True)
    return "\n".join(svg.parts[:1] + frame.parts + svg.parts[1:] + body.parts), width, y + rg_h + 20 - 70


def _kind(r: Registered) -> str:
    """The last part of the type token: `azure-native:network:LoadBalancer` -> `LoadBalancer`."""
    return r.type.rsplit(":", 1)[-1]


def _others(resources: list[Registered]) -> tuple[str, int, int]:
    """A box listing resources the layout does not draw: type and name, one per line."""
    rows = [f"{r.type}  {r.name}" for r in resources] or ["(no resources)"]
    width = max([600, *(int(len(row) * 6.2) + 60 for row in rows)])
    height = 60 + LINE * len(rows)
    svg = _Svg()
    svg.box(20, 80, width - 40, height - 20, "internet")
    svg.text(32, 102, "Other resources (not laid out in the picture)", bold=True)
    svg.lines(32, 102 + LINE + 4, rows)
    return "\n".join(svg.parts), width, height + 30


def _section(run: ProgramRun, label: str, shared: list[Registered] | None = None) -> tuple[str, int, int]:
    """One component: its SVG elements, width and height (drawn from y = 0). `shared`: VNets
    drawn in a section of their own (`_network`); a component in one of their subnets is
    drawn in that subnet alone, the VNet named, not drawn again."""
    # The load balancer that serves (it has rules or probes); an outbound-only one is listed in it.
    lbs = _all(run, ":LoadBalancer")
    lb = next((r for r in lbs if _plain(r.inputs).get("loadBalancingRules") or _plain(r.inputs).get("probes")), None)
    lb = lb or (lbs[0] if lbs else None)
    # The frontend's own public IP (others may exist: Bastion, NAT gateway), or none.
    frontend = ((_plain(lb.inputs).get("frontendIPConfigurations") or [{}])[0]) if lb else {}
    pip_id = (frontend.get("publicIPAddress") or {}).get("id")
    pip = next((r for r in _all(run, ":PublicIPAddress") if r.outputs.get("id") == pip_id), None)
    internal_ip = (
        ((_plain(lb.outputs).get("frontendIPConfigurations") or [{}])[0]).get("privateIPAddress") if lb else None
    )
    vnet = _one(run, ":VirtualNetwork")
    nsg = _one(run, ":NetworkSecurityGroup")
    avset = _one(run, ":AvailabilitySet")
    bastion = _one(run, ":BastionHost")
    vms = _all(run, ":VirtualMachine")
    nics = {r.outputs.get("id"): r for r in _all(run, ":NetworkInterface")}
    extensions = {_plain(r.inputs).get("vmName"): _plain(r.inputs) for r in _all(run, ":VirtualMachineExtension")}
    run_commands = {
        _plain(r.inputs).get("vmName"): _plain(r.inputs) for r in _all(run, ":VirtualMachineRunCommandByVirtualMachine")
    }

    lb_in = _plain(lb.inputs) if lb else {}
    nat_rules = {
        _plain(r.inputs).get("inboundNatRuleName", r.name): _plain(r.inputs) for r in _all(run, ":InboundNatRule")
    }
    nat_by_vm: dict[str, str] = {}
    vm_rows: list[tuple[str, list[str]]] = []
    for vm in vms:
        i = _plain(vm.inputs)
        nic_ids = [n["id"] for n in i.get("networkProfile", {}).get("networkInterfaces", [])]
        nic = nics.get(nic_ids[0]) if nic_ids else None
        ip, nat = "", ""
        if nic is not None:
            ip = (_plain(nic.outputs).get("ipConfigurations") or [{}])[0].get("privateIPAddress", "")
            cfg = (_plain(nic.inputs).get("ipConfigurations") or [{}])[0]
            names = [_short(n["id"]) for n in cfg.get("loadBalancerInboundNatRules", [])]
            if names and names[0] in nat_rules:
                rule = nat_rules[names[0]]
                nat = f"{_num(rule.get('frontendPort'))} -> {_num(rule.get('backendPort'))}"
        nat_by_vm[vm.name] = nat
        image = i.get("storageProfile", {}).get("imageReference", {})
        size = i.get("hardwareProfile", {}).get("vmSize", "")
        if i.get("osProfile", {}).get("customData"):
            boot = "  + cloud-init"
        elif vm.outputs.get("name") in extensions:
            boot = f"  + {extensions[vm.outputs['name']].get('type', 'extension')}"
        else:
            boot = ""
        if vm.outputs.get("name") in run_commands:
            boot += f"  + run command {run_commands[vm.outputs['name']].get('runCommandName', '')}"
        zone = f" (zone {i['zones'][0]})" if i.get("zones") else ""
        vm_rows.append(
            (
                vm.name + zone,
                [
                    f"{image.get('offer', '')}/{image.get('sku', '')}{boot}",
                    f"{size}  private {ip}" + (f"  NAT {nat}" if nat else ""),
                ],
            )
        )

    # Left column texts
    pip_out = _plain(pip.outputs) if pip else {}
    if pip is not None:
        pip_rows = [
            f"{(pip_out.get('sku') or {}).get('name', '')} {pip_out.get('publicIPAllocationMethod', '')}",
            f"ip {pip_out.get('ipAddress', '')}",
        ]
    else:
        pip_rows = ["on the VMs' subnet, no public IP", f"ip {internal_ip or ''}"]
    fqdn = (pip_out.get("dnsSettings") or {}).get("fqdn")
    if fqdn:
        pip_rows.append(fqdn)

    lb_rows = []
    for p in lb_in.get("probes", []):
        path = f" {p['requestPath']}" if p.get("requestPath") else ""
        lb_rows.append(f"probe {p.get('name')}: {p.get('protocol')} {_num(p.get('port'))}{path}")
    for r in lb_in.get("loadBalancingRules", []):
        lb_rows.append(
            f"rule {r.get('name')}: {r.get('protocol')} {_num(r.get('frontendPort'))} -> {_num(r.get('backendPort'))}"
        )
    for r in lb_in.get("outboundRules", []):
        lb_rows.append(f"outbound {r.get('name')}: {r.get('protocol')}")
    lb_rows.append(f"pool: {', '.join(str(p.get('name')) for p in lb_in.get('backendAddressPools', []))}")
    ranged = [r for r in nat_rules.values() if "frontendPortRangeStart" in r]
    if ranged:
        r = ranged[0]
        ports = f"{_num(r.get('frontendPortRangeStart'))}-{_num(r.get('frontendPortRangeEnd'))}"
        lb_rows.append(f"NAT rule V2: ports {ports} -> {_num(r.get('backendPort'))} over the pool")
    else:
        lb_rows.append(f"NAT rules: {len(nat_rules)} (one per VM)" if nat_rules else "NAT rules: none (no admin port)")

    for other in _all(run, ":LoadBalancer"):
        if other is lb:
            continue
        o = _plain(other.inputs)
        kind = "outbound only" if o.get("outboundRules") and not o.get("loadBalancingRules") else "another LB"
        lb_rows.append(f"+ {other.name}: {kind}")

    nsg_rows = _nsg_rows(nsg)

    subnet = (_plain(vnet.inputs).get("subnets") or [{}])[0] if vnet else {}
    vnet_prefix = ", ".join(_plain(vnet.inputs).get("addressSpace", {}).get("addressPrefixes", [])) if vnet else ""
    av_in = _plain(avset.inputs) if avset else {}

    vmss = _one(run, ":VirtualMachineScaleSet")
    autoscale = _one(run, ":AutoscaleSetting")
    if vmss is not None:
        v = _plain(vmss.inputs)
        profile = v.get("virtualMachineProfile", {})
        image = profile.get("storageProfile", {}).get("imageReference", {})
        exts = ", ".join(e.get("type", "") for e in profile.get("extensionProfile", {}).get("extensions", []))
        cap = _plain(autoscale.inputs)["profiles"][0]["capacity"] if autoscale else {}
        spread = (
            f"zones {', '.join(v['zones'])}" if v.get("zones") else f"{v.get('platformFaultDomainCount')} fault domains"
        )
        vm_rows = [
            (
                f"{vmss.name}: {_num(v.get('sku', {}).get('capacity'))} instances now",
                [
                    f"{image.get('offer', '')}/{image.get('sku', '')} + {exts}",
                    f"{v.get('sku', {}).get('name', '')}, {spread}, "
                    f"autoscale {cap.get('minimum')}-{cap.get('maximum')} on CPU",
                ],
            )
        ]
    if avset is not None:
        compute_title = (
            f"Availability set {avset.name} "
            f"({(av_in.get('sku') or {}).get('name', '')}, FD {_num(av_in.get('platformFaultDomainCount', ''))}, "
            f"UD {_num(av_in.get('platformUpdateDomainCount', ''))})"
        )
    elif vmss is not None:
        compute_title = "Flexible scale set (automatic repairs)"
    else:
        compute_title = "VMs spread over availability zones (no availability set)"
    drawn = vm_rows[:MAX_VMS_DRAWN]
    hidden = len(vm_rows) - len(drawn)

    # Geometry: boxes are as wide as their longest line (about 6.2 px a character).
    def fit(rows: list[str], minimum: int) -> int:
        return max([minimum, *(int(len(r) * 6.2) + 28 for r in rows)])

    vm_h, vm_gap = 56, 10
    pip_w = fit(pip_rows, 210)
    lb_x = 180 + pip_w + 40
    # Its logical name, like the availability set's: its Azure name may be Azure's to choose.
    lb_title = f"Load balancer {lb.name if lb else ''}"
    lb_w = fit([*lb_rows, f"{lb_title} (Standard)"], 280)
    vx = lb_x + lb_w + 50
    first_nic = next(iter(nics.values()), None)
    in_shared = _vnet_of(_subnet_id(first_nic), shared or []) if vnet is None and first_nic is not None else None
    shared_title = ""
    if in_shared is not None:
        outer, outer_sub = in_shared
        egress = ", NAT gateway" if outer_sub.get("natGateway") else ""
        shared_title = (
            f"Subnet {outer_sub.get('name', '')} {outer_sub.get('addressPrefix', '')} of VNet {outer.name} "
            f"(above{egress})"
        )
    vw = max(fit([r for _, rows in vm_rows for r in rows], 300) + 88, fit(nsg_rows, 300) + 60, fit([shared_title], 400))
    sub_y = 110
    nsg_h = 30 + LINE * len(nsg_rows)
    av_y = sub_y + nsg_h + 20
    vms_y = av_y + 44
    av_h = 54 + len(drawn) * (vm_h + vm_gap) + (LINE + 6 if hidden else 0)
    sub_h = (av_y - sub_y) + av_h + 16
    vnet_h = sub_h + 70 + (LINE if _one(run, ":BastionHost") else 0)
    lb_h = 40 + LINE * len(lb_rows)
    height = max(vnet_h + 90, 360)
    width = vx + vw + 40
    mid = 70 + max(lb_h, 100) // 2 + 20

    svg = _Svg()
    if label:
        svg.text(20, 92, label, size=13, bold=True, color="#374151")

    # Internet
    svg.box(20, mid - 30, 120, 60, "internet")
    svg.text(
        48 if pip is not None else 30, mid + 5, "Internet" if pip is not None else "VNet clients", size=14, bold=True
    )
    # Public IP
    pip_h = 36 + LINE * len(pip_rows)
    svg.box(180, mid - pip_h // 2, pip_w, pip_h, "pip")
    svg.text(192, mid - pip_h // 2 + 22, f"Public IP {pip.name}" if pip else "Internal frontend", bold=True)
    svg.lines(192, mid - pip_h // 2 + 42, pip_rows)
    svg.arrow(140, mid, 180, mid)
    # Load balancer
    lb_y = mid - lb_h // 2
    svg.box(lb_x, lb_y, lb_w, lb_h, "lb")
    sku = (lb_in.get("sku") or {}).get("name", "")
    svg.text(lb_x + 12, lb_y + 22, f"{lb_title} ({sku})", bold=True)
    svg.lines(lb_x + 12, lb_y + 42, lb_rows)
    svg.arrow(180 + pip_w, mid, lb_x, mid)

    # VNet / subnet / NSG / availability set / VMs
    if shared_title:
        # The VNet is drawn once, in the program's section: here the subnet holds the tier.
        svg.box(vx, 70, vw, vnet_h, "subnet")
        svg.text(vx + 12, 92, shared_title, bold=True)
    else:
        svg.box(vx, 70, vw, vnet_h, "vnet", dashed=True)
        svg.text(vx + 12, 92, f"VNet {vnet.name}  {vnet_prefix}" if vnet else "VNet (not this component's)", bold=True)
    if bastion is not None and vnet is not None:
        bastion_subnets = [s for s in _plain(vnet.inputs).get("subnets", []) if s.get("name") == "AzureBastionSubnet"]
        prefix = bastion_subnets[0].get("addressPrefix", "") if bastion_subnets else ""
        svg.text(vx + 12, 70 + vnet_h - 12, f"Azure Bastion {bastion.name} in AzureBastionSubnet {prefix}", size=11)
    svg.box(vx + 14, sub_y, vw - 28, sub_h, "rg" if shared_title else "subnet")
    if vnet is not None:
        outbound = "no default outbound" if subnet.get("defaultOutboundAccess") is False else "default outbound"
        subnet_title = f"Subnet {subnet.get('name', '')} {subnet.get('addressPrefix', '')} ({outbound})"
        nsg_title = f"NSG {nsg.name if nsg else '(none)'}:"
    else:
        nic = next(iter(nics.values()), None)
        subnet_id = (
            ((_plain(nic.inputs).get("ipConfigurations") or [{}])[0].get("subnet") or {}).get("id", "") if nic else ""
        )
        subnet_title = f"Existing subnet {_short(subnet_id)}" if in_shared is None else "This component's VMs"
        nsg_title = f"NSG {nsg.name if nsg else '(none)'} on each NIC:"
    svg.text(vx + 26, sub_y + 20, subnet_title, bold=True)
    svg.text(vx + 26, sub_y + 38, nsg_title, size=11, bold=True, color="#374151")
    svg.lines(vx + 40, sub_y + 38 + LINE, nsg_rows, size=10)
    svg.box(vx + 28, av_y, vw - 56, av_h, "avset")
    svg.text(vx + 40, av_y + 22, compute_title, bold=True)
    for n, (name, rows) in enumerate(drawn):
        y = vms_y + n * (vm_h + vm_gap)
        svg.box(vx + 44, y, vw - 88, vm_h, "vm")
        svg.text(vx + 56, y + 18, name, bold=True)
        svg.lines(vx + 56, y + 34, rows, size=10)
        svg.arrow(lb_x + lb_w, mid, vx + 44, y + vm_h // 2)
    if hidden:
        svg.text(vx + 56, vms_y + len(drawn) * (vm_h + vm_gap) + 12, f"... and {hidden} more VMs", color="#6b7280")

    return "\n".join(svg.parts), width, height - 70
