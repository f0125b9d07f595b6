"""Typed arguments of `MultiVmLoadBalanced` and the rules Azure enforces on them.

Everything here is plain Python: no resource is created and `pulumi.Config` is never
read. `validate()` collects *every* problem so a user fixes their config in one round,
and the component calls it before it registers anything.

Problems are reported under the public stack-config key names (`vmCount`, `lbRules[0]`,
...), because those are what a user edits; `MultiVmLoadBalancedArgs` documents how
each field maps to its key.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from . import workload

OsType = Literal["linux", "windows"]
LbProtocol = Literal["Tcp", "Udp"]
ProbeProtocol = Literal["Http", "Https", "Tcp"]

OS_TYPES: tuple[str, ...] = ("linux", "windows")
LB_PROTOCOLS: tuple[str, ...] = ("Tcp", "Udp")
PROBE_PROTOCOLS: tuple[str, ...] = ("Http", "Https", "Tcp")
ADMIN_ACCESS: tuple[str, ...] = ("nat", "bastion", "none")
FRONTEND_TYPES: tuple[str, ...] = ("public", "internal")
PLACEMENTS: tuple[str, ...] = ("availabilitySet", "zones", "scaleSet")
AZURE_ZONES: tuple[str, ...] = ("1", "2", "3")
MAX_SCALE_SET = 1000  # instances of a Flexible scale set
_SUBNET_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+$",
    re.IGNORECASE,
)
_IDENTITY_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/[^/]+$",
    re.IGNORECASE,
)
BASTION_SUBNET = "AzureBastionSubnet"  # the name Azure requires
OS_DISK_TYPES: tuple[str, ...] = (
    "Standard_LRS",
    "StandardSSD_LRS",
    "Premium_LRS",
    "StandardSSD_ZRS",
    "Premium_ZRS",
)

#: SSH on Linux, RDP on Windows: the backend port of every per-VM inbound NAT rule.
ADMIN_PORTS: dict[str, int] = {"linux": 22, "windows": 3389}

MIN_VMS = 2  # an availability set needs two VMs for its 99.95% SLA
MAX_VMS = 200  # Azure caps an availability set at 200 VMs
AZURE_RESERVED_SUBNET_ADDRESSES = 5

# Admin user names Azure refuses (compared case-insensitively), on both OSes: the
# `adminUsername` description in the Compute REST spec (OSProfile) and
# https://learn.microsoft.com/azure/virtual-machines/windows/faq#what-are-the-username-requirements-when-creating-a-vm-
# (user3, user4 and user5 are on the Windows list too, not only on Linux's).
RESERVED_USERNAMES = frozenset(
    """1 123 a actuser adm admin admin1 admin2 administrator aspnet backup console david
    guest john owner root server sql support support_388945a0 sys test test1 test2 test3
    user user1 user2 user3 user4 user5""".split()
)
RESERVED_USERNAMES_LINUX = RESERVED_USERNAMES | {"video"}

# Azure also bans a list of common passwords (P@ssw0rd, Password1, ...); every one of them is
# shorter than the 12-character minimum, so the length rule already refuses them.

# Azure refuses HTTP(S) health probes on these ports.
PROBE_BLOCKED_PORTS = frozenset({19, 21, 25, 70, 110, 119, 143, 220, 993})

# Spellings of "anywhere" that must never reach an admin port.
ANYWHERE = frozenset({"*", "any", "internet", "0.0.0.0/0", "0.0.0.0"})

_DNS_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")
_RESOURCE_GROUP = re.compile(r"^[-\w.()]{1,90}$")
_COMPONENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
_VM_SIZE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,63}$")
_USERNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Linux accounts are created by useradd, whose default NAME_REGEX allows lower case only:
# https://learn.microsoft.com/azure/virtual-machines/linux/faq#what-are-the-username-requirements-when-creating-a-vm-
# and useradd(8) / adduser.conf(5) NAME_REGEX "^[a-z][-a-z0-9_]*$" (Azure also accepts a leading '_').
_LINUX_USERNAME = re.compile(r"^[a-z_][a-z0-9_-]*$")
_TAG_NAME_FORBIDDEN = re.compile(r"[<>%&\\?/]")
_SERVICE_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$")


#: Stands in for the user's SSH key in the offline plan only (a well-formed ed25519 key
#: whose private half nobody has). Validation refuses it unless the program runs on the
#: mock engine, so `pulumi up` can never deploy with it.
PLACEHOLDER_SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA PLACEHOLDER-offline-plan-only"
)


class ConfigError(pulumi.RunError):
    """A bad configuration: one message naming every problem.

    A `RunError` is reported by the Pulumi CLI as a plain error, without a stack trace.
    """

    def __init__(self, problems: Sequence[str], context: str = "configuration") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"Invalid {context}: {len(self.problems)} {noun}; nothing was created.\n{lines}")


@dataclass(frozen=True)
class LbRule:
    """One load-balancing rule (stack config: an item of `lbRules`).

    Example: ``LbRule(frontend_port=443, backend_port=443)``.
    """

    #: Port on the public frontend, 1-65534. Config `frontendPort`.
    frontend_port: int
    #: Port on each VM, 1-65535. Config `backendPort`.
    backend_port: int
    #: `Tcp` or `Udp`. Config `protocol`. Defaults to `Tcp`.
    protocol: str = "Tcp"

    @property
    def key(self) -> str:
        """Stable name of the rule (and its NSG rule): adding a rule never renames another."""
        return f"{self.protocol.lower()}-{self.frontend_port}"


@dataclass(frozen=True)
class HealthProbe:
    """The load balancer's health probe (stack config `probe`).

    Example: ``HealthProbe(protocol="Tcp", port=22, path=None)``.
    """

    #: `Http`, `Https` or `Tcp`. Defaults to `Http`.
    protocol: str = "Http"
    #: Port probed on each VM, 1-65535. Defaults to 80.
    port: int = 80
    #: Request path for Http/Https probes (must start with `/`); must be None for Tcp.
    #: Defaults to `/`.
    path: str | None = "/"
    #: Seconds between probes, at least 5. Config `intervalSeconds`. Defaults to 5.
    interval_seconds: int = 5
    #: Consecutive failures before a VM leaves rotation, 1-100. Config `probeThreshold`.
    #: Defaults to 2.
    probe_threshold: int = 2


@dataclass(frozen=True)
class MonitoringSettings:
    """Health-probe monitoring (stack config `monitoring`). Off by default: the dev stack
    stays free of Log Analytics charges.

    Example: ``MonitoringSettings(enabled=True, alert_emails=("ops@example.com",))``.
    """

    #: Create the workspace, diagnostic settings and alerts. Defaults to false.
    enabled: bool = False
    #: Where alerts go. Defaults to none: alerts fire in the portal only.
    #: Config `alertEmails`.
    alert_emails: tuple[str, ...] = ()
    #: Log retention in days, 30-730. Config `retentionDays`. Defaults to 30 (included in
    #: the Log Analytics price).
    retention_days: int = 30


@dataclass(frozen=True)
class ScaleSetSettings:
    """The Flexible scale set and its autoscale (placement `scaleSet`; stack config
    `scaleSet`). Example: ``ScaleSetSettings(min_count=2, max_count=20)``."""

    #: Fewest instances autoscale keeps, 2 or more. Config `minCount`. Defaults to 2.
    min_count: int = 2
    #: Most instances autoscale adds, up to 1000; also the size of the admin NAT port range.
    #: Config `maxCount`. Defaults to 10.
    max_count: int = 10
    #: Instances at creation and when metrics are missing. Config `defaultCount`. Defaults to 2.
    default_count: int = 2
    #: Average CPU % over 5 minutes above which one instance is added. Config
    #: `scaleOutCpuPercent`. Defaults to 70.
    scale_out_cpu_percent: int = 70
    #: Average CPU % over 5 minutes below which one instance is removed. Config
    #: `scaleInCpuPercent`. Defaults to 30.
    scale_in_cpu_percent: int = 30
    #: Minutes to wait after a scale action. Config `cooldownMinutes`. Defaults to 5.
    cooldown_minutes: int = 5
    # Rolling upgrades: a model change (image, bootstrap, size) reaches the instances batch
    # by batch, each batch gated on the Application Health signal:
    # https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-configure-rolling-upgrades
    # (ranges from the Compute REST spec, RollingUpgradePolicy).
    #: Share of instances upgraded per batch, 5-100. Config `rollingBatchPercent`. Defaults to 20.
    rolling_batch_percent: int = 20
    #: The upgrade stops when more than this share of all instances is unhealthy, 5-100.
    #: Config `rollingMaxUnhealthyPercent`. Defaults to 20.
    rolling_max_unhealthy_percent: int = 20
    #: The upgrade stops when more than this share of upgraded instances is unhealthy, 0-100.
    #: Config `rollingMaxUnhealthyUpgradedPercent`. Defaults to 20.
    rolling_max_unhealthy_upgraded_percent: int = 20
    #: Minutes between batches, 0-60, so a batch takes traffic before the next one goes.
    #: Config `rollingPauseMinutes`. Defaults to 2.
    rolling_pause_minutes: int = 2
    #: Create each batch's new instances before deleting the old ones, so capacity never
    #: drops during an upgrade. Config `rollingMaxSurge`. Defaults to true.
    rolling_max_surge: bool = True


_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def _default_lb_rules() -> list[LbRule]:
    return [LbRule(frontend_port=80, backend_port=80, protocol="Tcp")]


@dataclass
class MultiVmLoadBalancedArgs:
    """Arguments of `MultiVmLoadBalanced`. Every field has a working, secure default
    except the credential: Linux needs `ssh_public_key`.

    The stack-config key of each field is its camelCase name (`vm_count` -> `vmCount`).
    """

    #: `linux` (Ubuntu 24.04 LTS) or `windows` (Windows Server 2025 Datacenter Azure
    #: Edition). Defaults to `linux`. Example: `windows`.
    os_type: str = "linux"
    #: Number of VMs, 2-200. Defaults to 2. Example: 3.
    vm_count: int = 2
    #: VM size; it must support Premium storage if `os_disk_type` is Premium, and
    #: Trusted Launch if `trusted_launch` is on. Defaults to `Standard_D2s_v5`.
    vm_size: str = "Standard_D2s_v5"
    #: Admin user on every VM. Defaults to `azureuser`.
    admin_username: str = "azureuser"
    #: OpenSSH public key (`ssh-ed25519 ...` or `ssh-rsa ...` of 2048+ bits); required
    #: for Linux, where password login is disabled. Defaults to none.
    ssh_public_key: str | None = None
    #: Windows admin password. Defaults to none: a 24-character password is generated
    #: with pulumi-random and exported as a secret. A plain `str` is validated here; an
    #: `Output` is passed through unchecked.
    admin_password: pulumi.Input[str] | None = None
    #: IPv4 addresses or CIDRs allowed to reach the per-VM admin NAT ports (admin_access
    #: `nat` only). Defaults to none: nobody. Example: `["203.0.113.7", "198.51.100.0/24"]`.
    admin_source_prefixes: list[str] = field(default_factory=list)
    #: How admins reach the VMs: `nat` (a NAT port per VM on the frontend, open to
    #: `admin_source_prefixes` only), `bastion` (Azure Bastion, no admin port on the
    #: frontend), or `none` (no admin path). Defaults to `nat` for a public frontend and
    #: `none` for an internal one (internal tiers are reached from inside).
    admin_access: str | None = None
    #: The AzureBastionSubnet (admin_access `bastion`): a /26 or larger inside the VNet.
    #: Defaults to `10.0.2.0/26`.
    bastion_subnet_prefix: str = "10.0.2.0/26"
    #: Addresses, CIDRs or service tags the load-balanced ports are open to. Defaults to
    #: `["Internet"]` for a public frontend and `["VirtualNetwork"]` for an internal one.
    #: Example: `["203.0.113.0/24", "AzureFrontDoor.Backend"]`.
    web_source_prefixes: list[str] | None = None
    #: `public` (a Standard public IP) or `internal` (a private frontend on the VMs'
    #: subnet, no public IP). Defaults to `public`.
    frontend_type: str = "public"
    #: Static private IP of an internal frontend; must be inside the subnet. Defaults to
    #: none: Azure assigns one.
    frontend_private_ip: str | None = None
    #: ID of an existing subnet for the VMs (and an internal frontend). The component then
    #: creates no VNet; its NSG goes on each NIC, and the subnet's owner provides egress
    #: for internal tiers (a NAT gateway). Defaults to none: a VNet and subnet are created.
    subnet_id: pulumi.Input[str] | None = None
    #: Resource ID of an existing user-assigned managed identity for the VMs or the scale
    #: set. Defaults to none: the component creates one (`<name>-identity`). A Flexible
    #: scale set accepts only user-assigned identities, and one identity per tier keeps its
    #: role assignments when VMs are replaced. Example:
    #: `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web`.
    identity_id: pulumi.Input[str] | None = None
    #: Encrypt temp disks and caches on the host. Needs the subscription feature
    #: Microsoft.Compute/EncryptionAtHost registered first. Defaults to false.
    encryption_at_host: bool = False
    #: Frontend port of VM 1's admin NAT rule; VM i gets `start + i - 1`. Defaults to 50001.
    nat_frontend_port_start: int = 50001
    #: Load-balancing rules. Defaults to TCP 80 -> 80.
    lb_rules: list[LbRule] = field(default_factory=_default_lb_rules)
    #: Health probe every rule uses. Defaults to HTTP `/` on port 80 every 5 s.
    probe: HealthProbe = field(default_factory=HealthProbe)
    #: VNet address space (IPv4 CIDR). Defaults to `10.0.0.0/16`.
    vnet_address_space: str = "10.0.0.0/16"
    #: The VMs' subnet, inside the VNet. Defaults to `10.0.1.0/24`.
    subnet_prefix: str = "10.0.1.0/24"
    #: DNS label of the public IP (`<label>.<region>.cloudapp.azure.com`). Defaults to none.
    dns_label: str | None = None
    #: Tags put on every resource that takes them. Defaults to none.
    tags: dict[str, str] = field(default_factory=dict)
    #: Existing resource group to deploy into (a name, or another resource's output).
    #: Defaults to none: a group is created.
    resource_group_name: pulumi.Input[str] | None = None
    #: OS disk storage type. Defaults to `StandardSSD_LRS` (works with every size).
    os_disk_type: str = "StandardSSD_LRS"
    #: Trusted Launch (Secure Boot + vTPM). Needs a Gen2 image (both default images are)
    #: and a size that supports it. Defaults to true.
    trusted_launch: bool = True
    #: Fault domains of the availability set, 1-3 (some regions allow only 2). Defaults to 2.
    fault_domain_count: int = 2
    #: Update domains of the availability set, 1-20. Defaults to 5.
    update_domain_count: int = 5
    #: Software that answers the probe: `nginx` (cloud-init, Linux), `iis` (Custom Script
    #: Extension, Windows), `custom` (your `workload_file`) or `none`. Defaults to the OS's
    #: web server: nginx on Linux, IIS on Windows.
    workload: str | None = None
    #: With `workload="custom"`: a cloud-init file (Linux, at most 64 KiB) or a PowerShell
    #: script (Windows, .ps1), relative to the working directory. Read when the program runs.
    #: Example: `bootstrap/app.yaml`.
    workload_file: str | None = None
    #: Health-probe logs, metrics and alerts. Defaults to off.
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    #: Where the VMs run: `availabilitySet` (N VMs in one availability set), `zones` (N VMs
    #: spread over `zones`) or `scaleSet` (a Flexible scale set with autoscale). Defaults to
    #: `availabilitySet`. Changing it on a live stack replaces the compute.
    placement: str = "availabilitySet"
    #: Availability zones for `zones` and `scaleSet`: VM i goes to zones[(i-1) % len].
    #: Defaults to ["1", "2", "3"]; empty for a scale set means fault domains instead.
    zones: list[str] = field(default_factory=lambda: list(AZURE_ZONES))
    #: The scale set and its autoscale (placement `scaleSet`). Defaults as documented there.
    scale_set: ScaleSetSettings = field(default_factory=ScaleSetSettings)

    @property
    def admin_mode(self) -> str:
        """The admin access in force: `admin_access`, or the default for the frontend."""
        if self.admin_access is not None:
            return self.admin_access
        return "none" if self.frontend_type == "internal" else "nat"

    @property
    def web_sources(self) -> list[str]:
        """The web source prefixes in force: `web_source_prefixes`, or the frontend's default."""
        if self.web_source_prefixes is not None:
            return self.web_source_prefixes
        return ["VirtualNetwork"] if self.frontend_type == "internal" else ["Internet"]

    @property
    def instance_count(self) -> int:
        """How many admin ports and subnet addresses the compute can need at most."""
        return self.scale_set.max_count if self.placement == "scaleSet" else self.vm_count

    @property
    def vm_zones(self) -> list[str]:
        """Zones in force: `zones` for zonal placements, none for an availability set."""
        return list(self.zones) if self.placement != "availabilitySet" else []

    @property
    def frontend_zones(self) -> list[str]:
        """Zones of the frontend (public IP or internal frontend), as Azure stores them.

        A frontend is zonal (one zone) or zone-redundant (every zone of the region); Azure
        creates a Standard public IP given two of three zones in all three, so sending the
        subset would show as drift on every refresh. Two or more VM zones therefore give a
        zone-redundant frontend, written as all three zones; one zone pins it there.
        https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses#availability-zone
        """
        zones = self.vm_zones
        if len(zones) >= 2:
            return list(AZURE_ZONES)
        return zones

    @property
    def internal(self) -> bool:
        return self.frontend_type == "internal"

    @property
    def admin_port(self) -> int:
        return ADMIN_PORTS.get(self.os_type, 22)

    def nat_frontend_port(self, index: int) -> int:
        """Frontend port of VM `index`'s (1-based) admin NAT rule."""
        return self.nat_frontend_port_start + index - 1


# --------------------------------------------------------------------------- rules
# Each rule returns a list of problem strings ("<key>: <value> <what is allowed>").


def ssh_key_problem(key: str) -> str | None:
    """Why Azure would refuse this OpenSSH public key, or None if it is acceptable."""
    parts = key.strip().split()
    if len(parts) < 2:
        return "is not an OpenSSH public key ('<type> <base64> [comment]')"
    kind, b64 = parts[0], parts[1]
    if kind not in ("ssh-rsa", "ssh-ed25519"):
        return f"has type {kind!r}; Azure accepts ssh-rsa (2048+ bits) or ssh-ed25519"
    try:
        blob = base64.b64decode(b64, validate=True)
        fields = _ssh_fields(blob)
    except (binascii.Error, ValueError, struct.error):
        return "has a body that is not valid base64 OpenSSH key data"
    if not fields or fields[0] != kind.encode():
        return "has a body that does not match its key type"
    if kind == "ssh-rsa":
        if len(fields) != 3:
            return "is not a well-formed ssh-rsa key"
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < 2048:
            return f"is an ssh-rsa key of {bits} bits; Azure needs at least 2048"
    elif len(fields) != 2 or len(fields[1]) != 32:
        return "is not a well-formed ssh-ed25519 key"
    return None


def _ssh_fields(blob: bytes) -> list[bytes]:
    out: list[bytes] = []
    pos = 0
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos : pos + 4])
        pos += 4
        if pos + length > len(blob):
            raise ValueError("truncated")
        out.append(blob[pos : pos + length])
        pos += length
    return out


def password_problem(password: str, os_type: str) -> str | None:
    """Why Azure would refuse this admin password (never quoting it), or None."""
    max_len = 123 if os_type == "windows" else 72
    if not 12 <= len(password) <= max_len:
        return f"must be 12-{max_len} characters long (it has {len(password)})"
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        return "must contain at least 3 of: lowercase, uppercase, digit, special character"
    return None


def _port_ok(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_username(a: MultiVmLoadBalancedArgs) -> list[str]:
    name = a.admin_username
    windows = a.os_type == "windows"
    max_len = 20 if windows else 32
    reserved = RESERVED_USERNAMES if windows else RESERVED_USERNAMES_LINUX
    if not isinstance(name, str) or not 1 <= len(name) <= max_len:
        return [f"adminUsername: {name!r} must be 1-{max_len} characters on {a.os_type}"]
    if name.lower() in reserved:
        return [f"adminUsername: {name!r} is reserved by Azure; choose another name"]
    if not _USERNAME.match(name) or name.endswith("."):
        return [
            f"adminUsername: {name!r} may contain only letters, digits, '_', '.' and '-', "
            "must start with a letter or '_' and must not end with '.'"
        ]
    if not windows and not _LINUX_USERNAME.match(name):
        return [
            f"adminUsername: {name!r} is not a Linux user name: lower-case letters, digits, '_' or '-' "
            "only, starting with a letter or '_' (^[a-z_][a-z0-9_-]*$)"
        ]
    return []


def _check_credentials(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    if a.os_type == "linux":
        if not a.ssh_public_key:
            problems.append(
                "sshPublicKey: not set; Linux VMs allow SSH keys only: "
                'pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"'
            )
        else:
            why = ssh_key_problem(a.ssh_public_key)
            if why:
                problems.append(f"sshPublicKey: {a.ssh_public_key[:24]!r}... {why}")
        if a.admin_password is not None:
            problems.append(
                "adminPassword: is set, but Linux VMs here disable password login; "
                "remove it (pulumi config rm adminPassword)"
            )
    elif a.os_type == "windows":
        if a.ssh_public_key:
            problems.append(
                "sshPublicKey: is set, but Windows VMs use adminPassword; remove it (pulumi config rm sshPublicKey)"
            )
        if isinstance(a.admin_password, str):
            why = password_problem(a.admin_password, "windows")
            if why:
                problems.append(f"adminPassword: (secret, not shown) {why}")
    return problems


def _check_prefixes(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    seen: set[ipaddress.IPv4Network] = set()
    for i, prefix in enumerate(a.admin_source_prefixes):
        where = f"adminSourcePrefixes[{i}]"
        if not isinstance(prefix, str):
            problems.append(f"{where}: {prefix!r} must be a string")
            continue
        if prefix.strip().lower() in ANYWHERE:
            problems.append(
                f"{where}: {prefix!r} would open the admin port to the whole Internet; "
                "list your own public IPv4 addresses or CIDRs"
            )
            continue
        try:
            net = ipaddress.ip_network(prefix, strict=True)
        except ValueError as err:
            problems.append(
                f"{where}: {prefix!r} is not an IPv4 address or CIDR ({err}); example: 203.0.113.7 or 198.51.100.0/24"
            )
            continue
        if not isinstance(net, ipaddress.IPv4Network):
            problems.append(f"{where}: {prefix!r} is IPv6; this stack's frontend is IPv4 only")
        elif net.prefixlen == 0:
            problems.append(f"{where}: {prefix!r} is the whole Internet; not allowed for admin ports")
        elif net in seen:
            problems.append(f"{where}: {prefix!r} is listed twice")
        else:
            seen.add(net)
    return problems


def _check_web_prefixes(a: MultiVmLoadBalancedArgs) -> list[str]:
    if not isinstance(a.web_sources, list) or not a.web_sources:
        return [f"webSourcePrefixes: {a.web_source_prefixes!r} must be a non-empty list, e.g. [Internet]"]
    problems: list[str] = []
    seen: set[str] = set()
    for i, prefix in enumerate(a.web_sources):
        where = f"webSourcePrefixes[{i}]"
        if not isinstance(prefix, str) or prefix.strip() in ("*", "Any", "any"):
            problems.append(f"{where}: {prefix!r} must be an IPv4 address, a CIDR or a service tag (use Internet)")
            continue
        if prefix[0].isdigit():
            try:
                net = ipaddress.ip_network(prefix, strict=True)
            except ValueError as err:
                problems.append(f"{where}: {prefix!r} is not an IPv4 address or CIDR ({err})")
                continue
            if not isinstance(net, ipaddress.IPv4Network):
                problems.append(f"{where}: {prefix!r} is IPv6; this stack's frontend is IPv4 only")
                continue
            key = str(net)
        elif _SERVICE_TAG.match(prefix):
            key = prefix.lower()
        else:
            problems.append(
                f"{where}: {prefix!r} is neither an IPv4 address/CIDR nor a service tag such as "
                "Internet or AzureFrontDoor.Backend"
            )
            continue
        if key in seen:
            problems.append(f"{where}: {prefix!r} is listed twice")
        seen.add(key)
    return problems


def _check_admin_access(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.admin_mode not in ADMIN_ACCESS:
        return [f"adminAccess: {a.admin_access!r} must be one of {', '.join(ADMIN_ACCESS)}"]
    problems: list[str] = []
    if a.admin_mode != "nat" and a.admin_source_prefixes:
        problems.append(
            f"adminSourcePrefixes: is set, but adminAccess is {a.admin_mode}: there are no admin NAT "
            "ports to open; remove it or use adminAccess nat"
        )
    if a.admin_mode != "bastion":
        return problems
    if a.subnet_id is not None:
        return [
            *problems,
            "adminAccess: 'bastion' needs an AzureBastionSubnet in a VNet this component creates; with "
            "subnetId, put Bastion in your own VNet and use adminAccess none",
        ]
    try:
        bastion = ipaddress.IPv4Network(a.bastion_subnet_prefix, strict=True)
    except (ValueError, TypeError) as err:
        return [*problems, f"bastionSubnetPrefix: {a.bastion_subnet_prefix!r} is not an IPv4 CIDR ({err})"]
    if bastion.prefixlen > 26:
        problems.append(
            f"bastionSubnetPrefix: {a.bastion_subnet_prefix!r} is too small; Azure Bastion needs a /26 or larger"
        )
    try:
        vnet = ipaddress.IPv4Network(a.vnet_address_space, strict=True)
        subnet = ipaddress.IPv4Network(a.subnet_prefix, strict=True)
    except (ValueError, TypeError):
        return problems  # reported under their own keys
    if not bastion.subnet_of(vnet):
        problems.append(
            f"bastionSubnetPrefix: {a.bastion_subnet_prefix!r} is not inside vnetAddressSpace {a.vnet_address_space!r}"
        )
    elif bastion.overlaps(subnet):
        problems.append(f"bastionSubnetPrefix: {a.bastion_subnet_prefix!r} overlaps subnetPrefix {a.subnet_prefix!r}")
    return problems


def _check_frontend(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.frontend_type not in FRONTEND_TYPES:
        return [f"frontendType: {a.frontend_type!r} must be one of {', '.join(FRONTEND_TYPES)}"]
    problems: list[str] = []
    if isinstance(a.subnet_id, str) and not _SUBNET_ID.match(a.subnet_id):
        problems.append(
            f"subnetId: {a.subnet_id!r} is not a subnet resource ID "
            "(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<name>)"
        )
    if not a.internal:
        if a.frontend_private_ip is not None:
            problems.append(f"frontendPrivateIp: {a.frontend_private_ip!r} is only used with frontendType internal")
        return problems
    if a.dns_label is not None:
        problems.append(f"dnsLabel: {a.dns_label!r} needs a public IP; an internal frontend has none")
    ip = a.frontend_private_ip
    if ip is None:
        return problems
    try:
        address = ipaddress.IPv4Address(ip)
    except ValueError:
        return [*problems, f"frontendPrivateIp: {ip!r} is not an IPv4 address"]
    if a.subnet_id is None:
        try:
            subnet = ipaddress.IPv4Network(a.subnet_prefix, strict=True)
        except (ValueError, TypeError):
            return problems  # reported under subnetPrefix
        offset = int(address) - int(subnet.network_address)
        if address not in subnet or offset < 4 or address == subnet.broadcast_address:
            problems.append(
                f"frontendPrivateIp: {ip!r} must be a usable address of subnetPrefix {a.subnet_prefix!r} "
                "(Azure reserves the first four and the last)"
            )
    return problems


def _check_lb_rules(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    if not a.lb_rules:
        return ["lbRules: [] must hold at least one rule, e.g. [{frontendPort: 80, backendPort: 80}]"]
    if len(a.lb_rules) > 100:
        problems.append(f"lbRules: {len(a.lb_rules)} rules; at most 100 are supported")
    fronts: dict[tuple[str, int], int] = {}
    backs: dict[tuple[str, int], int] = {}
    for i, rule in enumerate(a.lb_rules):
        where = f"lbRules[{i}]"
        if rule.protocol not in LB_PROTOCOLS:
            problems.append(f"{where}.protocol: {rule.protocol!r} must be one of {', '.join(LB_PROTOCOLS)}")
        if not _port_ok(rule.frontend_port, 1, 65534):
            problems.append(f"{where}.frontendPort: {rule.frontend_port!r} must be an integer 1-65534")
        if not _port_ok(rule.backend_port, 1, 65535):
            problems.append(f"{where}.backendPort: {rule.backend_port!r} must be an integer 1-65535")
        front = (rule.protocol, rule.frontend_port)
        if front in fronts:
            problems.append(
                f"{where}: {rule.protocol} frontend port {rule.frontend_port} is already used by "
                f"lbRules[{fronts[front]}]"
            )
        fronts.setdefault(front, i)
        back = (rule.protocol, rule.backend_port)
        if back in backs:
            problems.append(
                f"{where}: {rule.protocol} backend port {rule.backend_port} is already used by "
                f"lbRules[{backs[back]}] (Azure rejects two rules on one pool with the same "
                "protocol and backend port)"
            )
        backs.setdefault(back, i)
        if rule.protocol == "Tcp" and rule.backend_port == a.admin_port:
            problems.append(
                f"{where}.backendPort: {rule.backend_port} is the admin port; it would be open "
                "to the Internet. Admin access goes through the per-VM NAT rules"
            )
    return problems


def _check_nat_range(a: MultiVmLoadBalancedArgs) -> list[str]:
    start = a.nat_frontend_port_start
    if a.admin_mode != "nat":
        return []  # no admin NAT rules, so no range to fit
    if not _port_ok(start, 1, 65534):
        return [f"natFrontendPortStart: {start!r} must be an integer 1-65534"]
    count = a.instance_count
    if not _port_ok(count, 1, MAX_SCALE_SET):
        return []  # the range is unknown; the count's own problem is reported
    what = "scaleSet.maxCount" if a.placement == "scaleSet" else "vmCount"
    end = a.nat_frontend_port(count)
    if end > 65534:
        return [
            f"natFrontendPortStart: {start} + {what} {count} - 1 = {end} is past 65534; "
            f"use a start of at most {65535 - count}"
        ]
    clashes = sorted(
        r.frontend_port
        for r in a.lb_rules
        if r.protocol == "Tcp" and isinstance(r.frontend_port, int) and start <= r.frontend_port <= end
    )
    if clashes:
        return [
            f"natFrontendPortStart: the NAT range {start}-{end} overlaps the TCP frontend "
            f"port(s) {', '.join(map(str, clashes))} of lbRules; move one of them"
        ]
    return []


def _check_probe(a: MultiVmLoadBalancedArgs, rules_ok: bool) -> list[str]:
    p = a.probe
    problems: list[str] = []
    if p.protocol not in PROBE_PROTOCOLS:
        problems.append(f"probe.protocol: {p.protocol!r} must be one of {', '.join(PROBE_PROTOCOLS)}")
    if not _port_ok(p.port, 1, 65535):
        problems.append(f"probe.port: {p.port!r} must be an integer 1-65535")
    elif p.protocol in ("Http", "Https") and p.port in PROBE_BLOCKED_PORTS:
        problems.append(
            f"probe.port: {p.port} is refused by Azure for {p.protocol} probes "
            f"(blocked: {', '.join(map(str, sorted(PROBE_BLOCKED_PORTS)))})"
        )
    if p.protocol in ("Http", "Https"):
        if isinstance(p.path, str) and p.path.startswith("/") and (why := workload.probe_path_problem(p.path)):
            problems.append(why)
        if not isinstance(p.path, str) or not p.path.startswith("/"):
            problems.append(f"probe.path: {p.path!r} is required for {p.protocol} probes and must start with '/'")
    elif p.protocol == "Tcp" and p.path is not None:
        problems.append(f"probe.path: {p.path!r} is not allowed for Tcp probes; remove it")
    if not _port_ok(p.interval_seconds, 5, 3600):
        problems.append(f"probe.intervalSeconds: {p.interval_seconds!r} must be an integer 5-3600")
    if not _port_ok(p.probe_threshold, 1, 100):
        problems.append(f"probe.probeThreshold: {p.probe_threshold!r} must be an integer 1-100")
    if p.protocol == "Tcp" or problems or not rules_ok:
        return problems  # the check below would only repeat a problem already reported
    served = {r.backend_port for r in a.lb_rules if r.protocol == "Tcp"}
    if p.port not in served:
        # Not an Azure error, but nothing would open that port in the NSG.
        problems.append(
            f"probe.port: {p.port} is not the backend port of any Tcp rule in lbRules "
            f"({', '.join(map(str, sorted(served))) or 'none'}); probe a port the VMs serve"
        )
    return problems


def _check_network(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    vnet = subnet = None
    try:
        vnet = ipaddress.IPv4Network(a.vnet_address_space, strict=True)
        if vnet.prefixlen < 8 or vnet.prefixlen > 29:
            problems.append(f"vnetAddressSpace: {a.vnet_address_space!r} must be a /8 to /29")
            vnet = None
    except (ValueError, TypeError) as err:
        problems.append(f"vnetAddressSpace: {a.vnet_address_space!r} is not an IPv4 CIDR ({err}); example: 10.0.0.0/16")
    try:
        subnet = ipaddress.IPv4Network(a.subnet_prefix, strict=True)
    except (ValueError, TypeError) as err:
        problems.append(f"subnetPrefix: {a.subnet_prefix!r} is not an IPv4 CIDR ({err}); example: 10.0.1.0/24")
    if subnet is None:
        return problems
    if not 2 <= subnet.prefixlen <= 29:
        problems.append(f"subnetPrefix: {a.subnet_prefix!r} must be a /2 to /29 (Azure's subnet sizes)")
        return problems
    if vnet is not None and not subnet.subnet_of(vnet):
        problems.append(f"subnetPrefix: {a.subnet_prefix!r} is not inside vnetAddressSpace {a.vnet_address_space!r}")
    usable = subnet.num_addresses - AZURE_RESERVED_SUBNET_ADDRESSES
    count = a.instance_count
    what = "scaleSet.maxCount" if a.placement == "scaleSet" else "vmCount"
    if _port_ok(count, 1, MAX_SCALE_SET) and usable < count:
        problems.append(
            f"subnetPrefix: {a.subnet_prefix!r} holds {usable} VMs (Azure reserves "
            f"{AZURE_RESERVED_SUBNET_ADDRESSES} addresses) but {what} is {count}; use a larger subnet"
        )
    return problems


def _check_placement(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.placement not in PLACEMENTS:
        return [f"placement: {a.placement!r} must be one of {', '.join(PLACEMENTS)}"]
    defaults = MultiVmLoadBalancedArgs()
    problems: list[str] = []
    zones = a.zones if isinstance(a.zones, list) else []
    if not isinstance(a.zones, list):
        problems.append(f"zones: {a.zones!r} must be a list of zone names, e.g. ['1', '2', '3']")
    for i, zone in enumerate(zones):
        if zone not in AZURE_ZONES:
            problems.append(f"zones[{i}]: {zone!r} must be one of {', '.join(AZURE_ZONES)}")
        elif zones.index(zone) != i:
            problems.append(f"zones[{i}]: {zone!r} is listed twice")
    if a.placement == "zones" and not zones and isinstance(a.zones, list):
        problems.append("zones: [] needs at least one zone with placement zones")
    # Keys that only another placement reads are reported, not silently ignored.
    if a.placement == "availabilitySet" and zones != defaults.zones:
        problems.append(f"zones: {a.zones!r} is used only with placement zones or scaleSet")
    if a.placement != "scaleSet" and a.scale_set != defaults.scale_set:
        problems.append("scaleSet: is set, but placement is not scaleSet; remove it or set placement: scaleSet")
    if a.placement == "scaleSet" and a.vm_count != defaults.vm_count:
        problems.append(f"vmCount: {a.vm_count!r} is not used with placement scaleSet; set scaleSet.defaultCount")
    if a.placement != "availabilitySet" and a.update_domain_count != defaults.update_domain_count:
        problems.append(f"updateDomainCount: {a.update_domain_count!r} is used only with placement availabilitySet")
    zonal = a.placement == "zones" or (a.placement == "scaleSet" and zones)
    if zonal and a.fault_domain_count != defaults.fault_domain_count:
        problems.append(
            f"faultDomainCount: {a.fault_domain_count!r} is not used when zones spread the VMs; "
            "remove it (or set zones: [] for a scale set spread over fault domains)"
        )
    if a.placement == "scaleSet":
        problems += _check_scale_set(a.scale_set)
    return problems


def _check_scale_set(s: ScaleSetSettings) -> list[str]:
    problems: list[str] = []
    counts_ok = True
    for key, value, low in (
        ("minCount", s.min_count, MIN_VMS),
        ("maxCount", s.max_count, MIN_VMS),
        ("defaultCount", s.default_count, MIN_VMS),
    ):
        if not _port_ok(value, low, MAX_SCALE_SET):
            problems.append(f"scaleSet.{key}: {value!r} must be an integer {low}-{MAX_SCALE_SET}")
            counts_ok = False
    if counts_ok and not s.min_count <= s.default_count <= s.max_count:
        problems.append(
            f"scaleSet: minCount {s.min_count} <= defaultCount {s.default_count} <= maxCount "
            f"{s.max_count} does not hold"
        )
    if not _port_ok(s.scale_out_cpu_percent, 1, 100):
        problems.append(f"scaleSet.scaleOutCpuPercent: {s.scale_out_cpu_percent!r} must be an integer 1-100")
    elif not _port_ok(s.scale_in_cpu_percent, 0, 99):
        problems.append(f"scaleSet.scaleInCpuPercent: {s.scale_in_cpu_percent!r} must be an integer 0-99")
    elif s.scale_in_cpu_percent >= s.scale_out_cpu_percent:
        problems.append(
            f"scaleSet.scaleInCpuPercent: {s.scale_in_cpu_percent} must be below scaleOutCpuPercent "
            f"{s.scale_out_cpu_percent}, or the set would scale out and in forever"
        )
    if not _port_ok(s.cooldown_minutes, 1, 10080):
        problems.append(f"scaleSet.cooldownMinutes: {s.cooldown_minutes!r} must be an integer 1-10080 (a week)")
    for key, value, low, high in (
        ("rollingBatchPercent", s.rolling_batch_percent, 5, 100),
        ("rollingMaxUnhealthyPercent", s.rolling_max_unhealthy_percent, 5, 100),
        ("rollingMaxUnhealthyUpgradedPercent", s.rolling_max_unhealthy_upgraded_percent, 0, 100),
        ("rollingPauseMinutes", s.rolling_pause_minutes, 0, 60),
    ):
        if not _port_ok(value, low, high):
            problems.append(f"scaleSet.{key}: {value!r} must be an integer {low}-{high}")
    if not isinstance(s.rolling_max_surge, bool):
        problems.append(f"scaleSet.rollingMaxSurge: {s.rolling_max_surge!r} must be true or false")
    elif (
        not s.rolling_max_surge
        and counts_ok
        and _port_ok(s.rolling_batch_percent, 5, 100)
        and rolling_batch_size(s.min_count, s.rolling_batch_percent) >= s.min_count
    ):
        problems.append(
            f"scaleSet.rollingBatchPercent: {s.rolling_batch_percent} upgrades all {s.min_count} instances "
            "(minCount) in one batch without rollingMaxSurge, taking the service down; use at most "
            f"{(s.min_count - 1) * 100 // s.min_count} or set rollingMaxSurge: true"
        )
    return problems


def rolling_batch_size(instances: int, percent: int) -> int:
    """Instances in one rolling-upgrade batch: Azure rounds the share up, at least one."""
    return max(1, -(-instances * percent // 100))


def _check_monitoring(a: MultiVmLoadBalancedArgs) -> list[str]:
    m = a.monitoring
    problems: list[str] = []
    if not isinstance(m.enabled, bool):
        problems.append(f"monitoring.enabled: {m.enabled!r} must be true or false")
    if not _port_ok(m.retention_days, 30, 730):
        problems.append(f"monitoring.retentionDays: {m.retention_days!r} must be an integer 30-730 (Log Analytics)")
    seen: set[str] = set()
    for i, address in enumerate(m.alert_emails):
        if not isinstance(address, str) or not _EMAIL.match(address):
            problems.append(f"monitoring.alertEmails[{i}]: {address!r} is not an e-mail address")
        elif address.lower() in seen:
            problems.append(f"monitoring.alertEmails[{i}]: {address!r} is listed twice")
        else:
            seen.add(address.lower())
    if m.alert_emails and m.enabled is False:
        problems.append("monitoring.alertEmails: is set, but monitoring.enabled is false; nothing would alert")
    return problems


def _check_tags(a: MultiVmLoadBalancedArgs) -> list[str]:
    if not isinstance(a.tags, Mapping):
        return [f"tags: {a.tags!r} must be a map of string to string"]
    problems: list[str] = []
    if len(a.tags) > 50:
        problems.append(f"tags: {len(a.tags)} tags; Azure allows at most 50 per resource")
    for k, v in a.tags.items():
        if not isinstance(k, str) or not 1 <= len(k) <= 512 or _TAG_NAME_FORBIDDEN.search(k):
            problems.append(f"tags: name {k!r} must be 1-512 characters without < > % & \\ ? /")
        if not isinstance(v, str) or len(v) > 256:
            problems.append(f"tags.{k}: {v!r} must be a string of at most 256 characters")
    return problems


def validate(args: MultiVmLoadBalancedArgs, name: str = "web", allow_placeholder_key: bool = False) -> list[str]:
    """Every problem with `args` (and the component `name`), as user-facing strings.
    `allow_placeholder_key` is for the offline plan only."""
    a = args
    problems: list[str] = []
    if not allow_placeholder_key and a.ssh_public_key == PLACEHOLDER_SSH_KEY:
        problems.append(
            "sshPublicKey: is the offline plan's placeholder, not your key; "
            'pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"'
        )
    if not isinstance(name, str) or not _COMPONENT_NAME.match(name):
        problems.append(
            f"component name: {name!r} must be 1-40 letters, digits or '-', starting with a "
            "letter or digit (it prefixes every Azure name)"
        )
    if a.os_type not in OS_TYPES:
        problems.append(f"osType: {a.os_type!r} must be one of {', '.join(OS_TYPES)}")
    if not _port_ok(a.vm_count, MIN_VMS, MAX_VMS):
        problems.append(
            f"vmCount: {a.vm_count!r} must be an integer {MIN_VMS}-{MAX_VMS} (two for the "
            f"availability-set SLA; Azure caps a set at {MAX_VMS})"
        )
    if not isinstance(a.vm_size, str) or not _VM_SIZE.match(a.vm_size):
        problems.append(f"vmSize: {a.vm_size!r} must be an Azure VM size name, e.g. Standard_D2s_v5")
    if a.os_disk_type not in OS_DISK_TYPES:
        problems.append(f"osDiskType: {a.os_disk_type!r} must be one of {', '.join(OS_DISK_TYPES)}")
    if not isinstance(a.trusted_launch, bool):
        problems.append(f"trustedLaunch: {a.trusted_launch!r} must be true or false")
    if not _port_ok(a.fault_domain_count, 1, 3):
        problems.append(f"faultDomainCount: {a.fault_domain_count!r} must be an integer 1-3")
    if not _port_ok(a.update_domain_count, 1, 20):
        problems.append(f"updateDomainCount: {a.update_domain_count!r} must be an integer 1-20")
    if not isinstance(a.encryption_at_host, bool):
        problems.append(f"encryptionAtHost: {a.encryption_at_host!r} must be true or false")
    if a.os_type in OS_TYPES:
        problems += _check_username(a)
        problems += _check_credentials(a)
    problems += _check_prefixes(a)
    problems += _check_frontend(a)
    problems += _check_admin_access(a)
    problems += _check_web_prefixes(a)
    rule_problems = _check_lb_rules(a)
    problems += rule_problems
    problems += _check_nat_range(a)
    probe_problems = _check_probe(a, rules_ok=not rule_problems)
    problems += probe_problems
    if a.os_type in OS_TYPES and not probe_problems:
        problems += workload.problems(
            a.workload, a.workload_file, a.os_type, a.probe.protocol, a.probe.port, a.probe.path
        )
    if a.subnet_id is None:
        problems += _check_network(a)
    if a.dns_label is not None and (not isinstance(a.dns_label, str) or not _DNS_LABEL.match(a.dns_label)):
        problems.append(
            f"dnsLabel: {a.dns_label!r} must be 3-63 lowercase letters, digits or '-', "
            "starting with a letter and ending with a letter or digit"
        )
    if isinstance(a.identity_id, str) and not _IDENTITY_ID.match(a.identity_id):
        problems.append(
            f"identityId: {a.identity_id!r} is not a user-assigned identity's resource ID "
            "(/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/"
            "userAssignedIdentities/<name>)"
        )
    problems += _check_tags(a)
    problems += _check_monitoring(a)
    problems += _check_placement(a)
    rg = a.resource_group_name
    if isinstance(rg, str) and (not _RESOURCE_GROUP.match(rg) or rg.endswith(".")):
        problems.append(
            f"resourceGroupName: {rg!r} must be 1-90 letters, digits, '_', '-', '.', '(' or ')' "
            "and must not end with '.'"
        )
    return problems


def check(args: MultiVmLoadBalancedArgs, name: str = "web", allow_placeholder_key: bool = False) -> None:
    """Raise one `ConfigError` listing every problem; return quietly if there is none."""
    problems = validate(args, name, allow_placeholder_key)
    if problems:
        raise ConfigError(problems)
