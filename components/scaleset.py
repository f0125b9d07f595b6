"""Placement `scaleSet`: one Flexible-orchestration VM scale set behind the load balancer,
repaired when its instances fail their health checks, and sized by CPU autoscale."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import compute, monitor

from .guest import scale_set_agent
from .naming import azure_name, computer_name_prefix
from .profile import admin_password, machine, scale_set_profile
from .settings import MultiVmLoadBalancedArgs

# The Application Health extension reports each instance's health to the platform,
# which automatic repairs, rolling upgrades and AutomaticByPlatform patching act on (a
# Flexible scale set cannot use the LB probe for that, and requires the extension for
# guest patching: https://learn.microsoft.com/azure/virtual-machines/automatic-vm-guest-patching).
# Version 1.0 is the *binary* protocol: an HTTP 200 at the probe path is Healthy, so the
# built-in nginx/IIS pages work as they are. Version 2.0 ("rich health states") counts a
# 2xx as Healthy only with the body {"ApplicationHealthState": "Healthy"} and as Unknown
# otherwise, which automatic repairs would replace in a loop:
# https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-health-extension
HEALTH_PUBLISHER = "Microsoft.ManagedServices"
HEALTH_TYPES = {"linux": "ApplicationHealthLinux", "windows": "ApplicationHealthWindows"}
HEALTH_VERSION = "1.0"
CPU_METRIC = "Percentage CPU"


@dataclass
class ScaleSet:
    vmss: compute.VirtualMachineScaleSet
    autoscale: monitor.AutoscaleSetting
    admin_password: pulumi.Output[str] | None


def _health_extension(args: MultiVmLoadBalancedArgs) -> compute.VirtualMachineScaleSetExtensionArgs:
    probe = args.probe
    settings: dict[str, object] = {"protocol": probe.protocol.lower(), "port": probe.port}
    if probe.protocol != "Tcp":
        settings["requestPath"] = probe.path or "/"
    return compute.VirtualMachineScaleSetExtensionArgs(
        name="health",
        publisher=HEALTH_PUBLISHER,
        type=HEALTH_TYPES[args.os_type],
        type_handler_version=HEALTH_VERSION,
        auto_upgrade_minor_version=True,
        settings=settings,
    )


def build_scale_set(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    subnet_id: pulumi.Input[str],
    backend_pool_ids: list[pulumi.Output[str]],
    nic_nsg_id: pulumi.Input[str] | None,
    identity_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> ScaleSet:
    s = args.scale_set
    zones = args.vm_zones
    password = admin_password(name, args, opts)
    profile = scale_set_profile(machine(args, identity_id, password), computer_name_prefix(name, args.name_prefix))

    vmss = compute.VirtualMachineScaleSet(
        f"{name}-vmss",
        vm_scale_set_name=azure_name(args.name_prefix, "scaleSet"),
        resource_group_name=resource_group_name,
        orchestration_mode="Flexible",
        # With zones, instances spread over them ("max spreading", one fault domain each);
        # without, over the configured fault domains.
        zones=zones or None,
        platform_fault_domain_count=1 if zones else args.fault_domain_count,
        single_placement_group=False,
        sku=compute.SkuArgs(name=args.vm_size, capacity=s.default_count),
        virtual_machine_profile=compute.VirtualMachineScaleSetVMProfileArgs(
            os_profile=profile.os_profile,
            storage_profile=profile.storage_profile,
            network_profile=compute.VirtualMachineScaleSetNetworkProfileArgs(
                # Flexible scale sets create their NICs through this network API version.
                network_api_version="2020-11-01",
                network_interface_configurations=[
                    compute.VirtualMachineScaleSetNetworkConfigurationArgs(
                        name="nic",
                        primary=True,
                        delete_option="Delete",
                        network_security_group=compute.SubResourceArgs(id=nic_nsg_id) if nic_nsg_id else None,
                        ip_configurations=[
                            compute.VirtualMachineScaleSetIPConfigurationArgs(
                                name="ipconfig1",
                                primary=True,
                                subnet=compute.ApiEntityReferenceArgs(id=subnet_id),
                                # No public IP; admin access is the pool's NAT rule (V2).
                                load_balancer_backend_address_pools=[
                                    compute.SubResourceArgs(id=p) for p in backend_pool_ids
                                ],
                            )
                        ],
                    )
                ],
            ),
            security_profile=profile.security_profile,
            diagnostics_profile=profile.diagnostics_profile,
            extension_profile=compute.VirtualMachineScaleSetExtensionProfileArgs(
                # The Azure Monitor Agent with guest monitoring (guest.py).
                extensions=[
                    _health_extension(args),
                    *profile.extensions,
                    *([agent] if (agent := scale_set_agent(args, identity_id)) else []),
                ]
            ),
        ),
        automatic_repairs_policy=compute.AutomaticRepairsPolicyArgs(
            enabled=True, grace_period="PT10M", repair_action="Replace"
        ),
        # Rolling: a model change reaches the instances batch by batch, gated on the health
        # extension (which a Flexible scale set needs for Rolling). Never all at once.
        upgrade_policy=compute.UpgradePolicyArgs(
            mode=compute.UpgradeMode.ROLLING,
            rolling_upgrade_policy=compute.RollingUpgradePolicyArgs(
                max_batch_instance_percent=s.rolling_batch_percent,
                max_unhealthy_instance_percent=s.rolling_max_unhealthy_percent,
                max_unhealthy_upgraded_instance_percent=s.rolling_max_unhealthy_upgraded_percent,
                pause_time_between_batches=f"PT{s.rolling_pause_minutes}M" if s.rolling_pause_minutes else "PT0S",
                max_surge=s.rolling_max_surge,
            ),
        ),
        # Flexible scale sets accept UserAssigned or None only (see identity.py).
        identity=profile.identity,
        tags=args.tags,
        # Autoscale owns the instance count after creation. Without this, every `pulumi up`
        # would PUT sku.capacity = defaultCount and undo what autoscale chose. Pulumi.yaml
        # sets `refresh: always`, so the count sent back is the live one (ignore_changes
        # sends the value in state: https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/).
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=["sku.capacity"])),
    )

    def cpu_rule(
        operator: monitor.ComparisonOperationType, threshold: int, direction: monitor.ScaleDirection
    ) -> monitor.ScaleRuleArgs:
        return monitor.ScaleRuleArgs(
            metric_trigger=monitor.MetricTriggerArgs(
                metric_name=CPU_METRIC,
                metric_namespace="microsoft.compute/virtualmachinescalesets",
                metric_resource_uri=vmss.id,
                time_grain="PT1M",
                statistic=monitor.MetricStatisticType.AVERAGE,
                time_window="PT5M",
                time_aggregation=monitor.TimeAggregationType.AVERAGE,
                operator=operator,
                threshold=threshold,
            ),
            scale_action=monitor.ScaleActionArgs(
                direction=direction,
                type=monitor.ScaleType.CHANGE_COUNT,
                value="1",
                cooldown=f"PT{s.cooldown_minutes}M",
            ),
        )

    autoscale = monitor.AutoscaleSetting(
        f"{name}-autoscale",
        autoscale_setting_name=azure_name(args.name_prefix, "autoscale"),
        resource_group_name=resource_group_name,
        target_resource_uri=vmss.id,
        enabled=True,
        profiles=[
            monitor.AutoscaleProfileArgs(
                name="cpu",
                capacity=monitor.ScaleCapacityArgs(
                    minimum=str(s.min_count), maximum=str(s.max_count), default=str(s.default_count)
                ),
                rules=[
                    cpu_rule(
                        monitor.ComparisonOperationType.GREATER_THAN,
                        s.scale_out_cpu_percent,
                        monitor.ScaleDirection.INCREASE,
                    ),
                    cpu_rule(
                        monitor.ComparisonOperationType.LESS_THAN,
                        s.scale_in_cpu_percent,
                        monitor.ScaleDirection.DECREASE,
                    ),
                ],
            )
        ],
        tags=args.tags,
        opts=opts,
    )
    return ScaleSet(vmss=vmss, autoscale=autoscale, admin_password=password)
