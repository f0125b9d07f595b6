"""The tier's dashboard (with `monitoring.enabled`): one shared Azure portal dashboard that
charts what an operator of the tier looks at first.

Layout (grid units; "The structure of Azure dashboards",
https://learn.microsoft.com/azure/azure-portal/azure-portal-dashboards-structure: a part's
`position` is `x`, `y`, `colSpan`, `rowSpan` in grid units, its `metadata.type` tells the
portal which tile to show, `inputs` bind it to resources):

    y 0  | data path availability (LB)     | health probe status per backend (LB) |
    y 4  | CPU per VM (or the scale set)   | available memory per VM (or set)     |
    y 8  | SNAT ports (public frontend)    | the alert rules                      |

Charts are `MonitorChartPart`s, the tile the portal pins from metrics explorer and exports
("Export" > "Download" on a dashboard, same page). Microsoft publishes no schema for it: the
REST spec and Microsoft's bicep types define the Markdown part only
(https://learn.microsoft.com/azure/templates/microsoft.portal/dashboards), yet document other
part types in the same API version's example (MetricsChartPart, VideoPart, VirtualMachinePart
on the structure page above): the part type is open. Its shape here is the exported one:
`inputs` [{name: options, value: {chart: {metrics: [...], grouping, title, visualization}}}].
The older `MetricsChartPart` on the structure page has no split by dimension, which the
per-backend probe status needs.

The alert rules' state has no documented tile: a Markdown part lists each rule with its
severity and what it means, linked to the rule's page, which shows its fired alerts.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi
from pulumi_azure_native import compute, monitor, network, portal

from .naming import azure_name
from .settings import MultiVmLoadBalancedArgs

CHART = "Extension/HubsExtension/PartType/MonitorChartPart"
MARKDOWN = "Extension/HubsExtension/PartType/MarkdownPart"

# The metrics explorer's aggregation codes as the portal exports them (Sum 1, Minimum 2,
# Maximum 3, Average 4, Count 7): only Average is used. Every metric here lists Average among
# its aggregations (supported-metrics pages below).
AVERAGE = 4
# chartType 2: line chart (the portal's default for a metric over time).
LINE = 2

LB_NAMESPACE = "microsoft.network/loadbalancers"
VM_NAMESPACE = "microsoft.compute/virtualmachines"
VMSS_NAMESPACE = "microsoft.compute/virtualmachinescalesets"

# Parts are 6 x 4 grid units, two per row.
WIDTH, HEIGHT = 6, 4


def _metric(resource_id: pulumi.Input[str], name: str, namespace: str, display: str) -> dict[str, Any]:
    return {
        "resourceMetadata": {"id": resource_id},
        "name": name,
        "aggregationType": AVERAGE,
        "namespace": namespace,
        "metricVisualization": {"displayName": display},
    }


def _chart(
    x: int, y: int, title: str, metrics: list[dict[str, Any]], split_by: str | None = None
) -> portal.DashboardPartsArgs:
    chart: dict[str, Any] = {
        "metrics": metrics,
        "title": title,
        "titleKind": 2,  # the title given here, not one made from the metric names
        "visualization": {"chartType": LINE},
    }
    if split_by:
        # One line per value of the dimension (metrics explorer's "Apply splitting"):
        # https://learn.microsoft.com/azure/azure-monitor/essentials/metrics-charts#apply-splitting
        chart["grouping"] = {"dimension": split_by}
    return portal.DashboardPartsArgs(
        position=portal.DashboardPartsPositionArgs(x=x, y=y, col_span=WIDTH, row_span=HEIGHT),
        metadata=portal.DashboardPartMetadataArgs(
            type=CHART,
            inputs=[
                {"name": "options", "value": {"chart": chart}, "isOptional": True},
                # The chart follows the time range picked on the dashboard.
                {"name": "sharedTimeRange", "isOptional": True},
            ],
        ),
    )


def _alerts_markdown(alerts: list[monitor.MetricAlert]) -> pulumi.Output[str]:
    def lines(values: list[Any]) -> str:
        rows = ["| Severity | Rule | Fires when |", "|---|---|---|"]
        for i in range(0, len(values), 4):
            name, rule_id, severity, description = values[i : i + 4]
            # The rule's own page lists the alerts it fired and whether they are resolved.
            rows.append(f"| Sev{severity} | [{name}](https://portal.azure.com/#@/resource{rule_id}) | {description} |")
        return "\n".join(rows)

    parts: list[pulumi.Input[Any]] = []
    for alert in alerts:
        parts += [alert.name, alert.id, alert.severity, alert.description]
    return pulumi.Output.all(*parts).apply(lines)


def dashboard_name(component: str, args: MultiVmLoadBalancedArgs) -> str:
    """The dashboard's Azure name, never auto-named: Microsoft's type allows 3-24 letters, digits
    and '-' (`^[a-zA-Z0-9-]{3,24}$`, Microsoft.Portal/dashboards 2022-12-01-preview), and an
    auto-name (the logical name plus 8 characters) of a component name over 11 characters is
    longer. With a prefix, `dash-<prefix>` (rules.py checks its length); without one, a digest
    of the project, stack and component, unique where those are."""
    named = azure_name(args.name_prefix, "dashboard")
    if named is not None:
        return named
    key = f"{pulumi.get_project()}/{pulumi.get_stack()}/{component}"
    return f"dash-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def build_dashboard(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    lb: network.LoadBalancer,
    vms: list[compute.VirtualMachine],
    scale_set: compute.VirtualMachineScaleSet | None,
    alerts: list[monitor.MetricAlert],
    opts: pulumi.ResourceOptions,
) -> portal.Dashboard | None:
    # The load balancer's metrics and their Average: VipAvailability "Data Path Availability",
    # DipAvailability "Health Probe Status" (dimension BackendIPAddress), UsedSnatPorts and
    # AllocatedSnatPorts (per backend, public frontend with outbound rules only):
    # https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-loadbalancers-metrics
    # and https://learn.microsoft.com/azure/load-balancer/load-balancer-standard-diagnostics
    parts = [
        _chart(
            0,
            0,
            "Data path availability (%)",
            [_metric(lb.id, "VipAvailability", LB_NAMESPACE, "Data Path Availability")],
        ),
        _chart(
            WIDTH,
            0,
            "Health probe status per backend (%)",
            [_metric(lb.id, "DipAvailability", LB_NAMESPACE, "Health Probe Status")],
            split_by="BackendIPAddress",
        ),
    ]
    # Host metrics, no agent needed: "Percentage CPU" and "Available Memory Bytes" of a VM
    # (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-compute-virtualmachines-metrics)
    # and of a scale set, whose VMName dimension gives one line per instance
    # (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-compute-virtualmachinescalesets-metrics).
    if scale_set is not None:
        cpu = [_metric(scale_set.id, "Percentage CPU", VMSS_NAMESPACE, "Percentage CPU")]
        memory = [_metric(scale_set.id, "Available Memory Bytes", VMSS_NAMESPACE, "Available Memory Bytes")]
        split: str | None = "VMName"
    else:
        cpu = [_metric(vm.id, "Percentage CPU", VM_NAMESPACE, "Percentage CPU") for vm in vms]
        memory = [_metric(vm.id, "Available Memory Bytes", VM_NAMESPACE, "Available Memory Bytes") for vm in vms]
        split = None  # one metric, so one line, per VM
    parts += [
        _chart(0, HEIGHT, "CPU (%)", cpu, split_by=split),
        _chart(WIDTH, HEIGHT, "Available memory (bytes)", memory, split_by=split),
    ]
    x = 0
    if not args.internal:
        # SNAT ports are a public frontend's (its outbound rule); an internal tier's egress
        # is not this load balancer's.
        parts.append(
            _chart(
                0,
                2 * HEIGHT,
                "SNAT ports per backend",
                [
                    _metric(lb.id, "UsedSnatPorts", LB_NAMESPACE, "Used SNAT Ports"),
                    _metric(lb.id, "AllocatedSnatPorts", LB_NAMESPACE, "Allocated SNAT Ports"),
                ],
                split_by="BackendIPAddress",
            )
        )
        x = WIDTH
    parts.append(
        portal.DashboardPartsArgs(
            position=portal.DashboardPartsPositionArgs(x=x, y=2 * HEIGHT, col_span=WIDTH, row_span=HEIGHT),
            metadata=portal.DashboardPartMetadataArgs(
                type=MARKDOWN,
                inputs=[],
                settings={
                    "content": {
                        "settings": {
                            "title": "Alert rules",
                            "subtitle": "open a rule for its fired alerts",
                            "content": _alerts_markdown(alerts),
                        }
                    }
                },
            ),
        )
    )
    return portal.Dashboard(
        f"{name}-dashboard",
        dashboard_name=dashboard_name(name, args),
        resource_group_name=resource_group_name,
        # The portal shows the `hidden-title` tag as the dashboard's title (structure page).
        tags={**args.tags, "hidden-title": f"{name} tier health"},
        properties=portal.DashboardPropertiesWithProvisioningStateArgs(
            # One lens; Microsoft: "Currently, order is always set to 0" (structure page).
            lenses=[portal.DashboardLensArgs(order=0, parts=parts)],
        ),
        opts=opts,
    )
