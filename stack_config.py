"""Stack config -> `MultiVmLoadBalancedArgs`: the public contract of this project's keys.

`__main__.py` reads the raw values (strings, as the Pulumi CLI hands them over; lists
and objects as JSON) and passes them here. Type errors and rule violations are collected
together, so one `ConfigError` names every bad key, its value and what is allowed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.settings import (
    LB_PROTOCOLS,
    OS_TYPES,
    PROBE_PROTOCOLS,
    ConfigError,
    HealthProbe,
    LbRule,
    MonitoringSettings,
    MultiVmLoadBalancedArgs,
    ScaleSetSettings,
    validate,
)

COMPONENT_NAME = "web"


class _Bad(ValueError):
    """A value of the wrong shape; its message says what is allowed."""


def _as_str(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("must be a string")
    return raw


def _as_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise _Bad("must be an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    raise _Bad("must be an integer")


def _as_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise _Bad("must be true or false")


def _json(raw: Any, kind: type, example: str) -> Any:
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise _Bad(f"must be a {kind.__name__} in YAML or JSON, e.g. {example}") from None
    if not isinstance(value, kind):
        raise _Bad(f"must be a {kind.__name__}, e.g. {example}")
    return value


def _enum(raw: Any, allowed: tuple[str, ...]) -> str:
    """Accept any capitalisation of an allowed value, and return Azure's spelling."""
    value = _as_str(raw)
    for option in allowed:
        if value.lower() == option.lower():
            return option
    return value  # left for validate() to report with the allowed values


def _as_prefixes(raw: Any) -> list[str]:
    items = _json(raw, list, '["203.0.113.7", "198.51.100.0/24"]')
    if not all(isinstance(i, str) for i in items):
        raise _Bad('must be a list of strings, e.g. ["203.0.113.7"]')
    return items


def _fields(obj: Mapping[str, Any], allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    for k in obj:
        if k not in allowed:
            problems.append(f"{where}.{k}: unknown field; allowed: {', '.join(allowed)}")


def _as_lb_rules(raw: Any, problems: list[str]) -> list[LbRule]:
    items = _json(raw, list, "[{frontendPort: 80, backendPort: 80, protocol: Tcp}]")
    rules: list[LbRule] = []
    for i, item in enumerate(items):
        where = f"lbRules[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: {item!r} must be an object {{frontendPort, backendPort, protocol}}")
            continue
        _fields(item, ("frontendPort", "backendPort", "protocol"), where, problems)
        try:
            front = _as_int(item.get("frontendPort"))
        except _Bad as bad:
            problems.append(f"{where}.frontendPort: {item.get('frontendPort')!r} {bad}")
            continue
        try:
            back = _as_int(item.get("backendPort", front))
        except _Bad as bad:
            problems.append(f"{where}.backendPort: {item.get('backendPort')!r} {bad}")
            continue
        rules.append(LbRule(front, back, _enum(item.get("protocol", "Tcp"), LB_PROTOCOLS)))
    return rules


def _as_probe(raw: Any, problems: list[str]) -> HealthProbe:
    obj = _json(raw, dict, "{protocol: Http, port: 80, path: /}")
    allowed = ("protocol", "port", "path", "intervalSeconds", "probeThreshold")
    _fields(obj, allowed, "probe", problems)
    default = HealthProbe()
    protocol = _enum(obj.get("protocol", default.protocol), PROBE_PROTOCOLS)
    values: dict[str, Any] = {"protocol": protocol}
    # A Tcp probe has no path; the default "/" only applies to Http/Https.
    values["path"] = obj.get("path", default.path if protocol != "Tcp" else None)
    for key, attr, fallback in (
        ("port", "port", default.port),
        ("intervalSeconds", "interval_seconds", default.interval_seconds),
        ("probeThreshold", "probe_threshold", default.probe_threshold),
    ):
        try:
            values[attr] = _as_int(obj.get(key, fallback))
        except _Bad as bad:
            problems.append(f"probe.{key}: {obj.get(key)!r} {bad}")
            values[attr] = fallback
    return HealthProbe(**values)


def _as_monitoring(raw: Any, problems: list[str]) -> MonitoringSettings:
    obj = _json(raw, dict, "{enabled: true, alertEmails: [ops@example.com], retentionDays: 30}")
    _fields(obj, ("enabled", "alertEmails", "retentionDays"), "monitoring", problems)
    default = MonitoringSettings()
    values: dict[str, Any] = {}
    try:
        values["enabled"] = _as_bool(obj.get("enabled", default.enabled))
    except _Bad as bad:
        problems.append(f"monitoring.enabled: {obj.get('enabled')!r} {bad}")
    try:
        values["retention_days"] = _as_int(obj.get("retentionDays", default.retention_days))
    except _Bad as bad:
        problems.append(f"monitoring.retentionDays: {obj.get('retentionDays')!r} {bad}")
    emails = obj.get("alertEmails", [])
    if isinstance(emails, list):
        values["alert_emails"] = tuple(emails)
    else:
        problems.append(f"monitoring.alertEmails: {emails!r} must be a list of e-mail addresses")
    return MonitoringSettings(**values)


SCALE_SET_FIELDS = {
    "minCount": "min_count",
    "maxCount": "max_count",
    "defaultCount": "default_count",
    "scaleOutCpuPercent": "scale_out_cpu_percent",
    "scaleInCpuPercent": "scale_in_cpu_percent",
    "cooldownMinutes": "cooldown_minutes",
    "rollingBatchPercent": "rolling_batch_percent",
    "rollingMaxUnhealthyPercent": "rolling_max_unhealthy_percent",
    "rollingMaxUnhealthyUpgradedPercent": "rolling_max_unhealthy_upgraded_percent",
    "rollingPauseMinutes": "rolling_pause_minutes",
    "rollingMaxSurge": "rolling_max_surge",
}
SCALE_SET_BOOLEANS = {"rollingMaxSurge"}


def _as_scale_set(raw: Any, problems: list[str]) -> ScaleSetSettings:
    obj = _json(raw, dict, "{minCount: 2, maxCount: 10, defaultCount: 2}")
    _fields(obj, tuple(SCALE_SET_FIELDS), "scaleSet", problems)
    values: dict[str, Any] = {}
    for key, attr in SCALE_SET_FIELDS.items():
        if key in obj:
            try:
                values[attr] = _as_bool(obj[key]) if key in SCALE_SET_BOOLEANS else _as_int(obj[key])
            except _Bad as bad:
                problems.append(f"scaleSet.{key}: {obj[key]!r} {bad}")
    return ScaleSetSettings(**values)


def _as_zones(raw: Any) -> list[str]:
    items = _json(raw, list, '["1", "2", "3"]')
    # YAML reads an unquoted 1 as a number; a zone is its name.
    if any(isinstance(z, bool) or not isinstance(z, (str, int)) for z in items):
        raise _Bad('must be a list of zone names, e.g. ["1", "2", "3"]')
    return [str(z) for z in items]


def _as_tags(raw: Any) -> dict[str, str]:
    tags = _json(raw, dict, "{environment: dev, owner: platform-team}")
    if not all(isinstance(v, str) for v in tags.values()):
        raise _Bad("values must be strings (quote numbers and booleans)")
    return tags


@dataclass(frozen=True)
class Key:
    """One stack-config key: the args field it fills and how its raw value is read."""

    field: str
    read: Callable[[Any], Any]
    secret: bool = False


KEYS: dict[str, Key] = {
    "osType": Key("os_type", lambda r: _enum(r, OS_TYPES)),
    "vmCount": Key("vm_count", _as_int),
    "vmSize": Key("vm_size", _as_str),
    "adminUsername": Key("admin_username", _as_str),
    "sshPublicKey": Key("ssh_public_key", _as_str),
    "adminPassword": Key("admin_password", _as_str, secret=True),
    "adminSourcePrefixes": Key("admin_source_prefixes", _as_prefixes),
    "natFrontendPortStart": Key("nat_frontend_port_start", _as_int),
    "lbRules": Key("lb_rules", _as_str),  # parsed with its own problem list below
    "probe": Key("probe", _as_str),  # likewise
    "monitoring": Key("monitoring", _as_str),  # likewise
    "vnetAddressSpace": Key("vnet_address_space", _as_str),
    "subnetPrefix": Key("subnet_prefix", _as_str),
    "dnsLabel": Key("dns_label", _as_str),
    "tags": Key("tags", _as_tags),
    "resourceGroupName": Key("resource_group_name", _as_str),
    "osDiskType": Key("os_disk_type", _as_str),
    "trustedLaunch": Key("trusted_launch", _as_bool),
    "faultDomainCount": Key("fault_domain_count", _as_int),
    "updateDomainCount": Key("update_domain_count", _as_int),
    "workload": Key("workload", lambda r: _as_str(r).lower()),
    "adminAccess": Key("admin_access", lambda r: _as_str(r).lower()),
    "bastionSubnetPrefix": Key("bastion_subnet_prefix", _as_str),
    "webSourcePrefixes": Key("web_source_prefixes", _as_prefixes),
    "encryptionAtHost": Key("encryption_at_host", _as_bool),
    "frontendType": Key("frontend_type", lambda r: _as_str(r).lower()),
    "frontendPrivateIp": Key("frontend_private_ip", _as_str),
    "subnetId": Key("subnet_id", _as_str),
    "placement": Key("placement", _as_str),
    "zones": Key("zones", _as_zones),
    "scaleSet": Key("scale_set", _as_str),  # parsed with its own problem list below
    "workloadFile": Key("workload_file", _as_str),
    "identityId": Key("identity_id", _as_str),
}


def args_from_config(
    values: Mapping[str, Any],
    secret_keys: set[str] | None = None,
    name: str = COMPONENT_NAME,
    allow_placeholder_key: bool = False,
) -> MultiVmLoadBalancedArgs:
    """Build the component's args from the project's config values (keys without the
    `<project>:` prefix). Raises one `ConfigError` naming every problem.

    `allow_placeholder_key` is for the offline plan only; a real deployment refuses
    `PLACEHOLDER_SSH_KEY`."""
    secret_keys = secret_keys or set()
    problems: list[str] = []
    fields: dict[str, Any] = {}
    for key, raw in values.items():
        spec = KEYS.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(KEYS)}"
            problems.append(f"{key}: not a setting of this project; {hint}")
            continue
        if raw is None:
            continue
        if spec.secret and key not in secret_keys:
            problems.append(f"{key}: is stored in plain text; set it with `pulumi config set --secret {key} ...`")
            continue
        try:
            if key == "lbRules":
                fields[spec.field] = _as_lb_rules(raw, problems)
            elif key == "probe":
                fields[spec.field] = _as_probe(raw, problems)
            elif key == "monitoring":
                fields[spec.field] = _as_monitoring(raw, problems)
            elif key == "scaleSet":
                fields[spec.field] = _as_scale_set(raw, problems)
            else:
                fields[spec.field] = spec.read(raw)
        except _Bad as bad:
            shown = "(secret, not shown)" if spec.secret else repr(raw)
            problems.append(f"{key}: {shown} {bad}")
    args = MultiVmLoadBalancedArgs(**fields)
    # A key whose value could not even be read keeps its default above; rules about it
    # would only repeat that problem.
    unreadable = {p.split(":")[0].split(".")[0].split("[")[0] for p in problems}
    problems += [
        p
        for p in validate(args, name, allow_placeholder_key)
        if p.split(":")[0].split(".")[0].split("[")[0] not in unreadable
    ]
    if problems:
        raise ConfigError(problems, context="stack configuration")
    return args
