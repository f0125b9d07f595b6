"""The one declaration drives the reader, Pulumi.yaml and the README (issue 15, issue 14 s.2)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT, dev_values, single_problem

from components import ConfigError
from components.reader import read
from provider import generate
from stack_config import args_from_config


@pytest.mark.parametrize("path", ["Pulumi.yaml", "README.md", "provider/args.py", "provider/schema.json"])
def test_generated_file_is_current(path: str) -> None:
    expected = generate.outputs()[ROOT / path]()
    assert (ROOT / path).read_text() == expected, f"{path} is stale: run `make schema`"


@pytest.mark.parametrize(
    ("key", "value", "field", "expected"),
    [
        ("osType", "Windows", "os_type", "windows"),
        ("placement", "Zones", "placement", "zones"),
        ("placement", "SCALESET", "placement", "scaleSet"),
        ("frontendType", "Internal", "frontend_type", "internal"),
        ("osDiskType", "premium_lrs", "os_disk_type", "Premium_LRS"),
        ("workload", "NONE", "workload", "none"),
    ],
)
def test_every_enum_key_is_read_in_any_capitalisation(key: str, value: str, field: str, expected: str) -> None:
    reading = read({key: value}, "config")
    assert reading.problems == []
    assert getattr(reading.args, field) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"probe": "[1]"}, "probe: '[1]' must be an object, e.g. {protocol: Http, port: 80, path: /}"),
        ({"tags": "x"}, "tags: 'x' must be an object in YAML or JSON"),
        ({"lbRules": [{"backendPort": 80}]}, "lbRules[0].frontendPort: is missing"),
    ],
    ids=["object_is_a_list", "object_is_not_yaml", "required_field_is_missing"],
)
def test_messages_use_the_users_terms(overrides: dict[str, Any], expected: str) -> None:
    values = dev_values()
    values.update(overrides)
    with pytest.raises(ConfigError) as caught:
        args_from_config(values)
    assert caught.value.problems[0].startswith(expected), caught.value.problems


def test_a_key_of_another_placement_is_reported_even_with_its_default_value() -> None:
    # zones: [1, 2, 3] is the default; written in the stack file it is still reported.
    assert (
        single_problem(zones=["1", "2", "3"]) == "zones: ['1', '2', '3'] is used only with placement zones or scaleSet"
    )


def test_the_vm_count_default_written_for_a_scale_set_is_reported() -> None:
    assert (
        single_problem(placement="scaleSet", vmCount=2)
        == "vmCount: 2 is not used with placement scaleSet; set scaleSet.defaultCount"
    )


def test_pulumi_yaml_declares_objects_and_lb_rules_as_array_of_objects() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert config["probe"]["type"] == "object"
    assert config["monitoring"]["type"] == "object"
    assert config["tags"]["type"] == "object"
    assert config["lbRules"]["type"] == "array" and config["lbRules"]["items"] == {"type": "object"}


def test_pulumi_yaml_is_valid_for_the_project_schema() -> None:
    import json

    import jsonschema
    import yaml

    schema = json.loads((ROOT / "tests" / "data" / "schemas" / "pulumi-project.json").read_text())
    jsonschema.validate(yaml.safe_load((ROOT / "Pulumi.yaml").read_text()), schema)
