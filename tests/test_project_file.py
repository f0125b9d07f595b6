"""Pulumi.yaml, the stack files and the README say the same as the code."""

from __future__ import annotations

import dataclasses
import re

import yaml
from conftest import ROOT

from components import MultiVmLoadBalancedArgs
from components.reader import INPUTS, read
from offline.stackfile import to_cli_string
from stack_config import KEYS

PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
PROJECT_TEXT = (ROOT / "Pulumi.yaml").read_text()
README = (ROOT / "README.md").read_text()
OUTPUTS = [
    "publicIp",
    "privateFrontendIp",
    "url",
    "adminEndpoints",
    "vmNames",
    "privateIps",
    "resourceGroupName",
    "identityId",
    "identityPrincipalId",
    "adminPassword",
    "workspaceId",
    "probeFailuresQuery",
    "probeStatusCommand",
    "scaleSetName",
    "natPortRange",
    "vmZones",
]


def test_runtime_is_python_with_pip_in_a_virtualenv() -> None:
    assert PROJECT["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}


def test_every_config_key_is_documented_in_pulumi_yaml() -> None:
    declared = set(PROJECT["config"])
    commented = set(re.findall(r"^  # (\w+) \(", PROJECT_TEXT, flags=re.MULTILINE))
    assert declared | commented == set(KEYS)
    assert not declared & commented


def test_pulumi_yaml_schemas_have_descriptions_and_the_codes_defaults() -> None:
    defaults = MultiVmLoadBalancedArgs()
    for key, decl in PROJECT["config"].items():
        # Objects (and lbRules, an array of objects) are declared since CLI v3.187.0.
        assert decl["type"] in ("string", "integer", "boolean", "array", "object"), key
        assert decl["description"], key
        reading = read({key: to_cli_string(decl["default"])}, "config")
        assert reading.problems == [], key
        name = INPUTS[key].field.name
        assert getattr(reading.args, name) == getattr(defaults, name), key


def test_every_args_field_has_a_config_key() -> None:
    fields = {f.name for f in dataclasses.fields(MultiVmLoadBalancedArgs)}
    assert {d.field.name for d in INPUTS.values()} == fields


def test_readme_config_table_lists_every_key() -> None:
    rows = set(re.findall(r"^\| `(\w+)` \|", README, flags=re.MULTILINE))
    assert set(KEYS) | set(OUTPUTS) == rows


def test_readme_outputs_match_the_program() -> None:
    main = (ROOT / "__main__.py").read_text()
    exported = re.findall(r'pulumi\.export\("(\w+)"', main)
    assert sorted(exported) == sorted(OUTPUTS)
