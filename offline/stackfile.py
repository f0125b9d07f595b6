"""Stack config as the Pulumi CLI hands it to the program, read from the files.

The offline plan stands in for `pulumi preview`, so it reads `Pulumi.yaml` and
`Pulumi.<stack>.yaml` the way the CLI does (pulumi/pulumi, sdk/go/common/workspace and
sdk/go/common/resource/config, read at commit 1b5949891b):

- YAML is parsed as Go's gopkg.in/yaml.v3 parses it (`encoding/marshal.go` uses yaml.v3):
  only `true`/`True`/`TRUE` and the `false` forms are booleans (`yes`, `no`, `on`, `off`
  are strings), `0o17`/`0x1F`/`0b101` are integers, a key written twice is an error naming
  both lines (yaml.v3 `resolve.go` resolveMapList, `decode.go` `mapping()`). PyYAML's
  `safe_load` follows YAML 1.1 instead, hence `CliLoader` below.
- A key without a value is an empty string, with the CLI's warning (`loaders.go`
  `checkForEmptyConfig`; yaml.v3 `prepare()` never calls `config.Value.UnmarshalYAML` for
  a null node, so the value stays the zero `Value{}`).
- The project's `config:` block gives defaults; a project key declared without a default
  is required; declared types are checked, in key order, before the program runs
  (`workspace/config.go` `mergeConfig`/`validateStackConfigValue`, `project.go`
  `ValidateConfigValue`/`InferFullTypeName`/`Project.Validate`). Object types are accepted
  since CLI v3.187.0 (pulumi/pulumi#20132, "Support parsing object types in Pulumi.yaml").
- Values become what the program receives: strings for scalars (`true`/`false`, `3`),
  compact JSON for lists and objects (`config.object.MarshalString`).

Not mirrored: an unquoted date (`2024-01-01`) becomes Go's `time.Time.String()` text in the
CLI; here it stays as written. Nothing in this project's config is a date.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

#: The types `Pulumi.yaml` may declare (project.json `simpleConfigType`).
CONFIG_TYPES = ("string", "integer", "boolean", "array", "object")


class StackFileError(Exception):
    """A project or stack file the CLI would refuse; the message names the file (and the
    line where there is one). The offline plan exits 2 on it."""


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
    #: Warnings the CLI prints before the preview (for example, keys without a value).
    warnings: list[str] = field(default_factory=list)
    #: Stand-in values offered for keys nothing sets (full key -> value): the offline plan's
    #: throw-away values, used only where the program cannot run without them.
    throwaway: dict[str, str] = field(default_factory=dict)
    #: Full keys whose value in `values` is such a stand-in.
    filled: set[str] = field(default_factory=set)


# ------------------------------------------------------------------ YAML as yaml.v3 reads it

_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_MERGE = "tag:yaml.org,2002:merge"
# yaml.v3 resolve.go: the plain scalars it looks up in a table, nothing else is a bool or null.
_TABLE: dict[str, tuple[str, Any]] = {
    **dict.fromkeys(("true", "True", "TRUE"), (_BOOL, True)),
    **dict.fromkeys(("false", "False", "FALSE"), (_BOOL, False)),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), (_NULL, None)),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), (_FLOAT, math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), (_FLOAT, math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), (_FLOAT, -math.inf)),
}
# Go's strconv.ParseInt(s, 0, 64) after yaml.v3 drops underscores: 0x, 0o, 0b and a
# leading 0 (octal) prefixes, an optional sign.
_GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_BASES = {"x": 16, "o": 8, "b": 2}
# yaml.v3 resolve.go yamlStyleFloat.
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


def _go_int(text: str) -> int | None:
    match = _GO_INT.fullmatch(text)
    if not match:
        return None
    sign, digits = match.groups()
    if len(digits) > 1 and digits[0] == "0":
        base = _GO_BASES.get(digits[1].lower(), 8)
        body = digits[2:] if digits[1].lower() in _GO_BASES else digits[1:]
        value = int(body, base)
    else:
        value = int(digits)
    value = -value if sign == "-" else value
    # int64, or uint64 for large positive values (yaml.v3 tries ParseUint next).
    return value if -(2**63) <= value < 2**64 else None


def resolve_plain(text: str) -> tuple[str, Any]:
    """The tag and value yaml.v3 gives an unquoted scalar (resolve.go `resolve`)."""
    if text in _TABLE:
        return _TABLE[text]
    if text[:1] == ".":
        try:
            return _FLOAT, float(text)
        except ValueError:
            return _STR, text
    if text[:1] in "+-0123456789":
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None:
            return _INT, number
        if _YAML_FLOAT.fullmatch(plain):
            return _FLOAT, float(plain)
    return _STR, text


class CliLoader(yaml.SafeLoader):
    """PyYAML's safe loader with yaml.v3's scalar rules and duplicate-key error."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0]:
            return _MERGE if value == "<<" else resolve_plain(value)[0]
        return super().resolve(kind, value, implicit)

    def construct_go_scalar(self, node: ScalarNode) -> Any:
        return resolve_plain(self.construct_scalar(node))[1]

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        # yaml.v3 decode.go mapping(): keys of the same kind and text are an error.
        seen: dict[tuple[type, Any], int] = {}
        problems: list[str] = []
        for key_node, _ in node.value:
            if isinstance(key_node.value, str):
                line, key = key_node.start_mark.line + 1, (type(key_node), key_node.value)
                if key not in seen:
                    seen[key] = line
                else:
                    first = seen[key]
                    problems.append(
                        f"line {line}: mapping key {json.dumps(key_node.value)} already defined at line {first}"
                    )
        if problems:
            raise StackFileError("yaml: unmarshal errors:\n  " + "\n  ".join(problems))
        return super().construct_mapping(node, deep=deep)


CliLoader.add_constructor(_INT, CliLoader.construct_go_scalar)
CliLoader.add_constructor(_FLOAT, CliLoader.construct_go_scalar)


def parse_yaml(text: str) -> Any:
    """`text` as the CLI parses it (raises `StackFileError` or `yaml.YAMLError`).
    Each caller gets its own copy, so editing the result cannot change a later parse."""
    return copy.deepcopy(_parse_once(text))


@functools.lru_cache(maxsize=64)
def _parse_once(text: str) -> Any:
    # PyYAML's pure-Python parser takes ~20 ms for Pulumi.yaml, and the tests load the same
    # few files hundreds of times; parsing is free of side effects (warnings are worked out
    # from the result), so a text parses once. Errors are raised again, never cached.
    return yaml.load(text, Loader=CliLoader)  # CliLoader derives from SafeLoader: no object tags


def read_yaml(path: Path) -> Any:
    """The YAML file at `path`, or a `StackFileError` naming it (and the line)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise StackFileError(f"could not read '{path}': {err.strerror}") from None
    try:
        text = data.decode("utf-8-sig")  # the CLI strips a UTF-8 BOM (loaders.go readFileStripUTF8BOM)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise StackFileError(
            f"{path} line {line}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})"
        ) from None
    try:
        return parse_yaml(text)
    except StackFileError as err:
        raise StackFileError(f"{path}: {err}") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}: " if mark else ""
        problem = " ".join(p for p in (err.context, err.problem) if p)
        raise StackFileError(f"{path}: invalid YAML file: yaml: {where}{problem}") from None
    except yaml.YAMLError as err:
        raise StackFileError(f"{path}: invalid YAML file: {err}") from None


# ------------------------------------------------------------------ values as the program gets them


def _go_json_ready(value: Any) -> Any:
    """Go's encoding/json writes a whole float64 without a fraction (3.0 -> 3)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _go_json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_json_ready(v) for v in value]
    return value


def to_cli_string(value: Any) -> str:
    """How the CLI passes a YAML value to a program: scalars as text, lists and objects as
    compact JSON with sorted keys (config/object.go MarshalString uses encoding/json)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(_go_json_ready(value), separators=(",", ":"), sort_keys=True)
    if isinstance(value, float):
        return json.dumps(_go_json_ready(value))
    return str(value)


def full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def type_name(decl: Mapping[str, Any]) -> str:
    """project.go InferFullTypeName: `array<string>`, `array<array<integer>>`, `object`."""
    items = decl.get("items")
    if isinstance(items, Mapping):
        return f"array<{type_name(items)}>"
    return str(decl.get("type"))


def matches_type(decl: Mapping[str, Any], value: Any) -> bool:
    """project.go ValidateConfigValue: a stack's scalar arrives as text, so an integer may be
    any text Go's strconv.Atoi reads and a boolean exactly `true` or `false`."""
    kind = decl.get("type")
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value) is not None
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind == "object":
        return isinstance(value, dict)
    items = decl.get("items")
    if not isinstance(value, list) or not isinstance(items, Mapping):
        return False
    return all(matches_type(items, item) for item in value)


def _content(value: Any) -> Any:
    """What the CLI validates: the text of a scalar, the structure of a list or object."""
    return value if isinstance(value, (list, dict)) else to_cli_string(value)


# ------------------------------------------------------------------ `pulumi config set --path`


def is_path_key(key: str) -> bool:
    """Whether a `--set`/`--secret` key is a path (`monitoring.enabled`, `names[0]`,
    `["a.b"]`): its name part (after any `namespace:`) has a `.` or a `[`."""
    return any(c in _key_name(key) for c in ".[")


def _key_name(key: str) -> str:
    return key if key.startswith("[") else key.split(":", 1)[-1]


def parse_key_path(key: str) -> tuple[str, list[str | int]]:
    """`ns:a.b[0]` -> (`ns:a`, [`b`, 0]): the config key and the path inside its value, as
    `pulumi config set --path` reads it (sdk/go/common/resource/config/map.go parseKeyPath,
    resource.ParsePropertyPath: `.name`, `[n]` and `["quoted.name"]` segments; the first
    must be a name). Raises `StackFileError`."""
    namespace = "" if key.startswith("[") or ":" not in key else key.split(":", 1)[0] + ":"
    name = key[len(namespace) :]
    segments: list[str | int] = []
    i = 0
    while i < len(name):
        if name[i] == "[":
            if name.startswith('["', i):
                end = name.find('"]', i + 2)
                if end < 0:
                    raise StackFileError(f"invalid config key path {key!r}: missing closing quote and bracket")
                segments.append(name[i + 2 : end])
                i = end + 2
            else:
                end = name.find("]", i)
                index = name[i + 1 : end] if end > 0 else ""
                if not index.isdigit():
                    raise StackFileError(f"invalid config key path {key!r}: expected an array index in [...]")
                segments.append(int(index))
                i = end + 1
            if name.startswith(".", i) and i + 1 < len(name):
                i += 1
        else:
            end = min([j for j in (name.find(".", i), name.find("[", i)) if j >= 0], default=len(name))
            if end == i or name.endswith("."):
                raise StackFileError(f"invalid config key path {key!r}: an empty segment")
            segments.append(name[i:end])
            i = end + 1 if name.startswith(".", end) else end
    if not segments or not isinstance(segments[0], str) or not segments[0]:
        raise StackFileError(f"invalid config key path {key!r}: the first segment must be a key name")
    return namespace + segments[0], segments[1:]


def path_value(text: str) -> Any:
    """A value set by path, typed as the CLI types it (config/map.go adjustObjectValue):
    `true`/`false` booleans, a decimal integer a number unless it has a leading 0
    (`0123` stays text), anything else text (no YAML)."""
    if text in ("true", "false"):
        return text == "true"
    if len(text) > 1 and text[0] == "0":
        return text
    # Go's strconv.Atoi: an optional sign and decimal digits.
    return int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else text


def set_path(value: Any, path: list[str | int], leaf: Any, key: str) -> Any:
    """`value` with `leaf` set at `path`, objects and lists made where missing, as the CLI's
    config map.go Set does: an index may be at most the list's length (that appends)."""
    if not path:
        return leaf
    segment, rest = path[0], path[1:]
    if isinstance(segment, int):
        items = [] if value is None else value
        if not isinstance(items, list):
            raise StackFileError(f"{key}: the value at [{segment}] is inside {_shape(items)}, not a list")
        if segment > len(items):
            raise StackFileError(f"{key}: array index out of range (the list has {len(items)} item(s))")
        if segment == len(items):
            items.append(set_path(None, rest, leaf, key))
        else:
            items[segment] = set_path(items[segment], rest, leaf, key)
        return items
    mapping = {} if value is None else value
    if not isinstance(mapping, dict):
        raise StackFileError(f"{key}: the value at {segment!r} is inside {_shape(mapping)}, not an object")
    mapping[segment] = set_path(mapping.get(segment), rest, leaf, key)
    return mapping


def _shape(value: Any) -> str:
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "an object"
    return f"the scalar {to_cli_string(value)!r}"


# ------------------------------------------------------------------ the files


def _line_of(path: Path, *keys: str) -> str:
    """` line N` where one of `keys` starts a line of the file (messages about a key name
    the line; the parsed YAML no longer knows it)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    for key in keys:
        for n, line in enumerate(lines, 1):
            if re.match(rf"\s*['\"]?{re.escape(key)}['\"]?\s*:", line):
                return f" line {n}"
    return ""


def _where(project_dir: Path, stack_path: Path, fk: str, key: str) -> str:
    line = _line_of(stack_path, fk, key)
    if line:
        return f"in {stack_path}{line}"
    project_file = project_dir / "Pulumi.yaml"
    return f"is the default in {project_file}{_line_of(project_file, key)}"


def load_project(project_dir: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """The project name and its `config:` declarations, each as a `{type, items, default,
    value, secret}` mapping (short forms rewritten as project.go RewriteShorthandConfigValues
    does). Raises `StackFileError` with the CLI's wording for what `Project.Validate` refuses."""
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():
        raise StackFileError(f"no Pulumi.yaml project file in {project_dir}")
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        kind = "a list" if isinstance(raw, list) else "empty" if raw is None else f"a {type(raw).__name__}"
        raise StackFileError(f"could not validate '{path}': expected project to be an object, was {kind}")
    name = raw.get("name")
    if "name" not in raw:
        raise StackFileError(f"could not validate '{path}': project is missing a 'name' attribute")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"could not validate '{path}': project is missing a non-empty string 'name' attribute")
    block = raw.get("config")
    if block is None:
        return name, {}
    if isinstance(block, str):
        # The deprecated spelling of stackConfigDir (project.go RewriteConfigPathIntoStackConfigDir).
        raise StackFileError(
            f"{path}{_line_of(path, 'config')}: config: {block!r} is the deprecated stackConfigDir; "
            "the offline plan reads Pulumi.<stack>.yaml beside Pulumi.yaml only"
        )
    if not isinstance(block, dict):
        raise StackFileError(f"{path}{_line_of(path, 'config')}: config: must be a mapping of keys to declarations")
    decls: dict[str, dict[str, Any]] = {}
    for key, decl in block.items():
        namespaced = ":" not in str(key) or str(key).startswith(f"{name}:")
        if not isinstance(decl, dict):
            decl = {"default": decl} if namespaced else {"value": decl}
        decls[str(key)] = decl
        where = f"could not unmarshal '{path}'"
        if "default" in decl and "value" in decl:
            raise StackFileError(f"{where}: project config '{key}' cannot have both a 'default' and 'value' attribute")
        typed = "type" in decl
        if typed and decl["type"] not in CONFIG_TYPES:
            raise StackFileError(
                f"{where}: config.{key}.type: {decl['type']!r} is not one of {', '.join(CONFIG_TYPES)}"
            )
        if not namespaced:
            if typed:
                raise StackFileError(
                    f"{where}: Configuration key '{key}' is not namespaced by the project and should not define a type"
                )
            if "default" in decl:
                raise StackFileError(
                    f"{where}: Configuration key '{key}' is not namespaced by the project and should not define "
                    "a default value. Did you mean to use the 'value' attribute instead of 'default'?"
                )
            if "value" not in decl:
                raise StackFileError(
                    f"{where}: Configuration key '{key}' is namespaced and must provide an attribute 'value'"
                )
            continue
        if typed and decl["type"] == "array" and not isinstance(decl.get("items"), dict):
            raise StackFileError(
                f"{where}: The configuration key '{key}' declares an array but does not specify the underlying "
                "type via the 'items' attribute"
            )
        if typed and decl.get("default") is not None and not matches_type(decl, decl["default"]):
            raise StackFileError(
                f"{where}: The default value specified for configuration key '{key}' is not of the expected "
                f"type '{type_name(decl)}'"
            )
    return name, decls


def load(
    project_dir: str | Path,
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
    throwaway: Mapping[str, str] | None = None,
) -> StackConfig:
    """Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` under `project_dir`, as `pulumi preview`.

    `overrides` are plain values (like `pulumi config set`); `secret_overrides` are secret
    values (like `pulumi config set --secret`). Keys may omit the project namespace.
    `throwaway` offers stand-in values for keys (namespace optional) that nothing sets: the
    project file gives no value and the stack, `overrides` and `secret_overrides` none. A
    required project key (declared without a default, where the CLI would stop) gets its
    stand-in at once (`filled`); any other is left out of `values` and offered in
    `StackConfig.throwaway`, for the caller to use only if the program cannot run without it.
    Raises `StackFileError` (the first problem, as the CLI stops at the first) or
    `FileNotFoundError` when there is no such stack file.
    """
    project_dir = Path(project_dir)
    project, decls = load_project(project_dir)
    stack_path = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_path.exists():
        raise FileNotFoundError(f"no stack file {stack_path.name} in {project_dir}")
    stack_file = read_yaml(stack_path)
    if stack_file is None:
        stack_file = {}  # an empty stack file is an empty config (loaders.go)
    if not isinstance(stack_file, dict):
        raise StackFileError(f"{stack_path}: expected a mapping with a `config:` key, not a list or a scalar")
    block = stack_file.get("config")
    if block is None:
        block = {}
    if not isinstance(block, dict):
        raise StackFileError(
            f"{stack_path}{_line_of(stack_path, 'config')}: config: must be a mapping of keys to values, "
            f"not {'a list' if isinstance(block, list) else repr(block)}"
        )

    # Structured values (to validate) by full key; what the program gets is derived last.
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    encrypted: set[str] = set()
    warnings: list[str] = []
    empty = sorted(str(k) for k, v in block.items() if v is None)
    if empty:
        # loaders.go checkForEmptyConfig, word for word.
        plural = "s" if len(empty) > 1 else ""
        joined = (" and " if len(empty) == 2 else ", ").join(f'"{k}"' for k in empty)
        warnings.append(
            f"No value for configuration key{plural} {joined}. This is currently treated as an empty string "
            f'`""`, but will be treated as `null` in a future version of pulumi.\n'
            f'Set the value{plural} to `""` to avoid this warning.'
        )
    for key, value in block.items():
        fk = full_key(project, str(key))
        if isinstance(value, dict) and set(value) == {"secure"}:
            encrypted.add(fk)
            secret.add(fk)
            continue
        raw[fk] = "" if value is None else value
    # Where a value came from, for messages (the CLI's own name no file).
    origin: dict[str, str] = {}
    for flag, given in (("--set", overrides), ("--secret", secret_overrides)):
        for key, value in (given or {}).items():
            if is_path_key(key):
                # `pulumi config set --path`: into the stack's own value (not the project
                # default), which the CLI would have to decrypt first if it is `secure:`.
                top, path = parse_key_path(key)
                fk = full_key(project, top)
                if fk in encrypted:
                    raise StackFileError(
                        f"{flag} {key}: {top} is encrypted in {stack_path.name}; the offline plan cannot set a "
                        f"path inside it (give the whole value: --secret {_key_name(top)}=...)"
                    )
                value = set_path(copy.deepcopy(raw.get(fk)), path, value, f"{flag} {key}")
            else:
                fk = full_key(project, key)
            raw[fk] = value
            origin[fk] = f"given by {flag} {key}"
            encrypted.discard(fk)
            if flag == "--secret" or (fk in secret and is_path_key(key)):
                secret.add(fk)  # a path set inside a secret value leaves it secret
            else:
                secret.discard(fk)

    # config.go mergeConfig: defaults and values of the project fill what the stack lacks;
    # project keys with neither are required.
    missing: list[str] = []
    offered = {full_key(project, k): v for k, v in (throwaway or {}).items()}
    filled: set[str] = set()
    for key in sorted(decls):
        decl, fk = decls[key], full_key(project, key)
        if fk in raw or fk in encrypted:
            continue
        if "default" in decl or "value" in decl:
            fill = decl.get("default", decl.get("value"))
            if fill is not None:
                raw[fk] = fill
        elif fk in offered:
            raw[fk] = offered.pop(fk)
            filled.add(fk)
        elif fk.startswith(f"{project}:"):
            missing.append(key)
    if missing:
        keys = (
            f"'{missing[0]}'"
            if len(missing) == 1
            else ", ".join(f"'{k}'" for k in missing[:-2])
            + (", " if len(missing) > 2 else "")
            + f"'{missing[-2]}' and '{missing[-1]}'"
        )
        raise StackFileError(f"Stack '{stack}' is missing configuration value{'s' if len(missing) > 1 else ''} {keys}")
    # config.go validateStackConfigValue: the first key (in order) of a declared type.
    for key in sorted(decls):
        decl, fk = decls[key], full_key(project, key)
        if "type" not in decl or fk not in raw:
            continue
        if decl.get("secret") and fk not in secret:
            raise StackFileError(f"Stack '{stack}' with configuration key '{key}' must be encrypted as it's secret")
        if not matches_type(decl, _content(raw[fk])):
            raise StackFileError(
                f"Stack '{stack}' with configuration key '{key}' must be of type '{type_name(decl)}'"
                f"\n  (the value {origin.get(fk) or _where(project_dir, stack_path, fk, key)})"
            )
    values = {fk: to_cli_string(value) for fk, value in raw.items()}
    return StackConfig(
        project=project,
        stack=stack,
        values=values,
        secret_keys=secret,
        encrypted=encrypted,
        warnings=warnings,
        throwaway={fk: v for fk, v in offered.items() if fk not in raw and fk not in encrypted},
        filled=filled,
    )
