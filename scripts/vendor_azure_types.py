"""Regenerate offline/azure_types/*.json from Azure/bicep-types-az.

    python scripts/vendor_azure_types.py PATH

PATH is a bicep-types-az checkout, or a bare clone (read with `git show`):
    git clone --depth 1 --filter=blob:none https://github.com/Azure/bicep-types-az
For each Pulumi type in offline.azure_types.ARM_TYPES it takes the API version the installed
pulumi-azure-native uses, finds `generated/<folder>/<namespace>/<version>/types.json` holding
that resource type, keeps only the types its body reaches (descriptions dropped, references
renumbered) and writes one file per namespace and version. The file records its source.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from offline.azure_types import ARM_TYPES, HERE, api_version, data_file  # noqa: E402


class Source:
    """Files of a checkout, or of a bare git repository at HEAD."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bare = not (path / "generated").is_dir()
        if self.bare:
            listing = subprocess.run(
                ["git", "--git-dir", str(path), "ls-tree", "-r", "--name-only", "HEAD", "generated"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            self.files = [f for f in listing.splitlines() if f.endswith("/types.json")]
            self.commit = subprocess.run(
                ["git", "--git-dir", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
            ).stdout.strip()
        else:
            self.files = [str(p.relative_to(path)) for p in (path / "generated").rglob("types.json")]
            self.commit = "checkout"

    def read(self, name: str) -> str:
        if self.bare:
            return subprocess.run(
                ["git", "--git-dir", str(self.path), "show", f"HEAD:{name}"], capture_output=True, text=True, check=True
            ).stdout
        return (self.path / name).read_text(encoding="utf-8")


def trim(types: list[dict[str, Any]], roots: dict[str, int]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The types reachable from `roots`, renumbered, without descriptions."""
    order: list[int] = []
    seen: dict[int, int] = {}

    def visit(index: int) -> None:
        if index in seen:
            return
        seen[index] = len(order)
        order.append(index)
        for ref in refs(types[index]):
            visit(ref)

    def refs(node: Any) -> list[int]:
        found: list[int] = []
        if isinstance(node, dict):
            if set(node) == {"$ref"}:
                return [int(str(node["$ref"]).rsplit("/", 1)[-1])]
            for value in node.values():
                found += refs(value)
        elif isinstance(node, list):
            for value in node:
                found += refs(value)
        return found

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$ref"}:
                return {"$ref": f"#/{seen[int(str(node['$ref']).rsplit('/', 1)[-1])]}"}
            return {k: rewrite(v) for k, v in node.items() if k != "description"}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    for index in roots.values():
        visit(index)
    return [rewrite(types[i]) for i in order], {name: seen[i] for name, i in roots.items()}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    source = Source(Path(argv[0]))
    wanted: dict[tuple[str, str], set[str]] = {}
    for token, (arm_type, _) in ARM_TYPES.items():
        version = api_version(token)
        if version is None:
            print(f"skip {token}: no API version in the installed SDK", file=sys.stderr)
            continue
        wanted.setdefault((arm_type.split("/")[0].lower(), version), set()).add(arm_type)
    for old in HERE.glob("*.json"):
        old.unlink()
    for (namespace, version), arm_types in sorted(wanted.items()):
        candidates = [f for f in source.files if f.lower().endswith(f"/{namespace}/{version}/types.json")]
        roots: dict[str, int] = {}
        types: list[dict[str, Any]] = []
        origin = ""
        for name in candidates:
            types = json.loads(source.read(name))
            roots = {
                t["name"].split("@")[0].lower(): i
                for i, t in enumerate(types)
                if t.get("$type") == "ResourceType"
                and t["name"].split("@")[0].lower() in {a.lower() for a in arm_types}
            }
            if len(roots) == len(arm_types):
                origin = name
                break
        if not origin:
            print(f"error: {namespace}@{version}: {sorted(arm_types)} not found in {candidates}", file=sys.stderr)
            return 1
        bodies = {name: int(types[i]["body"]["$ref"].rsplit("/", 1)[-1]) for name, i in roots.items()}
        trimmed, renumbered = trim(types, bodies)
        out = data_file(next(iter(arm_types)), version)
        payload = {
            "source": f"https://github.com/Azure/bicep-types-az/blob/{source.commit}/{origin}",
            "resources": {name: {"$ref": f"#/{i}"} for name, i in sorted(renumbered.items())},
            "types": trimmed,
        }
        out.write_text(json.dumps(payload, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}: {len(trimmed)} types from {origin}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
