"""Guest monitoring (`monitoring.guest`, components/guest.py): GIVEN monitoring on with guest,
WHEN the stack runs, THEN every VM (or the scale set) has the Azure Monitor Agent signed in with
the component's identity, one data collection rule sends counters and warnings to the workspace,
each machine is associated with it, and CPU, memory and OS disk alerts watch each VM."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import EXTENSION, GATE, IDENTITY, VM, ok, run_stack
from test_scenarios import METRIC_ALERT, VMSS, WORKSPACE, profile

from components import guest
from offline import azure_types, plan
from offline.engine import ProgramRun, Registered, plain

DCR = "azure-native:monitor:DataCollectionRule"
LINK = "azure-native:monitor:DataCollectionRuleAssociation"
LOG_ALERT = "azure-native:monitor:ScheduledQueryRule"
GUEST = {"monitoring": {"enabled": True, "guest": True, "alertEmails": ["ops@example.com"]}}
WINDOWS = {"osType": "windows", "sshPublicKey": None}
PASSWORD = {"adminPassword": "Correct-Horse-9-Battery"}


def by_name(run: ProgramRun, type_: str) -> dict[str, Registered]:
    return {r.name: r for r in run.of_type(type_)}


@pytest.fixture(scope="module")
def linux() -> ProgramRun:
    return ok(run_stack(overrides=GUEST))


@pytest.fixture(scope="module")
def windows() -> ProgramRun:
    return ok(run_stack(overrides={**GUEST, **WINDOWS}, secrets=PASSWORD))


@pytest.fixture(scope="module")
def scale_set() -> ProgramRun:
    return ok(run_stack(overrides={**GUEST, "placement": "scaleSet"}))


def test_nothing_inside_the_vms_is_watched_without_guest() -> None:
    run = ok(run_stack(overrides={"monitoring": {"enabled": True}}))
    assert (run.of_type(DCR), run.of_type(LINK), run.of_type(LOG_ALERT)) == ([], [], [])
    assert [r.name for r in run.of_type(EXTENSION)] == []


def test_each_vm_gets_the_agent_signed_in_with_the_components_identity_after_its_gate(linux: ProgramRun) -> None:
    identity = linux.one(IDENTITY).id
    vms, gates = by_name(linux, VM), by_name(linux, GATE)
    agents = by_name(linux, EXTENSION)
    assert sorted(agents) == ["web-vm-1-monitor-agent", "web-vm-2-monitor-agent"]
    for i in (1, 2):
        agent = agents[f"web-vm-{i}-monitor-agent"]
        assert agent.inputs["vmName"] == vms[f"web-vm-{i}"].outputs["name"]
        assert (agent.inputs["publisher"], agent.inputs["type"], agent.inputs["typeHandlerVersion"]) == (
            "Microsoft.Azure.Monitor",
            "AzureMonitorLinuxAgent",
            "1.0",
        )
        assert agent.inputs["enableAutomaticUpgrade"] is True
        assert agent.inputs["settings"] == {
            "authentication": {"managedIdentity": {"identifier-name": "mi_res_id", "identifier-value": identity}}
        }
        # One extension operation at a time: after the VM's health gate.
        assert gates[f"web-vm-{i}-gate"].urn in agent.dependencies


def test_one_rule_sends_counters_and_syslog_warnings_to_the_workspace(linux: ProgramRun) -> None:
    rule = linux.one(DCR).inputs
    assert rule["kind"] == "Linux"
    assert rule["destinations"] == {
        "logAnalytics": [{"name": "workspace", "workspaceResourceId": linux.one(WORKSPACE).id}]
    }
    assert rule["dataFlows"] == [{"streams": ["Microsoft-Perf", "Microsoft-Syslog"], "destinations": ["workspace"]}]
    [perf] = rule["dataSources"]["performanceCounters"]
    assert perf["counterSpecifiers"] == guest.COUNTERS["linux"]
    assert perf["samplingFrequencyInSeconds"] == 60
    [syslog] = rule["dataSources"]["syslog"]
    assert syslog["logLevels"] == ["Warning", "Error", "Critical", "Alert", "Emergency"]
    assert "windowsEventLogs" not in rule["dataSources"]


def test_windows_sends_event_logs_at_warning_and_above(windows: ProgramRun) -> None:
    rule = windows.one(DCR).inputs
    assert rule["kind"] == "Windows"
    assert rule["dataFlows"] == [{"streams": ["Microsoft-Perf", "Microsoft-Event"], "destinations": ["workspace"]}]
    [events] = rule["dataSources"]["windowsEventLogs"]
    assert events["xPathQueries"] == [
        "Application!*[System[(Level=1 or Level=2 or Level=3)]]",
        "System!*[System[(Level=1 or Level=2 or Level=3)]]",
    ]
    assert "syslog" not in rule["dataSources"]
    agents = by_name(windows, EXTENSION)
    assert {a.inputs["type"] for n, a in agents.items() if n.endswith("monitor-agent")} == {"AzureMonitorWindowsAgent"}
    # One extension operation at a time per VM: the agent waits for the VM's IIS extension too.
    for i in (1, 2):
        assert agents[f"web-vm-{i}-web"].urn in agents[f"web-vm-{i}-monitor-agent"].dependencies


def test_each_vm_is_linked_to_the_rule(linux: ProgramRun) -> None:
    rule, vms = linux.one(DCR), by_name(linux, VM)
    links = by_name(linux, LINK)
    assert sorted(links) == ["web-vm-1-dcr-link", "web-vm-2-dcr-link"]
    for i in (1, 2):
        link = links[f"web-vm-{i}-dcr-link"].inputs
        assert (link["resourceUri"], link["dataCollectionRuleId"]) == (vms[f"web-vm-{i}"].id, rule.id)


def alerts(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {
        r.name: r.inputs for r in run.of_type(METRIC_ALERT) if r.name in ("web-alert-vm-cpu", "web-alert-vm-memory")
    }


def test_cpu_and_memory_alerts_watch_every_vm_for_15_minutes(linux: ProgramRun) -> None:
    found = alerts(linux)
    vm_ids = sorted(vm.id for vm in linux.of_type(VM))
    for name, metric, operator, threshold in (
        ("web-alert-vm-cpu", "Percentage CPU", "GreaterThan", 90),
        ("web-alert-vm-memory", "Available Memory Bytes", "LessThan", 256 * 1024 * 1024),
    ):
        alert = found[name]
        assert sorted(alert["scopes"]) == vm_ids
        assert (alert["windowSize"], alert["evaluationFrequency"]) == ("PT15M", "PT5M")
        assert alert["targetResourceType"] == "Microsoft.Compute/virtualMachines"
        [criterion] = alert["criteria"]["allOf"]
        assert (criterion["metricName"], criterion["operator"], criterion["threshold"]) == (
            metric,
            operator,
            threshold,
        )
        assert alert["criteria"]["odataType"] == "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria"


def test_os_disk_space_is_a_log_alert_per_computer_on_the_workspace(linux: ProgramRun) -> None:
    rule = linux.one(LOG_ALERT).inputs
    assert rule["scopes"] == [linux.one(WORKSPACE).id]
    assert (rule["kind"], rule["windowSize"], rule["evaluationFrequency"]) == ("LogAlert", "PT15M", "PT5M")
    [condition] = rule["criteria"]["allOf"]
    assert (condition["operator"], condition["threshold"], condition["query"]) == ("LessThan", 10, guest.DISK_QUERY)
    assert condition["dimensions"] == [{"name": "Computer", "operator": "Include", "values": ["*"]}]
    assert rule["actions"]["actionGroups"] == [next(r.id for r in linux.resources if r.name == "web-alerts")]
    # Severity 2 (warning), as the CPU and memory alerts: a VM short of something, not an outage.
    assert [rule["severity"], *(a["severity"] for a in alerts(linux).values())] == [2, 2, 2]


def test_the_scale_set_carries_the_agent_in_its_model_and_is_linked_once(scale_set: ProgramRun) -> None:
    vmss = scale_set.one(VMSS)
    agent = next(e for e in profile(scale_set)["extensionProfile"]["extensions"] if e["name"] == "monitor-agent")
    assert (agent["publisher"], agent["type"]) == ("Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent")
    assert agent["settings"]["authentication"]["managedIdentity"]["identifier-value"] == scale_set.one(IDENTITY).id
    [link] = scale_set.of_type(LINK)
    assert (link.inputs["resourceUri"], link.inputs["dataCollectionRuleId"]) == (vmss.id, scale_set.one(DCR).id)
    for alert in alerts(scale_set).values():
        assert alert["scopes"] == [vmss.id]
        [criterion] = alert["criteria"]["allOf"]
        assert criterion["dimensions"] == [{"name": "VMName", "operator": "Include", "values": ["*"]}]


@pytest.mark.parametrize(
    "sets",
    [
        ["monitoring={enabled: true, guest: true, alertEmails: [ops@example.com]}"],
        ["monitoring={enabled: true, guest: true}", "placement=scaleSet"],
        ["monitoring={enabled: true, guest: true}", "osType=windows"],
    ],
)
def test_request_bodies_conform(sets: list[str]) -> None:
    secrets = ["adminPassword=Correct-Horse-9-Battery"] if "osType=windows" in sets else []
    cfg, _ = plan.load_config("dev", sets, secrets, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg)
    assert result.error is None
    assert azure_types.check(result) == ([], [])


def test_turning_guest_on_replaces_no_vm() -> None:
    from test_changes import change_of

    change = change_of(("monitoring={enabled: true}",), ("monitoring={enabled: true, guest: true}",))
    assert {s.op for s in change.resources.values() if s.type == VM} <= {"update"}
    assert (change.min_in_rotation, change.unsafe) == (2, False)
    assert plain(change.problems) == []
