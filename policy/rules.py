"""The guardrails: the "load-balanced VMs" reference architecture's recommendations as
Pulumi policies (CrossGuard). Importable without side effects: `__main__.py` builds the
`PolicyPack` (which starts a server); tests call these directly, and `make plan` loads the
pack through `__main__.py` with a stand-in for `PolicyPack` (offline/policies.py).

Resource properties arrive as the engine sees them: camelCase, and possibly unknown
(None) during a preview; an unknown value is never reported as a violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

# Spellings of "anywhere" as an NSG source.
ANYWHERE = frozenset({"*", "internet", "0.0.0.0/0", "0.0.0.0", "any", "::/0"})
ADMIN_PORTS = (22, 3389)
# Subnets Azure manages itself or forbids an NSG on.
NSG_EXEMPT_SUBNETS = frozenset({"azurebastionsubnet", "gatewaysubnet", "azurefirewallsubnet", "routeserversubnet"})


def is_type(resource_type: str, module: str, kind: str) -> bool:
    """`azure-native:<module>:<kind>`, also in its API-versioned spellings."""
    return re.fullmatch(rf"azure-native:{module}(/v[0-9a-z]+)?:{kind}", resource_type) is not None


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# ------------------------------------------------------------------ resource policies


def _no_public_ip_on_nic(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_type(args.resource_type, "network", "NetworkInterface"):
        for cfg in _list(args.props.get("ipConfigurations")):
            if _dict(cfg).get("publicIPAddress"):
                report(
                    f"NIC ip configuration '{_dict(cfg).get('name', '?')}' has a public IP. VMs behind the load "
                    "balancer take traffic through it only: remove publicIPAddress and use the LB's NAT rules "
                    "or Azure Bastion for admin access.",
                    None,
                )
    if is_type(args.resource_type, "compute", "VirtualMachineScaleSet"):
        profile = _dict(_dict(args.props.get("virtualMachineProfile")).get("networkProfile"))
        for nic in _list(profile.get("networkInterfaceConfigurations")):
            for cfg in _list(_dict(nic).get("ipConfigurations")):
                if _dict(cfg).get("publicIPAddressConfiguration"):
                    report(
                        "Scale set instances get public IPs (publicIPAddressConfiguration). Remove it; reach "
                        "instances through the load balancer.",
                        None,
                    )


def _standard_sku(kind: str) -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if not is_type(args.resource_type, "network", kind):
            return
        sku = _dict(args.props.get("sku")).get("name")
        if sku != "Standard":
            report(
                f"{kind} SKU is {sku or 'unset (Basic)'}. Basic SKUs are retired: set sku: {{name: Standard}}"
                + (" and publicIPAllocationMethod: Static." if kind == "PublicIPAddress" else "."),
                None,
            )

    return validate


def _managed_disks(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_type(args.resource_type, "compute", "VirtualMachine"):
        return
    storage = _dict(args.props.get("storageProfile"))
    disks = [_dict(storage.get("osDisk")), *[_dict(d) for d in _list(storage.get("dataDisks"))]]
    if any(d.get("vhd") for d in disks):
        report(
            "The VM uses an unmanaged disk (a VHD in a storage account); those are retired. Use managedDisk "
            "with a storageAccountType instead of vhd.",
            None,
        )


def _availability_set_aligned(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_type(args.resource_type, "compute", "AvailabilitySet"):
        sku = _dict(args.props.get("sku")).get("name")
        if sku != "Aligned":
            report(
                f"Availability set SKU is {sku or 'unset (Classic)'}; "
                "VMs with managed disks need sku: {name: Aligned}.",
                None,
            )


def _rules_have_probe(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_type(args.resource_type, "network", "LoadBalancer"):
        for rule in _list(args.props.get("loadBalancingRules")):
            rule = _dict(rule)
            probe = rule.get("probe")
            # A probe whose ID is still unknown (None in a preview) is a probe.
            if "probe" not in rule or (isinstance(probe, Mapping) and "id" not in probe):
                report(
                    f"Load-balancing rule '{rule.get('name', '?')}' has no health probe, so traffic goes to VMs "
                    "that are down. Set probe: {id: <the LB's probe>}.",
                    None,
                )


def _http_probes_have_path(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_type(args.resource_type, "network", "LoadBalancer"):
        for probe in _list(args.props.get("probes")):
            probe = _dict(probe)
            if probe.get("protocol") in ("Http", "Https") and "requestPath" not in probe:
                report(
                    f"{probe.get('protocol')} probe '{probe.get('name', '?')}' has no requestPath; Azure requires "
                    "one (for example /). Set requestPath, or use a Tcp probe.",
                    None,
                )


def _ports_cover(rule: Mapping[str, Any], ports: Iterable[int]) -> list[str]:
    """Which of `ports` (or 'all ports') an NSG rule's destination ranges include."""
    ranges = [rule.get("destinationPortRange"), *_list(rule.get("destinationPortRanges"))]
    hits: list[str] = []
    for r in ranges:
        if not isinstance(r, str):
            continue
        r = r.strip()
        if r in ("*", "0-65535", "1-65535"):
            return ["all ports"]
        low, _, high = r.partition("-")
        if low.isdigit() and (high or low).isdigit():
            hits += [str(p) for p in ports if int(low) <= p <= int(high or low)]
    return hits


def _security_rules(args: ResourceValidationArgs) -> list[Mapping[str, Any]]:
    if is_type(args.resource_type, "network", "NetworkSecurityGroup"):
        return [_dict(r) for r in _list(args.props.get("securityRules"))]
    if is_type(args.resource_type, "network", "SecurityRule"):
        return [args.props]
    return []


def _no_admin_ports_from_internet(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for rule in _security_rules(args):
        if rule.get("access") != "Allow" or rule.get("direction", "Inbound") != "Inbound":
            continue
        sources = [rule.get("sourceAddressPrefix"), *_list(rule.get("sourceAddressPrefixes"))]
        if not any(isinstance(s, str) and s.strip().lower() in ANYWHERE for s in sources):
            continue
        hits = _ports_cover(rule, ADMIN_PORTS)
        if hits:
            report(
                f"NSG rule '{rule.get('name', '?')}' allows {', '.join(hits)} from anywhere. Admin ports must not "
                "face the Internet: list your own addresses as sources, or use Azure Bastion.",
                None,
            )


def _subnet_has_nsg(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_type(args.resource_type, "network", "VirtualNetwork"):
        subnets = [_dict(s) for s in _list(args.props.get("subnets"))]
    elif is_type(args.resource_type, "network", "Subnet"):
        subnets = [{**args.props, "name": args.props.get("subnetName") or args.props.get("name") or args.name}]
    else:
        return
    for subnet in subnets:
        name = str(subnet.get("name") or "?")
        if name.lower() in NSG_EXEMPT_SUBNETS or subnet.get("networkSecurityGroup"):
            continue
        report(
            f"Subnet '{name}' has no network security group. Attach one (networkSecurityGroup: {{id: ...}}) "
            "that admits only what the tier serves.",
            None,
        )


def _linux_ssh_keys_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_type(args.resource_type, "compute", "VirtualMachine"):
        linux = _dict(_dict(args.props.get("osProfile")).get("linuxConfiguration"))
    elif is_type(args.resource_type, "compute", "VirtualMachineScaleSet"):
        profile = _dict(_dict(args.props.get("virtualMachineProfile")).get("osProfile"))
        linux = _dict(profile.get("linuxConfiguration"))
    else:
        return
    if linux and linux.get("disablePasswordAuthentication") is not True:
        report(
            "Linux VM allows password login. Set linuxConfiguration.disablePasswordAuthentication: true and "
            "give an SSH public key.",
            None,
        )


def _storage_account_secure(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_type(args.resource_type, "storage", "StorageAccount"):
        return
    p = args.props
    if p.get("enableHttpsTrafficOnly") is False:
        report("Storage account accepts plain HTTP. Set enableHttpsTrafficOnly: true.", None)
    if p.get("minimumTlsVersion") != "TLS1_2" and p.get("minimumTlsVersion") != "TLS1_3":
        report(
            f"Storage account allows TLS below 1.2 (minimumTlsVersion: {p.get('minimumTlsVersion') or 'unset'}). "
            "Set minimumTlsVersion: TLS1_2.",
            None,
        )
    if p.get("allowBlobPublicAccess") is not False:
        report("Storage account may expose blobs publicly. Set allowBlobPublicAccess: false.", None)


def _boot_diagnostics_on(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_type(args.resource_type, "compute", "VirtualMachine"):
        diagnostics = _dict(_dict(args.props.get("diagnosticsProfile")).get("bootDiagnostics"))
        if diagnostics.get("enabled") is not True:
            report(
                "Boot diagnostics are off, so a VM that fails to boot shows nothing. Set "
                "diagnosticsProfile.bootDiagnostics.enabled: true (managed storage needs no account).",
                None,
            )


# ------------------------------------------------------------------ stack policies


def _of(resources: Iterable[PolicyResource], module: str, kind: str) -> list[PolicyResource]:
    return [r for r in resources if is_type(r.resource_type, module, kind)]


def _deps(resource: PolicyResource, prop: str, module: str, kind: str) -> list[PolicyResource]:
    return _of(resource.property_dependencies.get(prop, []), module, kind)


def _two_vms_per_availability_set(args: StackValidationArgs, report: ReportViolation) -> None:
    vms = _of(args.resources, "compute", "VirtualMachine")
    for avset in _of(args.resources, "compute", "AvailabilitySet"):
        members = [vm for vm in vms if avset in _deps(vm, "availabilitySet", "compute", "AvailabilitySet")]
        if len(members) < 2:
            report(
                f"Availability set '{avset.name}' holds {len(members)} VM(s); the 99.95% SLA needs at least two. "
                "Add VMs (vmCount >= 2).",
                avset.urn,
            )


def _every_vm_in_a_backend_pool(args: StackValidationArgs, report: ReportViolation) -> None:
    if not _of(args.resources, "network", "LoadBalancer"):
        return  # no load balancer in this stack: nothing to be behind
    for vm in _of(args.resources, "compute", "VirtualMachine"):
        for nic in _deps(vm, "networkProfile", "network", "NetworkInterface"):
            configs = [_dict(c) for c in _list(nic.props.get("ipConfigurations"))]
            if not any(_list(c.get("loadBalancerBackendAddressPools")) for c in configs):
                report(
                    f"VM '{vm.name}' has NIC '{nic.name}' in no load balancer backend pool, so it serves no "
                    "load-balanced traffic. Add the pool to loadBalancerBackendAddressPools.",
                    vm.urn,
                )


def _outbound_path_exists(args: StackValidationArgs, report: ReportViolation) -> None:
    has_nat_gateway = bool(_of(args.resources, "network", "NatGateway"))
    for vm in _of(args.resources, "compute", "VirtualMachine"):
        nics = _deps(vm, "networkProfile", "network", "NetworkInterface")
        lbs = [lb for nic in nics for lb in _deps(nic, "ipConfigurations", "network", "LoadBalancer")]
        if has_nat_gateway or any(_list(lb.props.get("outboundRules")) for lb in lbs):
            continue
        report(
            f"VM '{vm.name}' has no explicit outbound path: new subnets have no default outbound access. Add an "
            "outbound rule to its public load balancer, or a NAT gateway on its subnet.",
            vm.urn,
        )


# ------------------------------------------------------------------ the pack's policies

POLICIES: list[Policy] = [
    ResourceValidationPolicy(
        name="no-public-ip-on-vm-nic",
        description="VMs behind the load balancer have no public IP of their own.",
        validate=_no_public_ip_on_nic,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="standard-load-balancer",
        description="Load balancers use the Standard SKU (Basic is retired).",
        validate=_standard_sku("LoadBalancer"),
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="standard-public-ip",
        description="Public IPs use the Standard SKU (Basic is retired).",
        validate=_standard_sku("PublicIPAddress"),
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="managed-disks",
        description="VMs use managed disks (unmanaged disks are retired).",
        validate=_managed_disks,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="availability-set-aligned",
        description="Availability sets use the Aligned SKU that managed disks need.",
        validate=_availability_set_aligned,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="lb-rule-has-probe",
        description="Every load-balancing rule is tied to a health probe.",
        validate=_rules_have_probe,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="http-probe-has-path",
        description="HTTP and HTTPS health probes name a request path.",
        validate=_http_probes_have_path,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="no-admin-ports-from-internet",
        description="No NSG rule opens SSH, RDP or all ports to the Internet.",
        validate=_no_admin_ports_from_internet,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="subnet-has-nsg",
        description="Every subnet (but those Azure manages) has a network security group.",
        validate=_subnet_has_nsg,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="linux-ssh-keys-only",
        description="Linux VMs disable password login.",
        validate=_linux_ssh_keys_only,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="storage-account-secure",
        description="Storage accounts: HTTPS only, TLS 1.2 at least, no public blob access.",
        validate=_storage_account_secure,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="boot-diagnostics-on",
        description="VMs have boot diagnostics on.",
        validate=_boot_diagnostics_on,
        enforcement_level=ADVISORY,
    ),
    StackValidationPolicy(
        name="two-vms-per-availability-set",
        description="Each availability set holds at least two VMs (the SLA's condition).",
        validate=_two_vms_per_availability_set,
        enforcement_level=ADVISORY,
    ),
    StackValidationPolicy(
        name="every-vm-in-a-backend-pool",
        description="Where the stack has a load balancer, every VM's NIC is in a backend pool.",
        validate=_every_vm_in_a_backend_pool,
        enforcement_level=ADVISORY,
    ),
    StackValidationPolicy(
        name="outbound-path-exists",
        description="Every VM has explicit egress: an LB outbound rule or a NAT gateway.",
        validate=_outbound_path_exists,
        enforcement_level=ADVISORY,
    ),
]
