"""Pulumi.yaml, the stack files and the README say the same as the code."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT, ok, run_stack

from components import MultiVmLoadBalancedArgs
from components.reader import INPUTS, read
from offline.engine import ProgramRun
from offline.stackfile import to_cli_string

PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
README = (ROOT / "README.md").read_text()


def test_pulumi_runs_the_program_in_the_virtualenv_make_installs() -> None:
    # `make install` creates $(VENV) and installs the requirements there (Makefile); the CLI
    # must run the program with that interpreter, or it misses the SDKs.
    venv = re.search(r"^VENV\s*\?=\s*(\S+)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert venv is not None
    assert PROJECT["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": venv.group(1)}}


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


def test_readme_lists_every_output_the_program_exports(dev: ProgramRun, prod: ProgramRun) -> None:
    # Configurations that switch every optional output on: the private frontend, the scale
    # set's name, the zones, the monitoring queries (prod: the Windows password).
    runs = [dev, prod] + [
        ok(run_stack(overrides=o))
        for o in (
            {"frontendType": "internal"},
            {"placement": "scaleSet"},
            {"placement": "zones"},
            {"monitoring": {"enabled": True}},
        )
    ]
    vault = "/subscriptions/0000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-web"
    runs.append(ok(run_stack("prod", overrides={"keyVaultId": vault})))
    exported = {name for run in runs for name in run.outputs}
    # The README's outputs table: from its head to the first line that is not a row.
    table = README.split("| output | meaning |\n", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)) == exported
