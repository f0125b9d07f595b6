"""The offline plan (`make plan`): the real program on the shared mock engine, printed.

GIVEN a stack file, WHEN the plan runs, THEN what it prints and writes is exactly what
the recording mock registered, secrets stay masked, and a bad config fails like `pulumi up`.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import LB, NIC, PIP, ROOT, SSH_KEY, VM

from components.rules import ssh_key_problem
from offline import diagram, engine, plan

SECRET = "Sup3r-Secret-Value!"
#: What `make plan` and `make pictures` pass: the stack files set no SSH key.
THROWAWAY = ("--throwaway-ssh-key", "sshPublicKey")
KEY_NOTE = (
    "Note: sshPublicKey is not set: this plan uses a throw-away SSH key it made; nobody holds its private half. "
    'Before `pulumi up`: pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"\n'
)


def run_plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The plan as `make plan` runs it (with its `--throwaway-ssh-key`)."""
    code = plan.main([*THROWAWAY, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def recorded(stack: str, *sets: str) -> engine.ProgramRun:
    cfg, _ = plan.load_config(stack, sets, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg)
    assert result.error is None
    return result


def vm_keys(resources: list[dict[str, Any]]) -> set[str]:
    """The SSH keys of every VM of a `--json` plan."""
    return {
        key["keyData"]
        for r in resources
        if r["type"] == VM
        for key in r["inputs"]["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"]
    }


def test_printed_plan_lists_exactly_what_the_mock_registered(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(capsys)
    assert code == 0
    result = recorded("dev")
    lines = [line for line in out.splitlines() if line.startswith("  + ")]
    printed = [
        re.split(r"\s+", line.replace("│", " ").replace("├─", " ").replace("└─", " ").strip())[1:3] for line in lines
    ]
    assert printed[0] == ["pulumi:pulumi:Stack", "lb-vms-dev"]
    assert sorted(map(tuple, printed[1:])) == sorted((r.type, r.name) for r in result.resources)
    assert f"Resources: {len(result.resources)} to create" in out
    for kind, n in result.counts().items():
        assert re.search(rf"^\s+{n} {re.escape(kind)}$", out, flags=re.MULTILINE), kind


def test_plan_shows_what_a_reviewer_checks(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_plan(capsys)
    # Addresses are the engine's stand-ins for what Azure assigns: shown as registered, marked *.
    result = recorded("dev")
    public_ip = result.one(PIP).outputs["ipAddress"]
    [nic] = [r for r in result.of_type(NIC) if r.name == "web-nic-1"]
    private_ip = nic.outputs["ipConfigurations"][0]["privateIPAddress"]
    for expected in [
        f"sku=Standard Static ip={public_ip}*",
        "rule tcp-80: Tcp 80 -> 80 pool=backend probe=health disableOutboundSnat=True",
        "web-admin-nat  admin: Tcp 50001-50400 -> 22 pool=backend",
        "subnet vms 10.0.1.0/24 nsg=yes defaultOutbound=False",
        "4096 Deny  *   * -> port *  (deny-all-inbound)",
        f"web-nic-1  private {private_ip}* pool=backend no public ip",
        "web-vm-1-gate  run command health-gate on web-vm-1",
        "web-vm-2  Standard_D2s_v5 ubuntu-24_04-lts/server disk=StandardSSD_LRS TrustedLaunch",
        'url: "output<string>"',  # built on the IP's DNS settings, unknown in a preview
    ]:
        assert expected in out


def test_json_holds_every_registered_resource_with_inputs_parent_and_dependencies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "plan.json"
    assert run_plan(capsys, "--json", str(target), "--quiet")[0] == 0
    data = json.loads(target.read_text())
    result = recorded("dev")
    by_urn = {r["urn"]: r for r in data["resources"]}
    assert set(by_urn) == {r.urn for r in result.resources}
    for r in result.resources:
        entry = by_urn[r.urn]
        assert (entry["type"], entry["name"], entry["parent"]) == (r.type, r.name, r.parent)
        assert entry["dependencies"] == r.dependencies
        assert entry["inputs"] == json.loads(json.dumps(plan.masked(r.inputs)))
    assert data["counts"] == result.counts()
    assert data["outputs"] == json.loads(json.dumps(plan.masked(result.outputs)))


def test_set_overrides_stack_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "plan.json"
    code, _, _ = run_plan(
        capsys, "--set", "vmCount=3", "--set", "lbRules=[{frontendPort: 8080, backendPort: 80}]", "--json", str(target)
    )
    assert code == 0
    data = json.loads(target.read_text())
    assert data["counts"][VM] == 3
    lb = next(r for r in data["resources"] if r["type"] == LB)
    assert [(r["frontendPort"], r["backendPort"]) for r in lb["inputs"]["loadBalancingRules"]] == [(8080, 80)]


def test_bad_config_exits_2_with_the_programs_single_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_plan(capsys, "--set", "vmCount=1", "--set", "probe={port: 0}")
    assert code == 2
    assert out == ""
    assert err == (
        "error: Invalid stack configuration: 2 problems; nothing was created.\n"
        "  - vmCount: 1 must be an integer 2-200 (two for the availability-set SLA; Azure caps a set at 200)\n"
        "  - probe.port: 0 must be an integer 1-65535\n"
    )


def test_secrets_never_appear_in_the_output_or_the_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.json"
    code, out, err = run_plan(capsys, "--stack", "prod", "--secret", f"adminPassword={SECRET}", "--json", str(target))
    assert code == 0
    assert SECRET not in out + err + target.read_text()
    assert 'adminPassword: "[secret]"' in out
    assert json.loads(target.read_text())["outputs"]["adminPassword"] == "[secret]"
    # ... and from the environment, a bad one is reported without showing it.
    monkeypatch.setenv("PLAN_SECRET_adminPassword", "short")
    code, out, err = run_plan(capsys, "--stack", "prod")
    assert code == 2
    assert "adminPassword: (secret, not shown) must be 12-123 characters long (it has 5)" in err
    assert "short" not in err.replace("(it has 5)", "")


def test_generated_password_is_masked(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_plan(capsys, "--stack", "prod")
    result = recorded("prod")
    password = engine.plain(result.outputs["adminPassword"])
    assert password not in out
    assert "random:index/randomPassword:RandomPassword  web-admin-password  length=24 (secret)" in out


def test_encrypted_secret_is_reported_with_how_to_pass_it(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.enc.yaml").write_text(
        "encryptionsalt: v1:abc\nconfig:\n  lb-vms:osType: windows\n  lb-vms:adminPassword:\n    secure: v1:AAAA\n"
    )
    with pytest.raises(plan.PlanError) as caught:
        plan.load_config("enc", root=tmp_path)
    assert str(caught.value) == (
        "Secret config values are needed:\n"
        "  - lb-vms:adminPassword: encrypted in Pulumi.enc.yaml (secure:), which the offline plan cannot decrypt; "
        "pass it as --secret adminPassword=... or PLAN_SECRET_adminPassword=..."
    )


def test_unknown_stack_names_the_stacks_there(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_plan(capsys, "--stack", "qa")
    assert code == 2
    assert "no stack file Pulumi.qa.yaml" in err and "stacks here: dev, prod" in err


def test_dev_plan_uses_a_throwaway_key_it_made_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    code, out, err = run_plan(capsys, "--json", str(first))
    assert (code, err) == (0, "")
    assert out.splitlines(keepends=True)[1] == KEY_NOTE
    [key] = vm_keys(json.loads(first.read_text())["resources"])
    assert key == plan.throwaway_ssh_key("lb-vms", "dev")
    assert key.startswith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI") and key.endswith(" throw-away-offline-plan")
    assert ssh_key_problem(key) is None  # a well-formed ed25519 key, as the program checks
    # The same key on the next run: a --diff against the first plan sees nothing change.
    code, out, _ = run_plan(capsys, "--diff", str(first), "--json", str(second))
    assert code == 0
    assert vm_keys(json.loads(second.read_text())["resources"]) == {key}
    assert json.loads(second.read_text())["change"]["steps"] == []


def test_each_stack_gets_its_own_throwaway_key(capsys: pytest.CaptureFixture[str]) -> None:
    cfg, notes = plan.load_config("prod", ["osType=linux"], throwaway_ssh_keys=["sshPublicKey"])
    assert notes == []  # not required by the project file: offered, used only if needed
    result = plan.run(cfg)
    assert result.error is None
    assert "lb-vms:sshPublicKey" in cfg.filled
    prod_key = engine.plain(result.of_type(VM)[0].inputs["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"])
    assert prod_key[0]["keyData"] == plan.throwaway_ssh_key("lb-vms", "prod") != plan.throwaway_ssh_key("lb-vms", "dev")
    assert ssh_key_problem(prod_key[0]["keyData"]) is None


def test_no_throwaway_key_where_the_program_needs_none(capsys: pytest.CaptureFixture[str]) -> None:
    """Windows VMs take a password: the key is offered, not used (the program refuses a key there)."""
    code, out, err = run_plan(capsys, "--stack", "prod")
    assert (code, err) == (0, "")
    assert "Note:" not in out and "throw-away" not in out


def test_no_throwaway_key_where_the_stack_sets_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(capsys, "--set", f"sshPublicKey={SSH_KEY}", "--json", str(tmp_path / "set.json"))
    assert code == 0 and "Note:" not in out
    assert vm_keys(json.loads((tmp_path / "set.json").read_text())["resources"]) == {SSH_KEY}
    # ... and in the stack file itself (a copy of the project that runs this program).
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text() + f"main: {ROOT}\n")
    stack_file = (
        (ROOT / "Pulumi.dev.yaml").read_text().replace("config:\n", f"config:\n  lb-vms:sshPublicKey: {SSH_KEY}\n", 1)
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_file)
    code, out, _ = run_plan(capsys, "--dir", str(tmp_path), "--json", str(tmp_path / "file.json"))
    assert code == 0 and "Note:" not in out
    assert vm_keys(json.loads((tmp_path / "file.json").read_text())["resources"]) == {SSH_KEY}


def test_without_the_option_the_programs_own_error_about_the_key_surfaces(capsys: pytest.CaptureFixture[str]) -> None:
    code = plan.main(["--quiet"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        "error: Invalid stack configuration: 1 problem; nothing was created.\n"
        '  - sshPublicKey: not set; Linux VMs allow SSH keys only: pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"\n'
    )


def test_a_throwaway_key_the_program_refuses_is_not_used(capsys: pytest.CaptureFixture[str]) -> None:
    """Windows VMs refuse a key: with another problem, the error is the one without the key."""
    code, out, err = run_plan(capsys, "--stack", "prod", "--set", "vmCount=1")
    assert (code, out) == (2, "")
    assert err == (
        "error: Invalid stack configuration: 1 problem; nothing was created.\n"
        "  - vmCount: 1 must be an integer 2-200 (two for the availability-set SLA; Azure caps a set at 200)\n"
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_committed_picture_is_current(stack: str) -> None:
    """`make pictures` redraws docs/architecture-<stack>.svg; run it and commit the pictures when this fails."""
    committed = (ROOT / "docs" / f"architecture-{stack}.svg").read_text()
    assert diagram.render(recorded(stack), title=f"lb-vms / {stack}") == committed


def test_picture_shows_every_vm_with_its_gate_and_caps_large_stacks() -> None:
    svg = diagram.render(recorded("dev", "vmCount=3"))
    for i in (1, 2, 3):
        assert f"web-vm-{i}</text>" in svg
    assert svg.count("+ cloud-init  + run command health-gate") == 3
    assert "NAT rule V2: ports 50001-50400 -&gt; 22 over the pool" in svg
    big = diagram.render(recorded("dev", "vmCount=15"))
    assert "web-vm-12</text>" in big and "web-vm-13</text>" not in big
    assert "... and 3 more VMs" in big
