"""Reusable building blocks of the load-balanced VM stack."""

from .multi_vm_lb import MultiVmLoadBalanced
from .rules import validate
from .settings import (
    ConfigError,
    HealthProbe,
    LbRule,
    MonitoringSettings,
    MultiVmLoadBalancedArgs,
    ScaleSetSettings,
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
