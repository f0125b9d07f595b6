"""The Makefile's own logic: `make test` fails when either pyright or pytest fails (they run
side by side), the first install says what it is doing and fails when pip does, and `make
plan` and `make pictures` draw where they should. Runs make with a stand-in Python in a
throwaway virtualenv folder, so nothing is installed; the plans run on the real one."""

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
    # The stamp make looks for: the dev lockfile's cksum, so the install step is skipped.
    data = (ROOT / "requirements-dev.lock").read_bytes()
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


#: Stands in for the system python of a first install: `-m venv DIR` makes a venv whose python
#: is VENV_PYTHON.
FAKE_SYSTEM_PYTHON = """#!/bin/sh
test "$1 $2" = "-m venv" || exit 9
mkdir -p "$3/bin" && cp "$(dirname "$0")/venv-python" "$3/bin/python"
"""

#: The new venv's python: pip prints its progress unless --quiet; installing
#: requirements-dev.lock (hashes required) exits with $FAIL_pip.
VENV_PYTHON = """#!/bin/sh
case "$*" in *--quiet*) exit 0 ;; esac
echo "Collecting pulumi==3.200.0"
echo "  Downloading pulumi-3.200.0-py3-none-any.whl (300 kB)"
echo "Installing collected packages: pulumi"
case "$*" in *"--require-hashes -r requirements-dev.lock"*) exit ${FAIL_pip:-0} ;; esac
"""


@pytest.mark.parametrize("fail", [False, True], ids=["pip succeeds", "pip fails"])
def test_first_install_shows_its_steps_and_each_package(tmp_path: Path, fail: bool) -> None:
    for name, text in (("python3", FAKE_SYSTEM_PYTHON), ("venv-python", VENV_PYTHON)):
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    venv = tmp_path / "new"
    out = subprocess.run(
        ["make", "--no-print-directory", "install", f"VENV={venv}", f"PYTHON={tmp_path / 'python3'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "FAIL_pip": "1" if fail else "0"},
    )
    steps = [
        f"==> [1/3] Creating {venv} (first run, or the lockfile changed)",
        "==> [2/3] Upgrading pip",
        "==> [3/3] Installing requirements-dev.lock (Pulumi SDKs, pytest, ruff, pyright; hashes checked): about a "
        "minute",
        # pip's progress, filtered (the pip upgrade is quiet).
        "    collecting pulumi==3.200.0",
        "    downloading pulumi-3.200.0-py3-none-any.whl (300kB)",
        "    Installing collected packages: pulumi",
    ]
    stamps = list(venv.glob(".installed-*"))
    if fail:
        # pip's exit code survives the filter: make fails, and no stamp skips the next install.
        assert (out.returncode, out.stdout.splitlines(), stamps) == (2, steps, []), out.stderr
    else:
        assert (out.returncode, out.stdout.splitlines()) == (0, [*steps, f"==> {venv} is ready"]), out.stderr
        assert len(stamps) == 1


def test_make_plan_draws_into_the_projects_build_folder_which_git_ignores(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{ROOT / ".venv" / "bin" / "python"}" "$@"\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text() + f"main: {ROOT}\n")
    (project / "Pulumi.dev.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text())
    out = subprocess.run(
        ["make", "--no-print-directory", "plan", f"VENV={venv}", f"DIR={project}", "ARGS=--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert (out.returncode, out.stderr) == (0, ""), out.stdout
    assert [p.relative_to(project) for p in project.rglob("*.svg")] == [Path("build/architecture-dev.svg")]
    # The repository's .gitignore, as git reads it: what `make plan` draws is ignored, the
    # committed pictures (`make pictures`) are not.
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text((ROOT / ".gitignore").read_text())
    drawn = ["build/architecture-dev.svg", "examples/n-tier/build/architecture-dev.svg"]
    committed = ["docs/architecture-dev.svg", "examples/n-tier/docs/architecture-dev.svg"]
    check = subprocess.run(
        ["git", "-C", str(repo), "check-ignore", "--no-index", *drawn, *committed], capture_output=True, text=True
    )
    assert (check.returncode, check.stdout.split()) == (0, drawn), check.stderr


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
        ["make", "--no-print-directory", "pictures", f"VENV={venv}", f"PICTURES={project}:dev", "DASHBOARDS="],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert (out.returncode, out.stderr) == (0, ""), out.stdout
    assert out.stdout == f"Wrote {project}/docs/architecture-dev.svg\n"
    drawn = (project / "docs" / "architecture-dev.svg").read_text()
    assert drawn == (ROOT / "docs" / "architecture-dev.svg").read_text()
