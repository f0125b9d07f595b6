"""Guest monitoring (`monitoring.guest`): what happens inside the VMs, beside the load
balancer's own signals (monitoring.py).

- The Azure Monitor Agent on every VM (a VM extension) and in the scale set's model (an
  extension of its profile), signed in with the component's user-assigned identity: the
  agent's `authentication.managedIdentity` setting names it by resource ID (`mi_res_id`).
  "Manage Azure Monitor Agent", https://learn.microsoft.com/azure/azure-monitor/agents/azure-monitor-agent-manage
  (the legacy Log Analytics agent retired on 31 August 2024 and is not used).
- One data collection rule: performance counters (CPU, memory, logical disk, network) every
  60 s, and syslog (Linux) or the Application and System event logs (Windows) at warning and
  above, to the tier's workspace; an association links it to each VM and to the scale set.
  "Data collection rules", https://learn.microsoft.com/azure/azure-monitor/data-collection/data-collection-rule-structure
- Alerts per VM: CPU and available memory from the platform metrics (no agent needed, one
  multi-resource rule evaluated per VM, or the scale set split by VMName), OS disk free space
  from the agent's Perf records (a log search alert per computer). Each looks at 15 minutes of
  data every 5: a reboot (a few minutes without data or at full CPU) does not page, a VM that
  stays short does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import compute, monitor, operationalinsights

from .naming import azure_name
from .settings import MultiVmLoadBalancedArgs

#: Publisher and types: "Azure Monitor Agent requirements",
#: https://learn.microsoft.com/azure/azure-monitor/agents/azure-monitor-agent-requirements
AGENT_PUBLISHER = "Microsoft.Azure.Monitor"
AGENT_TYPES = {"linux": "AzureMonitorLinuxAgent", "windows": "AzureMonitorWindowsAgent"}
#: Major version 1; minor versions and automatic upgrades come from Azure.
AGENT_VERSION = "1.0"
WORKSPACE_DESTINATION = "workspace"

#: Counter specifiers of the agent: CPU, memory, logical disk, network, per OS, spelled as
#: Microsoft lists them per OS ("Collect performance counters", Windows and Linux tabs,
#: https://learn.microsoft.com/azure/azure-monitor/vm/data-collection-performance), in the
#: `\Object(instance)\Counter` form of that page. Linux has no `Processor Information` object
#: (a Windows one) and names its objects with an instance: `Processor(*)`, `Memory(*)`. Logical
#: disks per instance (`*`, not `_Total`): the OS disk alert reads `/` and `C:`.
COUNTERS = {
    "linux": [
        "\\Processor(*)\\% Processor Time",
        "\\Memory(*)\\Available MBytes Memory",
        "\\Memory(*)\\% Available Memory",
        "\\Logical Disk(*)\\% Free Space",
        "\\Logical Disk(*)\\Free Megabytes",
        "\\Network(*)\\Total Bytes Received",
        "\\Network(*)\\Total Bytes Transmitted",
    ],
    "windows": [
        "\\Processor Information(_Total)\\% Processor Time",
        "\\Memory\\Available Bytes",
        "\\Memory\\% Committed Bytes In Use",
        "\\LogicalDisk(*)\\% Free Space",
        "\\LogicalDisk(*)\\Free Megabytes",
        "\\Network Interface(*)\\Bytes Total/sec",
    ],
}
#: Syslog at warning and above: the agent takes the levels by name, each one listed, as in
#: Microsoft's "Warning and higher" sample ("DCR samples", Syslog events,
#: https://learn.microsoft.com/azure/azure-monitor/data-collection/data-collection-rule-samples).
SYSLOG_LEVELS = ["Warning", "Error", "Critical", "Alert", "Emergency"]
SYSLOG_FACILITIES = ["auth", "authpriv", "cron", "daemon", "kern", "syslog", "user"]
#: Windows events at warning and above: levels 1 critical, 2 error, 3 warning (the same
#: samples page, Windows events; XPath filters at the agent, so nothing else is ingested).
EVENT_QUERIES = [
    "Application!*[System[(Level=1 or Level=2 or Level=3)]]",
    "System!*[System[(Level=1 or Level=2 or Level=3)]]",
]

#: Thresholds, documented in the README (Monitoring): average CPU over 90 %, available memory
#: under 256 MiB, OS disk under 10 % free, each over 15 minutes.
CPU_PERCENT = 90
MEMORY_BYTES = 256 * 1024 * 1024
DISK_FREE_PERCENT = 10
WINDOW = "PT15M"
FREQUENCY = "PT5M"
#: The OS disk's free space from the agent's Perf records: `/` on Linux, `C:` on Windows.
DISK_QUERY = (
    'Perf | where ObjectName in ("Logical Disk", "LogicalDisk") and CounterName == "% Free Space" '
    'and InstanceName in ("/", "C:") | summarize AggregatedValue = avg(CounterValue) by Computer'
)


@dataclass
class GuestMonitoring:
    rule: monitor.DataCollectionRule | None = None
    associations: list[monitor.DataCollectionRuleAssociation] = field(default_factory=list)
    agents: list[compute.VirtualMachineExtension] = field(default_factory=list)
    alerts: list[monitor.MetricAlert] = field(default_factory=list)
    disk_alert: monitor.ScheduledQueryRule | None = None


def agent_settings(identity_id: pulumi.Input[str]) -> dict[str, object]:
    """The agent signs in with the user-assigned identity it is given by resource ID."""
    return {"authentication": {"managedIdentity": {"identifier-name": "mi_res_id", "identifier-value": identity_id}}}


def scale_set_agent(
    args: MultiVmLoadBalancedArgs, identity_id: pulumi.Input[str]
) -> compute.VirtualMachineScaleSetExtensionArgs | None:
    """The agent in the scale set's extension profile, or None without guest monitoring."""
    if not (args.monitoring.enabled and args.monitoring.guest):
        return None
    return compute.VirtualMachineScaleSetExtensionArgs(
        name="monitor-agent",
        publisher=AGENT_PUBLISHER,
        type=AGENT_TYPES[args.os_type],
        type_handler_version=AGENT_VERSION,
        auto_upgrade_minor_version=True,
        enable_automatic_upgrade=True,
        settings=agent_settings(identity_id),
    )


def data_collection_rule(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    workspace: operationalinsights.Workspace,
    opts: pulumi.ResourceOptions,
) -> monitor.DataCollectionRule:
    linux = args.os_type == "linux"
    logs = "Microsoft-Syslog" if linux else "Microsoft-Event"
    return monitor.DataCollectionRule(
        f"{name}-dcr",
        data_collection_rule_name=azure_name(args.name_prefix, "dataCollectionRule"),
        resource_group_name=resource_group_name,
        kind="Linux" if linux else "Windows",
        description=f"Guest performance counters and {'syslog' if linux else 'event logs'} of the {name} VMs",
        data_sources=monitor.DataCollectionRuleDataSourcesArgs(
            performance_counters=[
                monitor.PerfCounterDataSourceArgs(
                    name="performance",
                    streams=["Microsoft-Perf"],
                    sampling_frequency_in_seconds=60,
                    counter_specifiers=COUNTERS[args.os_type],
                )
            ],
            syslog=[
                monitor.SyslogDataSourceArgs(
                    name="syslog",
                    streams=["Microsoft-Syslog"],
                    facility_names=SYSLOG_FACILITIES,
                    log_levels=SYSLOG_LEVELS,
                )
            ]
            if linux
            else None,
            windows_event_logs=None
            if linux
            else [
                monitor.WindowsEventLogDataSourceArgs(
                    name="events", streams=["Microsoft-Event"], x_path_queries=EVENT_QUERIES
                )
            ],
        ),
        destinations=monitor.DataCollectionRuleDestinationsArgs(
            log_analytics=[
                monitor.LogAnalyticsDestinationArgs(name=WORKSPACE_DESTINATION, workspace_resource_id=workspace.id)
            ]
        ),
        data_flows=[monitor.DataFlowArgs(streams=["Microsoft-Perf", logs], destinations=[WORKSPACE_DESTINATION])],
        tags=args.tags,
        opts=opts,
    )


def build_guest_monitoring(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    workspace: operationalinsights.Workspace,
    identity_id: pulumi.Input[str],
    vms: list[compute.VirtualMachine],
    after: list[list[pulumi.Resource]],
    scale_set: compute.VirtualMachineScaleSet | None,
    action_group: monitor.ActionGroup | None,
    opts: pulumi.ResourceOptions,
) -> GuestMonitoring:
    """`after[i]`: what VM i's agent must wait for (its other extensions and health gate):
    Azure runs one extension operation at a time on a VM."""
    out = GuestMonitoring(rule=data_collection_rule(name, args, resource_group_name, workspace, opts))
    rule = out.rule
    assert rule is not None
    for i, vm in enumerate(vms, start=1):
        out.agents.append(
            compute.VirtualMachineExtension(
                f"{name}-vm-{i}-monitor-agent",
                resource_group_name=resource_group_name,
                # The VM's Azure name (a path parameter): a new VM gets a new agent.
                vm_name=vm.name,
                vm_extension_name="monitor-agent",
                publisher=AGENT_PUBLISHER,
                type=AGENT_TYPES[args.os_type],
                type_handler_version=AGENT_VERSION,
                auto_upgrade_minor_version=True,
                enable_automatic_upgrade=True,
                settings=agent_settings(identity_id),
                tags=args.tags,
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=after[i - 1])),
            )
        )
        out.associations.append(
            monitor.DataCollectionRuleAssociation(
                f"{name}-vm-{i}-dcr-link",
                association_name="guest-monitoring",
                resource_uri=vm.id,
                data_collection_rule_id=rule.id,
                opts=opts,
            )
        )
    if scale_set is not None:
        # Azure documents the association per VM for a Flexible scale set ("use a policy to
        # deploy the agent and associate the DCR with each VM",
        # https://learn.microsoft.com/azure/azure-monitor/data-collection/data-collection-rule-associations):
        # instances come and go with autoscale, so no program can link each one. This link on the
        # scale set is what a program can declare; per-instance links need a policy assignment.
        out.associations.append(
            monitor.DataCollectionRuleAssociation(
                f"{name}-vmss-dcr-link",
                association_name="guest-monitoring",
                resource_uri=scale_set.id,
                data_collection_rule_id=rule.id,
                opts=opts,
            )
        )
    actions = [monitor.MetricAlertActionArgs(action_group_id=action_group.id)] if action_group else None
    scopes: list[pulumi.Input[str]] = [scale_set.id] if scale_set is not None else [vm.id for vm in vms]
    for key, metric, operator, threshold, what in (
        ("vm-cpu", "Percentage CPU", "GreaterThan", CPU_PERCENT, f"average CPU over {CPU_PERCENT} %"),
        ("vm-memory", "Available Memory Bytes", "LessThan", MEMORY_BYTES, "available memory under 256 MiB"),
    ):
        criterion = monitor.MetricCriteriaArgs(
            criterion_type="StaticThresholdCriterion",
            name=metric,
            metric_name=metric,
            metric_namespace="Microsoft.Compute/virtualMachineScaleSets"
            if scale_set is not None
            else "Microsoft.Compute/virtualMachines",
            operator=operator,
            threshold=threshold,
            time_aggregation="Average",
            # One series per instance of the scale set.
            dimensions=[monitor.MetricDimensionArgs(name="VMName", operator="Include", values=["*"])]
            if scale_set is not None
            else None,
        )
        out.alerts.append(
            monitor.MetricAlert(
                f"{name}-alert-{key}",
                rule_name=azure_name(args.name_prefix, "metricAlert", key),
                resource_group_name=resource_group_name,
                location="global",
                description=f"A VM of {name}: {what} for 15 minutes (a reboot is shorter)",
                severity=2,
                enabled=True,
                auto_mitigate=True,
                scopes=scopes,
                evaluation_frequency=FREQUENCY,
                window_size=WINDOW,
                # Several VMs: one rule evaluated per VM (multi-resource criteria need the
                # VMs' type and region).
                target_resource_type=None if scale_set is not None else "Microsoft.Compute/virtualMachines",
                target_resource_region=None if scale_set is not None else vms[0].location,
                criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                    odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", all_of=[criterion]
                )
                if scale_set is not None
                else monitor.MetricAlertMultipleResourceMultipleMetricCriteriaArgs(
                    odata_type="Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria", all_of=[criterion]
                ),
                actions=actions,
                tags=args.tags,
                opts=opts,
            )
        )
    out.disk_alert = monitor.ScheduledQueryRule(
        f"{name}-alert-os-disk",
        rule_name=azure_name(args.name_prefix, "metricAlert", "os-disk"),
        resource_group_name=resource_group_name,
        kind="LogAlert",
        description=f"A VM of {name}: OS disk under {DISK_FREE_PERCENT} % free for 15 minutes",
        severity=2,
        enabled=True,
        auto_mitigate=True,
        scopes=[workspace.id],
        evaluation_frequency=FREQUENCY,
        window_size=WINDOW,
        criteria=monitor.ScheduledQueryRuleCriteriaArgs(
            all_of=[
                monitor.ConditionArgs(
                    query=DISK_QUERY,
                    time_aggregation="Average",
                    metric_measure_column="AggregatedValue",
                    operator="LessThan",
                    threshold=DISK_FREE_PERCENT,
                    # One alert per computer.
                    dimensions=[monitor.DimensionArgs(name="Computer", operator="Include", values=["*"])],
                    failing_periods=monitor.ConditionFailingPeriodsArgs(
                        number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                    ),
                )
            ]
        ),
        actions=monitor.ActionsArgs(action_groups=[action_group.id]) if action_group else None,
        tags=args.tags,
        opts=opts,
    )
    return out
