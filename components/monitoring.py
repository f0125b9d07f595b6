"""Operability: the load balancer's health-probe logs and metrics in Log Analytics, and
alerts when VMs drop out of rotation, the frontend fails or outbound SNAT runs out."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, network, operationalinsights

from .naming import azure_name
from .settings import MultiVmLoadBalancedArgs

LB_NAMESPACE = "Microsoft.Network/loadBalancers"

#: Health events of a Standard LB land in the resource-specific table ALBHealthEvent.
PROBE_FAILURES_QUERY = (
    "ALBHealthEvent\n"
    "| where TimeGenerated > ago(24h)\n"
    "| where LoadBalancerResourceId =~ '{lb_id}'\n"
    "| project TimeGenerated, HealthEventType, Severity, FrontendIP, Description\n"
    "| order by TimeGenerated desc"
)

#: Per-instance probe status is the DipAvailability metric split by backend IP (metrics
#: exported to a workspace lose their dimensions, so this asks the metrics API itself).
PROBE_STATUS_COMMAND = (
    "az monitor metrics list --resource {lb_id} --metric DipAvailability --aggregation Average "
    "--interval PT5M --offset 1h --filter \"BackendIPAddress eq '*'\" --output table"
)


@dataclass(frozen=True)
class Alert:
    key: str
    description: str
    metric: str
    operator: str
    threshold: float
    aggregation: str
    severity: int
    #: ISO 8601; Azure allows PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, PT24H
    #: (https://learn.microsoft.com/azure/azure-monitor/alerts/resource-manager-alerts-metric).
    window: str = "PT5M"
    dimensions: tuple[tuple[str, tuple[str, ...]], ...] = ()


# Alerts page a human only for what needs one. The three availability alerts read the load
# balancer's two availability metrics with `Average`, the aggregation Microsoft lists for both
# (DipAvailability "Health Probe Status", VipAvailability "Data Path Availability":
# https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-loadbalancers-metrics).
# No alert uses `Maximum`: Microsoft documents it for neither metric, and on a series that is not
# split it is the best backend's value, so one healthy VM hides every other
# (https://learn.microsoft.com/azure/azure-monitor/metrics/metrics-aggregation-explained:
# dimension values are collapsed into one series; Max is "the largest value captured").
# Average is Sum/Count of the data points in the window, and a minute with no data counts for
# nothing (same page, "NULL and zero values"): a DipAvailability Average is the share of probe
# time the backends answered. Microsoft's alerting guidance: health probe status or data path
# availability at zero, and health probe status split by backend IP
# (https://learn.microsoft.com/azure/load-balancer/monitor-load-balancer#alerts).
ALERTS: tuple[Alert, ...] = (
    # One time series per backend (BackendIPAddress, Include "*": every current and future
    # value, https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-multiple-time-series-single-rule),
    # each alerting on its own. Average under 50 over 30 minutes: the VM failed its probe for
    # more than half of the last 30 minutes, so it fires after 15 minutes out of rotation, or
    # for a VM that flaps; a patch reboot shorter than 15 minutes (Windows ones are the long ones)
    # fires nothing.
    # A new VM (scale out, the create-first half of a roll, a scale-set instance) does fire it
    # once: its series starts with the minutes it boots and fails the probe, and an Average
    # over those few points alone is 0. Azure evaluates a new dimension value as it appears
    # (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-troubleshoot-metric), and a
    # static threshold has no "number of violations" or "ignore data before" (dynamic thresholds
    # only: https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-metric-alert-rule),
    # so no static rule that catches a VM down for the whole window can spare a booting one
    # (only Count tells a short series from a long one, and a rule with a second condition may
    # not use "*": same page, "Restrictions when you use dimensions").
    # The alert resolves itself once the VM has answered for more of the window than it failed
    # (auto_mitigate: three evaluations without the condition).
    Alert(
        "backend-health",
        "A VM has failed its health probe for more than half of the last 30 minutes (DipAvailability "
        "per BackendIPAddress, Average over 30 minutes below 50%): out of rotation over 15 minutes, or "
        "flapping. Also fires once for each new VM (scale out, a roll) while it boots, and resolves "
        "itself once that VM serves.",
        "DipAvailability",
        "LessThan",
        50,
        "Average",
        2,
        window="PT30M",
        dimensions=(("BackendIPAddress", ("*",)),),
    ),
    # The same metric over every backend at once: Average under 1% over 5 minutes means that
    # (next to) no backend answered for 5 minutes. An outage, paged at once.
    Alert(
        "backend-down",
        "No VM answers its health probe: the service is down (DipAvailability over all backends, "
        "Average over 5 minutes below 1%)",
        "DipAvailability",
        "LessThan",
        1,
        "Average",
        0,
    ),
    Alert(
        "data-path",
        "The frontend's data path is down (VipAvailability, Average over 5 minutes below 1%)",
        "VipAvailability",
        "LessThan",
        1,
        "Average",
        1,
    ),
    # Microsoft: alert "if SNAT Connection Count filtered to Connection State = Failed is greater
    # than zero" (monitor-load-balancer#alerts above); SnatConnectionCount's aggregation is Total,
    # with a ConnectionState dimension (supported-metrics page above). The value is spelled as
    # Microsoft spells it.
    Alert(
        "snat-exhaustion",
        "Outbound connections fail for lack of SNAT ports (failed SnatConnectionCount > 0 in 5 minutes)",
        "SnatConnectionCount",
        "GreaterThan",
        0,
        "Total",
        2,
        dimensions=(("ConnectionState", ("Failed",)),),
    ),
)


@dataclass
class Monitoring:
    workspace: operationalinsights.Workspace
    action_group: monitor.ActionGroup | None
    alerts: list[monitor.MetricAlert]
    probe_failures_query: pulumi.Output[str]
    probe_status_command: pulumi.Output[str]


def _diagnostics(
    logical_name: str,
    target: pulumi.Input[str],
    workspace: operationalinsights.Workspace,
    opts: pulumi.ResourceOptions,
    category: str | None = None,
) -> monitor.DiagnosticSetting:
    """Metrics, plus the one log `category` when given. Sends only what Azure keeps, so a
    refresh shows no drift: `logAnalyticsDestinationType` is set only with a log category
    that has a resource-specific table (Azure drops the setting for a resource without
    such tables: https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs#resource-specific)."""
    return monitor.DiagnosticSetting(
        logical_name,
        name="to-log-analytics",
        resource_uri=target,
        workspace_id=workspace.id,
        # Resource-specific tables (ALBHealthEvent), not the shared AzureDiagnostics.
        log_analytics_destination_type="Dedicated" if category else None,
        logs=[monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)] if category else None,
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
        opts=opts,
    )


def build_monitoring(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    lb: network.LoadBalancer,
    public_ip: network.PublicIPAddress | None,
    opts: pulumi.ResourceOptions,
) -> Monitoring:
    m = args.monitoring
    workspace = operationalinsights.Workspace(
        f"{name}-logs",
        workspace_name=azure_name(args.name_prefix, "workspace"),
        resource_group_name=resource_group_name,
        sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
        retention_in_days=m.retention_days,
        tags=args.tags,
        opts=opts,
    )
    _diagnostics(f"{name}-lb-diagnostics", lb.id, workspace, opts, category="LoadBalancerHealthEvent")
    if public_ip is not None:
        # Metrics only: a public IP's log categories (DDoSProtectionNotifications,
        # DDoSMitigationFlowLogs, DDoSMitigationReports) are written only under DDoS
        # Protection, which this stack does not buy:
        # https://learn.microsoft.com/azure/ddos-protection/ddos-view-diagnostic-logs
        _diagnostics(f"{name}-pip-diagnostics", public_ip.id, workspace, opts)
    action_group = None
    if m.alert_emails:
        action_group = monitor.ActionGroup(
            f"{name}-alerts",
            action_group_name=azure_name(args.name_prefix, "actionGroup"),
            resource_group_name=resource_group_name,
            location="Global",
            group_short_name=f"{name}-lb"[:12],  # Azure allows 12 characters
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name=f"email-{i}", email_address=address, use_common_alert_schema=True
                )
                for i, address in enumerate(m.alert_emails, start=1)
            ],
            tags=args.tags,
            opts=opts,
        )
    alerts = [
        monitor.MetricAlert(
            f"{name}-alert-{alert.key}",
            rule_name=azure_name(args.name_prefix, "metricAlert", alert.key),
            resource_group_name=resource_group_name,
            location="global",
            description=alert.description,
            severity=alert.severity,
            enabled=True,
            auto_mitigate=True,
            scopes=[lb.id],
            evaluation_frequency="PT1M",
            window_size=alert.window,
            criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                all_of=[
                    monitor.MetricCriteriaArgs(
                        criterion_type="StaticThresholdCriterion",
                        name=alert.metric,
                        metric_name=alert.metric,
                        metric_namespace=LB_NAMESPACE,
                        operator=alert.operator,
                        threshold=alert.threshold,
                        time_aggregation=alert.aggregation,
                        dimensions=[
                            monitor.MetricDimensionArgs(name=dim, operator="Include", values=list(values))
                            for dim, values in alert.dimensions
                        ]
                        or None,
                    )
                ],
            ),
            actions=[monitor.MetricAlertActionArgs(action_group_id=action_group.id)] if action_group else None,
            tags=args.tags,
            opts=opts,
        )
        for alert in ALERTS
        # SNAT ports exist only where outbound rules do: on a public frontend.
        if public_ip is not None or alert.key != "snat-exhaustion"
    ]
    return Monitoring(
        workspace=workspace,
        action_group=action_group,
        alerts=alerts,
        probe_failures_query=lb.id.apply(lambda i: PROBE_FAILURES_QUERY.format(lb_id=i)),
        probe_status_command=lb.id.apply(lambda i: PROBE_STATUS_COMMAND.format(lb_id=i)),
    )
