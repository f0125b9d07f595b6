"""Offline plan: what a stack would deploy, from the real program on the mock engine.

    python -m offline.plan [--stack dev] [--set key=value ...] [--secret key=value ...]
                           [--throwaway-ssh-key KEY ...] [--json FILE] [--svg FILE]
                           [--diff OLD.json [--parallel N]] [--policy-pack DIR ...] [--quiet]

Config is merged as the Pulumi CLI would (Pulumi.yaml defaults, Pulumi.<stack>.yaml,
then --set). Secret values come from --secret or from PLAN_SECRET_<key> environment
variables and are never printed; a --json plan holds only their salted hashes, which --diff
compares (offline/changes.py). No Azure account, no Pulumi CLI, no network.

An SSH public key is the user's to set, so a stack file often has none; --throwaway-ssh-key
KEY lets the plan stand in a throw-away ed25519 key of its own for config KEY where nothing
sets it and the program cannot run without it (`throwaway_ssh_key`), and says so.

A bare --json or --diff file name (`--json old.json`) means the project's ignored build/
folder (`<project>/build/old.json`); a path with a folder (`./old.json`) is taken as given.

Exit codes: 0 fine; 2 a bad config, file or program; 3 a mandatory policy violated
(--policy-strict); 4 with --diff, a change that Azure would refuse in part or that leaves no
VM in rotation. A failed run's last line on stderr says which (`plan: exit 4 (unsafe
change)`), since `make plan` itself can only exit 2.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from offline import azure_types, changes, diagram, engine, policies, stackfile

ROOT = Path(__file__).resolve().parent.parent
SECRET_ENV_PREFIX = "PLAN_SECRET_"
MASK = "[secret]"


class PlanError(Exception):
    """A problem the user fixes (bad config, undecryptable secret); exit code 2."""


def masked(value: Any) -> Any:
    """The value with every secret replaced by `[secret]`."""
    if isinstance(value, engine.Secret):
        return MASK
    if engine.is_unknown(value):
        return engine.UNKNOWN_TEXT  # as `pulumi preview` prints a value known after deployment
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the SDK sends numbers as floats; show them as the user wrote them
    return value


def shown(value: Any) -> Any:
    """Like `masked`, but a secret object or list is opened so its shape can be read:
    Pulumi marks a whole input secret when anything inside it is (a scale set's
    `virtualMachineProfile` holds the Windows password), yet the reviewer still needs its
    image and extensions. Secret scalars stay masked; `details` prints no credential."""
    if isinstance(value, engine.Secret) and isinstance(value.value, dict | list):
        return shown(value.value)
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return masked(value)


def _parse_assignments(items: Sequence[str], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise PlanError(f"{flag} {item!r}: expected key=value")
        if flag == "--secret":
            out[key] = raw  # `pulumi config set --secret` stores the text as given
            continue
        if stackfile.is_path_key(key):
            try:
                _, path = stackfile.parse_key_path(key)
            except stackfile.StackFileError as err:
                raise PlanError(f"{flag} {item!r}: {err}") from None
            # As `pulumi config set --path`: true/false and integers typed, the rest text
            # (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/).
            out[key] = stackfile.path_value(raw) if path else raw
            continue
        try:
            # The value as YAML, read as the CLI reads YAML (yes/no stay strings).
            out[key] = stackfile.parse_yaml(raw) if raw else ""
        except (stackfile.StackFileError, yaml.YAMLError) as err:
            raise PlanError(f"{flag} {item!r}: not a YAML value ({str(err).splitlines()[0]})") from None
    return out


#: The comment of the plan's throw-away SSH keys (`throwaway_ssh_key`).
THROWAWAY_KEY_COMMENT = "throw-away-offline-plan"


def _ssh_string(data: bytes) -> bytes:
    """An SSH wire-format string: a 4-byte big-endian length, then the bytes (RFC 4251 §5)."""
    return len(data).to_bytes(4, "big") + data


def throwaway_ssh_key(project: str, stack: str) -> str:
    """An ed25519 OpenSSH public key for the plan of `project`/`stack`, made up by the plan.

    Its 32-byte body is a hash of the project and stack, so the same stack gets the same key on
    every run: a `--diff` against an earlier `--json` plan sees no change in anything built from
    it (a VM's `osProfile`, its replacement trigger), where a fresh random key would show every
    VM replaced. It is nobody's key: no one holds a private half (finding one would mean
    solving a discrete logarithm on Curve25519), so a VM deployed with it would admit no one.
    The format is OpenSSH's: `ssh-ed25519 <base64 of string "ssh-ed25519", string body>`
    (RFC 8709 §4)."""
    body = hashlib.sha256(f"offline-plan throw-away key:{project}:{stack}".encode()).digest()
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(body)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {THROWAWAY_KEY_COMMENT}"


def throwaway_notes(cfg: stackfile.StackConfig) -> list[str]:
    """What the plan tells the reader about each throw-away key it used."""
    notes = []
    for fk in sorted(cfg.filled):
        key = fk.split(":", 1)[1] if fk.startswith(f"{cfg.project}:") else fk
        notes.append(
            f"{key} is not set: this plan uses a throw-away SSH key it made; nobody holds its private half. "
            f'Before `pulumi up`: pulumi config set {key} "$(cat ~/.ssh/id_ed25519.pub)"'
        )
    return notes


def load_config(
    stack: str,
    sets: Sequence[str] = (),
    secrets: Sequence[str] = (),
    root: Path = ROOT,
    throwaway_ssh_keys: Sequence[str] = (),
) -> tuple[stackfile.StackConfig, list[str]]:
    """Merged config plus notes for the reader (the throw-away keys already in use).

    Each of `throwaway_ssh_keys` (a config key, namespace optional) that nothing sets gets a
    throw-away key (`throwaway_ssh_key`): at once when the project declares it required (the
    CLI would stop without it), else only if the program cannot run without it (`run`)."""
    overrides = _parse_assignments(sets, "--set")
    secret_values = _parse_assignments(secrets, "--secret")
    for name, value in os.environ.items():
        if name.startswith(SECRET_ENV_PREFIX) and name[len(SECRET_ENV_PREFIX) :] not in secret_values:
            secret_values[name[len(SECRET_ENV_PREFIX) :]] = value
    try:
        throwaway = {}
        if throwaway_ssh_keys:
            project, _ = stackfile.load_project(root)
            throwaway = dict.fromkeys(throwaway_ssh_keys, throwaway_ssh_key(project, stack))
        cfg = stackfile.load(root, stack, overrides=overrides, secret_overrides=secret_values, throwaway=throwaway)
    except FileNotFoundError as err:
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise PlanError(f"{err}; stacks here: {', '.join(stacks)}") from None
    except stackfile.StackFileError as err:
        raise PlanError(str(err)) from None
    if cfg.encrypted:
        lines = [
            f"  - {key}: encrypted in Pulumi.{stack}.yaml (secure:), which the offline plan cannot decrypt; "
            f"pass it as --secret {key.split(':', 1)[1]}=... or {SECRET_ENV_PREFIX}{key.split(':', 1)[1]}=..."
            for key in sorted(cfg.encrypted)
        ]
        raise PlanError("Secret config values are needed:\n" + "\n".join(lines))
    return cfg, throwaway_notes(cfg)


LOCATION_KEY = "azure-native:location"


def location_problems(result: engine.ProgramRun, cfg: stackfile.StackConfig) -> list[str]:
    """What the azure-native provider's Check says of a resource group created without a
    `location` when `azure-native:location` is not set (provider/pkg/provider/provider.go,
    the required-property check; the engine prefixes "<type> resource '<name>' has a
    problem:", pulumi/pulumi sdk/go/common/diag/errors.go). Other resources take their
    resource group's location (pulumi/pulumi-azure-native#66), so a program that only
    uses an existing group needs none."""
    if cfg.values.get(LOCATION_KEY):
        return []
    return [
        f"{r.type} resource '{r.name}' has a problem: missing required property 'location'. "
        "Either set it explicitly or configure it with 'pulumi config set azure-native:location <value>'."
        for r in result.ordered()
        if r.type == "azure-native:resources:ResourceGroup" and not r.inputs.get("location")
    ]


def program_path(root: Path) -> Path:
    """The program a project runs: its folder, or where `main:` in Pulumi.yaml points (a
    folder or a file; https://www.pulumi.com/docs/iac/concepts/projects/project-file/)."""
    try:
        project = stackfile.read_yaml(root / "Pulumi.yaml")
    except stackfile.StackFileError:
        return root  # the config reader reports a broken project file
    main = project.get("main") if isinstance(project, dict) else None
    return root / main if isinstance(main, str) and main else root


def run(
    cfg: stackfile.StackConfig,
    root: Path = ROOT,
    computed: str = "values",
    answers: dict[str, list[dict[str, Any]]] | None = None,
) -> engine.ProgramRun:
    """The program run as `pulumi preview` runs it (the SDK's dry run): outputs the mock does
    not model are unknown and applies on them do not run. `computed="values"` answers the
    modelled ones with marked stand-ins (the default: pictures and diffs need addresses and
    IDs); `computed="unknown"` leaves every provider-computed output unknown, as the CLI shows.

    Throw-away values offered (`cfg.throwaway`) are used only where the program fails without
    them: when it then runs, or when its error named one of their keys and, with them, names
    none (the other problems remain the user's to see). They then join `cfg.values` and
    `cfg.filled`. Otherwise the run without them is the result, its error the program's own."""

    def run_with(values: dict[str, str]) -> engine.ProgramRun:
        return engine.run_program(
            program_path(root),
            project=cfg.project,
            stack=cfg.stack,
            config=values,
            secret_keys=cfg.secret_keys,
            preview=True,
            computed=computed,
            answers=answers,
        )

    result = run_with(cfg.values)
    offered = {k: v for k, v in cfg.throwaway.items() if k not in cfg.values}
    if result.error is None or not offered:
        return result
    retried = run_with({**cfg.values, **offered})
    names = [fk.split(":", 1)[-1] for fk in offered]

    def about_them(error: BaseException | None) -> bool:
        return any(name in str(error) for name in names)

    if retried.error is not None and (not about_them(result.error) or about_them(retried.error)):
        return result
    cfg.values.update(offered)
    cfg.filled.update(offered)
    return retried


# ------------------------------------------------------------------ text


def _short_id(value: Any) -> str:
    """`.../loadBalancers/my-lb/backendAddressPools/backend` -> `backend`."""
    if not isinstance(value, str):
        return engine.UNKNOWN_TEXT if value == engine.UNKNOWN_TEXT else str(value)
    return value.rstrip("/").rsplit("/", 1)[-1]


def details(r: engine.Registered) -> list[str]:
    """The few properties a reviewer checks (first line inline): per resource type for the
    Azure types laid out below, and the scalar inputs for any other. Never fails: a resource
    may lack a property the layout reads; it then gets the generic line."""
    try:
        lines = _details(r)
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        lines = []
    return lines or generic_details(r)


def generic_details(r: engine.Registered) -> list[str]:
    """`key=value` for each scalar input (secrets masked, unknowns as the CLI prints them)."""
    i = masked(r.inputs)
    parts = [f"{k}={v}" for k, v in sorted(i.items()) if not isinstance(v, dict | list)]
    nested = [k for k, v in sorted(i.items()) if isinstance(v, dict | list)]
    line = " ".join(parts) + (f" (+ {', '.join(nested)})" if nested else "")
    return [line] if line else []


def _details(r: engine.Registered) -> list[str]:
    i, o = shown(r.inputs), shown(r.outputs)
    kind = r.type.rsplit(":", 1)[-1]
    if kind == "ResourceGroup":
        return [f"location={o.get('location')}"]
    if kind == "VirtualNetwork":
        subnets = [
            f"subnet {s['name']} {s['addressPrefix']} nsg={'yes' if s.get('networkSecurityGroup') else 'NO'} "
            f"defaultOutbound={s.get('defaultOutboundAccess')}" + (" natGateway=yes" if s.get("natGateway") else "")
            for s in i.get("subnets", [])
        ]
        return [f"address space {', '.join(i['addressSpace']['addressPrefixes'])}", *subnets]
    if kind == "NetworkSecurityGroup":
        lines = [f"{len(i.get('securityRules', []))} inbound rules"]
        for rule in i.get("securityRules", []):
            sources = rule.get("sourceAddressPrefixes") or [rule.get("sourceAddressPrefix")]
            ports = rule.get("destinationPortRange") or ",".join(map(str, rule.get("destinationPortRanges") or []))
            lines.append(
                f"{rule.get('priority'):>4} {rule.get('access'):<5} {rule.get('protocol'):<3} "
                f"{','.join(map(str, sources))} -> port {ports}  ({rule.get('name')})"
            )
        return lines
    if kind == "PublicIPAddress":
        dns = (o.get("dnsSettings") or {}).get("fqdn")
        return [
            f"sku={i['sku']['name']} {i['publicIPAllocationMethod']} ip={o.get('ipAddress', engine.UNKNOWN_TEXT)}"
            + (f" dns={dns}" if dns else "")
        ]
    if kind == "LoadBalancer":
        front = (i.get("frontendIPConfigurations") or [{}])[0]
        if front.get("publicIPAddress"):
            where = f"public frontend ip={_short_id(front['publicIPAddress']['id'])}"
        else:
            address = ((o.get("frontendIPConfigurations") or [{}])[0]).get("privateIPAddress", engine.UNKNOWN_TEXT)
            where = f"internal frontend {address} on {_short_id(front.get('subnet', {}).get('id', ''))}"
        lines = [f"sku={i['sku']['name']} name={i.get('loadBalancerName')} {where}"]
        for p in i.get("probes", []):
            path = f" {p['requestPath']}" if p.get("requestPath") else ""
            lines.append(f"probe {p['name']}: {p['protocol']} {p['port']}{path} every {p['intervalInSeconds']}s")
        for rule in i.get("loadBalancingRules", []):
            snat = f" disableOutboundSnat={rule['disableOutboundSnat']}" if "disableOutboundSnat" in rule else ""
            # The probe (and even the pool) is optional on a rule: Azure's LoadBalancingRule
            # requires only protocol, frontendPort and backendPort (bicep-types-az, network).
            pool = (
                _short_id((rule.get("backendAddressPool") or {}).get("id")) if rule.get("backendAddressPool") else "-"
            )
            probe = _short_id((rule.get("probe") or {}).get("id")) if rule.get("probe") else "NONE"
            lines.append(
                f"rule {rule.get('name')}: {rule.get('protocol')} {rule.get('frontendPort')} -> "
                f"{rule.get('backendPort')} pool={pool} probe={probe}{snat}"
            )
        for rule in i.get("outboundRules", []):
            lines.append(
                f"outbound {rule['name']}: {rule['protocol']} pool={_short_id(rule['backendAddressPool']['id'])}"
            )
        return lines
    if kind == "InboundNatRule":
        if "frontendPortRangeStart" in i:  # NAT rule V2: a port per pool member
            ports = f"{i['frontendPortRangeStart']}-{i['frontendPortRangeEnd']}"
            pool_name = _short_id(i["backendAddressPool"]["id"])
            return [f"{i['inboundNatRuleName']}: {i['protocol']} {ports} -> {i['backendPort']} pool={pool_name}"]
        return [f"{i['inboundNatRuleName']}: {i['protocol']} {i['frontendPort']} -> {i['backendPort']}"]
    if kind == "UserAssignedIdentity":
        return ["user-assigned identity of every VM / instance"]
    if kind == "AvailabilitySet":
        return [
            f"sku={i['sku']['name']} faultDomains={i['platformFaultDomainCount']} "
            f"updateDomains={i['platformUpdateDomainCount']}"
        ]
    if kind == "NetworkInterface":
        cfg = (i.get("ipConfigurations") or [{}])[0]
        ip = ((o.get("ipConfigurations") or [{}])[0]).get("privateIPAddress", engine.UNKNOWN_TEXT)
        pools = ",".join(_short_id(p["id"]) for p in cfg.get("loadBalancerBackendAddressPools", []))
        nats = ",".join(_short_id(n["id"]) for n in cfg.get("loadBalancerInboundNatRules", []))
        public = "PUBLIC IP" if cfg.get("publicIPAddress") else "no public ip"
        return [f"private {ip} pool={pools or '-'}" + (f" nat={nats}" if nats else "") + f" {public}"]
    if kind == "VirtualMachine":
        image = i["storageProfile"]["imageReference"]
        disk = i["storageProfile"]["osDisk"]["managedDisk"]["storageAccountType"]
        security = (i.get("securityProfile") or {}).get("securityType", "Standard")
        zones = f" zone={','.join(i['zones'])}" if i.get("zones") else ""
        os_profile = i.get("osProfile") if isinstance(i.get("osProfile"), dict) else {}
        custom = os_profile.get("customData")
        boot = f" cloud-init={len(base64.b64decode(custom))}B" if custom else ""
        size = i["hardwareProfile"]["vmSize"]
        eah = " encryptionAtHost" if (i.get("securityProfile") or {}).get("encryptionAtHost") else ""
        identity = f" identity={i['identity']['type']}" if i.get("identity") else ""
        return [f"{size} {image['offer']}/{image['sku']} disk={disk} {security}{eah}{zones}{identity}{boot}"]
    if kind == "NatGateway":
        return [f"sku={i['sku']['name']} egress for the VMs' subnet"]
    if kind == "BastionHost":
        subnet = _short_id(i["ipConfigurations"][0]["subnet"]["id"])
        return [f"sku={i['sku']['name']} tunneling={i.get('enableTunneling')} subnet={subnet}"]
    if kind == "VirtualMachineScaleSet":
        profile = i["virtualMachineProfile"]
        image = profile["storageProfile"]["imageReference"]
        exts = ",".join(e.get("type", "") for e in profile.get("extensionProfile", {}).get("extensions", []))
        spread = f"zones={','.join(i['zones'])}" if i.get("zones") else f"faultDomains={i['platformFaultDomainCount']}"
        sku = f"{i['sku']['name']} x{i['sku']['capacity']}"
        return [
            f"{i['orchestrationMode']} {sku} {image['offer']}/{image['sku']} {spread}",
            f"extensions={exts} automaticRepairs={i['automaticRepairsPolicy']['enabled']}",
        ]
    if kind == "AutoscaleSetting":
        profile = i["profiles"][0]
        cap = profile["capacity"]
        rules = [
            f"{r['metricTrigger']['metricName']} {r['metricTrigger']['operator']} {r['metricTrigger']['threshold']} "
            f"-> {r['scaleAction']['direction']} {r['scaleAction']['value']}"
            for r in profile["rules"]
        ]
        return [f"min={cap['minimum']} default={cap['default']} max={cap['maximum']}", *rules]
    if kind == "VirtualMachineExtension":
        return [f"{i['publisher']}/{i['type']} {i['typeHandlerVersion']} on {i['vmName']}"]
    if kind == "VirtualMachineRunCommandByVirtualMachine":
        wait = "waits for the script" if i.get("asyncExecution") is False else "does not wait"
        fails = ", its failure fails the deployment" if i.get("treatFailureAsDeploymentFailure") else ""
        timeout = i.get("timeoutInSeconds")
        return [f"run command {i.get('runCommandName')} on {i['vmName']}: {wait}{fails}, timeout {timeout} s"]
    if kind == "Workspace":
        return [f"sku={i['sku']['name']} retention={i.get('retentionInDays')}d"]
    if kind == "DiagnosticSetting":
        logs = ",".join(entry.get("category") or entry.get("categoryGroup", "") for entry in i.get("logs", []))
        return [f"{_short_id(i['resourceUri'])} -> workspace logs={logs} metrics=AllMetrics"]
    if kind == "ActionGroup":
        return [f"e-mail {len(i.get('emailReceivers', []))} receiver(s)"]
    if kind == "MetricAlert":
        c = i["criteria"]["allOf"][0]
        notify = "notifies action group" if i.get("actions") else "no action group"
        return [f"{c['metricName']} {c['operator']} {c['threshold']} over {i['windowSize']} ({notify})"]
    if kind == "RandomPassword":
        return [f"length={i.get('length')} (secret)"]
    return generic_details(r)


STAND_IN_MARK = "*"


def _marker(stand_ins: set[str]) -> Callable[[str], str]:
    """Marks each stand-in value in a line with `*` (whole values only: 10.0.1.4, not the
    start of 10.0.1.40)."""
    if not stand_ins:
        return lambda line: line
    alternatives = "|".join(re.escape(v) for v in sorted(stand_ins, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.-])({alternatives})(?![\w.-])")
    return lambda line: pattern.sub(lambda m: m.group(1) + STAND_IN_MARK, line)


def render_invokes(result: engine.ProgramRun) -> list[str]:
    """Each invoke the program made and how it was answered (none: nothing printed)."""
    if not result.invokes:
        return []
    out = ["", f"Invokes ({len(result.invokes)}):"]
    for call in result.invokes:
        args = ", ".join(f"{k}={json.dumps(masked(v))}" for k, v in sorted(call.args.items()))
        out.append(f"  {call.token}({args}): {call.answered_by}")
    return out


def unanswered_message(result: engine.ProgramRun) -> str | None:
    """What to write in an answer file for the invokes the plan could not answer."""
    missing = [c for c in result.invokes if c.answered_by == "unanswered"]
    if not missing:
        return None
    lines = [
        f"{len(missing)} invoke(s) have no offline answer (`pulumi preview` reads them from Azure). "
        "Answer them in a YAML file and pass --invoke-answers FILE, for example:"
    ]
    example: dict[str, Any] = {}
    for call in missing:
        example.setdefault(call.token, {"args": masked(call.args), "result": {"<outputName>": "<value>"}})
    lines += ["  " + line for line in yaml.safe_dump(example, sort_keys=True).splitlines()]
    return "\n".join(lines)


def partial_invokes_hint(calls: Sequence[engine.Invoke]) -> str:
    """The program may have failed on a field of an invoke the plan answered only in part."""
    example = {
        c.token: {"args": masked(c.args), "result": {"<outputName>": "<value as Azure returns it>"}} for c in calls
    }
    lines = [
        "note: these invokes were answered only from their arguments (id, name, type); a field "
        "Azure returns is None here. If the program reads one, answer it with --invoke-answers FILE:"
    ]
    return "\n".join(lines + ["  " + line for line in yaml.safe_dump(example, sort_keys=True).splitlines()])


#: `pulumi preview`'s symbol for each step of a `--diff` (sdk/go/common/display `Color`/`Prefix`
#: of each StepOp: `+` create, `~` update, `+-` replace, `-` delete); unchanged resources
#: get none.
CHANGE_MARKS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
#: Their order in the summary line, as the CLI prints its totals.
CHANGE_WORDS = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}


def change_of(change: changes.Change | None, urn: str) -> str:
    """The step a resource gets: its op in the change, else `same` (with a `--diff`) or
    `create` (a plan without one previews a new stack)."""
    if change is None:
        return "create"
    step = change.resources.get(urn)
    return step.op if step is not None else "same"


def render_text(
    result: engine.ProgramRun,
    cfg: stackfile.StackConfig,
    notes: Sequence[str],
    change: changes.Change | None = None,
    old_plan: dict[str, Any] | None = None,
) -> str:
    """The plan as text: the resource tree, counts, outputs. With a `change` (`--diff`), each
    resource is marked by its step as `pulumi preview` marks it, the resources only in the
    old plan are listed where they were (marked `-`), and the summary counts the steps."""
    mark = _marker(result.stand_ins)
    # (urn, mark, type, name, details) per line of the tree, by parent URN.
    children: dict[str, list[tuple[str, str, str, str, list[str]]]] = {}
    ops: list[str] = []
    for r in result.ordered():
        op = change_of(change, r.urn)
        ops.append(op)
        children.setdefault(r.parent, []).append(
            (r.urn, CHANGE_MARKS[op], r.type, r.name, [mark(line) for line in details(r)])
        )
    stack_urn = f"urn:pulumi:{cfg.stack}::{cfg.project}::pulumi:pulumi:Stack::{cfg.project}-{cfg.stack}"
    if change is not None:
        known = {r.urn for r in result.resources} | {stack_urn}
        old_by_urn = {
            o.get("urn"): o for o in (old_plan or {}).get("resources", []) if isinstance(o, dict) and o.get("urn")
        }
        for urn, step in change.resources.items():
            if step.op != "delete":
                continue
            ops.append("delete")
            parent = str((old_by_urn.get(urn) or {}).get("parent") or "")
            # Under its old parent while that is still in the tree (or is deleted too).
            parent = parent if parent in known or change_of(change, parent) == "delete" else stack_urn
            children.setdefault(parent, []).append((urn, "-", step.type, step.name, ["(only in the old plan)"]))
    out = [
        f"Plan of stack '{cfg.stack}' (project {cfg.project}, location "
        f"{cfg.values.get('azure-native:location', '?')}): offline, on the mock engine; nothing is deployed.",
        *[f"Note: {n}" for n in notes],
        "",
        f"{'+' if change is None else ' ':>3} pulumi:pulumi:Stack  {cfg.project}-{cfg.stack}",
    ]

    def walk(parent: str, indent: str) -> None:
        kids = children.get(parent, [])
        for n, (urn, symbol, rtype, name, info) in enumerate(kids):
            last = n == len(kids) - 1
            branch, cont = ("└─ ", "   ") if last else ("├─ ", "│  ")
            out.append(f"{symbol:>3} {indent}{branch}{rtype}  {name}" + (f"  {info[0]}" if info else ""))
            for extra in info[1:]:
                out.append(f"    {indent}{cont}   {extra}")
            walk(urn, indent + cont)

    walk(stack_urn, "")
    counts = result.counts()
    if change is None:
        out += ["", f"Resources: {len(result.resources)} to create"]
    else:
        totals = [f"{ops.count(op)} {words}" for op, words in CHANGE_WORDS.items() if ops.count(op)]
        totals.append(f"{ops.count('same')} unchanged")
        out += ["", f"Resources: {', '.join(totals)}"]
    out += [f"  {n:>3} {t}" for t, n in sorted(counts.items())]
    out += ["", "Outputs:"]
    for key in sorted(result.outputs):
        text = json.dumps(masked(result.outputs[key]))
        out.append(f"  {key}: {text}" + (f"  {STAND_IN_MARK}" if mark(text) != text else ""))
    out += render_invokes(result)
    if result.reads:
        out += [
            "",
            f"Reads ({len(result.reads)}; `pulumi preview` reads them from Azure; offline, the ID only):",
        ]
        out += [f"  >- {read.type}  {read.name}  id={read.id}" for read in result.reads]
    if result.stand_ins and any(STAND_IN_MARK in line for line in out[len(notes) + 2 :]):
        out += [
            "",
            f"{STAND_IN_MARK} a stand-in for a value Azure assigns at creation (resource ID, address, principal ID); "
            f"`pulumi preview` shows it as {engine.UNKNOWN_TEXT} (--unknown-outputs prints it so).",
        ]
    return "\n".join(out) + "\n"


def trigger_json(value: Any) -> Any:
    """A `replacement_trigger` as the plan writes it: None, the value, `[secret]`, or
    `output<string>` when unknown (also a secret one: it counts as changed either way)."""
    if value is None:
        return None
    if engine.is_unknown(value) or (isinstance(value, engine.Secret) and engine.is_unknown(value.value)):
        return engine.UNKNOWN_TEXT
    return masked(value)


def secret_hashes(value: Any, salt: str, path: str = "") -> dict[str, str]:
    """A salted hash of every known leaf under every secret in `value`, by input path
    (`osProfile.adminPassword`): `--diff` sees which secret changed, no value is written."""
    out: dict[str, str] = {}
    if isinstance(value, engine.Secret):
        for leaf_path, leaf in changes.leaf_paths(engine.plain(value.value), path):
            if not engine.is_unknown(leaf):
                out[leaf_path] = changes.secret_hash(salt, leaf)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.update(secret_hashes(v, salt, f"{path}.{k}" if path else k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(secret_hashes(v, salt, f"{path}[{i}]"))
    return out


def resources_json(result: engine.ProgramRun, salt: str | None = None) -> list[dict[str, Any]]:
    """Every resource as `--json` writes it (and `--diff` reads it), secrets masked; with a
    `salt`, each secret's salted hash too (`secretHashes`, `replacementTriggerHash`)."""
    out: list[dict[str, Any]] = []
    for r in result.ordered():
        entry: dict[str, Any] = {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "custom": r.custom,
            "parent": r.parent,
            "dependencies": r.dependencies,
            "propertyDependencies": r.property_dependencies,
            "inputs": masked(r.inputs),
            "outputs": masked(r.outputs),
            "replaceOnChanges": r.replace_on_changes,
            "deleteBeforeReplace": r.delete_before_replace,
            "ignoreChanges": r.ignore_changes,
            "replacementTrigger": trigger_json(r.replacement_trigger),
            "replaceWith": r.replace_with,
        }
        if salt is not None:
            hashes = secret_hashes(r.inputs, salt)
            if hashes:
                entry["secretHashes"] = hashes
            trigger = r.replacement_trigger
            if isinstance(trigger, engine.Secret) and entry["replacementTrigger"] == MASK:
                entry["replacementTriggerHash"] = changes.secret_hash(salt, engine.plain(trigger.value))
        out.append(entry)
    return out


def plan_json(result: engine.ProgramRun, cfg: stackfile.StackConfig, salt: str | None = None) -> dict[str, Any]:
    """The plan as `--json` writes it. `salt` salts the secret hashes (`--diff` passes the old
    plan's, so that they compare); by default a new random one."""
    salt = salt or changes.new_salt()
    return {
        "project": cfg.project,
        "stack": cfg.stack,
        "secretSalt": salt,
        "resources": resources_json(result, salt),
        "counts": result.counts(),
        "outputs": masked(result.outputs),
    }


def overrides_of(args: argparse.Namespace) -> list[str]:
    """What makes this run's config differ from the stack file: --set, --secret and
    PLAN_SECRET_* variables."""
    found = [f"--set {item.partition('=')[0]}" for item in args.set]
    found += [f"--secret {item.partition('=')[0]}" for item in args.secret]
    found += [name for name in sorted(os.environ) if name.startswith(SECRET_ENV_PREFIX)]
    return found


def picture_path(requested: Path, project_dir: Path, stack: str, experiment: bool) -> Path:
    """Where the picture goes. The committed `docs/architecture-<stack>.svg` shows the
    committed stack file, and tests compare them: a run with overrides draws into the
    ignored `build/` folder instead, so experimenting never dirties the checkout."""
    committed = (project_dir / "docs" / f"architecture-{stack}.svg").resolve()
    if experiment and requested.resolve() == committed:
        return project_dir / "build" / requested.name
    return requested


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def change_picture_path(svg: Path) -> Path:
    """Where `--svg` with `--diff` draws the change's timeline: next to the picture."""
    return svg.with_name(f"{svg.stem}-change.svg")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make plan", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default dev)")
    parser.add_argument("--dir", type=Path, default=ROOT, help="the Pulumi project (default: this one)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value (YAML); a KEY with a path (`monitoring.enabled=true`, `names[0]=a`) sets "
        "inside the stack's value as `pulumi config set --path` does (true/false and integers typed, else text)",
    )
    parser.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a secret config value (text); KEY may be a path, as with --set",
    )
    parser.add_argument(
        "--throwaway-ssh-key",
        action="append",
        default=[],
        metavar="KEY",
        help="where nothing sets config KEY (an SSH public key) and the program cannot run without it, plan with "
        "a throw-away ed25519 key made for this project and stack (the same on every run; nobody holds its "
        "private half) and say so; repeatable",
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help="write the whole plan as JSON; a bare file name (no folder) goes to <project>/build/",
    )
    parser.add_argument("--svg", type=Path, metavar="FILE", help="write the architecture picture (SVG)")
    parser.add_argument(
        "--diff",
        metavar="OLD.json",
        help="compare with an earlier --json plan: what is created, updated, replaced, deleted, in what order, "
        "with how many VMs in rotation (exit 4 when unsafe); a bare file name is read from <project>/build/",
    )
    parser.add_argument(
        "--parallel",
        type=_positive,
        metavar="N",
        help="with --diff: the `pulumi up --parallel` to assume (default as the CLI: PULUMI_PARALLEL, else "
        f"4 x the CPUs, here {changes.default_parallel()})",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument(
        "--unknown-outputs",
        action="store_true",
        help="leave every value Azure computes unknown (output<string>), exactly as `pulumi preview`; "
        "by default modelled ones (IDs, addresses) get marked stand-ins",
    )
    parser.add_argument(
        "--invoke-answers",
        type=Path,
        metavar="FILE",
        help="YAML answers for read invokes the plan cannot answer from their arguments",
    )
    parser.add_argument(
        "--policy-pack",
        action="append",
        default=[],
        metavar="DIR",
        help="run the Python policy pack in DIR (PulumiPolicy.yaml and __main__.py), as `pulumi preview "
        "--policy-pack DIR`; repeatable; without it no policies run",
    )
    parser.add_argument(
        "--policy-strict",
        action="store_true",
        help="exit 3 when a mandatory policy of a --policy-pack or Azure's published API type is violated",
    )
    args = parser.parse_args(argv)
    return _plan(args)


def plan_file(given: str | Path | None, project_dir: Path) -> Path | None:
    """Where a `--json` or `--diff` FILE is: a bare name (no folder: `old.json`) in the
    project's ignored `build/` folder, so experiments leave no file in the checkout; a path
    with a folder (`./old.json`, `/tmp/old.json`) as given. The text decides, not pathlib,
    which reads `./old.json` as `old.json`."""
    if given is None:
        return None
    text = str(given)
    if "/" in text or os.sep in text or (os.altsep and os.altsep in text):
        return Path(text)
    return project_dir / "build" / text


#: Errors of code that does not fit the SDK it runs on (a program written for an older
#: azure-native major version: a module, class or argument that is gone or renamed).
CODE_ERRORS = (ImportError, AttributeError, TypeError, NameError)


def program_error(error: BaseException, program: Path) -> str:
    """The one-line message of a failed program. For `CODE_ERRORS`, prefixed with the file and
    line of the program's own frame that raised it (the last under the program's folder, not
    the SDK's), as `<file>:<line>: <message>`, and the installed azure-native version when its
    SDK is involved. Other errors (a `ConfigError`, `sys.exit("...")`) are the message alone."""
    message = str(error) or type(error).__name__
    if not isinstance(error, CODE_ERRORS):
        return message
    folder = (program if program.is_dir() else program.parent).resolve()
    frames = traceback.extract_tb(error.__traceback__)
    offline_dir = Path(__file__).resolve().parent  # the engine's runpy call, not the program

    def programs(filename: str) -> bool:
        path = Path(filename).resolve()
        installed = {"site-packages", "dist-packages"} & set(path.parts)  # a venv may sit in the project
        return path.is_relative_to(folder) and not installed and not path.is_relative_to(offline_dir)

    own = [f for f in frames if programs(f.filename)]
    sdk = "pulumi_azure_native" in message or any("pulumi_azure_native" in f.filename for f in frames)
    if sdk:
        version = _version("pulumi_azure_native")
        message += f" (pulumi-azure-native {version} is installed; is the program written for another major version?)"
    if not own:
        return message
    where = Path(own[-1].filename).resolve()
    shown = os.path.relpath(where) if where.is_relative_to(Path.cwd()) else str(where)
    return f"{shown}:{own[-1].lineno}: {message}"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


#: What each exit code means, for the last line of a failed run on stderr (`exit_line`).
EXIT_MEANINGS = {1: "the plan itself failed", 2: "bad config, file or program", 3: "policy", 4: "unsafe change"}


def exit_line(code: int) -> str | None:
    """`plan: exit 4 (unsafe change)`: the last line of a failed run. `make plan` exits 2
    whenever its recipe fails (GNU make's own status), so the plan's code is printed too."""
    if code == 0:
        return None
    return f"plan: exit {code} ({EXIT_MEANINGS.get(code, 'failed')})"


def _plan(args: argparse.Namespace) -> int:
    project_dir = args.dir.resolve()
    given_json, given_diff = args.json, args.diff
    args.json, args.diff = plan_file(given_json, project_dir), plan_file(given_diff, project_dir)
    if args.json is not None and str(args.json) != str(given_json):
        args.json.parent.mkdir(parents=True, exist_ok=True)
    if args.diff is not None and str(args.diff) != str(given_diff) and not args.diff.exists():
        hint = f"; ./{given_diff} reads the working directory's" if Path(given_diff).exists() else ""
        print(
            f"error: --diff {given_diff}: no {args.diff} (a bare file name is read from the project's build/"
            f" folder, where --json {given_diff} writes it{hint})",
            file=sys.stderr,
        )
        return 2
    try:
        cfg, _ = load_config(
            args.stack, args.set, args.secret, root=args.dir.resolve(), throwaway_ssh_keys=args.throwaway_ssh_key
        )
    except PlanError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for warning in cfg.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json is not None:
        # Refuse before the run, not after a plan the user then cannot keep.
        if not args.json.parent.is_dir():
            print(f"error: --json {args.json}: the folder {args.json.parent} does not exist", file=sys.stderr)
            return 2
        if args.json.is_dir():
            print(f"error: --json {args.json}: is a folder; give a file name", file=sys.stderr)
            return 2
    try:
        packs = policies.load_packs(args.policy_pack)
    except policies.PackError as err:
        print(f"error: --policy-pack {err}", file=sys.stderr)
        return 2
    answers = None
    if args.invoke_answers:
        try:
            answers = engine.load_invoke_answers(args.invoke_answers)
        except ValueError as err:
            print(f"error: --invoke-answers {err}", file=sys.stderr)
            return 2
    computed = "unknown" if args.unknown_outputs else "values"
    result = run(cfg, root=args.dir.resolve(), computed=computed, answers=answers)
    notes = throwaway_notes(cfg)
    unanswered = unanswered_message(result)
    if unanswered is not None:
        print(f"error: {unanswered}", file=sys.stderr)
        return 2
    if result.error is not None:
        # The same single message `pulumi preview` prints for a bad config; a program that
        # does not fit the installed SDKs gets its own file and line.
        print(f"error: {program_error(result.error, program_path(args.dir.resolve()))}", file=sys.stderr)
        partial = [c for c in result.invokes if c.answered_by.startswith("arguments")]
        if partial:
            print(partial_invokes_hint(partial), file=sys.stderr)
        return 2
    missing_location = location_problems(result, cfg)
    if missing_location:
        print("\n".join(f"error: {p}" for p in missing_location), file=sys.stderr)
        return 2
    violations = policies.check(result, packs)
    type_violations, unchecked = azure_types.check(result)
    old_plan: dict[str, Any] | None = None
    if args.diff:
        try:
            old_plan = json.loads(args.diff.read_text())
            if not isinstance(old_plan, dict) or not isinstance(old_plan.get("resources"), list):
                raise ValueError("it has no list of resources")
        except (OSError, ValueError) as err:
            print(f"error: --diff {args.diff}: not a plan written by --json ({err})", file=sys.stderr)
            return 2
    # The plan as JSON is only for --diff and --json (about 1 ms per VM otherwise wasted). With
    # --diff it reuses the old plan's salt, so that the secrets' hashes compare.
    salt = old_plan.get("secretSalt") if old_plan is not None else None
    salt = salt if isinstance(salt, str) and re.fullmatch(r"[0-9a-f]{32}", salt) else None
    new_plan = plan_json(result, cfg, salt) if args.diff or args.json else {}
    change = None
    if old_plan is not None:
        change = changes.compare(old_plan, new_plan, parallel=args.parallel)
        if not args.quiet:
            sys.stdout.write(changes.render(change) + "\n")
    if not args.quiet:
        sys.stdout.write(render_text(result, cfg, notes, change, old_plan))
        # Nothing about policies without a pack, as `pulumi preview` without --policy-pack.
        sys.stdout.write("\n" + policies.render(packs, violations))
        sys.stdout.write(azure_types.render(type_violations, unchecked))
    if args.json:
        data = {
            **new_plan,
            "policyViolations": [v.__dict__ for v in violations],
            "azureTypeViolations": [v.__dict__ for v in type_violations],
            "invokes": [
                {"token": c.token, "args": masked(c.args), "answeredBy": c.answered_by} for c in result.invokes
            ],
            "reads": [read.__dict__ for read in result.reads],
        }
        if change is not None:
            data["change"] = change.as_json()
        args.json.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        if not args.quiet:
            print(f"\nWrote {args.json}")
    if args.svg:
        svg = picture_path(args.svg, args.dir.resolve(), cfg.stack, experiment=bool(overrides_of(args)))
        svg.parent.mkdir(parents=True, exist_ok=True)
        svg.write_text(diagram.render(result, title=f"{cfg.project} / {cfg.stack}"))
        if not args.quiet:
            print(
                f"Wrote {svg}"
                + (f" (not {args.svg}: {', '.join(overrides_of(args))} change the config)" if svg != args.svg else "")
            )
        if change is not None:
            timeline = change_picture_path(svg)
            timeline.write_text(
                changes.timeline_svg(change, title=f"{cfg.project} / {cfg.stack}: VMs in rotation during the change")
            )
            if not args.quiet:
                print(f"Wrote {timeline}")
    mandatory = [v for v in violations if v.level == "mandatory"]
    if args.policy_strict and (mandatory or type_violations):
        # A body Azure's published type rejects fails like a mandatory policy would.
        problems = [f"{len(mandatory)} mandatory policy violation(s)"] if mandatory else []
        problems += [f"{len(type_violations)} Azure API type violation(s)"] if type_violations else []
        print(f"error: {' and '.join(problems)}", file=sys.stderr)
        return 3
    if change is not None and change.unsafe:
        return changes.UNSAFE_EXIT
    return 0


if __name__ == "__main__":
    # A one-shot process (see the function). Nothing is unfrozen at the end: a last full
    # collection would cost 1-3 ms per VM only to finalise objects the exit discards anyway,
    # and frozen objects are not finalised at shutdown, so the SDK's per-thread event loops
    # print nothing.
    engine.gc_for_a_one_shot_process()
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left early (`make plan | head`): stop quietly, as other CLIs do
        # (https://docs.python.org/3/library/signal.html#note-on-sigpipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    # Only here, at the process's end: `main()` (what the tests and other tools call) returns
    # its code and prints no such line.
    line = exit_line(code)
    if line:
        print(line, file=sys.stderr)
    sys.exit(code)
