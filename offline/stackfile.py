"""Stack config as the Pulumi CLI would hand it to the program, read from the files.

Merges the project's `config:` block (defaults and plain values) in `Pulumi.yaml` with
`Pulumi.<stack>.yaml`, then `--set` style overrides. Values become what the CLI passes:
strings for scalars (`true`/`false` for booleans), JSON for lists and objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class StackConfig:
    project: str
    stack: str
    #: Full keys (`<namespace>:<key>`) to CLI-shaped string values.
    values: dict[str, str]
    #: Full keys whose value is a secret.
    secret_keys: set[str] = field(default_factory=set)
    #: Full keys whose value is encrypted (`secure:`) and was not supplied another way.
    encrypted: set[str] = field(default_factory=set)


def to_cli_string(value: Any) -> str:
    """How the CLI passes a YAML value to a program."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def load(
    project_dir: str | Path,
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
) -> StackConfig:
    """Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` under `project_dir`.

    `overrides` are plain values (like `pulumi config set`); `secret_overrides` are secret
    values (like `pulumi config set --secret`). Keys may omit the project namespace.
    """
    project_dir = Path(project_dir)
    project_file = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    project = project_file["name"]
    values: dict[str, str] = {}
    secret: set[str] = set()
    encrypted: set[str] = set()

    for key, decl in (project_file.get("config") or {}).items():
        fk = full_key(project, key)
        if isinstance(decl, dict) and ("type" in decl or "default" in decl or "description" in decl):
            if "default" in decl:
                values[fk] = to_cli_string(decl["default"])
        elif isinstance(decl, dict) and "value" in decl:
            values[fk] = to_cli_string(decl["value"])
        else:
            values[fk] = to_cli_string(decl)

    stack_path = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_path.exists():
        raise FileNotFoundError(f"no stack file {stack_path.name} in {project_dir}")
    stack_file = yaml.safe_load(stack_path.read_text()) or {}
    for key, value in (stack_file.get("config") or {}).items():
        fk = full_key(project, key)
        if isinstance(value, dict) and set(value) == {"secure"}:
            encrypted.add(fk)
            secret.add(fk)
            values.pop(fk, None)
            continue
        values[fk] = to_cli_string(value)

    for key, value in (overrides or {}).items():
        fk = full_key(project, key)
        values[fk] = to_cli_string(value)
        encrypted.discard(fk)
        secret.discard(fk)
    for key, value in (secret_overrides or {}).items():
        fk = full_key(project, key)
        values[fk] = value
        encrypted.discard(fk)
        secret.add(fk)
    return StackConfig(project=project, stack=stack, values=values, secret_keys=secret, encrypted=encrypted)
