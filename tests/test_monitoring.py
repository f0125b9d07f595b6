"""Operability: health-probe logs, metrics and alerts.

GIVEN `monitoring` on or off, WHEN the program runs, THEN the workspace, the diagnostic
settings and the alerts exist exactly when asked for, each pointing at the right thing.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LB, PIP, ok, run_stack

from offline.engine import ProgramRun

WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
ALERT = "azure-native:monitor:MetricAlert"
EMAILS = ["ops@example.com", "oncall@example.org"]


@pytest.fixture(scope="module")
def watched() -> ProgramRun:
    return ok(run_stack(overrides={"monitoring": {"enabled": True, "alertEmails": EMAILS, "retentionDays": 60}}))


def test_monitoring_is_off_by_default(dev: ProgramRun) -> None:
    for kind in (WORKSPACE, DIAGNOSTICS, ACTION_GROUP, ALERT):
        assert dev.of_type(kind) == [], kind
    assert not {"workspaceId", "probeFailuresQuery", "probeStatusCommand"} & set(dev.outputs)


def test_workspace_keeps_logs_for_the_configured_days(watched: ProgramRun) -> None:
    ws = watched.one(WORKSPACE)
    assert ws.inputs["sku"] == {"name": "PerGB2018"}
    assert ws.inputs["retentionInDays"] == 60
    assert ws.inputs["tags"] == {"environment": "dev", "workload": "lb-vms"}


def test_diagnostic_settings_send_lb_health_events_and_public_ip_metrics_to_the_workspace(
    watched: ProgramRun,
) -> None:
    ws = watched.one(WORKSPACE)
    by_target = {d.inputs["resourceUri"]: d.inputs for d in watched.of_type(DIAGNOSTICS)}
    lb_id, pip_id = watched.one(LB).id, watched.one(PIP).id
    assert set(by_target) == {lb_id, pip_id}
    for settings in by_target.values():
        assert settings["workspaceId"] == ws.id
        assert settings["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    assert by_target[lb_id]["logs"] == [{"category": "LoadBalancerHealthEvent", "enabled": True}]
    # ALBHealthEvent is a resource-specific table, so Dedicated is kept for the LB.
    assert by_target[lb_id]["logAnalyticsDestinationType"] == "Dedicated"
    # A public IP logs only under DDoS Protection
    # (https://learn.microsoft.com/azure/ddos-protection/ddos-view-diagnostic-logs), and its
    # categories have no resource-specific tables, so Azure would drop Dedicated and refresh
    # would show drift (https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs).
    assert "logs" not in by_target[pip_id]
    assert "logAnalyticsDestinationType" not in by_target[pip_id]


def test_action_group_mails_the_configured_addresses(watched: ProgramRun) -> None:
    group = watched.one(ACTION_GROUP).inputs
    assert group["location"] == "Global"
    # Azure allows 12 characters: `<name>-lb` cut there (a long name: tests/test_scenarios.py).
    assert group["groupShortName"] == "web-lb"
    assert [r["emailAddress"] for r in group["emailReceivers"]] == EMAILS
    assert all(r["useCommonAlertSchema"] is True for r in group["emailReceivers"])


# ------------------------------------------------------------------ alerts
# Each alert's exact criteria, as the program sends them; each test names its sources.


def criteria(run: ProgramRun, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The alert rule's inputs and its one criterion."""
    alert = {a.name: a.inputs for a in run.of_type(ALERT)}[f"web-alert-{key}"]
    [criterion] = alert["criteria"]["allOf"]
    return alert, criterion


def test_alerts_watch_the_lb_every_minute_and_notify_the_group(watched: ProgramRun) -> None:
    """One static criterion per rule on the LB's metrics, evaluated every minute, stateful
    (resolved when the condition stops: https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-troubleshoot-metric),
    every window one Azure allows (https://learn.microsoft.com/azure/azure-monitor/alerts/resource-manager-alerts-metric)."""
    alerts = watched.of_type(ALERT)
    assert sorted(a.name for a in alerts) == [
        "web-alert-backend-down",
        "web-alert-backend-health",
        "web-alert-data-path",
        "web-alert-snat-exhaustion",
    ]
    for a in alerts:
        alert, criterion = a.inputs, a.inputs["criteria"]["allOf"][0]
        assert alert["scopes"] == [watched.one(LB).id]
        assert (alert["location"], alert["evaluationFrequency"], alert["autoMitigate"]) == ("global", "PT1M", True)
        assert alert["windowSize"] in {"PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "PT24H"}
        assert alert["actions"] == [{"actionGroupId": watched.one(ACTION_GROUP).id}]
        assert alert["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
        assert len(alert["criteria"]["allOf"]) == 1
        assert criterion["criterionType"] == "StaticThresholdCriterion"
        assert criterion["metricNamespace"] == "Microsoft.Network/loadBalancers"


def test_backend_health_alerts_per_backend_out_more_than_half_of_30_minutes(watched: ProgramRun) -> None:
    """DipAvailability (Health Probe Status) aggregates with Average
    (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-loadbalancers-metrics),
    split by BackendIPAddress, `*` being every current and future backend, one alert each
    (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-multiple-time-series-single-rule;
    "health probe status split by Backend IP": https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer#alerts).
    Not split, Maximum is the best backend's value and one healthy VM hides the rest
    (https://learn.microsoft.com/azure/azure-monitor/metrics/metrics-aggregation-explained).
    Average < 50 over PT30M: out for more than 15 of the last 30 minutes."""
    alert, criterion = criteria(watched, "backend-health")
    assert (criterion["metricName"], criterion["timeAggregation"]) == ("DipAvailability", "Average")
    assert (criterion["operator"], criterion["threshold"]) == ("LessThan", 50)
    assert criterion["dimensions"] == [{"name": "BackendIPAddress", "operator": "Include", "values": ["*"]}]
    assert (alert["windowSize"], alert["severity"]) == ("PT30M", 2)


def test_backend_down_alerts_when_no_backend_answers_for_5_minutes(watched: ProgramRun) -> None:
    """The same metric and aggregation over every backend together (no dimension: the collapsed
    series, https://learn.microsoft.com/azure/azure-monitor/metrics/metrics-aggregation-explained),
    Average < 1% over PT5M: no probe answered, the service is down ("health probe status is equal
    to zero": https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer#alerts). Severity 0."""
    alert, criterion = criteria(watched, "backend-down")
    assert (criterion["metricName"], criterion["timeAggregation"]) == ("DipAvailability", "Average")
    assert (criterion["operator"], criterion["threshold"]) == ("LessThan", 1)
    assert "dimensions" not in criterion
    assert (alert["windowSize"], alert["severity"]) == ("PT5M", 0)


def test_data_path_alerts_when_the_frontend_is_unreachable_for_5_minutes(watched: ProgramRun) -> None:
    """VipAvailability (Data Path Availability) aggregates with Average
    (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-loadbalancers-metrics),
    < 1% over PT5M ("data path availability ... is equal to zero":
    https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer#alerts). Severity 1."""
    alert, criterion = criteria(watched, "data-path")
    assert (criterion["metricName"], criterion["timeAggregation"]) == ("VipAvailability", "Average")
    assert (criterion["operator"], criterion["threshold"]) == ("LessThan", 1)
    assert "dimensions" not in criterion
    assert (alert["windowSize"], alert["severity"]) == ("PT5M", 1)


def test_snat_exhaustion_alerts_on_any_failed_outbound_connection(watched: ProgramRun) -> None:
    """SnatConnectionCount aggregates with Total and has a ConnectionState dimension
    (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-loadbalancers-metrics);
    "SNAT Connection Count filtered to Connection State = Failed is greater than zero"
    (https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer#alerts), over PT5M. Severity 2."""
    alert, criterion = criteria(watched, "snat-exhaustion")
    assert (criterion["metricName"], criterion["timeAggregation"]) == ("SnatConnectionCount", "Total")
    assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)
    assert criterion["dimensions"] == [{"name": "ConnectionState", "operator": "Include", "values": ["Failed"]}]
    assert (alert["windowSize"], alert["severity"]) == ("PT5M", 2)


def test_no_alert_relies_on_maximum(watched: ProgramRun) -> None:
    """Microsoft gives Average for both availability metrics
    (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-loadbalancers-metrics,
    https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer-reference) and documents no
    other; an unsplit Maximum cannot see one VM down
    (https://learn.microsoft.com/azure/azure-monitor/metrics/metrics-aggregation-explained)."""
    used = {
        (c["metricName"], c["timeAggregation"]) for a in watched.of_type(ALERT) for c in a.inputs["criteria"]["allOf"]
    }
    assert "Maximum" not in {aggregation for _, aggregation in used}
    assert {pair for pair in used if pair[0] in {"DipAvailability", "VipAvailability"}} == {
        ("DipAvailability", "Average"),
        ("VipAvailability", "Average"),
    }


def test_outputs_name_the_workspace_and_how_to_find_failing_vms(watched: ProgramRun) -> None:
    lb_id = watched.one(LB).id
    assert watched.outputs["workspaceId"] == watched.one(WORKSPACE).id
    query = watched.outputs["probeFailuresQuery"]
    assert query.startswith("ALBHealthEvent\n") and f"LoadBalancerResourceId =~ '{lb_id}'" in query
    command = watched.outputs["probeStatusCommand"]
    assert command.startswith(f"az monitor metrics list --resource {lb_id} --metric DipAvailability")
    assert "BackendIPAddress eq '*'" in command


def test_without_emails_alerts_exist_but_notify_nobody() -> None:
    run = ok(run_stack(overrides={"monitoring": {"enabled": True}}))
    assert run.of_type(ACTION_GROUP) == []
    assert len(run.of_type(ALERT)) == 4
    assert all("actions" not in a.inputs for a in run.of_type(ALERT))
    assert run.one(WORKSPACE).inputs["retentionInDays"] == 30
