"""How problems are reported: one error for everything, secrets never shown, keys read in any
capitalisation, direct Python callers checked like stack config. The rule cases themselves are
one table in tests/test_rules.py; the declared ranges' edges are in tests/test_edges.py."""

from __future__ import annotations

from typing import Any, cast

import pulumi
import pytest
from conftest import SSH_KEY, dev_values, run_stack, ssh_ed25519_key, ssh_rsa_key

from components import (
    ConfigError,
    HealthProbe,
    LbRule,
    MonitoringSettings,
    MultiVmLoadBalanced,
    MultiVmLoadBalancedArgs,
    validate,
)
from components.settings import OsType, Zone
from offline import engine
from stack_config import args_from_config

WINDOWS = {"osType": "windows", "sshPublicKey": None}


def problems_of(overrides: dict[str, Any], secret_keys: set[str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        args_from_config(dev_values(**overrides), secret_keys or set())
    return caught.value.problems


@pytest.mark.parametrize(
    "overrides",
    [
        # The last port of the range (start + 400 - 1) is 65534, Azure's highest.
        {"natFrontendPortStart": 65135},
        # Just past the range: a rule on port 50401.
        {"lbRules": [{"frontendPort": 50401, "backendPort": 80}]},
        # 100 VMs surge to 200 in the availability set: Azure's cap, still allowed.
        {"vmCount": 100, "subnetPrefix": "10.0.0.0/24", "vnetAddressSpace": "10.0.0.0/16"},
        # 200 VMs without an availability set (zones): twice as many addresses, /23 holds 507.
        {"vmCount": 200, "placement": "zones", "subnetPrefix": "10.0.0.0/23"},
        # A /28 holds 11 VMs: vmCount 5 surges to 10.
        {"subnetPrefix": "10.0.1.0/28", "vmCount": 5},
        # The first address Azure leaves to the subnet, and the last before its broadcast.
        {"frontendType": "internal", "frontendPrivateIp": "10.0.1.4"},
        {"frontendType": "internal", "frontendPrivateIp": "10.0.1.254"},
        # Azure's longest tag value.
        {"tags": {"a": "v" * 256}},
        # The largest data disk Azure still caches on the host.
        {"dataDisks": [{"lun": 63, "sizeGb": 4095, "caching": "ReadWrite"}]},
        # An Http probe on a port next to a blocked one.
        {"probe": {"port": 111}, "lbRules": [{"frontendPort": 80, "backendPort": 111}], "workload": "none"},
    ],
    ids=[
        "nat range ends at 65534",
        "rule just past the nat range",
        "100 VMs in an availability set",
        "200 zonal VMs",
        "subnet with room",
        "first usable frontend ip",
        "last usable frontend ip",
        "256-character tag value",
        "largest cached data disk",
        "probe next to a blocked port",
    ],
)
def test_accepted_at_the_edges_of_the_surge_rules(overrides: dict[str, Any]) -> None:
    args_from_config(dev_values(**overrides))


def test_the_dev_stack_with_a_key_is_valid() -> None:
    args = args_from_config(dev_values())
    assert (args.os_type, args.vm_count, args.ssh_public_key) == ("linux", 2, SSH_KEY)


@pytest.mark.parametrize("key", [ssh_rsa_key(2048), ssh_rsa_key(4096), ssh_ed25519_key()])
def test_accepts_rsa_2048_plus_and_ed25519_keys(key: str) -> None:
    assert args_from_config(dev_values(sshPublicKey=key)).ssh_public_key == key


def test_values_are_read_in_any_capitalisation_azure_accepts() -> None:
    args = args_from_config(
        dev_values(osType="Linux", lbRules=[{"frontendPort": 80, "protocol": "tcp"}], probe={"protocol": "http"})
    )
    assert (args.os_type, args.lb_rules[0].protocol, args.probe.protocol) == ("linux", "Tcp", "Http")


# ------------------------------------------------------------------ secrets


def test_fails_when_admin_password_is_stored_in_plain_text() -> None:
    problems = problems_of({**WINDOWS, "adminPassword": "Corr3ct-Horse-Battery"})
    assert problems == [
        "adminPassword: is stored in plain text; set it with `pulumi config set --secret adminPassword ...`"
    ]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Sh0rt!", "adminPassword: (secret, not shown) must be 12-123 characters long (it has 6)"),
        ("alllowercaseletters", "adminPassword: (secret, not shown) must contain at least 3 of"),
    ],
    ids=["fails when admin_password_is_short", "fails when admin_password_is_simple"],
)
def test_fails_when_admin_password_breaks_azure_rules_and_never_shows_it(password: str, expected: str) -> None:
    problems = problems_of({**WINDOWS, "adminPassword": password}, {"adminPassword"})
    assert problems == [problems[0]] and problems[0].startswith(expected)
    assert password not in str(problems)


def test_fails_when_admin_password_is_set_on_linux() -> None:
    problems = problems_of({"adminPassword": "Corr3ct-Horse-Battery"}, {"adminPassword"})
    assert problems == [
        "adminPassword: is set, but Linux VMs here disable password login; remove it (pulumi config rm adminPassword)"
    ]


# ------------------------------------------------------------------ one error for everything


def test_every_problem_is_reported_in_one_error() -> None:
    problems = problems_of({"vmCount": 1, "osType": "beos", "dnsLabel": "X", "probe": {"port": 0}})
    assert [p.split(":")[0] for p in problems] == ["osType", "vmCount", "probe.port", "dnsLabel"]


def test_bad_config_stops_the_real_program_before_any_resource() -> None:
    run = run_stack(overrides={"vmCount": 1, "adminSourcePrefixes": ["*"]})
    assert isinstance(run.error, pulumi.RunError)  # the CLI prints it without a stack trace
    message = str(run.error)
    assert message.startswith("Invalid stack configuration: 2 problems; nothing was created.")
    assert "\n  - vmCount: 1 must be an integer 2-200" in message
    assert "\n  - adminSourcePrefixes[0]: '*' would open the admin port" in message
    assert run.resources == []


def test_component_used_directly_validates_before_registering() -> None:
    def program() -> None:
        MultiVmLoadBalanced("web", MultiVmLoadBalancedArgs(vm_count=500, ssh_public_key=SSH_KEY))

    import contextvars

    def run() -> engine.ProgramRun:
        return engine._run(program, "lb-vms", "direct", {}, [], "westeurope", False)

    result = contextvars.Context().run(run)
    assert isinstance(result.error, ConfigError)
    assert "vmCount: 500 must be an integer 2-200" in str(result.error)
    assert result.resources == []


def test_a_direct_caller_gets_the_checks_stack_config_gets_types_included() -> None:
    # What the loader refuses as text, the component refuses as Python values: the wrong type,
    # an enum's wrong spelling, a nested object's range, a list item's pattern.
    args = MultiVmLoadBalancedArgs(
        ssh_public_key=SSH_KEY,
        vm_count=cast(int, "3"),
        os_type=cast(OsType, "Linux"),
        probe=HealthProbe(interval_seconds=4),
        monitoring=MonitoringSettings(enabled=True, alert_emails=("ops",)),
        lb_rules=[LbRule(frontend_port=80, backend_port=80), cast(LbRule, {"frontendPort": 81})],
    )
    assert validate(args) == [
        "osType: 'Linux' must be one of linux, windows",
        "vmCount: '3' must be an integer 2-200 (two for the availability-set SLA; Azure caps a set at 200)",
        "lbRules[1]: {'frontendPort': 81} must be a LbRule",
        "probe.intervalSeconds: 4 must be an integer 5-3600",
        "monitoring.alertEmails[0]: 'ops' must be an e-mail address",
    ]


def test_a_direct_caller_gets_the_checks_of_every_declared_type() -> None:
    args = MultiVmLoadBalancedArgs(
        ssh_public_key=SSH_KEY,
        trusted_launch=cast(bool, "yes"),
        tags=cast(dict[str, str], {"cost": 5}),
        probe=HealthProbe(path=None),
        zones=cast(list[Zone], "123"),
    )
    assert validate(args) == [
        'zones: \'123\' must be a list, e.g. ["1", "2", "3"]',
        "tags.cost: 5 must be a string",
        "trustedLaunch: 'yes' must be true or false",
        "probe.path: not set; Http probes need a path starting with '/'",
    ]


def test_fails_when_component_name_cannot_prefix_azure_names() -> None:
    problems = validate(MultiVmLoadBalancedArgs(ssh_public_key=SSH_KEY), name="web tier!")
    assert problems == [
        "component name: 'web tier!' must be 1-40 letters, digits or '-', starting with a letter or digit "
        "(it prefixes every Azure name)"
    ]
