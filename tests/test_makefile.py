"""The Makefile's own logic: `make test` fails when either pyright or pytest fails (they run
side by side), and the first install says what it is doing. Runs make with a stand-in
Python in a throwaway virtualenv folder, so nothing is installed or tested for real."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

FAKE_PYTHON = """#!/bin/sh
# Stands in for the venv's python: `-m <tool>` exits with the code in $FAIL_<tool>.
echo "ran $2"
case "$2" in
  pyright) exit ${FAIL_pyright:-0} ;;
  pytest) exit ${FAIL_pytest:-0} ;;
  *) exit 0 ;;
esac
"""


def _fake_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    # The stamp make looks for: the requirements' cksum, so the install step is skipped.
    data = (ROOT / "requirements.txt").read_bytes() + (ROOT / "requirements-dev.txt").read_bytes()
    cksum = subprocess.run(["cksum"], input=data, capture_output=True, check=True).stdout.split()[0].decode()
    (venv / f".installed-{cksum}").touch()
    return venv


@pytest.mark.parametrize(
    ("fail", "code"),
    [({}, 0), ({"FAIL_pyright": "1"}, 2), ({"FAIL_pytest": "1"}, 2), ({"FAIL_pyright": "1", "FAIL_pytest": "1"}, 2)],
)
def test_make_test_fails_when_pyright_or_pytest_fails(tmp_path: Path, fail: dict[str, str], code: int) -> None:
    venv = _fake_venv(tmp_path)
    out = subprocess.run(
        ["make", "--no-print-directory", "test", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **fail},
    )
    assert out.returncode == code, out.stdout + out.stderr
    # Every tool ran, pyright beside pytest, and pyright's report is shown.
    for tool in ("ruff", "pyright", "pytest"):
        assert f"ran {tool}" in out.stdout


def test_first_install_shows_its_steps(tmp_path: Path) -> None:
    out = subprocess.run(
        ["make", "--no-print-directory", "-n", "install", f"VENV={tmp_path / 'new'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    steps = [line for line in out.stdout.splitlines() if line.startswith('echo "==>')]
    assert [s.split("]")[0] for s in steps[:3]] == ['echo "==> [1/3', 'echo "==> [2/3', 'echo "==> [3/3']
    # pip shows each package (not --quiet), and its exit code survives the filter.
    install = next(line for line in out.stdout.splitlines() if "-r requirements-dev.txt" in line)
    assert "--quiet" not in install
    assert install.startswith("set -o pipefail;")


def test_make_pictures_draws_a_stack_without_an_ssh_key_as_committed(tmp_path: Path) -> None:
    """The dev stack sets no SSH key: `make pictures` still draws its committed picture (the
    recipe lets the plan stand in a throw-away key), here for a copy of the project."""
    venv = _fake_venv(tmp_path)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{ROOT / ".venv" / "bin" / "python"}" "$@"\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text() + f"main: {ROOT}\n")
    (project / "Pulumi.dev.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text())
    out = subprocess.run(
        ["make", "--no-print-directory", "pictures", f"VENV={venv}", f"PICTURES={project}:dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert (out.returncode, out.stderr) == (0, ""), out.stdout
    assert out.stdout == f"Wrote {project}/docs/architecture-dev.svg\n"
    drawn = (project / "docs" / "architecture-dev.svg").read_text()
    assert drawn == (ROOT / "docs" / "architecture-dev.svg").read_text()
