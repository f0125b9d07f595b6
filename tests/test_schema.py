"""provider/schema.json: what Pulumi's analyzer infers from provider/, checked (issue 15)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from conftest import ROOT

from components.reader import INPUTS

# Pulumi's package metaschema, vendored from the team's shared copy
# (https://github.com/pulumi/pulumi/blob/master/pkg/codegen/schema/pulumi.json).
# Its patterns are ECMA-262 regexes; Python's `re` spells a named group `(?P<name>...)`.
METASCHEMA = json.loads(
    (ROOT / "tests" / "data" / "schemas" / "pulumi-package-metaschema.json").read_text().replace("(?<", "(?P<")
)
SCHEMA: dict[str, Any] = json.loads((ROOT / "provider" / "schema.json").read_text())
COMPONENT = SCHEMA["resources"]["lbvms:index:MultiVmLoadBalanced"]


def test_schema_is_valid_for_pulumis_package_metaschema() -> None:
    jsonschema.validate(SCHEMA, METASCHEMA)


def test_package_is_lbvms_with_the_components_type_token() -> None:
    assert SCHEMA["name"] == "lbvms"
    assert list(SCHEMA["resources"]) == ["lbvms:index:MultiVmLoadBalanced"]
    assert COMPONENT["isComponent"] is True


def test_every_input_is_in_the_schema_and_described() -> None:
    assert sorted(COMPONENT["inputProperties"]) == sorted(INPUTS)
    for key, prop in COMPONENT["inputProperties"].items():
        assert prop.get("description"), key
    for name, typ in SCHEMA["types"].items():
        assert typ.get("description"), name
        for key, prop in typ.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key}"
        for member in typ.get("enum", []):
            assert member.get("description"), f"{name}.{member['value']}"


def test_enums_match_the_allowed_values() -> None:
    for key, d in INPUTS.items():
        if d.enum is None:
            continue
        prop = COMPONENT["inputProperties"][key]
        ref = prop.get("$ref") or prop["items"]["$ref"]
        values = [m["value"] for m in SCHEMA["types"][ref.removeprefix("#/types/")]["enum"]]
        assert values == [m.value for m in d.enum], key


def test_no_input_is_required_that_a_stack_does_not_need() -> None:
    assert COMPONENT.get("requiredInputs", []) == []
    # What an item of a list must say (the list itself defaults to none or to a default item),
    # and what an optional object must say when given (`maintenance`: when the window starts);
    # every other object input requires nothing.
    required = {name: typ.get("required", []) for name, typ in SCHEMA["types"].items() if typ.get("type") == "object"}
    assert required == {
        "lbvms:index:LbRule": ["frontendPort"],
        "lbvms:index:DataDisk": ["lun", "sizeGb"],
        "lbvms:index:RoleAssignment": ["role", "scope"],
        "lbvms:index:MaintenanceWindow": ["startDateTime"],
        "lbvms:index:HealthProbe": [],
        "lbvms:index:MonitoringSettings": [],
        "lbvms:index:ScaleSetSettings": [],
        "lbvms:index:VmImage": [],
    }


def test_inputs_that_take_other_resources_outputs_are_not_plain() -> None:
    inputs = COMPONENT["inputProperties"]
    outputs_ok = {k for k, p in inputs.items() if not p.get("plain")}
    assert outputs_ok == {"adminPassword", "subnetId", "resourceGroupName", "identityId"}
