"""The version a release says it is: one `components.__version__`, which the changelog's newest
entry, the wheel (tests/test_reuse.py) and the package schema carry; the license Apache-2.0."""

from __future__ import annotations

import json
import re
from pathlib import Path

import components

ROOT = Path(__file__).resolve().parent.parent


def test_the_changelogs_newest_release_is_the_packages_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## (\d+\.\d+\.\d+) - (\d{4}-\d{2}-\d{2})$", text, re.MULTILINE)
    assert releases, "no release heading `## X.Y.Z - YYYY-MM-DD`"
    assert releases[0][0] == components.__version__
    # Newest first, each version once, and Keep a Changelog's sections only.
    versions = [tuple(int(n) for n in v.split(".")) for v, _ in releases]
    assert versions == sorted(set(versions), reverse=True)
    assert set(re.findall(r"^### (.+)$", text, re.MULTILINE)) <= {
        "Added",
        "Changed",
        "Deprecated",
        "Removed",
        "Fixed",
        "Security",
    }


def test_the_package_schema_carries_the_version() -> None:
    assert json.loads((ROOT / "provider" / "schema.json").read_text())["version"] == components.__version__


def test_the_license_is_apache_2() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.splitlines()[0].strip() == "Apache License"
    assert "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text().splitlines()
