"""The README runs as written and leaves the checkout clean.

GIVEN every `make plan ...` line of the README's shell blocks, WHEN each is run the way the
Makefile's `plan` recipe runs it (in-process, in README order, so `--diff old.json` finds the
plan an earlier line wrote), THEN each exits 0 and the committed pictures are untouched.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_stack

from offline import changes, plan

#: The README and the docs it links: every shell line in them runs as written.
README = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
MAKEFILE = (ROOT / "Makefile").read_text()
#: What the Makefile's `plan` recipe passes: the stack files set no SSH key.
THROWAWAY = ["--throwaway-ssh-key", "sshPublicKey"]


def readme_plan_lines() -> list[str]:
    """Every `make plan` command line inside a ```bash block, in order."""
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            rest = [w for w in words if not re.fullmatch(r"[A-Za-z_]\w*=.*", w) or "make" in words[: words.index(w)]]
            if rest[:2] == ["make", "plan"]:
                lines.append(line)
    return lines


def plan_argv(line: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """The offline.plan arguments and environment the Makefile's recipe gives `line`."""
    recipe = re.search(r"^plan:.*\n\t@?(.*)$", MAKEFILE, flags=re.MULTILINE)
    assert recipe is not None
    words = shlex.split(line, comments=True)
    make_at = words.index("make")
    env = dict(w.split("=", 1) for w in words[:make_at])
    variables = {"DIR": ".", "STACK": "dev", "ARGS": ""} | dict(w.split("=", 1) for w in words[make_at + 2 :])
    # Make runs in the repository; the test runs in `workdir` so --json files land there.
    variables["DIR"] = str(ROOT / variables["DIR"])
    command = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), m.group(0)), recipe.group(1))
    argv = shlex.split(command)  # the shell splits ARGS as make hands it over
    # Files the README names inside the repository (an answer file) are found from `workdir` too.
    argv = [str(ROOT / a) if "/" in a and not a.startswith("/") and (ROOT / a).is_file() else a for a in argv]
    # So is the policy pack the recipe passes (`--policy-pack policy`, relative to the repository).
    argv = [str(ROOT / a) if flag == "--policy-pack" else a for flag, a in zip(["", *argv], argv, strict=False)]
    return argv[argv.index("offline.plan") + 1 :], env


def test_the_readme_has_the_plan_examples_this_test_runs() -> None:
    lines = readme_plan_lines()
    assert len(lines) == 15, lines
    assert any("PLAN_SECRET_adminPassword=" in line for line in lines)
    assert any("--diff old.json" in line for line in lines)


def test_every_readme_plan_line_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pictures = {p: p.read_bytes() for p in ROOT.glob("**/docs/architecture-*.svg")}
    assert len(pictures) == 3
    monkeypatch.chdir(tmp_path)
    for line in readme_plan_lines():
        argv, env = plan_argv(line, tmp_path)
        with monkeypatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            code = plan.main(argv)
        out, err = capsys.readouterr()
        assert (line, code, err) == (line, 0, ""), out
        assert "Resources:" in out
        assert f"lb-vms-guardrails@v0.0.1 (local: {ROOT / 'policy'})" in out  # the pack the recipe passes
    # Experiments draw into the ignored build/ folder, never over the committed pictures.
    assert {p: p.read_bytes() for p in pictures} == pictures


def test_a_plan_with_overrides_never_redraws_a_committed_picture(tmp_path: Path) -> None:
    committed = ROOT / "docs" / "architecture-dev.svg"
    before = committed.read_bytes()
    assert plan.main(["--quiet", *THROWAWAY, "--set", "vmCount=3", "--svg", str(committed)]) == 0
    assert committed.read_bytes() == before
    assert "web-vm-3</text>" in (ROOT / "build" / "architecture-dev.svg").read_text()


def test_the_plans_own_exit_code_is_that_of_running_it_directly(tmp_path: Path) -> None:
    """README: make exits 2 for any failure; `python -m offline.plan` returns the plan's code."""
    old = tmp_path / "old.json"
    assert plan.main(["--quiet", *THROWAWAY, "--json", str(old)]) == 0
    # A subnet prefix change under running VMs: Azure refuses it (exit 4).
    command = [sys.executable, "-m", "offline.plan", "--quiet", *THROWAWAY, "--set", "subnetPrefix=10.0.1.0/25"]
    command += ["--diff", str(old)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(plan.SECRET_ENV_PREFIX)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == changes.UNSAFE_EXIT == 4


@pytest.mark.parametrize(
    ("rules", "url"),
    [
        ([{"frontendPort": 443, "backendPort": 80}], "http://{ip}:443/"),
        ([{"frontendPort": 443, "backendPort": 443}], "https://{ip}/"),
        ([{"frontendPort": 8080, "backendPort": 80}], "http://{ip}:8080/"),
    ],
)
def test_url_scheme_follows_what_the_vms_serve(rules: list[dict[str, int]], url: str) -> None:
    overrides: dict[str, object] = {"lbRules": rules}
    if rules[0]["backendPort"] != 80:
        overrides |= {"workload": "none", "probe": {"protocol": "Tcp", "port": rules[0]["backendPort"]}}
    run = run_stack("dev", overrides=overrides)
    assert run.error is None, run.error
    assert run.outputs["url"] == url.format(ip=run.outputs["publicIp"])


def set_path(config: dict[str, object], path: str, value: str) -> None:
    """`pulumi config set --path` on a stack's config: a missing first level is created,
    a list grows by one index at a time (pulumi/pulumi sdk/go/common/resource/config/object.go)."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
    node: Any = config  # a dict or list, walked by the path
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        fresh: object = value if last else ([] if isinstance(parts[n + 1], int) else {})
        if isinstance(node, list) and isinstance(part, int):
            if part > len(node):
                raise IndexError(f"{parts[: n + 1]}: array index out of range")
            if part == len(node):
                node.append(fresh)
            elif last:
                node[part] = value
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str):
            if last or part not in node:
                node[part] = fresh
            node = node[part]
        else:
            raise TypeError(f"{parts[: n + 1]}: expected a {'map' if isinstance(part, str) else 'array'}")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_readme_config_set_path_lines_work_on_the_shipped_stack_files(stack: str) -> None:
    import yaml

    lines = re.findall(r"^pulumi config set --path '?([^' ]+)'? (\S+)", README, flags=re.MULTILINE)
    assert len(lines) >= 8
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    values = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("lb-vms:")}
    for path, value in lines:
        set_path(values, path, value)  # raises as the CLI refuses
    assert [r["frontendPort"] for r in values["lbRules"]] == ["80", "8080"]  # type: ignore[index]
