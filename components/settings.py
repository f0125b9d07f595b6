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
import copy
import ipaddress
import re
import struct
from collections.abc import Collection, Mapping, Sequence
from dataclasses import MISSING, Field, dataclass, field, is_dataclass
from enum import StrEnum
from typing import Any

import pulumi

from . import workload

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

#: SSH on Linux, RDP on Windows: the backend port of every per-VM inbound NAT rule.
ADMIN_PORTS: dict[str, int] = {"linux": 22, "windows": 3389}

MIN_VMS = 2  # an availability set needs two VMs for its 99.95% SLA
MAX_VMS = 200  # VMs of placement zones (and Azure's cap on an availability set)
#: Azure caps an availability set at 200 VMs
#: (https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#virtual-machines-limits),
#: and a change replaces each VM create-first (compute.py), so the set holds up to twice
#: vmCount during it: 100 VMs is the most that can still surge.
MAX_AVSET_VMS = 100
#: Ports of the admin NAT range for fixed VMs (and the least for a scale set): see
#: `MultiVmLoadBalancedArgs.nat_port_count`.
NAT_PORTS_FIXED = 2 * MAX_VMS
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


# --------------------------------------------------------------------------- the declaration
# Every input is declared once, below: its Python name and type (the dataclass field), its
# default, its allowed values (an `enum.Enum` whose members are documented) and its
# description (`setting(doc=...)`). The stack-config reader (stack_config.py), the provider's
# argument reader (provider/), Pulumi.yaml's `config:` block, the README's config table and
# the package schema (provider/schema.json) are all derived from it (`make schema`) or
# checked against it (tests/test_declaration.py). The public key of a field is its camelCase
# name (`vm_count` -> `vmCount`), as Pulumi's schema analyzer names it.


class OsType(StrEnum):
    """The VMs' operating system."""

    LINUX = "linux"
    """Ubuntu 24.04 LTS, SSH keys only."""
    WINDOWS = "windows"
    """Windows Server 2025 Datacenter Azure Edition, admin password."""


class LbProtocol(StrEnum):
    """Transport protocol of a load-balancing rule."""

    TCP = "Tcp"
    """TCP."""
    UDP = "Udp"
    """UDP."""


class ProbeProtocol(StrEnum):
    """Protocol of the health probe."""

    HTTP = "Http"
    """An HTTP GET of `path`; healthy on 200."""
    HTTPS = "Https"
    """An HTTPS GET of `path` (certificate not checked); healthy on 200."""
    TCP = "Tcp"
    """A TCP connection; healthy when it opens."""


class AdminAccess(StrEnum):
    """How admins reach the VMs."""

    NAT = "nat"
    """A NAT port per VM on the frontend, open to `adminSourcePrefixes` only."""
    BASTION = "bastion"
    """Azure Bastion Standard; no admin port on the frontend."""
    NONE = "none"
    """No admin path."""


class FrontendType(StrEnum):
    """Where the load balancer listens."""

    PUBLIC = "public"
    """A Standard static public IP."""
    INTERNAL = "internal"
    """A private frontend on the VMs' subnet (inner tiers)."""


class Placement(StrEnum):
    """Where the VMs run."""

    AVAILABILITY_SET = "availabilitySet"
    """N VMs in one availability set."""
    ZONES = "zones"
    """N VMs spread over availability zones."""
    SCALE_SET = "scaleSet"
    """A Flexible scale set with autoscale."""


class OsDiskType(StrEnum):
    """Storage type of the OS disks."""

    STANDARD_LRS = "Standard_LRS"
    """Standard HDD, locally redundant."""
    STANDARD_SSD_LRS = "StandardSSD_LRS"
    """Standard SSD, locally redundant (every size supports it)."""
    PREMIUM_LRS = "Premium_LRS"
    """Premium SSD, locally redundant (the size must support Premium storage)."""
    STANDARD_SSD_ZRS = "StandardSSD_ZRS"
    """Standard SSD, zone-redundant."""
    PREMIUM_ZRS = "Premium_ZRS"
    """Premium SSD, zone-redundant (the size must support Premium storage)."""


class Workload(StrEnum):
    """The software that answers the health probe."""

    NGINX = "nginx"
    """nginx installed by cloud-init (Linux)."""
    IIS = "iis"
    """IIS installed by the Custom Script Extension (Windows)."""
    NONE = "none"
    """Nothing: bring your own (the probe fails until something answers)."""
    CUSTOM = "custom"
    """Your `workloadFile`."""


class Zone(StrEnum):
    """An availability zone of the region."""

    ZONE_1 = "1"
    """Zone 1."""
    ZONE_2 = "2"
    """Zone 2."""
    ZONE_3 = "3"
    """Zone 3."""


OS_TYPES: tuple[str, ...] = tuple(m.value for m in OsType)
LB_PROTOCOLS: tuple[str, ...] = tuple(m.value for m in LbProtocol)
PROBE_PROTOCOLS: tuple[str, ...] = tuple(m.value for m in ProbeProtocol)
ADMIN_ACCESS: tuple[str, ...] = tuple(m.value for m in AdminAccess)
FRONTEND_TYPES: tuple[str, ...] = tuple(m.value for m in FrontendType)
PLACEMENTS: tuple[str, ...] = tuple(m.value for m in Placement)
AZURE_ZONES: tuple[str, ...] = tuple(m.value for m in Zone)
OS_DISK_TYPES: tuple[str, ...] = tuple(m.value for m in OsDiskType)


#: Inputs that only some placements read. The readers report one set for another placement
#: (see `_check_placement`), so Pulumi.yaml gives them no default: the CLI would pass a
#: declared default to the program as if the stack had set it.
PLACEMENT_KEYS = frozenset({"vm_count", "zones", "scale_set", "update_domain_count", "fault_domain_count"})


@dataclass(frozen=True)
class Setting:
    """What the declaration says about one input beyond its Python type and default."""

    #: The description: the schema's, Pulumi.yaml's and the README table's.
    doc: str
    #: The allowed values, when they are a closed set (matched in any capitalisation).
    enum: type[StrEnum] | None = None
    #: The README's "default" cell when the default is computed or absent (else derived).
    default_doc: str | None = None
    #: Stack config must hold it as a secret (`pulumi config set --secret`).
    secret: bool = False
    #: An example value, shown in messages about a value of the wrong shape.
    example: str | None = None
    #: Another field of the same object whose value is the default (lbRules' backendPort).
    default_from: str | None = None
    #: A plain value is required (no value of another resource, no secret): the component
    #: needs it when it decides what to create.
    plain: bool = True


def setting(
    default: Any = MISSING,
    *,
    doc: str,
    enum: type[StrEnum] | None = None,
    default_doc: str | None = None,
    secret: bool = False,
    example: str | None = None,
    default_from: str | None = None,
    plain: bool = True,
) -> Any:
    """Declare a dataclass field as an input (see `Setting`). A list, dict or dataclass
    default is copied per instance (a default factory)."""
    meta = {
        "setting": Setting(
            doc=doc,
            enum=enum,
            default_doc=default_doc,
            secret=secret,
            example=example,
            default_from=default_from,
            plain=plain,
        )
    }
    if default is MISSING:
        return field(metadata=meta)
    if isinstance(default, list | dict) or is_dataclass(default):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


def setting_of(f: Field[Any]) -> Setting:
    """The `Setting` of a declared field."""
    return f.metadata["setting"]


@dataclass(frozen=True)
class LbRule:
    """One load-balancing rule (stack config: an item of `lbRules`).

    Example: ``LbRule(frontend_port=443, backend_port=443)``.
    """

    frontend_port: int = setting(doc="Port on the frontend, 1-65534.")
    backend_port: int = setting(
        doc="Port on each VM, 1-65535.", default_doc="`frontendPort`", default_from="frontend_port"
    )
    protocol: str = setting("Tcp", doc="`Tcp` or `Udp`.", enum=LbProtocol)

    @property
    def key(self) -> str:
        """Stable name of the rule (and its NSG rule): adding a rule never renames another."""
        return f"{self.protocol.lower()}-{self.frontend_port}"


@dataclass(frozen=True)
class HealthProbe:
    """The load balancer's health probe (stack config `probe`).

    Example: ``HealthProbe(protocol="Tcp", port=22, path=None)``.
    """

    protocol: str = setting("Http", doc="`Http`, `Https` or `Tcp`.", enum=ProbeProtocol)
    port: int = setting(80, doc="Port probed on each VM, 1-65535; a TCP rule's backend port.")
    path: str | None = setting(
        "/",
        doc="Request path of Http/Https probes, starting with `/`; none for Tcp.",
        default_doc="`/` (Http, Https), none (Tcp)",
    )
    interval_seconds: int = setting(5, doc="Seconds between probes, 5-3600.")
    probe_threshold: int = setting(2, doc="Consecutive failures before a VM leaves rotation, 1-100.")

    @staticmethod
    def fill(values: dict[str, Any]) -> None:
        """Defaults that depend on another field: a Tcp probe has no path."""
        if str(values.get("protocol", "")).lower() == "tcp":
            values.setdefault("path", None)


@dataclass(frozen=True)
class MonitoringSettings:
    """Health-probe monitoring (stack config `monitoring`). Off by default: the dev stack
    stays free of Log Analytics charges.

    Example: ``MonitoringSettings(enabled=True, alert_emails=("ops@example.com",))``.
    """

    enabled: bool = setting(False, doc="Create the Log Analytics workspace, diagnostic settings and alerts.")
    alert_emails: tuple[str, ...] = setting(
        (),
        doc="Where alerts go (needs `enabled: true`); none: alerts fire in the portal only.",
        example="[ops@example.com]",
    )
    retention_days: int = setting(30, doc="Log retention in days, 30-730 (30 is included in the price).")


@dataclass(frozen=True)
class ScaleSetSettings:
    """The Flexible scale set and its autoscale (placement `scaleSet`; stack config
    `scaleSet`). Example: ``ScaleSetSettings(min_count=2, max_count=20)``.

    Rolling upgrades: a model change (image, bootstrap, size) reaches the instances batch by
    batch, each batch gated on the Application Health signal:
    https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-configure-rolling-upgrades
    (ranges from the Compute REST spec, RollingUpgradePolicy).
    """

    min_count: int = setting(2, doc="Fewest instances autoscale keeps, 2 or more.")
    max_count: int = setting(
        10,
        doc="Most instances autoscale adds, up to 1000; with one MaxSurge batch, the size of the admin NAT port "
        "range and of the subnet check.",
    )
    default_count: int = setting(2, doc="Instances at creation and when metrics are missing.")
    scale_out_cpu_percent: int = setting(70, doc="Average CPU % over 5 minutes above which one instance is added.")
    scale_in_cpu_percent: int = setting(
        30, doc="Average CPU % over 5 minutes below which one instance is removed; below scaleOutCpuPercent."
    )
    cooldown_minutes: int = setting(5, doc="Minutes to wait after a scale action, 1-10080.")
    rolling_batch_percent: int = setting(20, doc="Share of instances upgraded per batch, 5-100.")
    rolling_max_unhealthy_percent: int = setting(
        20, doc="The upgrade stops when more than this share of all instances is unhealthy, 5-100."
    )
    rolling_max_unhealthy_upgraded_percent: int = setting(
        20, doc="The upgrade stops when more than this share of upgraded instances is unhealthy, 0-100."
    )
    rolling_pause_minutes: int = setting(
        2, doc="Minutes between batches, 0-60, so a batch takes traffic before the next one goes."
    )
    rolling_max_surge: bool = setting(
        True, doc="Create each batch's new instances before deleting the old ones, so capacity never drops."
    )


_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


@dataclass
class MultiVmLoadBalancedArgs:
    """Arguments of `MultiVmLoadBalanced`. Every field has a working, secure default
    except the credential: Linux needs `ssh_public_key`.

    The stack-config key of each field is its camelCase name (`vm_count` -> `vmCount`).
    """

    os_type: str = setting(
        "linux",
        doc="`linux` (Ubuntu 24.04 LTS) or `windows` (Windows Server 2025 Azure Edition)",
        enum=OsType,
    )
    vm_count: int = setting(
        2,
        doc="2-200, at most 100 with placement `availabilitySet` (two for the availability-set SLA; a change "
        "replaces VMs create-first, so the set briefly holds twice vmCount, and Azure caps a set at 200)",
    )
    vm_size: str = setting(
        "Standard_D2s_v5",
        doc="an Azure size name; must support Trusted Launch (unless `trustedLaunch: false`) and Premium "
        "storage if `osDiskType` is Premium",
    )
    admin_username: str = setting(
        "azureuser",
        doc="1-32 characters (Linux) or 1-20 (Windows); letters, digits, `_ . -`; not a reserved name "
        "(`admin`, `root`, `administrator`, ...)",
    )
    ssh_public_key: str | None = setting(
        None,
        doc="required on Linux: `ssh-ed25519 ...` or `ssh-rsa ...` of at least 2048 bits; not allowed on Windows",
    )
    # A plain `str` is validated; an `Output` (a secret of another program) passes unchecked.
    admin_password: pulumi.Input[str] | None = setting(
        None,
        doc="Windows only, **secret**: 12-123 characters, 3 of lowercase/uppercase/digit/symbol",
        default_doc="generated",
        secret=True,
        plain=False,
    )
    admin_source_prefixes: list[str] = setting(
        [],
        doc="IPv4 addresses or CIDRs that may reach the NAT admin ports; never `*`, `Internet`, `0.0.0.0/0`; "
        "only with `adminAccess: nat`",
        default_doc="`[]` (nobody)",
        example='["203.0.113.7", "198.51.100.0/24"]',
    )
    admin_access: str | None = setting(
        None,
        doc="`nat` (NAT port per VM on the public IP, open to `adminSourcePrefixes` only), `bastion` (Azure "
        "Bastion Standard: no admin port on the public IP; VMs admit SSH/RDP only from the Bastion subnet) or "
        "`none` (no admin path at all)",
        enum=AdminAccess,
        default_doc="`nat` (public), `none` (internal)",
    )
    bastion_subnet_prefix: str = setting(
        "10.0.2.0/26",
        doc="with `adminAccess: bastion`: the `AzureBastionSubnet`, /26 or larger, inside the VNet, clear of "
        "`subnetPrefix`",
    )
    web_source_prefixes: list[str] | None = setting(
        None,
        doc="IPv4 addresses, CIDRs or service tags (`AzureFrontDoor.Backend`, ...) the load-balanced ports are "
        "open to; not `*`",
        default_doc='`["Internet"]` (public), `["VirtualNetwork"]` (internal)',
        example='["203.0.113.7", "198.51.100.0/24"]',
    )
    placement: str = setting(
        "availabilitySet",
        doc="`availabilitySet` (N VMs in one availability set), `zones` (N VMs spread over `zones`, no "
        "availability set, zone-redundant frontend) or `scaleSet` (a Flexible scale set with autoscale). "
        'See "Placement"',
        enum=Placement,
    )
    zones: list[str] = setting(
        list(AZURE_ZONES),
        doc="zone names among `1`, `2`, `3`, no repeats; `zones` and `scaleSet` only (a scale set with `[]` "
        "spreads over fault domains)",
        enum=Zone,
        example='["1", "2", "3"]',
    )
    scale_set: ScaleSetSettings = setting(
        ScaleSetSettings(),
        doc="`scaleSet` placement only: 2 <= minCount <= defaultCount <= maxCount <= 1000; scale-in below "
        "scale-out; cooldown 1-10080 minutes. The admin NAT port range and the subnet hold maxCount plus one "
        "MaxSurge batch. Rolling upgrades of model changes: batch 5-100% (not every instance at once without "
        "`rollingMaxSurge`), max unhealthy 5-100%, max unhealthy upgraded 0-100%, pause 0-60 minutes between "
        "batches, `rollingMaxSurge` "
        "true/false (new instances before old ones go)",
        example="{minCount: 2, maxCount: 10, defaultCount: 2}",
    )
    frontend_type: str = setting(
        "public",
        doc="`public` (Standard static public IP) or `internal` (private frontend on the VMs' subnet, no public "
        "IP; an internal tier on a created subnet gets out through a NAT gateway, or, spread over zones, through "
        "an outbound-only load balancer on a zone-redundant public IP)",
        enum=FrontendType,
    )
    frontend_private_ip: str | None = setting(
        None,
        doc="internal only: a static IPv4 address, usable in `subnetPrefix` (not the first four or the last)",
        default_doc="none (dynamic)",
    )
    subnet_id: pulumi.Input[str] | None = setting(
        None,
        doc="an existing subnet's resource ID; then `vnetAddressSpace`/`subnetPrefix` are not used, the NSG "
        "goes on each NIC, `adminAccess: bastion` is not available, and egress of an internal tier is the "
        "subnet's (NAT gateway)",
        default_doc="none (a VNet is created)",
        plain=False,
    )
    encryption_at_host: bool = setting(
        False,
        doc="`true` encrypts temp disks and caches on the host; register the feature first (see Security)",
    )
    nat_frontend_port_start: int = setting(
        50001,
        doc="first port of the admin NAT rule's range (NAT rule V2): 400 ports (a scale set: more if maxCount + "
        "one MaxSurge batch is larger), one per VM as Azure assigns them (see adminEndpoints); the range must stay "
        "within 1-65534 and miss the `lbRules` TCP frontend ports",
    )
    lb_rules: list[LbRule] = setting(
        [LbRule(frontend_port=80, backend_port=80, protocol="Tcp")],
        doc="at least one; ports 1-65534 / 1-65535; `Tcp` or `Udp`; no repeated frontend or backend port per "
        "protocol; not the admin port",
        example="[{frontendPort: 80, backendPort: 80, protocol: Tcp}]",
    )
    probe: HealthProbe = setting(
        HealthProbe(),
        doc="`Http`/`Https` (with a `path` starting `/`; not ports 19, 21, 25, 70, 110, 119, 143, 220, 993) or "
        "`Tcp` (no path); interval 5-3600 s; threshold 1-100; the port must be a TCP rule's backend port",
        example="{protocol: Http, port: 80, path: /}",
    )
    vnet_address_space: str = setting("10.0.0.0/16", doc="an IPv4 CIDR, /8 to /29")
    subnet_prefix: str = setting(
        "10.0.1.0/24",
        doc="/2 to /29 inside the VNet, with room for twice `vmCount` (scale set: maxCount + one MaxSurge batch) "
        "+ 5 addresses Azure reserves",
    )
    dns_label: str | None = setting(
        None, doc="3-63 lowercase letters, digits, `-`; gives `<label>.<region>.cloudapp.azure.com`"
    )
    tags: dict[str, str] = setting(
        {}, doc="up to 50 string tags, put on every resource", example="{environment: dev, owner: platform-team}"
    )
    resource_group_name: pulumi.Input[str] | None = setting(
        None,
        doc="an existing resource group to deploy into",
        default_doc="none (a group is created)",
        plain=False,
    )
    os_disk_type: str = setting(
        "StandardSSD_LRS",
        doc="`Standard_LRS`, `StandardSSD_LRS`, `Premium_LRS`, `StandardSSD_ZRS`, `Premium_ZRS`",
        enum=OsDiskType,
    )
    trusted_launch: bool = setting(True, doc="`false` only for a size without Trusted Launch support")
    fault_domain_count: int = setting(2, doc="1-3 (some regions have only 2)")
    update_domain_count: int = setting(5, doc="1-20")
    workload: str | None = setting(
        None,
        doc="`nginx` (cloud-init), `iis` (Custom Script Extension), `custom` (your `workloadFile`) or `none` "
        "(bring your own; the probe fails until something answers). The built-in servers listen on HTTP port "
        "80, so the probe must be Http or Tcp on port 80",
        enum=Workload,
        default_doc="`nginx` on Linux, `iis` on Windows",
    )
    monitoring: MonitoringSettings = setting(
        MonitoringSettings(),
        doc="`enabled`: true/false; `alertEmails`: e-mail addresses (needs `enabled: true`); `retentionDays`: "
        "30-730. See Monitoring",
        example="{enabled: true, alertEmails: [ops@example.com], retentionDays: 30}",
    )
    identity_id: pulumi.Input[str] | None = setting(
        None,
        doc="resource ID of an existing user-assigned managed identity (`/subscriptions/.../providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/<name>`) that every VM or scale-set instance carries "
        "instead of the created `web-identity`",
        default_doc="none (one is created)",
        plain=False,
    )
    workload_file: str | None = setting(
        None,
        doc="with `workload: custom`: a cloud-init file (Linux: first line `#cloud-config` or `#!`, at most "
        "65,535 bytes) or a `.ps1` script (Windows, about 3,000 characters), relative to the project "
        "directory; read by `pulumi preview`/`up` and `make plan`",
    )

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
    def pool_capacity(self) -> int:
        """The most VMs the backend pool (and the subnet) can hold at once, which sizes the
        admin NAT port range and the subnet check. Fixed VMs: twice vmCount, because one
        `pulumi up` may replace every VM create-first, old and new both in the pool until
        the old ones go at the end (compute.py). Scale set: maxCount plus one MaxSurge
        batch, which a rolling upgrade adds before it removes old instances ("make sure you
        have enough IP address quota and subnet space":
        https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-maxsurge)."""
        if self.placement == "scaleSet":
            s = self.scale_set
            surge = rolling_batch_size(s.max_count, s.rolling_batch_percent) if s.rolling_max_surge else 0
            return s.max_count + surge
        return 2 * self.vm_count

    @property
    def pool_capacity_reason(self) -> str:
        """How `pool_capacity` was counted, in the user's keys."""
        if self.placement == "scaleSet":
            s = self.scale_set
            if s.rolling_max_surge:
                batch = rolling_batch_size(s.max_count, s.rolling_batch_percent)
                return f"scaleSet.maxCount {s.max_count} + a MaxSurge batch of {batch}"
            return f"scaleSet.maxCount {s.max_count}"
        return f"twice vmCount {self.vm_count}, for old and new VMs during a replacement"

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
    def egress(self) -> str:
        """How the VMs get out, on a subnet this component creates: `outbound-rule` (a public
        frontend's own outbound rule), `nat-gateway` (an internal tier in one place), or
        `egress-lb` (an internal tier over zones); `subnet` when the subnet is the caller's.

        A NAT gateway of the Standard SKU is zonal: without a zone Azure places it in one, and
        if that zone fails the VMs in the others lose outbound access ("NAT gateway and
        availability zones", https://learn.microsoft.com/azure/nat-gateway/nat-availability-zones).
        The zone-redundant StandardV2 SKU is not in the Network API version azure-native uses
        (NatGatewaySkuName: Standard only). A zone-spread internal tier therefore gets out
        through an outbound-only Standard load balancer on a zone-redundant public IP, whose
        outbound rules work from every zone (https://learn.microsoft.com/azure/load-balancer/outbound-rules)."""
        if self.subnet_id is not None:
            return "subnet"
        if not self.internal:
            return "outbound-rule"
        return "egress-lb" if self.vm_zones else "nat-gateway"

    @property
    def admin_port(self) -> int:
        return ADMIN_PORTS.get(self.os_type, 22)

    @property
    def nat_port_count(self) -> int:
        """Ports of the admin NAT rule's range: at least `pool_capacity` (Azure gives each pool
        member one port and blocks the pool from growing past the range: "scaling up the
        backend pool will be blocked", https://learn.microsoft.com/azure/load-balancer/inbound-nat-rules).
        It is sized for the largest tier, not this one, so that no change of vmCount or
        placement ever shrinks it under VMs that hold ports near its end (Azure documents no
        order of assignment, nor what shrinking a range does to the members past it)."""
        return max(NAT_PORTS_FIXED, self.pool_capacity if self.placement == "scaleSet" else 0)

    @property
    def nat_port_count_reason(self) -> str:
        if self.nat_port_count > NAT_PORTS_FIXED:
            return self.pool_capacity_reason
        return f"room for twice the {MAX_VMS} VMs a tier may have, so vmCount and placement never resize it"

    @property
    def nat_port_range(self) -> tuple[int, int]:
        """The admin NAT rule's frontend port range (NAT rule V2)."""
        return self.nat_frontend_port_start, self.nat_frontend_port_start + self.nat_port_count - 1


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


def is_service_tag(prefix: str) -> bool:
    """A source prefix that is a service tag (Internet, AzureFrontDoor.Backend, ...), not an
    address or CIDR (those start with a digit)."""
    return not prefix[:1].isdigit()


def web_source_groups(sources: Sequence[str]) -> list[tuple[str, str | list[str]]]:
    """The NSG source of each web rule for `sources`: one group per service tag (alone, in
    `sourceAddressPrefix`), then one for every address and CIDR (`sourceAddressPrefixes` when
    there are several), each with a name suffix. See network.py for why."""
    tags = [p for p in sources if is_service_tag(p)]
    addresses = [p for p in sources if not is_service_tag(p)]
    groups: list[tuple[str, str | list[str]]] = [(tag.lower(), tag) for tag in tags]
    if addresses:
        groups.append(("addresses", addresses[0] if len(addresses) == 1 else addresses))
    return groups


#: NSG rules the web band holds (priorities 200-399, network.py).
WEB_RULES_MAX = 200


def _check_web_prefixes(a: MultiVmLoadBalancedArgs) -> list[str]:
    if not isinstance(a.web_sources, list) or not a.web_sources:
        return [f"webSourcePrefixes: {a.web_source_prefixes!r} must be a non-empty list, e.g. [Internet]"]
    problems: list[str] = []
    seen: set[str] = set()
    for i, prefix in enumerate(a.web_sources):
        where = f"webSourcePrefixes[{i}]"
        if not isinstance(prefix, str) or prefix.strip().lower() in ("*", "any"):
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
    if problems or not isinstance(a.lb_rules, list):
        return problems
    groups = len(web_source_groups(a.web_sources))
    if groups * len(a.lb_rules) > WEB_RULES_MAX:
        problems.append(
            f"webSourcePrefixes: {groups} source groups (one per service tag, one for all addresses) x "
            f"{len(a.lb_rules)} lbRules = {groups * len(a.lb_rules)} NSG rules, more than the {WEB_RULES_MAX} "
            "the web priority band (200-399) holds; use fewer service tags or rules"
        )
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
        return []  # no admin NAT rule, so no range to fit
    if not _port_ok(start, 1, 65534):
        return [f"natFrontendPortStart: {start!r} must be an integer 1-65534"]
    if not _counts_ok(a):
        return []  # the range is unknown; the count's own problem is reported
    count = a.nat_port_count
    _, end = a.nat_port_range
    if end > 65534:
        return [
            f"natFrontendPortStart: {start} + {count} ports ({a.nat_port_count_reason}) - 1 = {end} is past "
            f"65534; use a start of at most {65535 - count}"
        ]
    clashes = sorted(
        r.frontend_port
        for r in a.lb_rules
        if r.protocol == "Tcp" and isinstance(r.frontend_port, int) and start <= r.frontend_port <= end
    )
    if clashes:
        return [
            f"natFrontendPortStart: the NAT range {start}-{end} ({a.nat_port_count_reason}) overlaps the TCP "
            f"frontend port(s) {', '.join(map(str, clashes))} of lbRules; move one of them"
        ]
    return []


def _counts_ok(a: MultiVmLoadBalancedArgs) -> bool:
    """The counts `pool_capacity` reads are valid (else their own problems are reported)."""
    if a.placement == "scaleSet":
        s = a.scale_set
        return (
            _port_ok(s.max_count, MIN_VMS, MAX_SCALE_SET)
            and _port_ok(s.rolling_batch_percent, 5, 100)
            and isinstance(s.rolling_max_surge, bool)
        )
    return _port_ok(a.vm_count, MIN_VMS, MAX_VMS)


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
    if _counts_ok(a) and usable < a.pool_capacity:
        problems.append(
            f"subnetPrefix: {a.subnet_prefix!r} holds {usable} VMs (Azure reserves "
            f"{AZURE_RESERVED_SUBNET_ADDRESSES} addresses) but the pool can hold {a.pool_capacity} at once "
            f"({a.pool_capacity_reason}); use a larger subnet"
        )
    return problems


def _check_placement(a: MultiVmLoadBalancedArgs, explicit: Collection[str] = ()) -> list[str]:
    """Placement rules. A key that only another placement reads is reported when it differs
    from its default, or when the caller set it at all (`explicit`: the readers know which
    keys a stack file or a component call wrote, even when the value equals the default)."""
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
    def set_(name: str, differs: bool) -> bool:
        return differs or name in explicit

    if a.placement == "availabilitySet" and set_("zones", zones != defaults.zones):
        problems.append(f"zones: {a.zones!r} is used only with placement zones or scaleSet")
    if a.placement != "scaleSet" and set_("scale_set", a.scale_set != defaults.scale_set):
        problems.append("scaleSet: is set, but placement is not scaleSet; remove it or set placement: scaleSet")
    if a.placement == "scaleSet" and set_("vm_count", a.vm_count != defaults.vm_count):
        problems.append(f"vmCount: {a.vm_count!r} is not used with placement scaleSet; set scaleSet.defaultCount")
    if a.placement != "availabilitySet" and set_(
        "update_domain_count", a.update_domain_count != defaults.update_domain_count
    ):
        problems.append(f"updateDomainCount: {a.update_domain_count!r} is used only with placement availabilitySet")
    zonal = a.placement == "zones" or (a.placement == "scaleSet" and zones)
    if zonal and set_("fault_domain_count", a.fault_domain_count != defaults.fault_domain_count):
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


def validate(
    args: MultiVmLoadBalancedArgs,
    name: str = "web",
    allow_placeholder_key: bool = False,
    explicit: Collection[str] = (),
) -> list[str]:
    """Every problem with `args` (and the component `name`), as user-facing strings.
    `allow_placeholder_key` is for the offline plan only; `explicit` names the fields the
    caller set (see `_check_placement`)."""
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
    elif a.placement == "availabilitySet" and a.vm_count > MAX_AVSET_VMS:
        problems.append(
            f"vmCount: {a.vm_count} is more than {MAX_AVSET_VMS} with placement availabilitySet: a change "
            f"replaces each VM create-first, so the set would hold {2 * a.vm_count} VMs at once, past Azure's "
            f"{MAX_VMS} per availability set; use at most {MAX_AVSET_VMS}, or placement zones or scaleSet"
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
    problems += _check_placement(a, explicit)
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
