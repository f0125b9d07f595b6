"""One test per config rule: GIVEN the dev stack with one bad key, WHEN the config is
read, THEN one `ConfigError` names that key, its value and what is allowed."""

from __future__ import annotations

from typing import Any, cast

import pulumi
import pytest
from conftest import SSH_KEY, dev_values, run_stack, single_problem, ssh_ed25519_key, ssh_rsa_key

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

# (test id, overrides of the dev stack, expected message fragment)
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("os_type_is_unknown", {"osType": "solaris"}, "osType: 'solaris' must be one of linux, windows"),
    ("vm_count_is_one", {"vmCount": 1}, "vmCount: 1 must be an integer 2-200"),
    ("vm_count_is_over_200", {"vmCount": 201}, "vmCount: 201 must be an integer 2-200"),
    ("vm_count_is_not_a_number", {"vmCount": "two"}, "vmCount: 'two' must be an integer"),
    ("vm_size_is_empty", {"vmSize": ""}, "vmSize: '' must be an Azure VM size name"),
    ("admin_username_is_reserved", {"adminUsername": "Admin"}, "adminUsername: 'Admin' is reserved by Azure"),
    (
        "linux_admin_username_is_over_32_characters",
        {"adminUsername": "u" * 33},
        "adminUsername: '" + "u" * 33 + "' must be 1-32 characters on linux",
    ),
    (
        "windows_admin_username_is_over_20_characters",
        {**WINDOWS, "adminUsername": "u" * 21},
        "must be 1-20 characters on windows",
    ),
    ("admin_username_has_bad_characters", {"adminUsername": "bad name!"}, "adminUsername: 'bad name!' may contain"),
    ("ssh_key_is_missing_on_linux", {"sshPublicKey": None}, "sshPublicKey: not set; Linux VMs allow SSH keys only"),
    (
        "ssh_key_is_ecdsa",
        {"sshPublicKey": "ecdsa-sha2-nistp256 AAAAE2VjZHNh x"},
        "has type 'ecdsa-sha2-nistp256'; Azure accepts ssh-rsa (2048+ bits) or ssh-ed25519",
    ),
    ("ssh_rsa_key_is_1024_bits", {"sshPublicKey": ssh_rsa_key(1024)}, "is an ssh-rsa key of 1024 bits"),
    ("ssh_key_body_is_not_base64", {"sshPublicKey": "ssh-ed25519 not!base64"}, "is not valid base64"),
    (
        "ssh_key_body_does_not_match_its_type",
        {"sshPublicKey": "ssh-rsa " + ssh_ed25519_key().split()[1]},
        "does not match its key type",
    ),
    ("ssh_key_is_set_on_windows", {"osType": "windows"}, "sshPublicKey: is set, but Windows VMs use adminPassword"),
    (
        "admin_prefix_is_the_whole_internet",
        {"adminSourcePrefixes": ["0.0.0.0/0"]},
        "adminSourcePrefixes[0]: '0.0.0.0/0' would open the admin port to the whole Internet",
    ),
    (
        "admin_prefix_is_a_service_tag_for_everyone",
        {"adminSourcePrefixes": ["Internet"]},
        "adminSourcePrefixes[0]: 'Internet' would open the admin port",
    ),
    (
        "admin_prefix_is_not_an_address",
        {"adminSourcePrefixes": ["10.0.0.300"]},
        "adminSourcePrefixes[0]: '10.0.0.300' is not an IPv4 address or CIDR",
    ),
    (
        "admin_prefix_has_host_bits_set",
        {"adminSourcePrefixes": ["203.0.113.7/24"]},
        "'203.0.113.7/24' is not an IPv4 address or CIDR (203.0.113.7/24 has host bits set)",
    ),
    ("admin_prefix_is_ipv6", {"adminSourcePrefixes": ["2001:db8::/32"]}, "'2001:db8::/32' is IPv6"),
    (
        "admin_prefix_is_listed_twice",
        {"adminSourcePrefixes": ["203.0.113.7", "203.0.113.7/32"]},
        "adminSourcePrefixes[1]: '203.0.113.7/32' is listed twice",
    ),
    (
        "admin_prefixes_is_not_a_list",
        {"adminSourcePrefixes": "203.0.113.7"},
        "adminSourcePrefixes: '203.0.113.7' must be a list",
    ),
    ("nat_start_is_zero", {"natFrontendPortStart": 0}, "natFrontendPortStart: 0 must be an integer 1-65534"),
    (
        "nat_range_runs_past_65534",
        {"natFrontendPortStart": 65136},
        "natFrontendPortStart: 65136 + 400 ports (room for twice the 200 VMs a tier may have, so vmCount and "
        "placement never resize it) - 1 = 65535 is past 65534; use a start of at most 65135",
    ),
    (
        "nat_range_overlaps_a_rule_frontend_port",
        {"lbRules": [{"frontendPort": 50400, "backendPort": 80}]},
        "the NAT range 50001-50400 (room for twice the 200 VMs a tier may have, so vmCount and placement never "
        "resize it) overlaps the TCP frontend port(s) 50400 of lbRules",
    ),
    (
        "availability_set_cannot_surge_past_200_vms",
        {"vmCount": 101},
        "vmCount: 101 is more than 100 with placement availabilitySet: a change replaces each VM create-first, "
        "so the set would hold 202 VMs at once, past Azure's 200 per availability set; use at most 100, or "
        "placement zones or scaleSet",
    ),
    ("lb_rules_is_empty", {"lbRules": []}, "lbRules: [] must hold at least 1 item"),
    (
        "lb_rule_protocol_is_unknown",
        {"lbRules": [{"frontendPort": 80, "protocol": "Icmp"}]},
        "lbRules[0].protocol: 'Icmp' must be one of Tcp, Udp",
    ),
    (
        "lb_rule_frontend_port_is_zero",
        {"lbRules": [{"frontendPort": 0, "backendPort": 80}]},
        "lbRules[0].frontendPort: 0 must be an integer 1-65534",
    ),
    (
        "lb_rule_backend_port_is_too_high",
        {"lbRules": [{"frontendPort": 80, "backendPort": 70000}]},
        "lbRules[0].backendPort: 70000 must be an integer 1-65535",
    ),
    (
        "lb_rule_port_is_not_a_number",
        {"lbRules": [{"frontendPort": "http"}]},
        "lbRules[0].frontendPort: 'http' must be an integer",
    ),
    (
        "lb_rules_repeat_a_frontend_port",
        {"lbRules": [{"frontendPort": 80}, {"frontendPort": 80, "backendPort": 8080}]},
        "lbRules[1]: Tcp frontend port 80 is already used by lbRules[0]",
    ),
    (
        "lb_rules_repeat_a_backend_port",
        {"lbRules": [{"frontendPort": 80}, {"frontendPort": 8080, "backendPort": 80}]},
        "lbRules[1]: Tcp backend port 80 is already used by lbRules[0]",
    ),
    (
        "lb_rule_exposes_the_admin_port",
        {"lbRules": [{"frontendPort": 80}, {"frontendPort": 2222, "backendPort": 22}]},
        "lbRules[1].backendPort: 22 is the admin port",
    ),
    ("lb_rule_has_an_unknown_field", {"lbRules": [{"frontendPort": 80, "port": 80}]}, "lbRules[0].port: unknown field"),
    ("lb_rule_is_not_an_object", {"lbRules": [80]}, "lbRules[0]: 80 must be an object"),
    (
        "probe_protocol_is_unknown",
        {"probe": {"protocol": "Icmp"}},
        "probe.protocol: 'Icmp' must be one of Http, Https, Tcp",
    ),
    ("http_probe_uses_a_blocked_port", {"probe": {"port": 25}}, "probe.port: 25 is refused by Azure for Http probes"),
    (
        "http_probe_path_lacks_a_slash",
        {"probe": {"path": "health"}},
        "probe.path: 'health' must be `/` then letters, digits and `. _ ~ / -`",
    ),
    (
        "tcp_probe_has_a_path",
        {"probe": {"protocol": "Tcp", "path": "/"}},
        "probe.path: '/' is not allowed for Tcp probes",
    ),
    (
        "probe_interval_is_under_5_seconds",
        {"probe": {"intervalSeconds": 4}},
        "probe.intervalSeconds: 4 must be an integer 5-3600",
    ),
    ("probe_threshold_is_zero", {"probe": {"probeThreshold": 0}}, "probe.probeThreshold: 0 must be an integer 1-100"),
    (
        "probe_port_is_not_served",
        {"probe": {"port": 8080}},
        "probe.port: 8080 is not the backend port of any Tcp rule in lbRules (80)",
    ),
    ("probe_has_an_unknown_field", {"probe": {"timeout": 5}}, "probe.timeout: unknown field"),
    ("vnet_is_not_a_cidr", {"vnetAddressSpace": "10.0.0.0/33"}, "vnetAddressSpace: '10.0.0.0/33' is not an IPv4 CIDR"),
    (
        "vnet_is_larger_than_a_slash_8",
        {"vnetAddressSpace": "0.0.0.0/4", "subnetPrefix": "0.0.1.0/24"},
        "vnetAddressSpace: '0.0.0.0/4' must be a /8 to /29",
    ),
    (
        "subnet_is_outside_the_vnet",
        {"subnetPrefix": "10.1.0.0/24"},
        "subnetPrefix: '10.1.0.0/24' is not inside vnetAddressSpace '10.0.0.0/16'",
    ),
    (
        "subnet_is_too_small_for_the_vms",
        {"subnetPrefix": "10.0.1.0/28", "vmCount": 6},
        "subnetPrefix: '10.0.1.0/28' holds 11 VMs (Azure reserves 5 addresses) but the pool can hold 12 at once "
        "(twice vmCount 6, for old and new VMs during a replacement); use a larger subnet",
    ),
    (
        "subnet_is_smaller_than_a_slash_29",
        {"subnetPrefix": "10.0.1.0/30"},
        "subnetPrefix: '10.0.1.0/30' must be a /2 to /29",
    ),
    ("dns_label_has_bad_characters", {"dnsLabel": "Bad_Label"}, "dnsLabel: 'Bad_Label' must be 3-63 lowercase letters"),
    ("tag_value_is_not_a_string", {"tags": {"cost": 5}}, "tags: '{\"cost\":5}' values must be strings"),
    ("tag_name_has_a_forbidden_character", {"tags": {"a/b": "x"}}, "tags: name 'a/b' must be 1-512 characters"),
    ("resource_group_name_ends_with_a_period", {"resourceGroupName": "rg."}, "resourceGroupName: 'rg.' must be 1-90"),
    (
        "os_disk_type_is_unknown",
        {"osDiskType": "UltraSSD_LRS"},
        "osDiskType: 'UltraSSD_LRS' must be one of Standard_LRS",
    ),
    ("trusted_launch_is_not_a_boolean", {"trustedLaunch": "maybe"}, "trustedLaunch: 'maybe' must be true or false"),
    ("fault_domain_count_is_4", {"faultDomainCount": 4}, "faultDomainCount: 4 must be an integer 1-3"),
    ("update_domain_count_is_21", {"updateDomainCount": 21}, "updateDomainCount: 21 must be an integer 1-20"),
    ("a_key_is_misspelt", {"vmcount": 3}, "vmcount: not a setting of this project; did you mean vmCount?"),
    (
        "a_tag_value_is_257_characters",
        {"tags": {"a": "v" * 257}},
        "tags.a: '" + "v" * 257 + "' must be a string of at most 256",
    ),
    *(
        (
            f"an_http_probe_is_on_blocked_port_{port}",
            {"probe": {"port": port}, "lbRules": [{"frontendPort": 80, "backendPort": port}], "workload": "none"},
            f"probe.port: {port} is refused by Azure for Http probes (blocked: 19, 21, 25, 70, 110, 119, 143, 220, 993)",
        )
        # Azure's list (load-balancer-custom-probe-overview#probe-source-ip-address), written out.
        for port in (19, 21, 25, 70, 110, 119, 143, 220, 993)
    ),
    (
        "the_internal_frontend_ip_is_one_azure_reserves",
        {"frontendType": "internal", "frontendPrivateIp": "10.0.1.3"},
        "frontendPrivateIp: '10.0.1.3' must be a usable address of subnetPrefix '10.0.1.0/24' "
        "(Azure reserves the first four and the last)",
    ),
]


def problems_of(overrides: dict[str, Any], secret_keys: set[str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        args_from_config(dev_values(**overrides), secret_keys or set())
    return caught.value.problems


@pytest.mark.parametrize(("overrides", "expected"), [c[1:] for c in CASES], ids=[f"fails when {c[0]}" for c in CASES])
def test_fails_when(overrides: dict[str, Any], expected: str) -> None:
    assert expected in single_problem(**overrides)


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
