"""Stack config -> `MultiVmLoadBalancedArgs`: the public contract of this project's keys.

`__main__.py` reads the raw values (strings, as the Pulumi CLI hands them over; lists
and objects as JSON) and passes them here. There is no key table here: every key, its
type, default and allowed values are declared once, on `MultiVmLoadBalancedArgs`
(components/settings.py), and read generically (components/reader.py). Type errors and
rule violations are collected together, so one `ConfigError` names every bad key, its
value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.reader import INPUTS, read, top_key
from components.settings import ConfigError, MultiVmLoadBalancedArgs, validate

COMPONENT_NAME = "web"

#: The project's keys, in declaration order (derived, not a table).
KEYS: tuple[str, ...] = tuple(INPUTS)


def args_from_config(
    values: Mapping[str, Any],
    secret_keys: set[str] | None = None,
    name: str = COMPONENT_NAME,
    allow_placeholder_key: bool = False,
) -> MultiVmLoadBalancedArgs:
    """Build the component's args from the project's config values (keys without the
    `<project>:` prefix). Raises one `ConfigError` naming every problem.

    `allow_placeholder_key` is for the offline plan only; a real deployment refuses
    `PLACEHOLDER_SSH_KEY`."""
    reading = read(values, "config", secret_keys)
    problems = list(reading.problems)
    # A key whose value could not even be read keeps its default; rules about it would
    # only repeat that problem.
    unreadable = {top_key(p) for p in problems}
    problems += [
        p
        for p in validate(reading.args, name, allow_placeholder_key, explicit=reading.explicit)
        if top_key(p) not in unreadable
    ]
    if problems:
        raise ConfigError(problems, context="stack configuration")
    return reading.args
