"""`make schema`: write everything that is derived from the one declaration of the inputs
(`MultiVmLoadBalancedArgs` in components/settings.py), offline.

- `Pulumi.yaml`'s `config:` block (the project's keys, their types and defaults);
- the README's config table;
- `provider/schema.json`, the package schema Pulumi's analyzer infers from `provider/`.

`python -m provider.generate --check` writes nothing and exits 1 when a file is stale
(tests/test_declaration.py and tests/test_schema.py run the same comparisons).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import typing
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from components.reader import INPUTS
from components.settings import PLACEMENT_KEYS, Declared, declared

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "provider" / "schema.json"
README_TABLE_HEAD = "| key | default | allowed |\n| --- | --- | --- |\n"
CONFIG_HEAD = """# Every project key, generated from the one declaration (MultiVmLoadBalancedArgs in
# components/settings.py) by `make schema`; tests/test_declaration.py fails when it is stale.
# Object keys and lbRules (an array of objects) are declared with `type: object`, which
# needs Pulumi CLI v3.187.0 or later. The CLI treats a declared key without a default as
# required, and passes a declared default to the program as if the stack had set it; so a
# key without a default, or one that only some placements read (the program reports it when
# a stack sets it for another placement), is documented in a comment instead. The program
# validates every key (and rejects unknown ones) before it creates anything.
"""


def plain(value: Any) -> Any:
    """A default as stack config writes it: camelCase objects, lists for tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: plain(getattr(value, d.field.name)) for k, d in declared(type(value)).items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def flow(value: Any) -> str:
    """A value in the README's YAML flow style (`{protocol: Http, port: 80}`)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return json.dumps(value)
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return str(value)


def default_text(d: Declared) -> str:
    """The README's default cell: the declared text for a computed default, else the value."""
    if d.setting.default_doc is not None:
        return d.setting.default_doc
    if d.required:
        return "required"
    value = plain(d.default())
    return "none" if value is None else f"`{flow(value)}`"


def config_type(d: Declared) -> dict[str, Any]:
    """The project-file type of an input (Pulumi.yaml `config:` schema)."""
    tp = d.type
    if tp is str or d.enum is tp:
        return {"type": "string"}
    if tp is int:
        return {"type": "integer"}
    if tp is bool:
        return {"type": "boolean"}
    if typing.get_origin(tp) in (list, tuple):
        item = typing.get_args(tp)[0]
        return {"type": "array", "items": {"type": "object" if dataclasses.is_dataclass(item) else "string"}}
    return {"type": "object"}


def _type_words(d: Declared) -> str:
    t = config_type(d)
    words = f"array of {t['items']['type']}" if t["type"] == "array" else t["type"]
    return words + (", secret" if d.setting.secret else "")


def config_block() -> str:
    """Pulumi.yaml's `config:` block, comments included."""
    decls: dict[str, Any] = {}
    comments: list[str] = []
    for key, d in INPUTS.items():
        value = plain(d.default())
        if value is None or d.field.name in PLACEMENT_KEYS:
            comments.append(f"  # {key} ({_type_words(d)}, default {default_text(d)}): {d.describe()}")
            continue
        decls[key] = {**config_type(d), "default": value, "description": d.describe()}
    body = yaml.safe_dump({"config": decls}, sort_keys=False, default_flow_style=False, width=1000, allow_unicode=True)
    return CONFIG_HEAD + body + "  # Keys without a default in this file (see above):\n" + "\n".join(comments) + "\n"


def pulumi_yaml(current: str) -> str:
    """Pulumi.yaml with its config block (everything from its comment header on) replaced."""
    start = current.find(CONFIG_HEAD.splitlines()[0])
    if start < 0:
        start = current.index("\nconfig:") + 1
        # Drop the comment lines just above the old block.
        lines = current[:start].splitlines(keepends=True)
        while lines and lines[-1].startswith("#"):
            lines.pop()
        start = len("".join(lines))
    return current[:start] + config_block()


def readme_table() -> str:
    rows = [f"| `{key}` | {default_text(d)} | {d.describe()} |\n" for key, d in INPUTS.items()]
    return README_TABLE_HEAD + "".join(rows)


def readme(current: str) -> str:
    """README.md with its config table replaced."""
    start = current.index(README_TABLE_HEAD)
    end = current.index("\n\n", start) + 1
    return current[:start] + readme_table() + current[end:]


def schema_text() -> str:
    """provider/schema.json: the schema Pulumi's analyzer infers, as the plugin serves it."""
    # In a fresh interpreter: the analyzer must see provider/args.py as it is on disk now.
    code = (
        "import json; from provider.lbvms_provider import package_schema as s; "
        "print(json.dumps(s(), indent=2, sort_keys=True))"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout


def outputs() -> dict[Path, Callable[[], str]]:
    """Every generated file and how to produce its expected content, in writing order: the
    schema comes last because the analyzer reads provider/args.py as written just before."""
    project = ROOT / "Pulumi.yaml"
    doc = ROOT / "README.md"
    return {
        ARGS_MODULE: args_module,
        project: lambda: pulumi_yaml(project.read_text()),
        doc: lambda: readme(doc.read_text()),
        SCHEMA: schema_text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, produce in outputs().items():
        text = produce()
        if not path.exists() or path.read_text() != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(text)
    verb = "stale" if args.check else "written"
    for path in stale:
        print(f"{path}: {verb}")
    return 1 if args.check and stale else 0


# --------------------------------------------------------------------------- provider/args.py

ARGS_MODULE = ROOT / "provider" / "args.py"
_ARGS_HEAD = '''"""The component's arguments as Pulumi's schema analyzer reads them: `TypedDict`s with a
description after each field and `enum.Enum`s for closed sets of values.

GENERATED by `make schema` from the one declaration (`MultiVmLoadBalancedArgs` in
components/settings.py); do not edit. tests/test_schema.py fails when it is stale.

What the analyzer of pulumi 3.272 accepts shaped this file (verified in
pulumi/provider/experimental/analyzer.py): no `from __future__ import annotations` (it reads
`inspect.get_annotations` without evaluating strings); no unions other than `X | None`, no
`tuple[...]`, no `Literal`; dataclass fields would all be required, so `TypedDict(total=False)`
with `Required[...]` for the one field a value cannot do without; descriptions are the string
literal after a field (`#:` comments are not read). Defaults are stated in the descriptions:
the schema has no place the analyzer fills for them.
"""

from typing import Required, TypedDict

import pulumi

from components.settings import {enums}
'''


def _py_type(d: Declared, names: dict[type, str]) -> str:
    tp = d.type
    if typing.get_origin(tp) in (list, tuple):
        item = typing.get_args(tp)[0]
        inner = names.get(item) or item.__name__
        text = f"list[{inner}]"
    elif typing.get_origin(tp) is dict:
        text = "dict[str, str]"
    elif tp in names:
        text = names[tp]
    else:
        text = tp.__name__
    if d.accepts_output:
        text = f"pulumi.Input[{text}]"
    return f"Required[{text}]" if d.required else text


def description(d: Declared) -> str:
    """A field's schema description: its constraints and doc, and its default."""
    doc = d.describe().rstrip(".")
    return f"{doc}. Default: {default_text(d)}."


def args_module() -> str:
    from components.settings import MultiVmLoadBalancedArgs

    # Every object type an input holds (a field's, or a list's items), in declaration order.
    nested: list[type] = []
    for d in declared(MultiVmLoadBalancedArgs).values():
        if dataclasses.is_dataclass(d.item) and d.item not in nested:
            nested.append(typing.cast(type, d.item))
    names: dict[type, str] = {cls: cls.__name__ for cls in nested}
    enums = sorted(
        {d.enum.__name__ for cls in [*nested, MultiVmLoadBalancedArgs] for d in declared(cls).values() if d.enum}
    )
    out = [_ARGS_HEAD.replace("{enums}", ", ".join(enums))]
    for cls, name in [*((c, names[c]) for c in nested), (MultiVmLoadBalancedArgs, "MultiVmLoadBalancedArgs")]:
        doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
        out.append(f"\n\nclass {name}(TypedDict, total=False):\n    {json.dumps(doc)}\n")
        for d in declared(cls).values():
            out.append(f"\n    {d.field.name}: {_py_type(d, names)}\n    {json.dumps(description(d))}\n")
    # Formatted as `make lint` wants it, so the generated file passes `ruff format --check`.
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(ARGS_MODULE), "-"],
        input="".join(out),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return formatted.stdout


if __name__ == "__main__":
    sys.exit(main())
