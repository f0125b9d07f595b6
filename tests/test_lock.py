"""The lockfiles (`make lock`): every range of requirements*.txt resolved to one exact version
with its files' hashes, the runtime lock agreeing with the dev lock, and this environment
installed from them (`make install` uses `--require-hashes`)."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ \\]+)")


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of a pip-compile lockfile."""
    found: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / lock).read_text().splitlines():
        if m := PIN.match(line):
            current = canonicalize_name(m[1])
            found[current] = (m[2], 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
        elif line and not line.startswith(" "):
            current = None
    return found


def ranges(requirements: str) -> list[Requirement]:
    """The requirements of a requirements file, following `-r`."""
    out: list[Requirement] = []
    for raw in (ROOT / requirements).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            out += ranges(line[3:].strip())
        elif line:
            out.append(Requirement(line))
    return out


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_each_range_is_pinned_within_it_with_hashes(requirements: str, lock: str) -> None:
    locked = pins(lock)
    for req in ranges(requirements):
        name = canonicalize_name(req.name)
        assert name in locked, f"{req} is not in {lock}: run make lock"
        version, _ = locked[name]
        assert req.specifier.contains(version, prereleases=True), f"{lock} pins {name}=={version}, outside {req}"
    # --require-hashes refuses a package without one.
    assert [name for name, (_, hashes) in locked.items() if hashes == 0] == []


def test_the_runtime_lock_pins_what_the_tests_ran() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {n: v for n, (v, _) in runtime.items()} == {n: dev[n][0] for n in runtime}


def test_this_environment_was_installed_from_the_lock() -> None:
    wrong = {}
    for name, (version, _) in pins("requirements-dev.lock").items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (installed, version)
    assert wrong == {}, "installed vs locked; run make install"
