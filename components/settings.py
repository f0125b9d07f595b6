"""The declaration of `MultiVmLoadBalanced`'s inputs: their types, defaults and constraints.

Everything here is plain Python: no resource is created and `pulumi.Config` is never read.
The checks live in components/rules.py (one generic check of every field against its
declaration, then the rules that relate inputs); the loader of raw values is
components/reader.py.

Problems are reported under the public stack-config key names (`vmCount`, `lbRules[0]`,
...), because those are what a user edits; `MultiVmLoadBalancedArgs` documents how
each field maps to its key.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any

import pulumi

MAX_SCALE_SET = 1000  # instances of a Flexible scale set
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
# Every input is declared once, below: its Python name and type (the dataclass field; a closed
# set of values is typed with its `enum.Enum`, whose members are documented), its default and
# its constraints (`setting(...)`: range, pattern, items, secret, whether another resource's
# Output is accepted). One generic check (components/rules.py `field_problems`) validates every
# field against them; the loader (components/reader.py), Pulumi.yaml's `config:` block, the
# README's config table and the package schema (provider/, `make schema`) are all derived from
# them, so the documented range and the checked range are one fact. Rules that relate two
# inputs live in components/rules.py. The public key of a field is its camelCase name
# (`vm_count` -> `vmCount`), as Pulumi's schema analyzer names it.


class Choice(StrEnum):
    """A closed set of values. Shown as its plain value in messages (`'linux'`, not
    `<OsType.LINUX: 'linux'>`), so problems read the same whatever the caller passed."""

    def __repr__(self) -> str:
        return repr(self.value)


class OsType(Choice):
    """The VMs' operating system."""

    LINUX = "linux"
    """Ubuntu 24.04 LTS, SSH keys only."""
    WINDOWS = "windows"
    """Windows Server 2025 Datacenter Azure Edition, admin password."""


class LbProtocol(Choice):
    """Transport protocol of a load-balancing rule."""

    TCP = "Tcp"
    """TCP."""
    UDP = "Udp"
    """UDP."""


class ProbeProtocol(Choice):
    """Protocol of the health probe."""

    HTTP = "Http"
    """An HTTP GET of `path`; healthy on 200."""
    HTTPS = "Https"
    """An HTTPS GET of `path` (certificate not checked); healthy on 200."""
    TCP = "Tcp"
    """A TCP connection; healthy when it opens."""


class AdminAccess(Choice):
    """How admins reach the VMs."""

    NAT = "nat"
    """A NAT port per VM on the frontend, open to `adminSourcePrefixes` only."""
    BASTION = "bastion"
    """Azure Bastion Standard; no admin port on the frontend."""
    NONE = "none"
    """No admin path."""


class FrontendType(Choice):
    """Where the load balancer listens."""

    PUBLIC = "public"
    """A Standard static public IP."""
    INTERNAL = "internal"
    """A private frontend on the VMs' subnet (inner tiers)."""


class Placement(Choice):
    """Where the VMs run."""

    AVAILABILITY_SET = "availabilitySet"
    """N VMs in one availability set."""
    ZONES = "zones"
    """N VMs spread over availability zones."""
    SCALE_SET = "scaleSet"
    """A Flexible scale set with autoscale."""


class OsDiskType(Choice):
    """Storage type of a managed disk (the OS disks, or a data disk)."""

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


class DiskCaching(Choice):
    """Host caching of a data disk."""

    NONE = "None"
    """No cache: what write-heavy and large (4 TiB and more) disks need."""
    READ_ONLY = "ReadOnly"
    """Reads cached on the host: read-heavy data."""
    READ_WRITE = "ReadWrite"
    """Reads and writes cached: only for software that flushes what must survive a host failure."""


class RebootSetting(Choice):
    """Whether a patch window reboots the VMs (Azure Update Manager's `rebootSetting`)."""

    IF_REQUIRED = "IfRequired"
    """Only when an installed update needs it."""
    NEVER = "NeverReboot"
    """Never: updates that need a reboot wait for one."""
    ALWAYS = "AlwaysReboot"
    """After every window."""


class PatchClassification(Choice):
    """An update classification a patch window installs (Linux: Critical, Security, Other;
    Windows: the others and Critical, Security)."""

    CRITICAL = "Critical"
    """Critical updates (both OSes)."""
    SECURITY = "Security"
    """Security updates (both OSes)."""
    OTHER = "Other"
    """Every other package update (Linux)."""
    UPDATE_ROLLUP = "UpdateRollup"
    """Update rollups (Windows)."""
    FEATURE_PACK = "FeaturePack"
    """Feature packs (Windows)."""
    SERVICE_PACK = "ServicePack"
    """Service packs (Windows)."""
    DEFINITION = "Definition"
    """Definition updates (Windows)."""
    TOOLS = "Tools"
    """Tools (Windows)."""
    UPDATES = "Updates"
    """Other updates (Windows)."""


class Workload(Choice):
    """The software that answers the health probe."""

    NGINX = "nginx"
    """nginx installed by cloud-init (Linux)."""
    IIS = "iis"
    """IIS installed by the Custom Script Extension (Windows)."""
    NONE = "none"
    """Nothing: bring your own (the probe fails until something answers)."""
    CUSTOM = "custom"
    """Your `workloadFile`."""


class Zone(Choice):
    """An availability zone of the region."""

    ZONE_1 = "1"
    """Zone 1."""
    ZONE_2 = "2"
    """Zone 2."""
    ZONE_3 = "3"
    """Zone 3."""


AZURE_ZONES: tuple[str, ...] = tuple(m.value for m in Zone)


#: Inputs that only some placements read. The rules report one set for another placement
#: (rules.py `keys_fit_the_placement`), so Pulumi.yaml gives them no default: the CLI would
#: pass a declared default to the program as if the stack had set it.
PLACEMENT_KEYS = frozenset({"vm_count", "zones", "scale_set", "update_domain_count", "fault_domain_count"})


@dataclass(frozen=True)
class Setting:
    """What the declaration says about one input beyond its Python type and default."""

    #: The description: the schema's, Pulumi.yaml's and the README table's (after the
    #: constraints, which are printed from the fields below).
    doc: str
    #: Smallest and largest integer allowed.
    minimum: int | None = None
    maximum: int | None = None
    #: Why the range is what it is, added to the message about a value outside it.
    why: str | None = None
    #: A regular expression a string (or each string of a list) must match in full, and
    #: what it allows, in words ("3-63 lowercase letters, ...").
    pattern: str | None = None
    pattern_doc: str | None = None
    #: Fewest and most items of a list or entries of a map.
    min_items: int | None = None
    max_items: int | None = None
    #: No item of a list twice (strings compared case-insensitively, as Azure compares them).
    unique: bool = False
    #: The README's "default" cell when the default is computed or absent (else derived).
    default_doc: str | None = None
    #: Stack config must hold it as a secret (`pulumi config set --secret`).
    secret: bool = False
    #: An example value, shown in messages about a value of the wrong shape.
    example: str | None = None
    #: Another field of the same object whose value is the default (lbRules' backendPort).
    default_from: str | None = None


def setting(default: Any = MISSING, **constraints: Any) -> Any:
    """Declare a dataclass field as an input (see `Setting` for the constraints). A list,
    dict or dataclass default is copied per instance (a default factory)."""
    meta = {"setting": Setting(**constraints)}
    if default is MISSING:
        return field(metadata=meta)
    if isinstance(default, list | dict) or is_dataclass(default):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


def camel_case(name: str) -> str:
    """`vm_count` -> `vmCount`: the public name of a field, as Pulumi's analyzer derives it
    (pulumi/provider/experimental/util.py `camel_case`)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Declared:
    """One declared input: its public key, dataclass field, setting and resolved type."""

    key: str
    field: Field[Any]
    setting: Setting
    #: The type with `None` and `pulumi.Input` stripped (`str`, `int`, `OsType`, `list[Zone]`, ...).
    type: Any
    #: `None` is allowed (the field is `X | None`).
    optional: bool
    #: The field accepts another resource's Output (`pulumi.Input[X]`): the component does
    #: not decide what to create from it.
    accepts_output: bool

    @property
    def item(self) -> Any:
        """The type of one item of a list (or the type itself for a scalar)."""
        if typing.get_origin(self.type) in (list, tuple):
            return typing.get_args(self.type)[0]
        return self.type

    @property
    def enum(self) -> type[StrEnum] | None:
        """The closed set of values (of the field, or of each item of a list)."""
        item = self.item
        return item if isinstance(item, type) and issubclass(item, StrEnum) else None

    @property
    def required(self) -> bool:
        """A value is needed: no default, not even another field's."""
        no_default = self.field.default is MISSING and self.field.default_factory is MISSING
        return no_default and self.setting.default_from is None

    def default(self) -> Any:
        if self.field.default is not MISSING:
            return self.field.default
        if self.field.default_factory is not MISSING:
            return self.field.default_factory()
        return MISSING

    def allowed(self) -> str:
        """The constraints in words, as every document prints them: `2-200`, `` `Tcp` or
        `Udp` ``, `at least 1 item`, ..."""
        s, words = self.setting, []
        each = "each item is " if self.item is not self.type else ""
        if (e := self.enum) is not None:
            values = [f"`{m.value}`" for m in e]
            words.append(each + ", ".join(values[:-1]) + " or " + values[-1])
        if s.minimum is not None and s.maximum is not None:
            words.append(f"{s.minimum}-{s.maximum}")
        elif s.minimum is not None:
            words.append(f"{s.minimum} or more")
        elif s.maximum is not None:
            words.append(f"at most {s.maximum}")
        if s.pattern_doc is not None:
            words.append(each + s.pattern_doc)
        if s.min_items is not None:
            words.append(f"at least {s.min_items} item" + ("s" if s.min_items > 1 else ""))
        if s.max_items is not None:
            words.append(f"at most {s.max_items} items")
        if s.unique:
            words.append("no repeats")
        return ", ".join(words)

    def describe(self) -> str:
        """The description every document prints: the constraints, then the doc, then (for
        an object) each field's constraints."""
        text = "; ".join(p for p in (self.allowed(), self.setting.doc) if p)
        if is_dataclass(self.item):
            inner = [
                f"`{key}` {d.allowed()}" for key, d in declared(typing.cast(type, self.item)).items() if d.allowed()
            ]
            text = text.rstrip(".") + ". Fields: " + "; ".join(inner) + "."
        return text


def _strip(tp: Any) -> tuple[Any, bool, bool]:
    """(core type, optional, accepts an Output) of an annotation."""
    optional = accepts_output = False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        parts = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(parts) != len(typing.get_args(tp))
        # The one union of several types a declaration uses is pulumi.Input[T]:
        # Union[T, Awaitable[T], Output[T]], with T first.
        accepts_output = len(parts) > 1
        tp = parts[0]
    return tp, optional, accepts_output


def declared(cls: type) -> dict[str, Declared]:
    """The declared inputs of a dataclass, by public key, in declaration order."""
    # `pulumi.Input` holds a forward reference to `Output`, resolved here.
    hints = typing.get_type_hints(cls, localns={"Output": pulumi.Output, "T": typing.Any})
    out: dict[str, Declared] = {}
    for f in fields(cls):
        tp, optional, accepts_output = _strip(hints[f.name])
        key = camel_case(f.name)
        out[key] = Declared(key, f, f.metadata["setting"], tp, optional, accepts_output)
    return out


@dataclass(frozen=True)
class LbRule:
    """One load-balancing rule (stack config: an item of `lbRules`).

    Example: ``LbRule(frontend_port=443, backend_port=443)``.
    """

    frontend_port: int = setting(minimum=1, maximum=65534, doc="port on the frontend")
    backend_port: int = setting(
        minimum=1, maximum=65535, doc="port on each VM", default_doc="`frontendPort`", default_from="frontend_port"
    )
    protocol: LbProtocol = setting(LbProtocol.TCP, doc="")

    @property
    def key(self) -> str:
        """Stable name of the rule (and its NSG rule): adding a rule never renames another."""
        return f"{self.protocol.lower()}-{self.frontend_port}"


@dataclass(frozen=True)
class RoleAssignment:
    """One role granted to the component's identity (stack config: an item of `roleAssignments`).

    Example: ``RoleAssignment(role="Reader", scope="/subscriptions/<id>/resourceGroups/rg-app")``.
    """

    role: str = setting(
        pattern=r"\S(.*\S)?",
        pattern_doc="a built-in role name (`Reader`, `Key Vault Secrets User`, ...) or a role definition ID",
        doc="",
    )
    scope: str = setting(
        # Where a role assignment can live under a subscription: the subscription, a resource
        # group, or a resource (ARM's `{scope}` of Microsoft.Authorization/roleAssignments).
        pattern=r"(?i)/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"(/resourceGroups/[-\w.()]{1,90}(/providers/[A-Za-z0-9.]+/[^/]+/[^/]+(/[^/]+/[^/]+)*)?)?",
        pattern_doc="an Azure resource ID: /subscriptions/<guid>, plus /resourceGroups/<rg>, plus "
        "/providers/<namespace>/<type>/<name>",
        doc="",
    )


@dataclass(frozen=True)
class HealthProbe:
    """The load balancer's health probe (stack config `probe`).

    Example: ``HealthProbe(protocol="Tcp", port=22, path=None)``.
    """

    protocol: ProbeProtocol = setting(ProbeProtocol.HTTP, doc="")
    port: int = setting(80, minimum=1, maximum=65535, doc="port probed on each VM; a TCP rule's backend port")
    path: str | None = setting(
        "/",
        pattern=r"/[A-Za-z0-9._~/-]*",
        pattern_doc="`/` then letters, digits and `. _ ~ / -` (it is written into the VMs' bootstrap scripts)",
        doc="request path of Http/Https probes; none for Tcp",
        default_doc="`/` (Http, Https), none (Tcp)",
    )
    interval_seconds: int = setting(5, minimum=5, maximum=3600, doc="seconds between probes")
    probe_threshold: int = setting(2, minimum=1, maximum=100, doc="consecutive failures before a VM leaves rotation")

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

    enabled: bool = setting(False, doc="create the Log Analytics workspace, diagnostic settings and alerts")
    alert_emails: tuple[str, ...] = setting(
        (),
        pattern=r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        pattern_doc="an e-mail address",
        unique=True,
        doc="where alerts go (needs `enabled: true`); none: alerts fire in the portal only",
        example="[ops@example.com]",
    )
    retention_days: int = setting(
        30, minimum=30, maximum=730, why="Log Analytics", doc="log retention in days (30 is included in the price)"
    )
    guest: bool = setting(
        False,
        doc="the Azure Monitor Agent on every VM, one data collection rule (performance counters; syslog or Windows "
        "events at warning and above) and alerts on CPU, memory and OS disk space per VM (needs `enabled: true`)",
    )


@dataclass(frozen=True)
class MaintenanceWindow:
    """When Azure Update Manager patches the VMs (stack config `maintenance`): a maintenance
    configuration of scope `InGuestPatch` assigned to every VM. Without it, Azure patches them
    itself (`AutomaticByPlatform`, off-peak, availability-first).

    Example: ``MaintenanceWindow(start_date_time="2026-12-05 22:00", recur_every="Week Saturday")``.
    """

    start_date_time: str = setting(
        pattern=r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}",
        pattern_doc="a date and time, yyyy-MM-dd HH:mm",
        doc="the first window's start, in `timeZone`",
        example="2026-12-05 22:00",
    )
    duration: str = setting(
        "03:55",
        pattern=r"\d{2}:\d{2}",
        pattern_doc="a duration, HH:mm",
        doc="how long each window lasts: 01:30 to 03:55 for in-guest patching",
    )
    recur_every: str = setting(
        "Week Saturday",
        doc="`Day`, `<n>Days`, `Week <days>`, `<n>Weeks <days>`, `Month day<n>[,day<n>]`, "
        "`Month <First|Second|Third|Fourth|Last> <day> [Offset<-6..6>]`; not hourly",
    )
    time_zone: str = setting("UTC", doc="a Windows time zone ID (`UTC`, `W. Europe Standard Time`, ...)")
    reboot: RebootSetting = setting(RebootSetting.IF_REQUIRED, doc="whether the window reboots the VMs")
    classifications: list[PatchClassification] = setting(
        [PatchClassification.CRITICAL, PatchClassification.SECURITY],
        min_items=1,
        unique=True,
        doc="update classifications to install, of the VMs' OS",
    )


@dataclass(frozen=True)
class ScaleSetSettings:
    """The Flexible scale set and its autoscale (placement `scaleSet`; stack config
    `scaleSet`). Example: ``ScaleSetSettings(min_count=2, max_count=20)``.

    Rolling upgrades: a model change (image, bootstrap, size) reaches the instances batch by
    batch, each batch gated on the Application Health signal:
    https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-configure-rolling-upgrades
    (ranges from the Compute REST spec, RollingUpgradePolicy).
    """

    min_count: int = setting(2, minimum=MIN_VMS, maximum=MAX_SCALE_SET, doc="fewest instances autoscale keeps")
    max_count: int = setting(
        10,
        minimum=MIN_VMS,
        maximum=MAX_SCALE_SET,
        doc="most instances autoscale adds; with one MaxSurge batch, the size of the admin NAT port range and of "
        "the subnet check",
    )
    default_count: int = setting(
        2, minimum=MIN_VMS, maximum=MAX_SCALE_SET, doc="instances at creation and when metrics are missing"
    )
    scale_out_cpu_percent: int = setting(
        70, minimum=1, maximum=100, doc="average CPU % over 5 minutes above which one instance is added"
    )
    scale_in_cpu_percent: int = setting(
        30,
        minimum=0,
        maximum=99,
        doc="average CPU % over 5 minutes below which one instance is removed; below scaleOutCpuPercent",
    )
    cooldown_minutes: int = setting(
        5, minimum=1, maximum=10080, why="a week", doc="minutes to wait after a scale action"
    )
    rolling_batch_percent: int = setting(20, minimum=5, maximum=100, doc="share of instances upgraded per batch")
    rolling_max_unhealthy_percent: int = setting(
        20, minimum=5, maximum=100, doc="the upgrade stops when more than this share of all instances is unhealthy"
    )
    rolling_max_unhealthy_upgraded_percent: int = setting(
        20,
        minimum=0,
        maximum=100,
        doc="the upgrade stops when more than this share of upgraded instances is unhealthy",
    )
    rolling_pause_minutes: int = setting(
        2, minimum=0, maximum=60, doc="minutes between batches, so a batch takes traffic before the next one goes"
    )
    rolling_max_surge: bool = setting(
        True, doc="create each batch's new instances before deleting the old ones, so capacity never drops"
    )


@dataclass(frozen=True)
class DataDisk:
    """An empty managed data disk on every VM or scale-set instance (stack config: an item of
    `dataDisks`). Example: ``DataDisk(lun=0, size_gb=128)``.

    Sizes and types: https://learn.microsoft.com/azure/virtual-machines/disks-types (4 GiB, the
    smallest tier, to 32,767 GiB); host caching is not supported from 4,096 GiB on
    (https://learn.microsoft.com/azure/virtual-machines/premium-storage-performance#disk-caching).
    """

    lun: int = setting(minimum=0, maximum=63, doc="the disk's logical unit number on the VM, unique per VM")
    size_gb: int = setting(minimum=4, maximum=32767, doc="size in GiB")
    type: OsDiskType = setting(OsDiskType.STANDARD_SSD_LRS, doc="")
    caching: DiskCaching = setting(DiskCaching.NONE, doc="")


@dataclass(frozen=True)
class VmImage:
    """The image of every VM or scale-set instance (stack config `image`): a marketplace image
    (`publisher`, `offer`, `sku`, `version`) or an Azure Compute Gallery image in the
    subscription (`id`). Example: ``VmImage(publisher="Canonical", offer="ubuntu-24_04-lts",
    sku="server")``.

    Either the three marketplace names or `id`, never both (rules.py `image_is_one_kind`).
    Azure checks at `pulumi up` that the image exists, matches `osType` and, with
    `trustedLaunch`, is Gen2 (Compute REST spec, ImageReference; the names:
    https://learn.microsoft.com/azure/virtual-machines/linux/cli-ps-findimage).
    """

    publisher: str | None = setting(None, pattern=r"\S+", pattern_doc="a marketplace publisher", doc="")
    offer: str | None = setting(None, pattern=r"\S+", pattern_doc="a marketplace offer", doc="")
    sku: str | None = setting(None, pattern=r"\S+", pattern_doc="a marketplace SKU", doc="")
    version: str = setting(
        "latest",
        # Marketplace versions are Major.Minor.Build (ImageReference.version in the Compute REST spec).
        pattern=r"latest|\d+\.\d+\.\d+",
        pattern_doc="`latest` or Major.Minor.Build",
        doc="",
    )
    id: str | None = setting(
        None,
        # An image version, or an image definition for its latest version (ImageReference.id).
        pattern=r"(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/galleries/[^/]+"
        r"/images/[^/]+(/versions/[^/]+)?",
        pattern_doc="a gallery image version ID (/subscriptions/<id>/resourceGroups/<rg>/providers/"
        "Microsoft.Compute/galleries/<gallery>/images/<definition>/versions/<version>) or image definition ID "
        "(its latest version)",
        doc="",
    )


@dataclass
class MultiVmLoadBalancedArgs:
    """Arguments of `MultiVmLoadBalanced`. Every field has a working, secure default
    except the credential: Linux needs `ssh_public_key`.

    The stack-config key of each field is its camelCase name (`vm_count` -> `vmCount`).
    """

    os_type: OsType = setting(
        OsType.LINUX, doc="Ubuntu 24.04 LTS (SSH keys) or Windows Server 2025 Azure Edition (admin password)"
    )
    image: VmImage | None = setting(
        None,
        doc="a marketplace image or a Compute Gallery image of `osType` (Gen2 with `trustedLaunch`); a change "
        "replaces every VM create-first (a scale set rolls it). See Images",
        default_doc="the `osType` image above",
        example="{publisher: Canonical, offer: ubuntu-24_04-lts, sku: server}",
    )
    vm_count: int = setting(
        2,
        minimum=MIN_VMS,
        maximum=MAX_VMS,
        why=f"two for the availability-set SLA; Azure caps a set at {MAX_VMS}",
        doc=f"at most {MAX_AVSET_VMS} with placement `availabilitySet` (two for the availability-set SLA; a change "
        f"replaces VMs create-first, so the set briefly holds twice vmCount, and Azure caps a set at {MAX_VMS})",
    )
    vm_size: str = setting(
        "Standard_D2s_v5",
        pattern=r"[A-Za-z][A-Za-z0-9_]{2,63}",
        pattern_doc="an Azure VM size name, e.g. Standard_D2s_v5",
        doc="must support Trusted Launch (unless `trustedLaunch: false`) and Premium storage if `osDiskType` is "
        "Premium",
    )
    admin_username: str = setting(
        "azureuser",
        doc="1-32 characters (Linux: lower case) or 1-20 (Windows); letters, digits, `_ . -`; not a reserved name "
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
    )
    # A plain string, not an Output: the vault's group and name are parsed from it.
    key_vault_id: str | None = setting(
        None,
        # Vault names: 3-24 letters, digits and dashes, starting with a letter, ending with a
        # letter or digit, no two dashes in a row ("Vault name and Managed HSM pool name",
        # https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#objects-identifiers-and-versioning).
        pattern=r"(?i)/subscriptions/[^/]+/resourceGroups/[-\w.()]{0,89}[-\w()]/providers/Microsoft\.KeyVault"
        r"/vaults/(?=[a-z0-9-]{3,24}$)[a-z](?!.*--)[a-z0-9-]*[a-z0-9]",
        pattern_doc="a Key Vault's resource ID (/subscriptions/<id>/resourceGroups/<rg>/providers/"
        "Microsoft.KeyVault/vaults/<name>; the name 3-24 letters, digits or '-', starting with a letter, ending "
        "with a letter or digit, no '--')",
        doc="Windows only: an existing Key Vault that also gets the admin password, as the secret "
        "`<namePrefix or component name>-admin-password` (see Security)",
        default_doc="none",
    )
    admin_source_prefixes: list[str] = setting(
        [],
        unique=True,
        doc="IPv4 addresses or CIDRs that may reach the NAT admin ports; never `*`, `Internet`, `0.0.0.0/0`; "
        "only with `adminAccess: nat`",
        default_doc="`[]` (nobody)",
        example='["203.0.113.7", "198.51.100.0/24"]',
    )
    admin_access: AdminAccess | None = setting(
        None,
        doc="`nat`: a NAT port per VM on the public IP, open to `adminSourcePrefixes` only; `bastion`: Azure "
        "Bastion Standard, no admin port on the public IP, VMs admit SSH/RDP only from the Bastion subnet; "
        "`none`: no admin path at all",
        default_doc="`nat` (public), `none` (internal)",
    )
    bastion_subnet_prefix: str = setting(
        "10.0.2.0/26",
        doc="with `adminAccess: bastion`: the `AzureBastionSubnet`, /26 or larger, inside the VNet, clear of "
        "`subnetPrefix`",
    )
    web_source_prefixes: list[str] | None = setting(
        None,
        min_items=1,
        unique=True,
        doc="IPv4 addresses, CIDRs or service tags (`AzureFrontDoor.Backend`, ...) the load-balanced ports are "
        "open to; not `*`",
        default_doc='`["Internet"]` (public), `["VirtualNetwork"]` (internal)',
        example='["203.0.113.7", "198.51.100.0/24"]',
    )
    placement: Placement = setting(
        Placement.AVAILABILITY_SET,
        doc="N VMs in one availability set; N VMs spread over `zones` (no availability set, zone-redundant "
        'frontend); or a Flexible scale set with autoscale. See "Placement"',
    )
    zones: list[Zone] = setting(
        [Zone(z) for z in AZURE_ZONES],
        unique=True,
        doc="`zones` and `scaleSet` only (a scale set with `[]` spreads over fault domains)",
        example='["1", "2", "3"]',
    )
    scale_set: ScaleSetSettings = setting(
        ScaleSetSettings(),
        doc="`scaleSet` placement only: minCount <= defaultCount <= maxCount; scale-in below scale-out. The admin "
        "NAT port range and the subnet hold maxCount plus one MaxSurge batch. Rolling upgrades of model changes: "
        "not every instance in one batch without `rollingMaxSurge` (new instances before old ones go).",
        example="{minCount: 2, maxCount: 10, defaultCount: 2}",
    )
    frontend_type: FrontendType = setting(
        FrontendType.PUBLIC,
        doc="a Standard static public IP, or a private frontend on the VMs' subnet, no public IP; an internal "
        "tier on a created subnet gets out through a NAT gateway, or, spread over zones, through an "
        "outbound-only load balancer on a zone-redundant public IP",
    )
    frontend_private_ip: str | None = setting(
        None,
        doc="internal only: a static IPv4 address, usable in `subnetPrefix` (not the first four or the last)",
        default_doc="none (dynamic)",
    )
    subnet_id: pulumi.Input[str] | None = setting(
        None,
        pattern=r"(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+"
        r"/subnets/[^/]+",
        pattern_doc="a subnet resource ID (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/"
        "virtualNetworks/<vnet>/subnets/<name>)",
        doc="then `vnetAddressSpace`/`subnetPrefix` are not used, the NSG goes on each NIC, `adminAccess: bastion` "
        "is not available, and egress of an internal tier is the subnet's (NAT gateway)",
        default_doc="none (a VNet is created)",
    )
    encryption_at_host: bool = setting(
        False,
        doc="`true` encrypts temp disks and caches on the host; register the feature first (see Security)",
    )
    nat_frontend_port_start: int = setting(
        50001,
        minimum=1,
        maximum=65534,
        doc="first port of the admin NAT rule's range (NAT rule V2): 400 ports (a scale set: more if maxCount + "
        "one MaxSurge batch is larger), one per VM as Azure assigns them (see adminEndpoints); the range must stay "
        "within 1-65534 and miss the `lbRules` TCP frontend ports",
    )
    lb_rules: list[LbRule] = setting(
        [LbRule(frontend_port=80, backend_port=80, protocol=LbProtocol.TCP)],
        min_items=1,
        max_items=100,
        doc="no repeated frontend or backend port per protocol; not the admin port",
        example="[{frontendPort: 80, backendPort: 80, protocol: Tcp}]",
    )
    probe: HealthProbe = setting(
        HealthProbe(),
        doc="Http/Https probes need a `path` and not ports 19, 21, 25, 70, 110, 119, 143, 220, 993; Tcp probes "
        "have no path; the port must be a TCP rule's backend port.",
        example="{protocol: Http, port: 80, path: /}",
    )
    vnet_address_space: str = setting("10.0.0.0/16", doc="an IPv4 CIDR, /8 to /29")
    subnet_prefix: str = setting(
        "10.0.1.0/24",
        doc="/2 to /29 inside the VNet, with room for twice `vmCount` (scale set: maxCount + one MaxSurge batch) "
        "+ 5 addresses Azure reserves",
    )
    dns_label: str | None = setting(
        None,
        pattern=r"[a-z][a-z0-9-]{1,61}[a-z0-9]",
        pattern_doc="3-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit",
        doc="gives `<label>.<region>.cloudapp.azure.com`",
    )
    tags: dict[str, str] = setting(
        {},
        max_items=50,
        why="Azure allows at most 50 per resource",
        doc="string tags, put on every resource",
        example="{environment: dev, owner: platform-team}",
    )
    name_prefix: str | None = setting(
        None,
        # Lowercase letters, digits and '-' fit every type's character rules (naming.py).
        pattern=r"[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?",
        pattern_doc="1-40 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit",
        doc="Azure names by the Cloud Adoption Framework's abbreviations around it (`vm-<prefix>-1-<generation>`, "
        "`lbe-<prefix>`, `nsg-<prefix>` ...), each checked against its type's length rule (a Windows computer "
        "name `<prefix>-<n>` has 15 characters). Choose it before the first deployment: see Names",
        default_doc="none (auto-named)",
        example="web-prod-weu",
    )
    resource_group_name: pulumi.Input[str] | None = setting(
        None,
        pattern=r"[-\w.()]{0,89}[-\w()]",
        pattern_doc="1-90 letters, digits, '_', '-', '.', '(' or ')', not ending with '.'",
        doc="an existing resource group to deploy into",
        default_doc="none (a group is created)",
    )
    os_disk_type: OsDiskType = setting(OsDiskType.STANDARD_SSD_LRS, doc="")
    data_disks: list[DataDisk] = setting(
        [],
        max_items=64,
        doc="empty managed disks created with each VM (and in the scale set's model) and deleted with it: a "
        "replaced VM starts with new, empty disks, so keep only what the tier can rebuild on them (caches, "
        "scratch space, local copies). LUNs unique; caching `None` from 4,096 GiB on. See Data disks",
        example="[{lun: 0, sizeGb: 128, type: Premium_LRS, caching: ReadOnly}]",
    )
    trusted_launch: bool = setting(True, doc="`false` only for a size without Trusted Launch support")
    fault_domain_count: int = setting(2, minimum=1, maximum=3, doc="some regions have only 2")
    update_domain_count: int = setting(5, minimum=1, maximum=20, doc="")
    workload: Workload | None = setting(
        None,
        doc="nginx by cloud-init, IIS by the Custom Script Extension, nothing (bring your own; the probe fails "
        "until something answers), or your `workloadFile`. The built-in servers listen on HTTP port 80, so the "
        "probe must be Http or Tcp on port 80",
        default_doc="`nginx` on Linux, `iis` on Windows",
    )
    monitoring: MonitoringSettings = setting(
        MonitoringSettings(),
        doc="See Monitoring.",
        example="{enabled: true, alertEmails: [ops@example.com], retentionDays: 30, guest: true}",
    )
    maintenance: MaintenanceWindow | None = setting(
        None,
        doc="a patch window for the VMs (Azure Update Manager). See Patching",
        default_doc="none (Azure patches when it chooses, availability-first)",
        example="{startDateTime: '2026-12-05 22:00', duration: '03:55', recurEvery: Week Saturday, timeZone: UTC}",
    )
    identity_id: pulumi.Input[str] | None = setting(
        None,
        pattern=r"(?i)/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity"
        r"/userAssignedIdentities/[^/]+",
        pattern_doc="a user-assigned identity's resource ID (/subscriptions/<id>/resourceGroups/<rg>/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/<name>)",
        doc="an existing user-assigned managed identity that every VM or scale-set instance carries instead of the "
        "created `web-identity`",
        default_doc="none (one is created)",
    )
    role_assignments: list[RoleAssignment] = setting(
        [],
        max_items=50,
        doc="roles granted to the VMs' identity (the created one or `identityId`'s); `role` is a built-in role "
        "name (components/data/builtin-roles.json) or a role definition ID; no (role, scope) pair twice",
        example="[{role: Key Vault Secrets User, scope: /subscriptions/<id>/resourceGroups/rg-app}]",
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
        if self.placement == "scaleSet":
            return max(NAT_PORTS_FIXED, self.pool_capacity)
        return NAT_PORTS_FIXED

    @property
    def nat_port_count_reason(self) -> str:
        if self.nat_port_count > NAT_PORTS_FIXED:
            return self.pool_capacity_reason
        return f"room for twice the {MAX_VMS} VMs a tier may have, so vmCount and placement never resize it"

    @property
    def nat_port_range(self) -> tuple[int, int]:
        """The admin NAT rule's frontend port range (NAT rule V2)."""
        return self.nat_frontend_port_start, self.nat_frontend_port_start + self.nat_port_count - 1


# --------------------------------------------------------------------------- derived helpers


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


def rolling_batch_size(instances: int, percent: int) -> int:
    """Instances in one rolling-upgrade batch: Azure rounds the share up, at least one."""
    return max(1, -(-instances * percent // 100))
