"""The one way in: raw input values -> checked `MultiVmLoadBalancedArgs`, from the declaration.

Two callers hand over raw values keyed by the public (camelCase) names, and both call `load`:

- the stack program (`stack_config.py`): values as the Pulumi CLI hands them to a program,
  every one a string (lists and objects as JSON);
- the component provider (`provider/`): values as a consumer in another language passed
  them (integers as floats, `3.0`; secrets and other resources' values as Outputs).

No per-key table: each value is read by the type, allowed values and default that
components/settings.py declares for it, nested objects field by field, and every problem
is collected with its path (`lbRules[0].frontendPort`). Then every rule runs once
(components/rules.py `validate`), and one `ConfigError`, worded for the caller, names every
problem.
"""

from __future__ import annotations

import difflib
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass, is_dataclass
from enum import Enum, StrEnum
from typing import Any, Literal

import pulumi

from .rules import top_key, validate
from .settings import ConfigError, Declared, MultiVmLoadBalancedArgs, declared

Source = Literal["config", "argument"]


class _Bad(ValueError):
    """A value of the wrong shape; its message says what is allowed."""


INPUTS = declared(MultiVmLoadBalancedArgs)

# Hints of the validation rules that speak to a stack's owner, and what a component
# argument's user does instead (the provider's consumers have no stack config of ours).
_ARGUMENT_WORDING = {
    'pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"': (
        "pass sshPublicKey (the contents of ~/.ssh/id_ed25519.pub)"
    ),
    "remove it (pulumi config rm adminPassword)": "remove the adminPassword argument",
    "remove it (pulumi config rm sshPublicKey)": "remove the sshPublicKey argument",
}


def reword_for_argument(problem: str) -> str:
    """A validation problem worded for a component argument instead of stack config."""
    for config_hint, argument_hint in _ARGUMENT_WORDING.items():
        problem = problem.replace(config_hint, argument_hint)
    return problem


# --------------------------------------------------------------------------- scalars


def _as_str(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("must be a string")
    return raw


def _as_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise _Bad("must be an integer")
    if isinstance(raw, int):
        return raw
    # The provider protocol carries every number as a double: 3 arrives as 3.0.
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    raise _Bad("must be an integer")


def _as_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise _Bad("must be true or false")


def _as_enum(raw: Any, allowed: type[StrEnum]) -> str:
    """One rule for every closed set of values: any capitalisation of an allowed value is
    read as its member (Azure's own enum values are case-insensitive, e.g. `Tcp`/`tcp`).
    Anything else is left for `validate()` to report with the allowed values."""
    if isinstance(raw, Enum):
        raw = raw.value
    value = _as_str(raw)
    for option in allowed:
        if value.lower() == option.value.lower():
            return option
    return value


# --------------------------------------------------------------------------- the reader


class Reader:
    """Reads one set of raw values; collects every problem with its path."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[str] = []

    def _parse_json(self, raw: Any, kind: str, example: str | None) -> Any:
        """Stack config hands lists and objects over as JSON text."""
        if self.source == "config" and isinstance(raw, str):
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                hint = f", e.g. {example}" if example else ""
                raise _Bad(f"must be {kind} in YAML or JSON{hint}") from None
        return raw

    def value(self, d: Declared, raw: Any, where: str, top: bool) -> Any:
        """The value of one declared input; raises `_Bad` for a value of the wrong shape.
        Problems inside a list or object are collected with their own paths."""
        tp, s = d.type, d.setting
        if isinstance(raw, pulumi.Output):
            if d.accepts_output:
                return raw
            raise _Bad(
                "is a secret or another resource's output; the component needs a plain value here, "
                "because it decides what to create from it"
            )
        origin = typing.get_origin(tp)
        if tp is bool:
            return _as_bool(raw)
        if tp is int:
            return _as_int(raw)
        if d.enum is not None and d.item is tp:
            return _as_enum(raw, d.enum)
        if tp is str:
            return _as_str(raw)
        if origin in (list, tuple):
            return self._list(d, raw, where, top)
        if origin is dict:
            obj = self._parse_json(raw, "an object", s.example) if top else raw
            if not isinstance(obj, Mapping):
                raise _Bad(f"must be an object, e.g. {s.example}")
            if not all(isinstance(v, str) for v in obj.values()):
                raise _Bad("values must be strings (quote numbers and booleans)")
            return dict(obj)
        if is_dataclass(tp):
            obj = self._parse_json(raw, "an object", s.example) if top else raw
            if not isinstance(obj, Mapping):
                raise _Bad(f"must be an object, e.g. {s.example}")
            return self.object(typing.cast(type, tp), obj, where)
        raise TypeError(f"{where}: no reader for the declared type {tp!r}")  # a declaration bug

    def _list(self, d: Declared, raw: Any, where: str, top: bool) -> Any:
        tp, s = d.type, d.setting
        items = self._parse_json(raw, "a list", s.example) if top else raw
        item_type = typing.get_args(tp)[0]
        if not isinstance(items, list):
            raise _Bad(f"must be a list, e.g. {s.example}")
        out: list[Any] = []
        if is_dataclass(item_type):
            names = ", ".join(declared(item_type))  # type: ignore[arg-type]
            for i, item in enumerate(items):
                at = f"{where}[{i}]"
                if not isinstance(item, Mapping):
                    self.problems.append(f"{at}: {item!r} must be an object {{{names}}}")
                    continue
                built = self.object(item_type, item, at)  # type: ignore[arg-type]
                if built is not None:
                    out.append(built)
        else:
            for item in items:
                if d.enum and isinstance(item, int) and not isinstance(item, bool):
                    item = str(item)  # YAML reads an unquoted zone 1 as a number; a zone is its name
                if not isinstance(item, str):
                    raise _Bad(f"must be a list of strings, e.g. {s.example}")
                out.append(_as_enum(item, d.enum) if d.enum else item)
        return tuple(out) if typing.get_origin(tp) is tuple else out

    def object(self, cls: type, obj: Mapping[str, Any], where: str) -> Any:
        """A nested object (`probe`, an item of `lbRules`, ...), or None when a field it
        cannot do without is missing or unreadable (the problem is collected)."""
        spec = declared(cls)
        for k in obj:
            if k not in spec:
                self.problems.append(f"{where}.{k}: unknown field; allowed: {', '.join(spec)}")
        values: dict[str, Any] = {}
        complete = True
        for key, d in spec.items():
            raw = obj.get(key)
            if raw is None:
                if d.required:
                    self.problems.append(f"{where}.{key}: is missing")
                    complete = False
                continue
            try:
                values[d.field.name] = self.value(d, raw, f"{where}.{key}", top=False)
            except _Bad as bad:
                self.problems.append(f"{where}.{key}: {raw!r} {bad}")
                complete = complete and not d.required
        for d in spec.values():
            source = d.setting.default_from
            if source is not None and d.field.name not in values and source in values:
                values[d.field.name] = values[source]
        fill = getattr(cls, "fill", None)
        if fill is not None:
            fill(values)
        return cls(**values) if complete else None


@dataclass
class Reading:
    """What the reader made of a set of raw values."""

    args: MultiVmLoadBalancedArgs
    #: Problems of shape: unknown keys, values of the wrong type.
    problems: list[str]
    #: Python names of the inputs the caller set (to tell a default from a value that
    #: equals it).
    explicit: set[str]


def read(
    values: Mapping[str, Any],
    source: Source,
    secret_keys: set[str] | None = None,
) -> Reading:
    """Read raw values keyed by public name. `source` says who wrote them: stack config
    (CLI strings; secrets must be stored as secrets) or a component argument."""
    reader = Reader(source)
    secret_keys = secret_keys or set()
    fields_: dict[str, Any] = {}
    explicit: set[str] = set()
    for key, raw in values.items():
        d = INPUTS.get(key)
        if d is None:
            close = difflib.get_close_matches(key, list(INPUTS))
            hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(INPUTS)}"
            what = "a setting of this project" if source == "config" else "an argument of MultiVmLoadBalanced"
            reader.problems.append(f"{key}: not {what}; {hint}")
            continue
        if raw is None:
            continue
        explicit.add(d.field.name)
        if source == "config" and d.setting.secret and key not in secret_keys:
            reader.problems.append(
                f"{key}: is stored in plain text; set it with `pulumi config set --secret {key} ...`"
            )
            continue
        try:
            value = reader.value(d, raw, key, top=True)
        except _Bad as bad:
            shown = "(secret, not shown)" if d.setting.secret else repr(raw)
            reader.problems.append(f"{key}: {shown} {bad}")
            continue
        if value is not None:
            fields_[d.field.name] = value
    return Reading(MultiVmLoadBalancedArgs(**fields_), reader.problems, explicit)


def load(
    values: Mapping[str, Any],
    source: Source,
    name: str,
    secret_keys: set[str] | None = None,
    caller: str = "MultiVmLoadBalanced",
) -> MultiVmLoadBalancedArgs:
    """Raw values keyed by public name -> checked args: read, then every rule once. Raises
    one `ConfigError` naming every problem, worded for `source`: stack config, or the
    arguments of the component `name` (of type `caller`, as the consumer knows it)."""
    reading = read(values, source, secret_keys)
    problems = list(reading.problems)
    # A key whose value could not even be read keeps its default; rules about it would
    # only repeat that problem.
    unreadable = {top_key(p) for p in problems}
    problems += [p for p in validate(reading.args, name, given=reading.explicit) if top_key(p) not in unreadable]
    if not problems:
        return reading.args
    if source == "config":
        raise ConfigError(problems, context="stack configuration")
    raise ConfigError([reword_for_argument(p) for p in problems], context=f"arguments of {caller} {name!r}")
