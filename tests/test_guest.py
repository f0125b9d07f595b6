"""Guest monitoring (`monitoring.guest`, components/guest.py): GIVEN monitoring on with guest,
WHEN the stack runs, THEN every VM (or the scale set) has the Azure Monitor Agent signed in with
the component's identity, one data collection rule sends counters and warnings to the workspace,
each machine is associated with it, and CPU, memory and OS disk alerts watch each VM; without
`guest`, none of it exists."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from conftest import EXTENSION, GATE, IDENTITY, VM, ok, run_stack
from test_scenarios import ACTION_GROUP, METRIC_ALERT, VMSS, WORKSPACE, profile

from offline import azure_types, plan
from offline.engine import ProgramRun, Registered, plain

DCR = "azure-native:monitor:DataCollectionRule"
LINK = "azure-native:monitor:DataCollectionRuleAssociation"
LOG_ALERT = "azure-native:monitor:ScheduledQueryRule"
GUEST = {"monitoring": {"enabled": True, "guest": True, "alertEmails": ["ops@example.com"]}}
NO_GUEST = {"monitoring": {"enabled": True, "alertEmails": ["ops@example.com"]}}
WINDOWS = {"osType": "windows", "sshPublicKey": None}
PASSWORD = {"adminPassword": "Correct-Horse-9-Battery"}
GUEST_ALERTS = ("web-alert-vm-cpu", "web-alert-vm-memory")

#: Per placement and OS: the stack's overrides, its secrets, and how many VMs it declares (a
#: scale set declares none: its instances come from its model).
CASES: dict[str, tuple[dict[str, Any], dict[str, str] | None, int]] = {
    "availabilitySet-linux": ({}, None, 2),
    "zones-linux": ({"placement": "zones", "vmCount": 3}, None, 3),
    "availabilitySet-windows": (WINDOWS, PASSWORD, 2),
    "zones-windows": ({"placement": "zones", "vmCount": 3, **WINDOWS}, PASSWORD, 3),
    "scaleSet-linux": ({"placement": "scaleSet"}, None, 0),
    "scaleSet-windows": ({"placement": "scaleSet", **WINDOWS}, PASSWORD, 0),
}
VM_CASES = [c for c, (_, _, n) in CASES.items() if n]


def stack(case: str, monitoring: dict[str, Any] = GUEST) -> ProgramRun:
    overrides, secrets, _ = CASES[case]
    return ok(run_stack(overrides={**monitoring, **overrides}, secrets=secrets))


def by_name(run: ProgramRun, type_: str) -> dict[str, Registered]:
    return {r.name: r for r in run.of_type(type_)}


def agents(run: ProgramRun) -> dict[str, Registered]:
    return {n: r for n, r in by_name(run, EXTENSION).items() if n.endswith("-monitor-agent")}


def guest_alerts(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in run.of_type(METRIC_ALERT) if r.name in GUEST_ALERTS}


def vms_in_order(run: ProgramRun) -> list[Registered]:
    vms = by_name(run, VM)
    return [vms[f"web-vm-{i}"] for i in range(1, len(vms) + 1)]


# ------------------------------------------------------------------ what guest adds


@pytest.mark.parametrize("case", list(CASES))
def test_guest_adds_exactly_the_agents_rule_links_and_alerts(case: str) -> None:
    """Against the same stack with monitoring on but not guest: nothing else changes in count."""
    n = CASES[case][2]
    with_guest = Counter(r.type for r in stack(case).resources)
    without = Counter(r.type for r in stack(case, NO_GUEST).resources)
    expected = {DCR: 1, LINK: n or 1, LOG_ALERT: 1, METRIC_ALERT: 2}
    if n:
        expected[EXTENSION] = n  # one agent per VM; a scale set carries it in its model
    assert dict(with_guest - without) == expected
    assert dict(without - with_guest) == {}


@pytest.mark.parametrize("case", ["availabilitySet-linux", "scaleSet-linux", "scaleSet-windows"])
def test_nothing_inside_the_vms_is_watched_without_guest(case: str) -> None:
    run = stack(case, NO_GUEST)
    assert (run.of_type(DCR), run.of_type(LINK), run.of_type(LOG_ALERT)) == ([], [], [])
    assert (agents(run), guest_alerts(run)) == ({}, {})
    if CASES[case][2] == 0:
        names = [e["name"] for e in profile(run)["extensionProfile"]["extensions"]]
        assert names == (["health", "install-web-server"] if case.endswith("windows") else ["health"])


# ------------------------------------------------------------------ the agents, per VM


@pytest.mark.parametrize("case", VM_CASES)
def test_each_vm_gets_the_agent_signed_in_with_the_components_identity_after_its_gate(case: str) -> None:
    run = stack(case)
    identity = run.one(IDENTITY).id
    windows = case.endswith("windows")
    vms, gates, extensions = vms_in_order(run), by_name(run, GATE), by_name(run, EXTENSION)
    found = agents(run)
    assert sorted(found) == sorted(f"web-vm-{i}-monitor-agent" for i in range(1, len(vms) + 1))
    for i, vm in enumerate(vms, start=1):
        agent = found[f"web-vm-{i}-monitor-agent"]
        assert agent.inputs["vmName"] == vm.outputs["name"]
        assert {k: agent.inputs[k] for k in ("publisher", "type", "typeHandlerVersion", "vmExtensionName")} == {
            "publisher": "Microsoft.Azure.Monitor",
            "type": "AzureMonitorWindowsAgent" if windows else "AzureMonitorLinuxAgent",
            "typeHandlerVersion": "1.0",
            "vmExtensionName": "monitor-agent",
        }
        assert (agent.inputs["autoUpgradeMinorVersion"], agent.inputs["enableAutomaticUpgrade"]) == (True, True)
        assert agent.inputs["settings"] == {
            "authentication": {"managedIdentity": {"identifier-name": "mi_res_id", "identifier-value": identity}}
        }
        # One extension operation at a time per VM: after its health gate, and on Windows
        # after its IIS extension too; never after another VM's.
        waits_for = {gates[f"web-vm-{i}-gate"].urn}
        if windows:
            waits_for.add(extensions[f"web-vm-{i}-web"].urn)
        others = {r.urn for n, r in {**gates, **extensions}.items() if not n.startswith(f"web-vm-{i}-")}
        assert waits_for <= set(agent.dependencies)
        assert not others & set(agent.dependencies)


@pytest.mark.parametrize("case", VM_CASES)
def test_each_vm_is_linked_to_the_one_rule(case: str) -> None:
    run = stack(case)
    rule, vms = run.one(DCR), vms_in_order(run)
    links = by_name(run, LINK)
    assert sorted(links) == sorted(f"web-vm-{i}-dcr-link" for i in range(1, len(vms) + 1))
    for i, vm in enumerate(vms, start=1):
        link = links[f"web-vm-{i}-dcr-link"].inputs
        assert (link["resourceUri"], link["dataCollectionRuleId"]) == (vm.id, rule.id)


# ------------------------------------------------------------------ the rule, per OS

LINUX_COUNTERS = [
    "\\Processor(*)\\% Processor Time",
    "\\Memory(*)\\Available MBytes Memory",
    "\\Memory(*)\\% Available Memory",
    "\\Logical Disk(*)\\% Free Space",
    "\\Logical Disk(*)\\Free Megabytes",
    "\\Network(*)\\Total Bytes Received",
    "\\Network(*)\\Total Bytes Transmitted",
]
WINDOWS_COUNTERS = [
    "\\Processor Information(_Total)\\% Processor Time",
    "\\Memory\\Available Bytes",
    "\\Memory\\% Committed Bytes In Use",
    "\\LogicalDisk(*)\\% Free Space",
    "\\LogicalDisk(*)\\Free Megabytes",
    "\\Network Interface(*)\\Bytes Total/sec",
]


@pytest.mark.parametrize("case", ["availabilitySet-linux", "scaleSet-linux"])
def test_linux_rule_sends_counters_and_syslog_warnings_to_the_workspace(case: str) -> None:
    run = stack(case)
    rule = run.one(DCR).inputs
    assert rule["kind"] == "Linux"
    assert rule["destinations"] == {
        "logAnalytics": [{"name": "workspace", "workspaceResourceId": run.one(WORKSPACE).id}]
    }
    assert rule["dataFlows"] == [{"streams": ["Microsoft-Perf", "Microsoft-Syslog"], "destinations": ["workspace"]}]
    assert rule["dataSources"] == {
        "performanceCounters": [
            {
                "name": "performance",
                "streams": ["Microsoft-Perf"],
                "samplingFrequencyInSeconds": 60,
                "counterSpecifiers": LINUX_COUNTERS,
            }
        ],
        # No windowsEventLogs on Linux.
        "syslog": [
            {
                "name": "syslog",
                "streams": ["Microsoft-Syslog"],
                "facilityNames": ["auth", "authpriv", "cron", "daemon", "kern", "syslog", "user"],
                "logLevels": ["Warning", "Error", "Critical", "Alert", "Emergency"],
            }
        ],
    }


@pytest.mark.parametrize("case", ["availabilitySet-windows", "scaleSet-windows"])
def test_windows_rule_sends_counters_and_event_logs_at_warning_and_above(case: str) -> None:
    run = stack(case)
    rule = run.one(DCR).inputs
    assert rule["kind"] == "Windows"
    assert rule["destinations"] == {
        "logAnalytics": [{"name": "workspace", "workspaceResourceId": run.one(WORKSPACE).id}]
    }
    assert rule["dataFlows"] == [{"streams": ["Microsoft-Perf", "Microsoft-Event"], "destinations": ["workspace"]}]
    assert rule["dataSources"] == {
        "performanceCounters": [
            {
                "name": "performance",
                "streams": ["Microsoft-Perf"],
                "samplingFrequencyInSeconds": 60,
                "counterSpecifiers": WINDOWS_COUNTERS,
            }
        ],
        # No syslog on Windows; levels 1-3 are critical, error and warning.
        "windowsEventLogs": [
            {
                "name": "events",
                "streams": ["Microsoft-Event"],
                "xPathQueries": [
                    "Application!*[System[(Level=1 or Level=2 or Level=3)]]",
                    "System!*[System[(Level=1 or Level=2 or Level=3)]]",
                ],
            }
        ],
    }


# ------------------------------------------------------------------ alerts


@pytest.mark.parametrize("case", VM_CASES)
def test_cpu_and_memory_alerts_watch_every_vm_for_15_minutes(case: str) -> None:
    run = stack(case)
    found = guest_alerts(run)
    vms = vms_in_order(run)
    action_group = run.one(ACTION_GROUP).id
    for name, metric, operator, threshold in (
        ("web-alert-vm-cpu", "Percentage CPU", "GreaterThan", 90),
        ("web-alert-vm-memory", "Available Memory Bytes", "LessThan", 256 * 1024 * 1024),
    ):
        alert = found[name]
        assert alert["scopes"] == [vm.id for vm in vms]
        # 15 minutes of data every 5: a reboot (a few minutes) stays under it.
        assert (alert["windowSize"], alert["evaluationFrequency"], alert["severity"]) == ("PT15M", "PT5M", 2)
        # One rule over several VMs, evaluated per VM: their type and region.
        assert (alert["targetResourceType"], alert["targetResourceRegion"]) == (
            "Microsoft.Compute/virtualMachines",
            vms[0].outputs["location"],
        )
        assert alert["criteria"] == {
            "odataType": "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
            "allOf": [
                {
                    "criterionType": "StaticThresholdCriterion",
                    "name": metric,
                    "metricName": metric,
                    "metricNamespace": "Microsoft.Compute/virtualMachines",
                    "operator": operator,
                    "threshold": threshold,
                    "timeAggregation": "Average",
                }
            ],
        }
        assert alert["actions"] == [{"actionGroupId": action_group}]


@pytest.mark.parametrize("case", ["availabilitySet-linux", "scaleSet-windows"])
def test_os_disk_space_is_a_log_alert_per_computer_on_the_workspace(case: str) -> None:
    run = stack(case)
    rule = run.one(LOG_ALERT).inputs
    assert rule["scopes"] == [run.one(WORKSPACE).id]
    assert (rule["kind"], rule["windowSize"], rule["evaluationFrequency"], rule["severity"]) == (
        "LogAlert",
        "PT15M",
        "PT5M",
        2,
    )
    [condition] = rule["criteria"]["allOf"]
    assert (condition["operator"], condition["threshold"], condition["timeAggregation"]) == ("LessThan", 10, "Average")
    # The OS disk of either OS: `/` (Linux, object "Logical Disk") or `C:` (Windows, "LogicalDisk").
    assert condition["query"] == (
        'Perf | where ObjectName in ("Logical Disk", "LogicalDisk") and CounterName == "% Free Space" '
        'and InstanceName in ("/", "C:") | summarize AggregatedValue = avg(CounterValue) by Computer'
    )
    assert condition["metricMeasureColumn"] == "AggregatedValue"
    assert condition["dimensions"] == [{"name": "Computer", "operator": "Include", "values": ["*"]}]
    assert rule["actions"] == {"actionGroups": [run.one(ACTION_GROUP).id]}


def test_without_alert_emails_the_guest_alerts_have_no_actions() -> None:
    run = ok(run_stack(overrides={"monitoring": {"enabled": True, "guest": True}}))
    assert run.of_type(ACTION_GROUP) == []
    assert [a.get("actions") for a in guest_alerts(run).values()] == [None, None]
    assert "actions" not in run.one(LOG_ALERT).inputs


# ------------------------------------------------------------------ the scale set


@pytest.mark.parametrize("case", ["scaleSet-linux", "scaleSet-windows"])
def test_the_scale_set_carries_the_agent_in_its_model_and_is_linked_once(case: str) -> None:
    run = stack(case)
    vmss = run.one(VMSS)
    extensions = profile(run)["extensionProfile"]["extensions"]
    web = ["install-web-server"] if case.endswith("windows") else []
    assert [e["name"] for e in extensions] == ["health", *web, "monitor-agent"]
    assert extensions[-1] == {
        "name": "monitor-agent",
        "publisher": "Microsoft.Azure.Monitor",
        "type": "AzureMonitorWindowsAgent" if case.endswith("windows") else "AzureMonitorLinuxAgent",
        "typeHandlerVersion": "1.0",
        "autoUpgradeMinorVersion": True,
        "enableAutomaticUpgrade": True,
        "settings": {
            "authentication": {
                "managedIdentity": {"identifier-name": "mi_res_id", "identifier-value": run.one(IDENTITY).id}
            }
        },
    }
    [link] = run.of_type(LINK)
    assert (link.name, link.inputs["resourceUri"], link.inputs["dataCollectionRuleId"]) == (
        "web-vmss-dcr-link",
        vmss.id,
        run.one(DCR).id,
    )
    found = guest_alerts(run)
    assert sorted(found) == sorted(GUEST_ALERTS)
    for alert in found.values():
        assert alert["scopes"] == [vmss.id]
        assert (alert["windowSize"], alert["evaluationFrequency"]) == ("PT15M", "PT5M")
        # One resource: no target type or region; one series per instance (VMName).
        assert "targetResourceType" not in alert and "targetResourceRegion" not in alert
        assert alert["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
        [criterion] = alert["criteria"]["allOf"]
        assert criterion["metricNamespace"] == "Microsoft.Compute/virtualMachineScaleSets"
        assert criterion["dimensions"] == [{"name": "VMName", "operator": "Include", "values": ["*"]}]
    assert {
        a["criteria"]["allOf"][0]["metricName"]: a["criteria"]["allOf"][0]["threshold"] for a in found.values()
    } == {
        "Percentage CPU": 90,
        "Available Memory Bytes": 256 * 1024 * 1024,
    }


# ------------------------------------------------------------------ Azure's API types, changes


@pytest.mark.parametrize(
    "sets",
    [
        ["monitoring={enabled: true, guest: true, alertEmails: [ops@example.com]}"],
        ["monitoring={enabled: true, guest: true}", "placement=zones", "vmCount=3"],
        ["monitoring={enabled: true, guest: true}", "placement=scaleSet"],
        ["monitoring={enabled: true, guest: true}", "osType=windows"],
        ["monitoring={enabled: true, guest: true, alertEmails: [a@b.io]}", "osType=windows", "placement=scaleSet"],
        ["monitoring={enabled: true, guest: true}", "namePrefix=web-prod"],
    ],
)
def test_request_bodies_conform(sets: list[str]) -> None:
    secrets = ["adminPassword=Correct-Horse-9-Battery"] if "osType=windows" in sets else []
    cfg, _ = plan.load_config("dev", sets, secrets, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg)
    assert result.error is None
    tokens = {r.type for r in result.resources}
    assert {DCR, LINK, LOG_ALERT} <= tokens  # the guest resources are among those checked
    assert azure_types.check(result) == ([], [])


def test_turning_guest_on_replaces_no_vm() -> None:
    from test_changes import change_of

    change = change_of(("monitoring={enabled: true}",), ("monitoring={enabled: true, guest: true}",))
    assert {s.op for s in change.resources.values() if s.type == VM} <= {"update"}
    assert (change.min_in_rotation, change.unsafe) == (2, False)
    assert plain(change.problems) == []
