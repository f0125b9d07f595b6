"""Reusable building blocks of the load-balanced VM stack."""

from .multi_vm_lb import MultiVmLoadBalanced
from .settings import (
    ConfigError,
    HealthProbe,
    LbRule,
    MonitoringSettings,
    MultiVmLoadBalancedArgs,
    ScaleSetSettings,
    validate,
)

__all__ = [
    "ConfigError",
    "HealthProbe",
    "LbRule",
    "MonitoringSettings",
    "MultiVmLoadBalanced",
    "MultiVmLoadBalancedArgs",
    "ScaleSetSettings",
    "validate",
]
