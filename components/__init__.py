"""Reusable building blocks of the load-balanced VM stack."""

from .multi_vm_lb import MultiVmLoadBalanced
from .rules import validate
from .settings import (
    ConfigError,
    DataDisk,
    HealthProbe,
    LbRule,
    MonitoringSettings,
    MultiVmLoadBalancedArgs,
    RoleAssignment,
    ScaleSetSettings,
    VmImage,
)

__all__ = [
    "ConfigError",
    "DataDisk",
    "HealthProbe",
    "LbRule",
    "MonitoringSettings",
    "MultiVmLoadBalanced",
    "MultiVmLoadBalancedArgs",
    "RoleAssignment",
    "ScaleSetSettings",
    "VmImage",
    "validate",
]
