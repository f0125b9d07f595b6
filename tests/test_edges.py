"""Every declared range at both edges, through the loader stack config goes through: generated
from the declaration, so a range added or moved there is tested here without a new line.

Each value at an edge is accepted (the whole configuration has no problem), and one step past
it is refused with exactly one problem, naming the key. A few keys share a rule with another
key; `CONTEXT` sets those others so that only the declared range is under test.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from dataclasses import is_dataclass
from typing import Any

import pytest
from conftest import dev_values

from components import ConfigError
from components.settings import Declared, MultiVmLoadBalancedArgs, declared
from stack_config import args_from_config


def _ranges(cls: type, prefix: str = "") -> Iterator[tuple[str, Declared]]:
    """(path, declaration) of every integer input with a declared range, nested ones too."""
    for key, d in declared(cls).items():
        if is_dataclass(d.item):
            index = "[0]" if d.item is not d.type else ""
            yield from _ranges(typing.cast(type, d.item), f"{prefix}{key}{index}.")
        elif d.type is int and d.setting.minimum is not None and d.setting.maximum is not None:
            yield f"{prefix}{key}", d


def _scale_set(**fields: int) -> dict[str, Any]:
    # A subnet that holds 1000 instances plus a surge batch, so only the counts are under test.
    return {"placement": "scaleSet", "subnetPrefix": "10.0.0.0/20", "scaleSet": fields}


def _count(v: int) -> int:
    return min(max(v, 2), 1000)


def _lb_rule(field: str, value: int) -> dict[str, Any]:
    # The rule under test first; a second rule serves the probe's port 80.
    first = {"frontendPort": 81, "backendPort": 81, field: value}
    return {"lbRules": [first, {"frontendPort": 8080, "backendPort": 80}]}


#: Config that lets a value at the edge stand alone, by path.
CONTEXT: dict[str, Callable[[int], dict[str, Any]]] = {
    # Above 100, an availability set could not hold old and new VMs during a replacement.
    # and twice 200 VMs need a subnet larger than the default /24.
    "vmCount": lambda v: {"vmCount": v, "placement": "zones", "subnetPrefix": "10.0.0.0/22"},
    # The NAT range's end is a rule of its own (it must end by 65534); no NAT, no range.
    "natFrontendPortStart": lambda v: {"natFrontendPortStart": v, "adminAccess": "none"},
    "dataDisks[0].lun": lambda v: {"dataDisks": [{"lun": v, "sizeGb": 128}]},
    "dataDisks[0].sizeGb": lambda v: {"dataDisks": [{"lun": 0, "sizeGb": v}]},
    "lbRules[0].frontendPort": lambda v: _lb_rule("frontendPort", v),
    "lbRules[0].backendPort": lambda v: _lb_rule("backendPort", v),
    # The built-in web server answers on port 80 only; a Tcp probe of another port needs none.
    "probe.port": lambda v: {"probe": {"protocol": "Tcp", "port": v}, "workload": "none"},
    # minCount <= defaultCount <= maxCount is a rule: the other counts follow, within their range.
    "scaleSet.minCount": lambda v: _scale_set(minCount=v, defaultCount=_count(v), maxCount=max(_count(v), 10)),
    "scaleSet.defaultCount": lambda v: _scale_set(defaultCount=v, maxCount=max(_count(v), 10)),
    "scaleSet.maxCount": lambda v: _scale_set(maxCount=v),
    "scaleSet.scaleOutCpuPercent": lambda v: _scale_set(scaleOutCpuPercent=v, scaleInCpuPercent=0),
    "scaleSet.scaleInCpuPercent": lambda v: _scale_set(scaleInCpuPercent=v, scaleOutCpuPercent=100),
}


def _config(path: str, value: int) -> dict[str, Any]:
    if path in CONTEXT:
        return CONTEXT[path](value)
    top, _, field = path.partition(".")
    if top == "scaleSet":
        return _scale_set(**{field: value})
    return {top: {field: value}} if field else {top: value}


CASES = [
    pytest.param(path, d, edge, id=f"{path}={edge}")
    for path, d in _ranges(MultiVmLoadBalancedArgs)
    for edge in (d.setting.minimum, d.setting.maximum)
]


def _problems(config: dict[str, Any]) -> list[str]:
    try:
        args_from_config(dev_values(**config))
    except ConfigError as err:
        return err.problems
    return []


@pytest.mark.parametrize(("path", "d", "edge"), CASES)
def test_a_declared_range_is_accepted_at_its_edge(path: str, d: Declared, edge: int) -> None:
    assert _problems(_config(path, edge)) == []


@pytest.mark.parametrize(("path", "d", "edge"), CASES)
def test_one_step_past_a_declared_range_is_refused_naming_the_key(path: str, d: Declared, edge: int) -> None:
    low, high = d.setting.minimum, d.setting.maximum
    past = edge - 1 if edge == low else edge + 1
    why = f" ({d.setting.why})" if d.setting.why else ""
    assert _problems(_config(path, past)) == [f"{path}: {past} must be an integer {low}-{high}{why}"]


def test_every_nested_object_and_list_of_objects_has_its_ranges_tested() -> None:
    # The generator reaches into objects and lists of objects: a range there is not skipped.
    paths = {path.split(".")[0] for path, _ in _ranges(MultiVmLoadBalancedArgs) if "." in path}
    assert paths == {"lbRules[0]", "probe", "monitoring", "scaleSet", "dataDisks[0]"}
