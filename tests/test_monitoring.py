"""Operability: health-probe logs, metrics and alerts.

GIVEN `monitoring` on or off, WHEN the program runs, THEN the workspace, the diagnostic
settings and the alerts exist exactly when asked for, each pointing at the right thing.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LB, PIP, ok, run_stack, single_problem

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
    assert len(group["groupShortName"]) <= 12
    assert [r["emailAddress"] for r in group["emailReceivers"]] == EMAILS
    assert all(r["useCommonAlertSchema"] is True for r in group["emailReceivers"])


# Thresholds and windows: Microsoft's alerting guidance for load balancers
# (https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer#alerts) and the
# window sizes Azure allows (https://learn.microsoft.com/azure/azure-monitor/alerts/resource-manager-alerts-metric).
@pytest.mark.parametrize(
    ("key", "metric", "operator", "threshold", "aggregation", "window", "severity", "dimensions"),
    [
        # One VM out for 15 minutes: longer than a first boot or a patch reboot.
        ("backend-health", "DipAvailability", "LessThan", 100, "Maximum", "PT15M", 2, None),
        # Every VM out: an outage, paged at once.
        ("backend-down", "DipAvailability", "LessThan", 1, "Maximum", "PT5M", 0, None),
        ("data-path", "VipAvailability", "LessThan", 1, "Maximum", "PT5M", 1, None),
        (
            "snat-exhaustion",
            "SnatConnectionCount",
            "GreaterThan",
            0,
            "Total",
            "PT5M",
            2,
            [{"name": "ConnectionState", "operator": "Include", "values": ["failed"]}],
        ),
    ],
)
def test_alert_watches_the_lb_metric_and_notifies_the_group(
    watched: ProgramRun,
    key: str,
    metric: str,
    operator: str,
    threshold: float,
    aggregation: str,
    window: str,
    severity: int,
    dimensions: Any,
) -> None:
    alerts = {a.name: a.inputs for a in watched.of_type(ALERT)}
    assert len(alerts) == 4
    alert = alerts[f"web-alert-{key}"]
    assert alert["scopes"] == [watched.one(LB).id]
    assert (alert["evaluationFrequency"], alert["windowSize"], alert["severity"]) == ("PT1M", window, severity)
    assert alert["actions"] == [{"actionGroupId": watched.one(ACTION_GROUP).id}]
    [criterion] = alert["criteria"]["allOf"]
    assert alert["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
    assert (criterion["metricName"], criterion["metricNamespace"]) == (metric, "Microsoft.Network/loadBalancers")
    assert (criterion["operator"], criterion["threshold"], criterion["timeAggregation"]) == (
        operator,
        threshold,
        aggregation,
    )
    assert criterion.get("dimensions") == dimensions


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


CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "an_email_is_malformed",
        {"enabled": True, "alertEmails": ["ops-at-example.com"]},
        "monitoring.alertEmails[0]: 'ops-at-example.com' is not an e-mail address",
    ),
    (
        "an_email_is_listed_twice",
        {"enabled": True, "alertEmails": ["a@example.com", "A@example.com"]},
        "monitoring.alertEmails[1]: 'A@example.com' is listed twice",
    ),
    (
        "retention_is_under_30_days",
        {"enabled": True, "retentionDays": 7},
        "monitoring.retentionDays: 7 must be an integer 30-730",
    ),
    (
        "retention_is_over_730_days",
        {"enabled": True, "retentionDays": 731},
        "monitoring.retentionDays: 731 must be an integer 30-730",
    ),
    (
        "emails_are_set_with_monitoring_off",
        {"alertEmails": ["ops@example.com"]},
        "monitoring.alertEmails: is set, but monitoring.enabled is false",
    ),
    ("enabled_is_not_a_boolean", {"enabled": "sometimes"}, "monitoring.enabled: 'sometimes' must be true or false"),
    (
        "emails_are_not_a_list",
        {"enabled": True, "alertEmails": "ops@example.com"},
        "monitoring.alertEmails: 'ops@example.com' must be a list",
    ),
    (
        "a_field_is_unknown",
        {"enabled": True, "sms": ["+1555"]},
        "monitoring.sms: unknown field; allowed: enabled, alertEmails, retentionDays",
    ),
]


@pytest.mark.parametrize(("monitoring", "expected"), [c[1:] for c in CASES], ids=[f"fails when {c[0]}" for c in CASES])
def test_fails_when(monitoring: dict[str, Any], expected: str) -> None:
    assert expected in single_problem(monitoring=monitoring)
