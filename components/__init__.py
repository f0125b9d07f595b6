"""Reusable building blocks of the load-balanced VM stack."""

from .multi_vm_lb import MultiVmLoadBalanced
from .settings import (
    ConfigError,
    HealthProbe,
    LbRule,
    MonitoringSettings,
    MultiVmLoadBalancedArgs,
    validate,
)

__all__ = [
    "ConfigError",
    "HealthProbe",
    "LbRule",
    "MonitoringSettings",
    "MultiVmLoadBalanced",
    "MultiVmLoadBalancedArgs",
    "validate",
]
