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

#: The package's version (semantic versioning; CHANGELOG.md says what each one changed). The
#: wheel (pyproject.toml) and the component package's schema (provider/) take it from here.
__version__ = "0.2.0"

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
    "__version__",
    "validate",
]
