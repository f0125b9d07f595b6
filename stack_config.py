"""Stack config -> `MultiVmLoadBalancedArgs`: the public contract of this project's keys.

`__main__.py` reads the raw values (strings, as the Pulumi CLI hands them over; lists
and objects as JSON) and passes them here. There is no key table here: every key, its
type, default and constraints are declared once, on `MultiVmLoadBalancedArgs`
(components/settings.py), and loaded generically (components/reader.py `load`), which
reads every value and runs every rule, so one `ConfigError` names every bad key, its value
and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.reader import INPUTS, load
from components.settings import MultiVmLoadBalancedArgs

COMPONENT_NAME = "web"

#: The project's keys, in declaration order (derived, not a table).
KEYS: tuple[str, ...] = tuple(INPUTS)


def args_from_config(
    values: Mapping[str, Any],
    secret_keys: set[str] | None = None,
    name: str = COMPONENT_NAME,
) -> MultiVmLoadBalancedArgs:
    """Build the component's args from the project's config values (keys without the
    `<project>:` prefix). Raises one `ConfigError` naming every problem."""
    return load(values, "config", name, secret_keys)
