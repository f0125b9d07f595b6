"""Scenarios neither stack file holds: a scale set on an existing subnet, UDP rules, a TCP probe
on a scale set, the longest component name, OS disk types, the Windows scale set, internal tiers.

GIVEN one such configuration, WHEN the program (or the component, for a name the program does
not use) runs on the mock engine, THEN every resource it touches is exactly what the config
asks for: how many of each type, which NIC or scale-set IP configuration sits in which pool,
which NSG guards it, which rule uses which probe, ports and protocol, which VM uses which NIC,
the OS disk, the bootstrap, the zones and the Azure names. Expected values are written from
the config each test passes (and Azure's documented limits), never recomputed with the
component's own helpers.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from conftest import (
    AVSET,
    COMPONENT,
    EXTENSION,
    GATE,
    IDENTITY,
    LB,
    NAT_RULE,
    NIC,
    NSG,
    PASSWORD,
    PIP,
    RG,
    ROOT,
    VM,
    VNET,
    admin_nat_rule,
    dev_values,
    main_lb,
    ok,
    run_stack,
)
from test_access import nsg_rules
from test_placement import vms
from test_reuse import run_inline

from components import ConfigError, MultiVmLoadBalanced
from offline.engine import ProgramRun, Registered, Secret, plain
from stack_config import args_from_config

VMSS = "azure-native:compute:VirtualMachineScaleSet"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
NAT_GATEWAY = "azure-native:network:NatGateway"
BASTION = "azure-native:network:BastionHost"
WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
METRIC_ALERT = "azure-native:monitor:MetricAlert"
DASHBOARD = "azure-native:portal:Dashboard"

SUBNET_ID = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/app"
IIS_SCRIPT = ROOT / "components" / "bootstrap" / "iis.ps1"
#: How the Windows bootstrap runs its script: PowerShell's -EncodedCommand (base64 of UTF-16LE).
POWERSHELL = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "


def pool(lb: Registered, name: str = "backend") -> dict[str, str]:
    return {"id": f"{lb.id}/backendAddressPools/{name}"}


def lb_ref(lb: Registered, kind: str, child: str) -> dict[str, str]:
    return {"id": f"{lb.id}/{kind}/{child}"}


def own(kind: str, child: str) -> dict[str, str]:
    """A reference from inside an LB to its own child: the relative ID azure-native resolves."""
    return {"id": f"$self/{kind}/{child}"}


def nic_configuration(run: ProgramRun) -> dict[str, Any]:
    """The scale set's one NIC configuration (the profile is secret on Windows: opened)."""
    [nic] = plain(run.one(VMSS).inputs["virtualMachineProfile"])["networkProfile"]["networkInterfaceConfigurations"]
    return nic


def profile(run: ProgramRun) -> dict[str, Any]:
    return plain(run.one(VMSS).inputs["virtualMachineProfile"])


def fixed_nics(run: ProgramRun) -> list[Registered]:
    return sorted(run.of_type(NIC), key=lambda r: int(r.name.rsplit("-", 1)[1]))


# ------------------------------------------------------------------ a. scale set on an existing subnet


@pytest.fixture(scope="module")
def byo_scale_set() -> ProgramRun:
    return ok(run_stack(overrides={"placement": "scaleSet", "subnetId": SUBNET_ID}))


def test_a_scale_set_on_an_existing_subnet_creates_no_network_of_its_own(byo_scale_set: ProgramRun) -> None:
    # No VNet, no NAT gateway, no egress LB: the subnet and its egress are the owner's; the
    # public frontend's own outbound rule still gives the pool its way out.
    assert byo_scale_set.counts() == {
        COMPONENT: 1,
        RG: 1,
        NSG: 1,
        PIP: 1,
        LB: 1,
        NAT_RULE: 1,
        IDENTITY: 1,
        VMSS: 1,
        AUTOSCALE: 1,
    }
    lb = byo_scale_set.one(LB)
    [outbound] = lb.inputs["outboundRules"]
    assert outbound["backendAddressPool"] == own("backendAddressPools", "backend")
    assert outbound["frontendIPConfigurations"] == [own("frontendIPConfigurations", "frontend")]
    assert [r["disableOutboundSnat"] for r in lb.inputs["loadBalancingRules"]] == [True]


def test_a_scale_set_on_an_existing_subnet_carries_the_nsg_on_its_nic_configuration(
    byo_scale_set: ProgramRun,
) -> None:
    nic = nic_configuration(byo_scale_set)
    assert nic["networkSecurityGroup"] == {"id": byo_scale_set.one(NSG).id}
    [ipconfig] = nic["ipConfigurations"]
    assert ipconfig["subnet"] == {"id": SUBNET_ID}
    assert ipconfig["loadBalancerBackendAddressPools"] == [pool(byo_scale_set.one(LB))]
    assert "publicIPAddressConfiguration" not in ipconfig
    # The NSG guards only these instances' NICs, so its rules name no subnet prefix.
    rules = nsg_rules(byo_scale_set)
    assert list(rules) == ["allow-azure-lb-probe", "allow-web-tcp-80", "deny-all-inbound"]
    assert {r["destinationAddressPrefix"] for r in rules.values()} == {"*"}
    # Admin access: the pool's NAT rule V2, to SSH.
    nat = admin_nat_rule(byo_scale_set).inputs
    assert (nat["backendAddressPool"], nat["backendPort"]) == (pool(byo_scale_set.one(LB)), 22)


def test_an_internal_scale_set_over_zones_on_an_existing_subnet_uses_the_subnets_egress() -> None:
    # Spread over zones on a subnet it created, an internal tier would get an egress LB; on
    # the caller's subnet, egress is the subnet's: no egress LB, no NAT gateway, no public IP.
    run = ok(run_stack(overrides={"placement": "scaleSet", "subnetId": SUBNET_ID, "frontendType": "internal"}))
    assert run.counts() == {COMPONENT: 1, RG: 1, NSG: 1, LB: 1, IDENTITY: 1, VMSS: 1, AUTOSCALE: 1}
    lb = run.one(LB)
    assert "outboundRules" not in lb.inputs
    [frontend] = lb.inputs["frontendIPConfigurations"]
    assert frontend["subnet"]["id"] == SUBNET_ID
    assert frontend["zones"] == ["1", "2", "3"]
    assert "publicIPAddress" not in frontend
    nic = nic_configuration(run)
    assert nic["networkSecurityGroup"] == {"id": run.one(NSG).id}
    [ipconfig] = nic["ipConfigurations"]
    assert ipconfig["loadBalancerBackendAddressPools"] == [pool(lb)]
    assert run.one(VMSS).inputs["zones"] == ["1", "2", "3"]
    assert nsg_rules(run)["allow-web-tcp-80"]["sourceAddressPrefix"] == "VirtualNetwork"


# ------------------------------------------------------------------ b. UDP rules

UDP_RULES = [
    {"frontendPort": 53, "backendPort": 5353, "protocol": "Udp"},
    {"frontendPort": 8080, "backendPort": 80, "protocol": "Tcp"},
]


@pytest.fixture(scope="module")
def udp() -> ProgramRun:
    return ok(run_stack(overrides={"lbRules": UDP_RULES}))


def test_udp_and_tcp_rules_share_the_frontend_pool_and_probe_and_only_tcp_resets(udp: ProgramRun) -> None:
    lb = udp.one(LB)
    rules = lb.inputs["loadBalancingRules"]
    # Azure: enableTcpReset applies to TCP only; the program sends false for a UDP rule.
    assert [(r["name"], r["protocol"], r["frontendPort"], r["backendPort"], r["enableTcpReset"]) for r in rules] == [
        ("udp-53", "Udp", 53, 5353, False),
        ("tcp-8080", "Tcp", 8080, 80, True),
    ]
    for r in rules:
        assert r["frontendIPConfiguration"] == own("frontendIPConfigurations", "frontend"), r["name"]
        assert r["backendAddressPool"] == own("backendAddressPools", "backend"), r["name"]
        assert r["probe"] == own("probes", "health"), r["name"]
        assert (r["disableOutboundSnat"], r["enableFloatingIP"], r["idleTimeoutInMinutes"]) == (True, False, 4)
    [probe] = lb.inputs["probes"]
    assert (probe["protocol"], probe["port"], probe["requestPath"]) == ("Http", 80, "/")


def test_udp_rules_open_udp_on_the_backend_port_in_the_nsg(udp: ProgramRun) -> None:
    rules = nsg_rules(udp)
    assert list(rules) == ["allow-azure-lb-probe", "allow-web-udp-53", "allow-web-tcp-8080", "deny-all-inbound"]
    assert [
        (r["protocol"], r["destinationPortRange"], r["priority"], r["sourceAddressPrefix"], r["access"])
        for r in rules.values()
    ] == [
        ("Tcp", "80", 100, "AzureLoadBalancer", "Allow"),
        ("Udp", "5353", 200, "Internet", "Allow"),
        ("Tcp", "80", 201, "Internet", "Allow"),
        ("*", "*", 4096, "*", "Deny"),
    ]
    assert {r["destinationAddressPrefix"] for r in list(rules.values())[:3]} == {"10.0.1.0/24"}


def test_with_a_udp_rule_first_the_url_is_the_first_tcp_rules(udp: ProgramRun) -> None:
    assert udp.outputs["url"] == f"http://{udp.outputs['publicIp']}:8080/"
    assert udp.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        LB: 1,
        NAT_RULE: 1,
        IDENTITY: 1,
        AVSET: 1,
        NIC: 2,
        VM: 2,
        GATE: 2,
    }
    for nic in fixed_nics(udp):
        assert nic.inputs["ipConfigurations"][0]["loadBalancerBackendAddressPools"] == [pool(udp.one(LB))]


# ------------------------------------------------------------------ c. a TCP probe with a scale set


@pytest.fixture(scope="module")
def tcp_probe_scale_set() -> ProgramRun:
    return ok(
        run_stack(
            overrides={
                "placement": "scaleSet",
                "workload": "none",
                "lbRules": [{"frontendPort": 80, "backendPort": 8080}],
                "probe": {"protocol": "Tcp", "port": 8080, "intervalSeconds": 15, "probeThreshold": 3},
            }
        )
    )


def test_a_tcp_probe_on_a_scale_set_is_the_lbs_probe_and_the_health_extensions(
    tcp_probe_scale_set: ProgramRun,
) -> None:
    run = tcp_probe_scale_set
    lb = run.one(LB)
    assert lb.inputs["probes"] == [
        {"name": "health", "protocol": "Tcp", "port": 8080, "intervalInSeconds": 15, "probeThreshold": 3}
    ]
    [rule] = lb.inputs["loadBalancingRules"]
    assert (rule["name"], rule["backendPort"], rule["probe"]) == ("tcp-80", 8080, own("probes", "health"))
    # workload none: the health extension only, probing the same TCP port, with no path.
    [health] = profile(run)["extensionProfile"]["extensions"]
    assert (health["name"], health["type"], health["typeHandlerVersion"]) == ("health", "ApplicationHealthLinux", "1.0")
    assert health["settings"] == {"protocol": "tcp", "port": 8080}
    assert "customData" not in profile(run)["osProfile"]
    rules = nsg_rules(run)
    assert (
        rules["allow-azure-lb-probe"]["destinationPortRange"],
        rules["allow-web-tcp-80"]["destinationPortRange"],
    ) == (
        "8080",
        "8080",
    )
    assert run.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        LB: 1,
        NAT_RULE: 1,
        IDENTITY: 1,
        VMSS: 1,
        AUTOSCALE: 1,
    }


# ------------------------------------------------------------------ d. the longest component name

#: 40 characters, the most a component name may have.
LONG = "orders-frontend-tier-westeurope-prod-001"

# Azure's length limits on the names this component makes, per Pulumi type (Azure naming rules,
# https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules). A
# VM's or scale set's resource name may have 64 characters; the 15 of Windows bind its host
# name (computerName / computerNamePrefix), checked separately.
NAME_LIMITS: dict[str, tuple[str, int]] = {
    RG: ("resourceGroupName", 90),
    VNET: ("virtualNetworkName", 64),
    NSG: ("networkSecurityGroupName", 80),
    PIP: ("publicIpAddressName", 80),
    LB: ("loadBalancerName", 80),
    NAT_GATEWAY: ("natGatewayName", 80),
    BASTION: ("bastionHostName", 80),
    NIC: ("networkInterfaceName", 80),
    AVSET: ("availabilitySetName", 80),
    VM: ("vmName", 64),
    VMSS: ("vmScaleSetName", 64),
    IDENTITY: ("resourceName", 128),
    AUTOSCALE: ("autoscaleSettingName", 260),
    WORKSPACE: ("workspaceName", 63),
    ACTION_GROUP: ("actionGroupName", 260),
    METRIC_ALERT: ("ruleName", 260),
    DASHBOARD: ("dashboardName", 24),
    DIAGNOSTICS: ("name", 260),
}
#: Child resources whose Azure name is fixed (the same under every VM or LB).
FIXED_NAMES = {
    NAT_RULE: ("inboundNatRuleName", "admin"),
    GATE: ("runCommandName", "health-gate"),
    EXTENSION: ("vmExtensionName", "install-web-server"),
}


def azure_name(r: Registered) -> str:
    """The resource's Azure name: the one the program sets, else azure-native's auto-name, the
    logical name plus 8 random characters (provider/pkg/provider/provider.go `getDefaultName`:
    `resource.NewUniqueName(randomSeed, name, 8, 0, nil)`)."""
    key = NAME_LIMITS[r.type][0]
    return r.inputs.get(key) or r.name + "12345678"


def long_named(**overrides: Any) -> ProgramRun:
    """The component named LONG with the dev stack's config plus `overrides`."""
    args = args_from_config(dev_values(**overrides), name=LONG)
    return run_inline(lambda: MultiVmLoadBalanced(LONG, args))


WINDOWS = {"osType": "windows", "sshPublicKey": None}
LONG_CASES: dict[str, dict[str, Any]] = {
    "linux VMs with monitoring": {"vmCount": 3, "monitoring": {"enabled": True, "alertEmails": ["ops@example.com"]}},
    "windows VMs over zones, internal": {**WINDOWS, "placement": "zones", "vmCount": 3, "frontendType": "internal"},
    "linux scale set with bastion": {"placement": "scaleSet", "adminAccess": "bastion"},
    "windows scale set in one place, internal": {
        **WINDOWS,
        "placement": "scaleSet",
        "zones": [],
        "frontendType": "internal",
    },
}
#: The longest prefixes each case allows: 40 characters where no host name or dashboard binds
#: it; on Windows, `<prefix>-3` of 15 characters for the VMs, and `<prefix>` + 6 of 15 for the
#: scale set.
PREFIXES = {
    # `dash-<prefix>`: a dashboard name has at most 24 characters.
    "linux VMs with monitoring": LONG[:19],
    "windows VMs over zones, internal": "orders-fronte",
    "linux scale set with bastion": LONG,
    "windows scale set in one place, internal": "orders-fr",
}
for _case, _prefix in PREFIXES.items():
    # The largest LUN, so that the data disk's name is the longest it can be.
    LONG_CASES[f"prefixed {_case}"] = {
        **LONG_CASES[_case],
        "namePrefix": _prefix,
        "dataDisks": [{"lun": 63, "sizeGb": 32}],
    }

#: What each case registers besides the component, its group, VNet, NSG and identity.
LONG_COUNTS: dict[str, dict[str, int]] = {
    "linux VMs with monitoring": {
        PIP: 1,
        LB: 1,
        NAT_RULE: 1,
        AVSET: 1,
        NIC: 3,
        VM: 3,
        GATE: 3,
        WORKSPACE: 1,
        DIAGNOSTICS: 2,
        ACTION_GROUP: 1,
        METRIC_ALERT: 4,
        DASHBOARD: 1,
    },
    # Internal over zones: the egress LB and its public IP; no admin path.
    "windows VMs over zones, internal": {PIP: 1, LB: 2, NIC: 3, VM: 3, EXTENSION: 3, GATE: 3, PASSWORD: 1},
    "linux scale set with bastion": {PIP: 2, LB: 1, BASTION: 1, VMSS: 1, AUTOSCALE: 1},
    # Internal in one place: the NAT gateway and its public IP.
    "windows scale set in one place, internal": {
        PIP: 1,
        NAT_GATEWAY: 1,
        LB: 1,
        VMSS: 1,
        AUTOSCALE: 1,
        PASSWORD: 1,
    },
}
LONG_COUNTS.update({f"prefixed {case}": LONG_COUNTS[case] for case in PREFIXES})

#: The Cloud Adoption Framework's abbreviation of each type (metric alerts and autoscale
#: settings have none and spell it out), https://learn.microsoft.com/azure/cloud-adoption-framework/
#: ready/azure-best-practices/resource-abbreviations.
CAF = {
    RG: "rg",
    VNET: "vnet",
    NSG: "nsg",
    PIP: "pip",
    NAT_GATEWAY: "ng",
    BASTION: "bas",
    NIC: "nic",
    AVSET: "avail",
    VM: "vm",
    VMSS: "vmss",
    IDENTITY: "id",
    AUTOSCALE: "autoscale",
    WORKSPACE: "log",
    ACTION_GROUP: "ag",
    METRIC_ALERT: "alert",
    DASHBOARD: "dash",
}


@pytest.fixture(scope="module", params=list(LONG_CASES), ids=list(LONG_CASES))
def long_run(request: pytest.FixtureRequest) -> tuple[str, ProgramRun]:
    return request.param, long_named(**LONG_CASES[request.param])


def test_every_azure_name_of_the_longest_component_is_within_azures_limits_and_unique(
    long_run: tuple[str, ProgramRun],
) -> None:
    case, run = long_run
    assert run.counts() == {COMPONENT: 1, RG: 1, VNET: 1, NSG: 1, IDENTITY: 1, **LONG_COUNTS[case]}
    seen: set[tuple[str, str, str]] = set()
    for r in run.resources:
        if not r.custom or r.type == PASSWORD:
            continue  # the component itself; pulumi-random's password has no Azure name
        if r.type in FIXED_NAMES:
            key, name = FIXED_NAMES[r.type]
            assert r.inputs[key] == name, r.name
            continue
        name = azure_name(r)
        assert len(name) <= NAME_LIMITS[r.type][1], (r.type, name, len(name))
        # A diagnostic setting's name is unique per resource it watches.
        where = (r.type, r.inputs.get("resourceUri", ""), name)
        assert where not in seen, where
        seen.add(where)
    prefix = LONG_CASES[case].get("namePrefix")
    named = [r for r in run.resources if r.custom and r.type in NAME_LIMITS and r.type != DIAGNOSTICS]
    given = {r.name: r.inputs.get(NAME_LIMITS[r.type][0]) for r in named}
    if prefix is None:
        # Every one auto-named, the LBs too, but the dashboard: its name has at most 24
        # characters, so it is a digest of project, stack and component (dashboard.py).
        assert {k: v for k, v in given.items() if v is not None} == (
            {f"{LONG}-dashboard": given[f"{LONG}-dashboard"]} if run.of_type(DASHBOARD) else {}
        )
        for name in (n for n in given.values() if n is not None):
            assert re.fullmatch(r"dash-[0-9a-f]{12}", name)
        return
    internal = LONG_CASES[case].get("frontendType") == "internal"
    for r in named:
        abbreviation = ("lbi" if internal else "lbe") if r.type == LB else CAF[r.type]
        assert str(given[r.name]).startswith(f"{abbreviation}-{prefix}"), (r.name, given[r.name])
    # The disks of each VM, named by the convention and tagged with the VM's generation.
    for vm in vms(run):
        storage = plain(vm.inputs["storageProfile"])
        tag = vm.inputs["vmName"].rsplit("-", 1)[1]
        disks = [storage["osDisk"]["name"], *(d["name"] for d in storage["dataDisks"])]
        index = vm.name.rsplit("-", 1)[1]
        assert disks == [f"osdisk-{prefix}-{index}-{tag}", f"disk-{prefix}-{index}-63-{tag}"]
        assert max(len(d) for d in disks) <= 80


def test_host_names_of_the_longest_component_fit_windows_and_linux(long_run: tuple[str, ProgramRun]) -> None:
    case, run = long_run
    windows = "windows" in case
    prefix = LONG_CASES[case].get("namePrefix")
    if run.of_type(VMSS):
        computer_prefix = profile(run)["osProfile"]["computerNamePrefix"]
        # Azure appends 6 characters to the prefix; Windows allows 15 in all.
        assert computer_prefix == (prefix or "orders-fr")
        assert len(computer_prefix) + 6 <= (15 if windows else 64)
        return
    names = [plain(vm.inputs["osProfile"])["computerName"] for vm in vms(run)]
    if prefix is not None:
        assert names == [f"{prefix}-1", f"{prefix}-2", f"{prefix}-3"]
    elif windows:
        assert names == ["orders-fron-1", "orders-fron-2", "orders-fron-3"]
    else:
        assert names == [f"{LONG}-vm-1", f"{LONG}-vm-2", f"{LONG}-vm-3"]
    assert max(len(n) for n in names) <= (15 if windows else 64)
    assert len(set(names)) == len(names)


def test_the_longest_component_puts_each_extension_on_its_vm_and_cuts_the_action_groups_short_name(
    long_run: tuple[str, ProgramRun],
) -> None:
    _, run = long_run
    # Each Windows VM's web-server extension (same name under every VM) sits on its own VM.
    if extensions := run.of_type(EXTENSION):
        assert sorted(e.inputs["vmName"] for e in extensions) == sorted(vm.outputs["name"] for vm in run.of_type(VM))
    for group in run.of_type(ACTION_GROUP):
        # Azure allows 12 characters in an action group's short name (the SMS/e-mail sender).
        assert group.inputs["groupShortName"] == "orders-front"


def test_a_component_name_of_41_characters_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        args_from_config(dev_values(), name=LONG + "x")
    assert caught.value.problems == [
        f"component name: '{LONG}x' must be 1-40 letters, digits or '-', starting with a letter or digit "
        "(it prefixes every Azure name)"
    ]


def test_windows_host_names_stay_within_15_characters_at_vm_100() -> None:
    # No workload and no admin path: the fewest resources per VM (a NIC and a VM).
    run = long_named(**WINDOWS, placement="zones", vmCount=100, adminAccess="none", workload="none")
    assert run.counts()[VM] == 100 and run.of_type(EXTENSION) == []
    names = [plain(vm.inputs["osProfile"])["computerName"] for vm in vms(run)]
    assert (names[0], names[9], names[99]) == ("orders-fron-1", "orders-fron-10", "orders-fron-100")
    assert len(names[99]) == 15
    assert len(set(names)) == 100


# ------------------------------------------------------------------ e. OS disk type


@pytest.mark.parametrize(
    ("placement", "disk"),
    [
        ("scaleSet", "Premium_LRS"),
        ("scaleSet", "StandardSSD_ZRS"),
        ("availabilitySet", "StandardSSD_ZRS"),
        ("zones", "Premium_LRS"),
    ],
)
def test_os_disk_type_reaches_every_vm_and_the_scale_set(placement: str, disk: str) -> None:
    run = ok(run_stack(overrides={"placement": placement, "osDiskType": disk}))
    expected = {
        "createOption": "FromImage",
        "caching": "ReadWrite",
        "managedDisk": {"storageAccountType": disk},
        "deleteOption": "Delete",
    }
    if placement == "scaleSet":
        assert profile(run)["storageProfile"]["osDisk"] == expected
        assert run.of_type(VM) == []
    else:
        assert len(run.of_type(VM)) == 2
        for vm in run.of_type(VM):
            assert vm.inputs["storageProfile"]["osDisk"] == expected, vm.name


# ------------------------------------------------------------------ f. the Windows scale set

PASSWORD_VALUE = "Corr3ct-Horse-Battery"


@pytest.fixture(scope="module")
def windows_scale_set() -> ProgramRun:
    # prod: Windows, Premium_LRS, a DNS label, an admin allow-list; vmCount and
    # faultDomainCount are not read by a zonal scale set.
    return ok(
        run_stack(
            "prod",
            overrides={"placement": "scaleSet"},
            secrets={"adminPassword": PASSWORD_VALUE},
            remove=("vmCount", "faultDomainCount"),
        )
    )


def test_the_windows_scale_set_registers_exactly_its_architecture(windows_scale_set: ProgramRun) -> None:
    # The password is configured: nothing generated.
    assert windows_scale_set.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        LB: 1,
        NAT_RULE: 1,
        IDENTITY: 1,
        VMSS: 1,
        AUTOSCALE: 1,
    }
    vmss = windows_scale_set.one(VMSS).inputs
    assert vmss["sku"] == {"name": "Standard_D4s_v5", "capacity": 2}
    assert vmss["zones"] == ["1", "2", "3"]
    nat = admin_nat_rule(windows_scale_set).inputs
    assert (nat["backendPort"], nat["frontendPortRangeStart"], nat["frontendPortRangeEnd"]) == (3389, 50001, 50400)
    admin = nsg_rules(windows_scale_set)["allow-admin-from-allow-list"]
    assert (admin["destinationPortRange"], admin["sourceAddressPrefixes"]) == ("3389", ["203.0.113.0/24"])


def test_the_windows_scale_set_installs_iis_through_its_extension_and_reports_health(
    windows_scale_set: ProgramRun,
) -> None:
    health, web = profile(windows_scale_set)["extensionProfile"]["extensions"]
    assert health == {
        "name": "health",
        "publisher": "Microsoft.ManagedServices",
        "type": "ApplicationHealthWindows",
        "typeHandlerVersion": "1.0",
        "autoUpgradeMinorVersion": True,
        "settings": {"protocol": "http", "port": 80, "requestPath": "/"},
    }
    command = web.pop("settings")["commandToExecute"]
    assert web == {
        "name": "install-web-server",
        "publisher": "Microsoft.Compute",
        "type": "CustomScriptExtension",
        "typeHandlerVersion": "1.10",
        "autoUpgradeMinorVersion": True,
    }
    assert command.startswith(POWERSHELL)
    assert base64.b64decode(command[len(POWERSHELL) :]).decode("utf-16-le") == IIS_SCRIPT.read_text()


def test_the_windows_scale_set_is_configured_for_windows_with_a_secret_password(
    windows_scale_set: ProgramRun,
) -> None:
    vmss = windows_scale_set.one(VMSS)
    # The whole profile is secret because it carries the password.
    assert isinstance(vmss.inputs["virtualMachineProfile"], Secret)
    os_profile = profile(windows_scale_set)["osProfile"]
    assert os_profile == {
        "computerNamePrefix": "web",
        "adminUsername": "azureuser",
        "adminPassword": PASSWORD_VALUE,
        "windowsConfiguration": {
            "provisionVMAgent": True,
            "enableAutomaticUpdates": True,
            # 2025-datacenter-azure-edition is a hotpatch image: Azure requires hotpatching on a
            # scale set with platform patching there.
            "patchSettings": {
                "patchMode": "AutomaticByPlatform",
                "assessmentMode": "AutomaticByPlatform",
                "enableHotpatching": True,
            },
        },
    }
    storage = profile(windows_scale_set)["storageProfile"]
    assert storage["imageReference"] == {
        "publisher": "MicrosoftWindowsServer",
        "offer": "WindowsServer",
        "sku": "2025-datacenter-azure-edition",
        "version": "latest",
    }
    assert storage["osDisk"]["managedDisk"] == {"storageAccountType": "Premium_LRS"}
    assert windows_scale_set.outputs["adminPassword"] == Secret(PASSWORD_VALUE)


def test_a_windows_scale_set_without_a_password_generates_one_secret() -> None:
    run = ok(run_stack("prod", overrides={"placement": "scaleSet"}, remove=("vmCount", "faultDomainCount")))
    generated = run.one(PASSWORD)
    assert generated.inputs["length"] == 24
    assert generated.urn in run.one(VMSS).dependencies
    assert profile(run)["osProfile"]["adminPassword"] == plain(generated.outputs["result"])
    assert isinstance(run.outputs["adminPassword"], Secret)


# ------------------------------------------------------------------ g. internal tiers on a created subnet


@pytest.fixture(scope="module")
def internal_one_place() -> ProgramRun:
    return ok(run_stack(overrides={"frontendType": "internal", "frontendPrivateIp": "10.0.1.10"}))


def test_an_internal_tier_in_one_place_gets_out_through_a_nat_gateway(internal_one_place: ProgramRun) -> None:
    run = internal_one_place
    assert run.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        NAT_GATEWAY: 1,
        LB: 1,
        IDENTITY: 1,
        AVSET: 1,
        NIC: 2,
        VM: 2,
        GATE: 2,
    }
    natgw, pip = run.one(NAT_GATEWAY), run.one(PIP)
    assert pip.name == "web-natgw-pip"
    assert "zones" not in pip.inputs
    assert natgw.inputs["sku"] == {"name": "Standard"}
    assert natgw.inputs["publicIpAddresses"] == [{"id": pip.id}]
    [subnet] = run.one(VNET).inputs["subnets"]
    assert subnet["natGateway"] == {"id": natgw.id}
    assert subnet["networkSecurityGroup"] == {"id": run.one(NSG).id}
    assert subnet["defaultOutboundAccess"] is False
    assert "outboundRules" not in run.one(LB).inputs


def test_an_internal_tier_has_a_private_frontend_and_no_public_ip_on_any_nic(internal_one_place: ProgramRun) -> None:
    run = internal_one_place
    lb = run.one(LB)
    [frontend] = lb.inputs["frontendIPConfigurations"]
    assert frontend["subnet"]["id"] == f"{run.one(VNET).id}/subnets/vms"
    assert (frontend["privateIPAllocationMethod"], frontend["privateIPAddress"]) == ("Static", "10.0.1.10")
    assert "publicIPAddress" not in frontend and "zones" not in frontend
    assert run.outputs["privateFrontendIp"] == "10.0.1.10"
    assert run.outputs["url"] == "http://10.0.1.10/"
    for nic, vm in zip(fixed_nics(run), vms(run), strict=True):
        [ipconfig] = nic.inputs["ipConfigurations"]
        assert "publicIPAddress" not in ipconfig
        assert ipconfig["loadBalancerBackendAddressPools"] == [pool(lb)]
        assert "networkSecurityGroup" not in nic.inputs  # the subnet's NSG guards it
        assert vm.inputs["networkProfile"]["networkInterfaces"] == [{"id": nic.id, "primary": True}]
    rules = nsg_rules(run)
    assert list(rules) == ["allow-azure-lb-probe", "allow-web-tcp-80", "deny-all-inbound"]
    assert rules["allow-web-tcp-80"]["sourceAddressPrefix"] == "VirtualNetwork"
    assert rules["allow-azure-lb-probe"]["sourceAddressPrefix"] == "AzureLoadBalancer"
    assert run.of_type(NAT_RULE) == [] and run.outputs["adminEndpoints"] == []


@pytest.fixture(scope="module")
def internal_zones() -> ProgramRun:
    return ok(
        run_stack(
            overrides={
                "frontendType": "internal",
                "placement": "zones",
                "vmCount": 3,
                "webSourcePrefixes": ["10.20.0.0/16"],
            }
        )
    )


def test_an_internal_tier_over_zones_gets_out_through_an_outbound_only_lb(internal_zones: ProgramRun) -> None:
    run = internal_zones
    assert run.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        LB: 2,
        IDENTITY: 1,
        NIC: 3,
        VM: 3,
        GATE: 3,
    }
    [subnet] = run.one(VNET).inputs["subnets"]
    assert "natGateway" not in subnet
    pip = run.one(PIP)
    assert (pip.name, pip.inputs["zones"]) == ("web-egress-pip", ["1", "2", "3"])
    [egress] = [r for r in run.of_type(LB) if r.name == "web-egress-lb"]
    # Auto-named: no Azure name is fixed by the program.
    assert "loadBalancerName" not in egress.inputs
    assert egress.inputs["frontendIPConfigurations"] == [{"name": "egress", "publicIPAddress": {"id": pip.id}}]
    assert egress.inputs["backendAddressPools"] == [{"name": "egress"}]
    assert egress.inputs["outboundRules"] == [
        {
            "name": "outbound",
            "frontendIPConfigurations": [own("frontendIPConfigurations", "egress")],
            "backendAddressPool": own("backendAddressPools", "egress"),
            "protocol": "All",
            "enableTcpReset": True,
            "idleTimeoutInMinutes": 4,
        }
    ]
    # Outbound only: nothing comes in through it.
    for key in ("loadBalancingRules", "probes", "inboundNatRules"):
        assert key not in egress.inputs


def test_an_internal_tier_over_zones_puts_each_nic_in_both_pools_and_each_vm_in_its_zone(
    internal_zones: ProgramRun,
) -> None:
    run = internal_zones
    main = main_lb(run)
    [egress] = [r for r in run.of_type(LB) if r.name == "web-egress-lb"]
    [frontend] = main.inputs["frontendIPConfigurations"]
    assert frontend["zones"] == ["1", "2", "3"]
    assert frontend["privateIPAllocationMethod"] == "Dynamic"
    assert "publicIPAddress" not in frontend
    for nic in fixed_nics(run):
        [ipconfig] = nic.inputs["ipConfigurations"]
        assert ipconfig["loadBalancerBackendAddressPools"] == [pool(main), pool(egress, "egress")], nic.name
        assert "publicIPAddress" not in ipconfig
    assert [vm.inputs["zones"] for vm in vms(run)] == [["1"], ["2"], ["3"]]
    web = nsg_rules(run)["allow-web-tcp-80"]
    # One address: the singular field (a list is for several).
    assert (web["sourceAddressPrefix"], web["destinationAddressPrefix"]) == ("10.20.0.0/16", "10.0.1.0/24")
    assert "sourceAddressPrefixes" not in web


def test_an_internal_scale_set_over_zones_joins_both_pools() -> None:
    run = ok(run_stack(overrides={"frontendType": "internal", "placement": "scaleSet"}))
    assert run.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        LB: 2,
        IDENTITY: 1,
        VMSS: 1,
        AUTOSCALE: 1,
    }
    [egress] = [r for r in run.of_type(LB) if r.name == "web-egress-lb"]
    nic = nic_configuration(run)
    assert "networkSecurityGroup" not in nic  # on the subnet it created
    [ipconfig] = nic["ipConfigurations"]
    assert ipconfig["loadBalancerBackendAddressPools"] == [pool(main_lb(run)), pool(egress, "egress")]
    assert ipconfig["subnet"] == {"id": f"{run.one(VNET).id}/subnets/vms"}


# ------------------------------------------------------------------ a boundary: the admin NAT range of a scale set


@pytest.mark.parametrize(("max_count", "end"), [(333, 50400), (334, 50401)])
def test_a_scale_sets_nat_range_grows_past_400_ports_only_when_the_pool_can(max_count: int, end: int) -> None:
    # maxCount plus a MaxSurge batch of 20% rounded up: 333 + 67 = 400 (the fixed 400 ports
    # hold it), 334 + 67 = 401 (one more port).
    run = ok(
        run_stack(
            overrides={"placement": "scaleSet", "scaleSet": {"maxCount": max_count}, "subnetPrefix": "10.0.0.0/22"}
        )
    )
    nat = admin_nat_rule(run).inputs
    assert (nat["frontendPortRangeStart"], nat["frontendPortRangeEnd"]) == (50001, end)
    assert run.outputs["natPortRange"] == f"50001-{end}"
