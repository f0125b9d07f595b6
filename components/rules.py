"""Every check of `MultiVmLoadBalancedArgs`, in one place.

1. `field_problems`: one generic check of every field against its declaration
   (components/settings.py): type, allowed values, range, pattern, items.
2. The rules that relate inputs (or need more than a declaration can say, such as an SSH
   key's wire format), each a function named for what it checks and registered with the
   keys it reads. A rule is skipped when a key it reads already has a problem, so one
   mistake is reported once.

`validate()` runs both and returns every problem as a user-facing string
("<key>: <value> <what is allowed>"), so a user fixes their config in one round; `check()`
raises them as one `ConfigError`. The component calls `check()` before it registers
anything; the loader (components/reader.py) calls `validate()` for stack config and
provider arguments.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import struct
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, is_dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pulumi

from . import naming, workload
from .settings import (
    ADMIN_PORTS,
    MAX_AVSET_VMS,
    MAX_VMS,
    PLACEMENT_KEYS,
    WEB_RULES_MAX,
    ConfigError,
    Declared,
    MultiVmLoadBalancedArgs,
    camel_case,
    declared,
    rolling_batch_size,
    web_source_groups,
)

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

_COMPONENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
_USERNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Linux accounts are created by useradd, whose default NAME_REGEX allows lower case only:
# https://learn.microsoft.com/azure/virtual-machines/linux/faq#what-are-the-username-requirements-when-creating-a-vm-
# and useradd(8) / adduser.conf(5) NAME_REGEX "^[a-z][-a-z0-9_]*$" (Azure also accepts a leading '_').
_LINUX_USERNAME = re.compile(r"^[a-z_][a-z0-9_-]*$")
_TAG_NAME_FORBIDDEN = re.compile(r"[<>%&\\?/]")
_SERVICE_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$")


def top_key(problem: str) -> str:
    """The top-level key a problem is about (`lbRules[0].protocol: ...` -> `lbRules`)."""
    return problem.split(":")[0].split(".")[0].split("[")[0]


# --------------------------------------------------------------------------- 1. fields


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _range_words(d: Declared) -> str:
    s = d.setting
    if s.minimum is not None and s.maximum is not None:
        span = f" {s.minimum}-{s.maximum}"
    elif s.minimum is not None:
        span = f" of at least {s.minimum}"
    elif s.maximum is not None:
        span = f" of at most {s.maximum}"
    else:
        span = ""
    return span + (f" ({s.why})" if s.why else "")


def _scalar_problem(d: Declared, tp: Any, value: Any, where: str) -> str | None:
    """Why one scalar (a field, or one item of a list) breaks its declaration, or None."""
    s = d.setting
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        if value not in {m.value for m in tp}:
            return f"{where}: {value!r} must be one of {', '.join(m.value for m in tp)}"
        return None
    if tp is bool:
        return None if isinstance(value, bool) else f"{where}: {value!r} must be true or false"
    if tp is int:
        ok = _is_int(value)
        ok = ok and (s.minimum is None or value >= s.minimum) and (s.maximum is None or value <= s.maximum)
        return None if ok else f"{where}: {value!r} must be an integer{_range_words(d)}"
    if tp is str:
        if not isinstance(value, str):
            return f"{where}: {value!r} must be a string"
        if s.pattern is not None and not re.fullmatch(s.pattern, value):
            return f"{where}: {value!r} must be {s.pattern_doc}"
        return None
    raise TypeError(f"{where}: no check for the declared type {tp!r}")  # a declaration bug


def _value_problems(d: Declared, value: Any, where: str) -> list[str]:
    """Every way `value` breaks the declaration `d`."""
    s = d.setting
    if value is None:
        return [] if d.optional else [f"{where}: is missing"]
    if isinstance(value, pulumi.Output | typing.Awaitable):
        if d.accepts_output:
            return []  # checked by Azure when it is known
        return [
            f"{where}: is a secret or another resource's output; the component needs a plain value here, "
            "because it decides what to create from it"
        ]
    tp = d.type
    if is_dataclass(tp):
        if not isinstance(value, typing.cast(type, tp)):
            return [f"{where}: {value!r} must be a {typing.cast(type, tp).__name__}"]
        return field_problems(value, f"{where}.")
    origin = typing.get_origin(tp)
    if origin is dict:
        if not isinstance(value, Mapping):
            return [f"{where}: {value!r} must be a map of string to string"]
        if s.max_items is not None and len(value) > s.max_items:
            return [f"{where}: {len(value)} entries; at most {s.max_items}" + (f" ({s.why})" if s.why else "")]
        return [f"{where}.{k}: {v!r} must be a string" for k, v in value.items() if not isinstance(v, str)]
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            return [f"{where}: {value!r} must be a list, e.g. {s.example}"]
        problems: list[str] = []
        if s.min_items is not None and len(value) < s.min_items:
            noun = "item" if s.min_items == 1 else "items"
            problems.append(f"{where}: {list(value)!r} must hold at least {s.min_items} {noun}, e.g. {s.example}")
        if s.max_items is not None and len(value) > s.max_items:
            problems.append(f"{where}: {len(value)} items; at most {s.max_items} are supported")
        seen: set[Any] = set()
        for i, item in enumerate(value):
            at = f"{where}[{i}]"
            if is_dataclass(d.item):
                if not isinstance(item, typing.cast(type, d.item)):
                    problems.append(f"{at}: {item!r} must be a {typing.cast(type, d.item).__name__}")
                else:
                    problems += field_problems(item, f"{at}.")
                continue
            why = _scalar_problem(d, d.item, item, at)
            if why:
                problems.append(why)
                continue
            if s.unique:
                same = item.lower() if isinstance(item, str) else item
                if same in seen:
                    problems.append(f"{at}: {item!r} is listed twice")
                seen.add(same)
        return problems
    why = _scalar_problem(d, tp, value, where)
    return [why] if why else []


def field_problems(obj: Any, prefix: str = "") -> list[str]:
    """Every field of a declared dataclass checked against its declaration, nested objects
    and list items included, each problem under its path (`lbRules[0].frontendPort`)."""
    problems: list[str] = []
    for key, d in declared(type(obj)).items():
        problems += _value_problems(d, getattr(obj, d.field.name), f"{prefix}{key}")
    return problems


# --------------------------------------------------------------------------- 2. rules


@dataclass(frozen=True)
class Rule:
    """A check that relates inputs: skipped when a key it `reads` already has a problem."""

    check: Callable[[MultiVmLoadBalancedArgs], list[str]]
    reads: frozenset[str]


RULES: list[Rule] = []


def rule(
    *reads: str,
) -> Callable[[Callable[[MultiVmLoadBalancedArgs], list[str]]], Callable[[MultiVmLoadBalancedArgs], list[str]]]:
    """Register a rule with the public keys it reads. Rules run in registration order, and
    a problem a rule reports counts for the rules after it."""

    def register(
        check: Callable[[MultiVmLoadBalancedArgs], list[str]],
    ) -> Callable[[MultiVmLoadBalancedArgs], list[str]]:
        RULES.append(Rule(check, frozenset(reads)))
        return check

    return register


# Credentials ------------------------------------------------------------------------------


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


@rule("osType", "adminUsername")
def username_is_allowed_on_the_os(a: MultiVmLoadBalancedArgs) -> list[str]:
    name = a.admin_username
    windows = a.os_type == "windows"
    max_len = 20 if windows else 32
    reserved = RESERVED_USERNAMES if windows else RESERVED_USERNAMES_LINUX
    if not 1 <= len(name) <= max_len:
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


@rule("osType", "sshPublicKey", "adminPassword")
def credentials_match_the_os(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    if a.os_type == "linux":
        if not a.ssh_public_key:
            problems.append(
                "sshPublicKey: not set; Linux VMs allow SSH keys only: "
                'pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"'
            )
        elif why := ssh_key_problem(a.ssh_public_key):
            problems.append(f"sshPublicKey: {a.ssh_public_key[:24]!r}... {why}")
        if a.admin_password is not None:
            problems.append(
                "adminPassword: is set, but Linux VMs here disable password login; "
                "remove it (pulumi config rm adminPassword)"
            )
        return problems
    if a.ssh_public_key:
        problems.append(
            "sshPublicKey: is set, but Windows VMs use adminPassword; remove it (pulumi config rm sshPublicKey)"
        )
    if isinstance(a.admin_password, str) and (why := password_problem(a.admin_password, "windows")):
        problems.append(f"adminPassword: (secret, not shown) {why}")
    return problems


# Sources ----------------------------------------------------------------------------------


def _source_problems(key: str, prefixes: Sequence[str], tags: bool) -> list[str]:
    """The one check of an NSG source list: IPv4 addresses and CIDRs (strict: no host bits),
    and with `tags` service tags too; never a spelling of "anywhere" an admin port must not
    get; no network or tag twice, however it is written (`203.0.113.7` is `203.0.113.7/32`)."""
    problems: list[str] = []
    seen: set[str] = set()
    for i, prefix in enumerate(prefixes):
        where = f"{key}[{i}]"
        if not tags and prefix.strip().lower() in ANYWHERE:
            problems.append(
                f"{where}: {prefix!r} would open the admin port to the whole Internet; "
                "list your own public IPv4 addresses or CIDRs"
            )
            continue
        if prefix.strip().lower() in ("*", "any"):
            problems.append(f"{where}: {prefix!r} must be an IPv4 address, a CIDR or a service tag (use Internet)")
            continue
        if tags and not prefix[:1].isdigit():
            if not _SERVICE_TAG.match(prefix):
                problems.append(
                    f"{where}: {prefix!r} is neither an IPv4 address/CIDR nor a service tag such as "
                    "Internet or AzureFrontDoor.Backend"
                )
            elif prefix.lower() in seen:
                problems.append(f"{where}: {prefix!r} is listed twice")
            seen.add(prefix.lower())
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
        elif net.prefixlen == 0 and not tags:
            problems.append(f"{where}: {prefix!r} is the whole Internet; not allowed for admin ports")
        elif str(net) in seen:
            problems.append(f"{where}: {prefix!r} is listed twice")
        seen.add(str(net))
    return problems


@rule("adminSourcePrefixes")
def admin_sources_are_addresses(a: MultiVmLoadBalancedArgs) -> list[str]:
    return _source_problems("adminSourcePrefixes", a.admin_source_prefixes, tags=False)


@rule("webSourcePrefixes")
def web_sources_are_addresses_or_tags(a: MultiVmLoadBalancedArgs) -> list[str]:
    return _source_problems("webSourcePrefixes", a.web_sources, tags=True)


@rule("webSourcePrefixes", "lbRules")
def web_rules_fit_their_priority_band(a: MultiVmLoadBalancedArgs) -> list[str]:
    groups = len(web_source_groups(a.web_sources))
    if groups * len(a.lb_rules) <= WEB_RULES_MAX:
        return []
    return [
        f"webSourcePrefixes: {groups} source groups (one per service tag, one for all addresses) x "
        f"{len(a.lb_rules)} lbRules = {groups * len(a.lb_rules)} NSG rules, more than the {WEB_RULES_MAX} "
        "the web priority band (200-399) holds; use fewer service tags or rules"
    ]


# Frontend and admin access ----------------------------------------------------------------


@rule("frontendType", "frontendPrivateIp", "dnsLabel")
def frontend_keys_fit_the_frontend_type(a: MultiVmLoadBalancedArgs) -> list[str]:
    if not a.internal:
        if a.frontend_private_ip is not None:
            return [f"frontendPrivateIp: {a.frontend_private_ip!r} is only used with frontendType internal"]
        return []
    problems: list[str] = []
    if a.dns_label is not None:
        problems.append(f"dnsLabel: {a.dns_label!r} needs a public IP; an internal frontend has none")
    if a.frontend_private_ip is not None:
        try:
            ipaddress.IPv4Address(a.frontend_private_ip)
        except ValueError:
            problems.append(f"frontendPrivateIp: {a.frontend_private_ip!r} is not an IPv4 address")
    return problems


@rule("adminAccess", "adminSourcePrefixes", "subnetId")
def admin_keys_fit_the_admin_access(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    if a.admin_mode != "nat" and a.admin_source_prefixes:
        problems.append(
            f"adminSourcePrefixes: is set, but adminAccess is {a.admin_mode}: there are no admin NAT "
            "ports to open; remove it or use adminAccess nat"
        )
    if a.admin_mode == "bastion" and a.subnet_id is not None:
        problems.append(
            "adminAccess: 'bastion' needs an AzureBastionSubnet in a VNet this component creates; with "
            "subnetId, put Bastion in your own VNet and use adminAccess none"
        )
    return problems


# Load-balancing rules and probe -----------------------------------------------------------


@rule("lbRules", "osType")
def lb_rule_ports_are_distinct(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    fronts: dict[tuple[str, int], int] = {}
    backs: dict[tuple[str, int], int] = {}
    for i, r in enumerate(a.lb_rules):
        where = f"lbRules[{i}]"
        front = (r.protocol, r.frontend_port)
        if front in fronts:
            problems.append(
                f"{where}: {r.protocol} frontend port {r.frontend_port} is already used by lbRules[{fronts[front]}]"
            )
        fronts.setdefault(front, i)
        back = (r.protocol, r.backend_port)
        if back in backs:
            problems.append(
                f"{where}: {r.protocol} backend port {r.backend_port} is already used by "
                f"lbRules[{backs[back]}] (Azure rejects two rules on one pool with the same "
                "protocol and backend port)"
            )
        backs.setdefault(back, i)
        if r.protocol == "Tcp" and r.backend_port == ADMIN_PORTS[a.os_type]:
            problems.append(
                f"{where}.backendPort: {r.backend_port} is the admin port; it would be open "
                "to the Internet. Admin access goes through the per-VM NAT rules"
            )
    return problems


@rule("probe")
def probe_fits_its_protocol(a: MultiVmLoadBalancedArgs) -> list[str]:
    p = a.probe
    problems: list[str] = []
    if p.protocol in ("Http", "Https"):
        if p.port in PROBE_BLOCKED_PORTS:
            problems.append(
                f"probe.port: {p.port} is refused by Azure for {p.protocol} probes "
                f"(blocked: {', '.join(map(str, sorted(PROBE_BLOCKED_PORTS)))})"
            )
        if p.path is None:
            problems.append(f"probe.path: not set; {p.protocol} probes need a path starting with '/'")
    elif p.path is not None:
        problems.append(f"probe.path: {p.path!r} is not allowed for Tcp probes; remove it")
    return problems


@rule("probe", "lbRules")
def probe_port_is_served(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.probe.protocol == "Tcp":
        return []
    served = {r.backend_port for r in a.lb_rules if r.protocol == "Tcp"}
    if a.probe.port in served:
        return []
    # Not an Azure error, but nothing would open that port in the NSG.
    return [
        f"probe.port: {a.probe.port} is not the backend port of any Tcp rule in lbRules "
        f"({', '.join(map(str, sorted(served))) or 'none'}); probe a port the VMs serve"
    ]


# Workload ---------------------------------------------------------------------------------


@rule("workload", "workloadFile", "osType", "probe")
def workload_fits_the_os_and_probe(a: MultiVmLoadBalancedArgs) -> list[str]:
    """The workload against the OS and the probe, and a custom file against what its OS
    runs (cloud-init or PowerShell) and Azure's size limits."""
    found: list[str] = []
    os_type = a.os_type
    chosen = workload.effective(a.workload, os_type)
    if chosen in workload.BUILT_IN and workload.BUILT_IN[chosen] != os_type:
        found.append(
            f"workload: {chosen!r} runs on {workload.BUILT_IN[chosen]} only; on {os_type} use "
            f"{workload.DEFAULT_FOR_OS[os_type]}, custom or none"
        )
    if chosen in workload.BUILT_IN:
        if a.probe.protocol == "Https":
            found.append(
                f"probe.protocol: 'Https' needs a TLS server, and workload {chosen} serves plain HTTP; "
                "use an Http or Tcp probe, or workload custom/none"
            )
        elif a.probe.port != 80:
            found.append(
                f"probe.port: {a.probe.port} is not served by workload {chosen}, which listens on port 80; "
                "probe port 80, or use workload custom/none"
            )
    file = a.workload_file
    if chosen != "custom":
        if file is not None:
            found.append(f"workloadFile: {file!r} is used only with workload custom; remove it or set workload: custom")
        return found
    if not file:
        return [
            *found,
            "workloadFile: not set; workload custom needs the path of your cloud-init file (linux) "
            "or .ps1 script (windows)",
        ]
    return found + _workload_file_problems(file, os_type)


def _workload_file_problems(file: str, os_type: str) -> list[str]:
    path = Path(file)
    if path.is_dir():
        return [f"workloadFile: {file!r} is a folder; give the path of a file in it"]
    if not path.is_file():
        return [f"workloadFile: {file!r} does not exist (paths are relative to the project directory)"]
    text, unreadable = workload.read_text(path)
    if unreadable:
        return [f"workloadFile: {file!r} {unreadable}"]
    found: list[str] = []
    first = text.lstrip().split("\n", 1)[0]
    if os_type == "linux":
        if broken := workload.cloud_config_problem(text):
            found.append(f"workloadFile: {file!r} {broken}")
        if not (first.startswith("#cloud-config") or first.startswith("#!")):
            found.append(
                f"workloadFile: {file!r} is not a cloud-init file for linux: its first line must be "
                "'#cloud-config' or a '#!' script"
            )
        size = len(text.encode("utf-8"))
        if size > workload.CUSTOM_DATA_MAX_BYTES:
            found.append(
                f"workloadFile: {file!r} is {size} bytes; Azure's customData holds at most "
                f"{workload.CUSTOM_DATA_MAX_BYTES}"
            )
        return found
    if path.suffix.lower() != ".ps1" or first.startswith("#cloud-config") or first.startswith("#!"):
        found.append(f"workloadFile: {file!r} is not a PowerShell script (.ps1) for windows")
    length = len(workload.encoded_command(text))
    if length > workload.COMMAND_LINE_MAX:
        found.append(
            f"workloadFile: {file!r} makes a {length}-character command line; Windows allows "
            f"{workload.COMMAND_LINE_MAX} (keep the script under about "
            f"{(workload.COMMAND_LINE_MAX - len(workload.POWERSHELL)) * 3 // 8} characters, "
            "or have it download the rest)"
        )
    return found


# Network ----------------------------------------------------------------------------------


def _cidr(key: str, text: str, low: int, high: int, what: str) -> tuple[ipaddress.IPv4Network | None, list[str]]:
    """An IPv4 CIDR of prefix length `low`-`high`, or the problem with it."""
    try:
        net = ipaddress.IPv4Network(text, strict=True)
    except ValueError as err:
        return None, [f"{key}: {text!r} is not an IPv4 CIDR ({err}); example: {what}"]
    if not low <= net.prefixlen <= high:
        return None, [f"{key}: {text!r} must be a /{low} to /{high}"]
    return net, []


@rule("subnetId", "vnetAddressSpace", "subnetPrefix", "vmCount", "placement", "scaleSet")
def created_subnet_fits_the_pool(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.subnet_id is not None:
        return []  # vnetAddressSpace and subnetPrefix are not used
    vnet, problems = _cidr("vnetAddressSpace", a.vnet_address_space, 8, 29, "10.0.0.0/16")
    subnet, more = _cidr("subnetPrefix", a.subnet_prefix, 2, 29, "10.0.1.0/24")
    problems += more
    if subnet is None:
        return problems
    if vnet is not None and not subnet.subnet_of(vnet):
        problems.append(f"subnetPrefix: {a.subnet_prefix!r} is not inside vnetAddressSpace {a.vnet_address_space!r}")
    usable = subnet.num_addresses - AZURE_RESERVED_SUBNET_ADDRESSES
    if usable < a.pool_capacity:
        problems.append(
            f"subnetPrefix: {a.subnet_prefix!r} holds {usable} VMs (Azure reserves "
            f"{AZURE_RESERVED_SUBNET_ADDRESSES} addresses) but the pool can hold {a.pool_capacity} at once "
            f"({a.pool_capacity_reason}); use a larger subnet"
        )
    return problems


@rule("frontendType", "frontendPrivateIp", "subnetId", "subnetPrefix")
def frontend_ip_is_usable_in_the_subnet(a: MultiVmLoadBalancedArgs) -> list[str]:
    if not a.internal or a.frontend_private_ip is None or a.subnet_id is not None:
        return []
    address = ipaddress.IPv4Address(a.frontend_private_ip)
    subnet = ipaddress.IPv4Network(a.subnet_prefix)
    offset = int(address) - int(subnet.network_address)
    if address in subnet and offset >= 4 and address != subnet.broadcast_address:
        return []
    return [
        f"frontendPrivateIp: {a.frontend_private_ip!r} must be a usable address of subnetPrefix "
        f"{a.subnet_prefix!r} (Azure reserves the first four and the last)"
    ]


@rule("adminAccess", "bastionSubnetPrefix", "vnetAddressSpace", "subnetPrefix")
def bastion_subnet_fits_the_vnet(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.admin_mode != "bastion":
        return []
    bastion, problems = _cidr("bastionSubnetPrefix", a.bastion_subnet_prefix, 0, 26, "10.0.2.0/26")
    if problems:
        if "must be a /" in problems[0]:
            return [
                f"bastionSubnetPrefix: {a.bastion_subnet_prefix!r} is too small; Azure Bastion needs a /26 or larger"
            ]
        return problems
    assert bastion is not None
    # Both are valid CIDRs here: the rule that checks them ran first, and this one reads them.
    vnet, subnet = ipaddress.IPv4Network(a.vnet_address_space), ipaddress.IPv4Network(a.subnet_prefix)
    if not bastion.subnet_of(vnet):
        return [
            f"bastionSubnetPrefix: {a.bastion_subnet_prefix!r} is not inside vnetAddressSpace {a.vnet_address_space!r}"
        ]
    if bastion.overlaps(subnet):
        return [f"bastionSubnetPrefix: {a.bastion_subnet_prefix!r} overlaps subnetPrefix {a.subnet_prefix!r}"]
    return []


@rule("adminAccess", "natFrontendPortStart", "lbRules", "vmCount", "placement", "scaleSet")
def nat_range_fits_the_ports(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.admin_mode != "nat":
        return []  # no admin NAT rule, so no range to fit
    start, count = a.nat_frontend_port_start, a.nat_port_count
    _, end = a.nat_port_range
    if end > 65534:
        return [
            f"natFrontendPortStart: {start} + {count} ports ({a.nat_port_count_reason}) - 1 = {end} is past "
            f"65534; use a start of at most {65535 - count}"
        ]
    clashes = sorted(r.frontend_port for r in a.lb_rules if r.protocol == "Tcp" and start <= r.frontend_port <= end)
    if clashes:
        return [
            f"natFrontendPortStart: the NAT range {start}-{end} ({a.nat_port_count_reason}) overlaps the TCP "
            f"frontend port(s) {', '.join(map(str, clashes))} of lbRules; move one of them"
        ]
    return []


# Placement --------------------------------------------------------------------------------


@rule("vmCount", "placement")
def vm_count_fits_an_availability_set(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.placement != "availabilitySet" or a.vm_count <= MAX_AVSET_VMS:
        return []
    return [
        f"vmCount: {a.vm_count} is more than {MAX_AVSET_VMS} with placement availabilitySet: a change "
        f"replaces each VM create-first, so the set would hold {2 * a.vm_count} VMs at once, past Azure's "
        f"{MAX_VMS} per availability set; use at most {MAX_AVSET_VMS}, or placement zones or scaleSet"
    ]


@rule("placement", "zones")
def zones_placement_has_zones(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.placement == "zones" and not a.zones:
        return ["zones: [] needs at least one zone with placement zones"]
    return []


@rule("scaleSet")
def scale_set_counts_are_ordered(a: MultiVmLoadBalancedArgs) -> list[str]:
    s = a.scale_set
    if s.min_count <= s.default_count <= s.max_count:
        return []
    return [
        f"scaleSet: minCount {s.min_count} <= defaultCount {s.default_count} <= maxCount {s.max_count} does not hold"
    ]


@rule("scaleSet")
def scale_in_is_below_scale_out(a: MultiVmLoadBalancedArgs) -> list[str]:
    s = a.scale_set
    if s.scale_in_cpu_percent < s.scale_out_cpu_percent:
        return []
    return [
        f"scaleSet.scaleInCpuPercent: {s.scale_in_cpu_percent} must be below scaleOutCpuPercent "
        f"{s.scale_out_cpu_percent}, or the set would scale out and in forever"
    ]


@rule("scaleSet")
def a_rolling_batch_leaves_capacity(a: MultiVmLoadBalancedArgs) -> list[str]:
    s = a.scale_set
    if s.rolling_max_surge or rolling_batch_size(s.min_count, s.rolling_batch_percent) < s.min_count:
        return []
    return [
        f"scaleSet.rollingBatchPercent: {s.rolling_batch_percent} upgrades all {s.min_count} instances "
        "(minCount) in one batch without rollingMaxSurge, taking the service down; use at most "
        f"{(s.min_count - 1) * 100 // s.min_count} or set rollingMaxSurge: true"
    ]


def keys_fit_the_placement(a: MultiVmLoadBalancedArgs, given: Collection[str]) -> list[str]:
    """A key that only another placement reads is reported when it differs from its default,
    or when the caller set it at all (`given`: the loader knows which keys a stack file or a
    component call wrote, even when the value equals the default)."""
    defaults = MultiVmLoadBalancedArgs()

    def set_(name: str) -> bool:
        return name in given or getattr(a, name) != getattr(defaults, name)

    problems: list[str] = []
    if a.placement == "availabilitySet" and set_("zones"):
        problems.append(f"zones: {a.zones!r} is used only with placement zones or scaleSet")
    if a.placement != "scaleSet" and set_("scale_set"):
        problems.append("scaleSet: is set, but placement is not scaleSet; remove it or set placement: scaleSet")
    if a.placement == "scaleSet" and set_("vm_count"):
        problems.append(f"vmCount: {a.vm_count!r} is not used with placement scaleSet; set scaleSet.defaultCount")
    if a.placement != "availabilitySet" and set_("update_domain_count"):
        problems.append(f"updateDomainCount: {a.update_domain_count!r} is used only with placement availabilitySet")
    if a.vm_zones and set_("fault_domain_count"):
        problems.append(
            f"faultDomainCount: {a.fault_domain_count!r} is not used when zones spread the VMs; "
            "remove it (or set zones: [] for a scale set spread over fault domains)"
        )
    return problems


# Data disks -------------------------------------------------------------------------------

#: Azure caches no disk of 4 TiB or more on the host (premium-storage-performance#disk-caching).
UNCACHED_FROM_GB = 4096


@rule("dataDisks")
def data_disks_fit_azure(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    luns: dict[int, int] = {}
    for i, disk in enumerate(a.data_disks):
        if disk.lun in luns:
            problems.append(f"dataDisks[{i}].lun: {disk.lun} is already the LUN of dataDisks[{luns[disk.lun]}]")
        luns.setdefault(disk.lun, i)
        if disk.size_gb >= UNCACHED_FROM_GB and disk.caching != "None":
            problems.append(
                f"dataDisks[{i}].caching: {disk.caching!r} is not supported for a disk of {disk.size_gb} GiB; "
                f"Azure caches disks under {UNCACHED_FROM_GB} GiB only: use None"
            )
    return problems


# Names ------------------------------------------------------------------------------------


@rule("namePrefix", "osType", "vmCount", "placement", "dataDisks", "frontendType", "monitoring", "maintenance")
def names_fit_azure(a: MultiVmLoadBalancedArgs) -> list[str]:
    """Every name the prefix gives, at its longest, within its type's length (naming.py)."""
    return [
        f"namePrefix: {a.name_prefix!r} gives the {what} {name!r}, {len(name)} characters; Azure allows "
        f"{limit} (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)"
        for what, name, limit in naming.names_of(a)
        if len(name) > limit
    ]


# Image ------------------------------------------------------------------------------------

# A marketplace SKU that names generation 1 (Canonical's `ubuntu-24_04-lts:server-gen1`):
# Trusted Launch boots Gen2 (UEFI) images only
# (https://learn.microsoft.com/azure/virtual-machines/trusted-launch#limitations). Many Gen1
# SKUs name no generation (`22_04-lts`, `2022-datacenter`): those, and gallery images, are left
# to Azure, which refuses them at `pulumi up`.
_GEN1_SKU = re.compile(r"(?i)(^|[-_])gen1($|[-_])")


@rule("image", "trustedLaunch")
def image_is_one_kind(a: MultiVmLoadBalancedArgs) -> list[str]:
    image = a.image
    if image is None:
        return []
    marketplace = [n for n in ("publisher", "offer", "sku") if getattr(image, n) is not None]
    if image.id is not None and marketplace:
        return [
            f"image: {', '.join(marketplace)} and id are both set; give a marketplace image "
            "(publisher, offer, sku) or a gallery image (id), not both"
        ]
    if image.id is not None:
        if image.version != "latest":
            return ["image.version: is for marketplace images; a gallery image's version is in its id"]
        return []
    if len(marketplace) < 3:
        missing = [n for n in ("publisher", "offer", "sku") if n not in marketplace]
        return [
            f"image: {', '.join(missing)} missing; give a marketplace image (publisher, offer, sku) "
            "or a gallery image (id)"
        ]
    if a.trusted_launch and _GEN1_SKU.search(image.sku or ""):
        return [
            f"image.sku: {image.sku!r} is a generation 1 image; Trusted Launch needs a Gen2 image "
            "(or set trustedLaunch: false)"
        ]
    return []


# Tags and monitoring ----------------------------------------------------------------------


@rule("tags")
def tag_names_are_allowed(a: MultiVmLoadBalancedArgs) -> list[str]:
    problems: list[str] = []
    for k, v in a.tags.items():
        if not isinstance(k, str) or not 1 <= len(k) <= 512 or _TAG_NAME_FORBIDDEN.search(k):
            problems.append(f"tags: name {k!r} must be 1-512 characters without < > % & \\ ? /")
        if len(v) > 256:
            problems.append(f"tags.{k}: {v!r} must be a string of at most 256 characters")
    return problems


@rule("monitoring")
def alerts_need_monitoring(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.monitoring.alert_emails and not a.monitoring.enabled:
        return ["monitoring.alertEmails: is set, but monitoring.enabled is false; nothing would alert"]
    return []


@rule("monitoring")
def guest_monitoring_needs_the_workspace(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.monitoring.guest and not a.monitoring.enabled:
        return ["monitoring.guest: is true, but monitoring.enabled is false; the agents would have no workspace"]
    return []


@rule("roleAssignments")
def role_assignments_name_known_roles(a: MultiVmLoadBalancedArgs) -> list[str]:
    from .roles import role_problem

    found = []
    for i, ra in enumerate(a.role_assignments):
        if (why := role_problem(ra.role)) is not None:
            found.append(f"roleAssignments[{i}].role: {ra.role!r} {why}")
    return found


@rule("roleAssignments")
def role_assignments_are_not_repeated(a: MultiVmLoadBalancedArgs) -> list[str]:
    from .roles import role_guid

    # Azure refuses a second assignment of one role to one principal at one scope
    # ("RoleAssignmentExists"); a name and its definition ID are the same role.
    seen: dict[tuple[str | None, str], int] = {}
    found = []
    for i, ra in enumerate(a.role_assignments):
        pair = (role_guid(ra.role), ra.scope.lower().rstrip("/"))
        if pair[0] is not None and pair in seen:
            found.append(
                f"roleAssignments[{i}]: role {ra.role!r} at scope {ra.scope!r} repeats roleAssignments[{seen[pair]}]"
            )
        seen.setdefault(pair, i)
    return found


@rule("keyVaultId", "osType")
def key_vault_needs_a_password(a: MultiVmLoadBalancedArgs) -> list[str]:
    # Linux VMs sign in with SSH keys only (profile.py): no password exists to store.
    if a.key_vault_id is not None and a.os_type == "linux":
        return ["keyVaultId: there is no admin password to store on Linux (SSH keys only); remove keyVaultId"]
    return []


# Patch windows ----------------------------------------------------------------------------
# Azure's rules for an in-guest patch window, with their sources: components/maintenance.py.


@rule("maintenance", "placement")
def patch_window_needs_single_vms(a: MultiVmLoadBalancedArgs) -> list[str]:
    if a.maintenance is None or a.placement != "scaleSet":
        return []
    return [
        "maintenance: is set, but Azure Update Manager does not patch Virtual Machine Scale Sets "
        "(https://learn.microsoft.com/azure/update-manager/unsupported-workloads); remove it (the scale set's "
        "instances keep automatic guest patching), or use placement availabilitySet or zones"
    ]


@rule("maintenance", "osType")
def patch_window_fits_azure(a: MultiVmLoadBalancedArgs) -> list[str]:
    # One rule for the window and its classifications, so that all of it is reported at once.
    from .maintenance import classification_problems, window_problems

    w = a.maintenance
    return [*window_problems(w), *classification_problems(w, a.os_type)] if w is not None else []


# Patch windows (end) ----------------------------------------------------------------------


# --------------------------------------------------------------------------- validate


def validate(args: MultiVmLoadBalancedArgs, name: str = "web", given: Collection[str] = ()) -> list[str]:
    """Every problem with `args` (and the component `name`), as user-facing strings.
    `given` names the fields the caller set (see `keys_fit_the_placement`)."""
    problems: list[str] = []
    if not isinstance(name, str) or not _COMPONENT_NAME.match(name):
        problems.append(
            f"component name: {name!r} must be 1-40 letters, digits or '-', starting with a "
            "letter or digit (it prefixes every Azure name)"
        )
    if not isinstance(args, MultiVmLoadBalancedArgs):
        return [*problems, f"args: {args!r} must be a MultiVmLoadBalancedArgs"]
    problems += field_problems(args)
    bad = {top_key(p) for p in problems}
    for r in RULES:
        if r.reads & bad:
            continue
        found = r.check(args)
        problems += found
        bad |= {top_key(p) for p in found}
    if not ({"placement"} | {camel_case(k) for k in PLACEMENT_KEYS}) & bad:
        problems += keys_fit_the_placement(args, given)
    return problems


def check(args: MultiVmLoadBalancedArgs, name: str = "web") -> None:
    """Raise one `ConfigError` listing every problem; return quietly if there is none."""
    problems = validate(args, name)
    if problems:
        raise ConfigError(problems)
