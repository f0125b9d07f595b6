"""The web server that makes the health probe pass.

GIVEN a stack, WHEN the program runs, THEN each Linux VM's customData is the rendered
cloud-init file (valid for the real validator), each Windows VM gets one
CustomScriptExtension that installs IIS, and `workload` chooses, replaces or removes them.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import EXTENSION, NIC, VM, dev_values, ok, run_stack

from components.workload import IIS_SCRIPT, NGINX_CLOUD_INIT
from offline.engine import ProgramRun, plain
from stack_config import args_from_config

#: The extension's command line: PowerShell runs the script given as base64 of UTF-16LE.
POWERSHELL = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "
CLOUD_INIT = shutil.which("cloud-init")
needs_cloud_init = pytest.mark.skipif(
    CLOUD_INIT is None, reason="cloud-init is not installed (Debian package cloud-init; .ci/run installs it)"
)


def user_data(run: ProgramRun) -> list[str | None]:
    out = []
    for vm in sorted(run.of_type(VM), key=lambda r: r.name):
        data = plain(vm.inputs)["osProfile"].get("customData")
        out.append(base64.b64decode(data).decode() if data else None)
    return out


def script_of(extension: Any) -> str:
    command = plain(extension.inputs)["settings"]["commandToExecute"]
    assert command.startswith(POWERSHELL)
    return base64.b64decode(command[len(POWERSHELL) :]).decode("utf-16-le")


def validate_cloud_init(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    target = tmp_path / "user-data.yaml"
    target.write_text(text)
    return subprocess.run([str(CLOUD_INIT), "schema", "-c", str(target)], capture_output=True, text=True)


# ------------------------------------------------------------------ Linux: nginx via cloud-init


def test_linux_custom_data_is_the_rendered_nginx_cloud_init(dev: ProgramRun) -> None:
    expected = NGINX_CLOUD_INIT.read_text()
    assert user_data(dev) == [expected, expected]
    assert dev.of_type(EXTENSION) == []


@needs_cloud_init
def test_rendered_cloud_init_passes_the_real_validator(dev: ProgramRun, tmp_path: Path) -> None:
    result = validate_cloud_init(user_data(dev)[0] or "", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid cloud-config" in result.stdout


@needs_cloud_init
def test_the_validator_does_catch_a_broken_cloud_init(tmp_path: Path) -> None:
    """Guards the test above: a wrong type must fail, so a pass means something."""
    result = validate_cloud_init("#cloud-config\npackages: nginx-as-a-string\n", tmp_path)
    assert result.returncode != 0


def test_a_vm_is_immutable_so_a_new_bootstrap_replaces_it_create_first(
    dev: ProgramRun, prod: ProgramRun, tmp_path: Path
) -> None:
    """Azure refuses to update customData in place: no VM ignores its bootstrap any more, and
    none is deleted first. A new bootstrap changes each VM's (and its NIC's)
    replacement_trigger, so `pulumi up` replaces it create-first (compute.py)."""
    for run in (dev, prod):
        for r in run.of_type(VM):
            # Set false: created first even when azure-native would delete first (naming.py).
            assert (r.ignore_changes, r.delete_before_replace, r.replace_on_changes) == ([], False, []), r.name
        for r in run.of_type(EXTENSION):
            assert (r.ignore_changes, r.delete_before_replace, r.replace_on_changes) == ([], None, []), r.name
    own = tmp_path / "app.yaml"
    own.write_text("#cloud-config\npackages:\n  - apache2\n")
    other = ok(run_stack(overrides={"workload": "custom", "workloadFile": str(own)}))
    before = {r.name: r.replacement_trigger for r in dev.of_type(VM) + dev.of_type(NIC)}
    after = {r.name: r.replacement_trigger for r in other.of_type(VM) + other.of_type(NIC)}
    assert set(before) == set(after) == {"web-vm-1", "web-vm-2", "web-nic-1", "web-nic-2"}
    for name in before:
        assert before[name] != after[name], name
    # A VM and its NIC share the trigger, so they are replaced together.
    assert before["web-vm-1"] == before["web-nic-1"] != before["web-vm-2"]


# ------------------------------------------------------------------ Windows: IIS via the extension


def test_each_windows_vm_gets_one_iis_extension(prod: ProgramRun) -> None:
    extensions = sorted(prod.of_type(EXTENSION), key=lambda r: r.name)
    vms = sorted(prod.of_type(VM), key=lambda r: r.name)
    assert [e.name for e in extensions] == ["web-vm-1-web", "web-vm-2-web", "web-vm-3-web"]
    for ext, vm in zip(extensions, vms, strict=True):
        i = ext.inputs
        assert (i["publisher"], i["type"], i["typeHandlerVersion"]) == (
            "Microsoft.Compute",
            "CustomScriptExtension",
            "1.10",
        )
        assert i["autoUpgradeMinorVersion"] is True
        assert i["vmName"] == vm.outputs["name"]
        assert vm.urn in ext.dependencies
        assert "protectedSettings" not in i


def test_each_windows_extension_runs_the_iis_script_and_no_vm_has_custom_data(prod: ProgramRun) -> None:
    assert [script_of(e) for e in prod.of_type(EXTENSION)] == [IIS_SCRIPT.read_text()] * 3
    assert all("customData" not in plain(vm.inputs)["osProfile"] for vm in prod.of_type(VM))


# ------------------------------------------------------------------ choosing the workload


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_workload_none_installs_nothing(stack: str) -> None:
    run = ok(run_stack(stack, overrides={"workload": "none"}))
    assert run.of_type(EXTENSION) == []
    assert user_data(run) == [None] * len(run.of_type(VM))


def test_custom_cloud_init_file_becomes_custom_data(tmp_path: Path) -> None:
    own = tmp_path / "app.yaml"
    own.write_text("#cloud-config\npackages:\n  - apache2\n")
    run = ok(run_stack(overrides={"workload": "custom", "workloadFile": str(own)}))
    assert user_data(run) == [own.read_text()] * 2


def test_custom_windows_script_runs_in_the_extension(tmp_path: Path) -> None:
    own = tmp_path / "app.ps1"
    own.write_text("Install-WindowsFeature Web-Server\n")
    run = ok(run_stack("prod", overrides={"workload": "custom", "workloadFile": str(own)}))
    assert {script_of(e) for e in run.of_type(EXTENSION)} == {own.read_text()}


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    return str(tmp_path / name)


def test_custom_workload_may_use_any_probe(tmp_path: Path) -> None:
    own = write(tmp_path, "app.yaml", "#cloud-config\n")
    args = args_from_config(
        dev_values(
            workload="custom",
            workloadFile=own,
            lbRules=[{"frontendPort": 443}],
            probe={"protocol": "Https", "port": 443},
        )
    )
    assert (args.workload, args.probe.protocol) == ("custom", "Https")
