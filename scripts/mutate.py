"""Sampled mutation test of components/ and the change planner (offline/changes.py): `make mutate`.

    .venv/bin/python scripts/mutate.py [--sample N] [--seed S] [--jobs J] [--fail-under PCT]

A mutant is the source with one small change (below); a test that fails on it *kills* it. A
mutant no test kills shows a behaviour no test checks. The tool:

1. copies the tree (the working tree, or `--rev REV` from git) to a temporary folder, so that
   the shared checkout is never edited, and reuses this checkout's .venv;
2. runs the whole suite there once with the mutated files' statements instrumented (a pytest
   plugin: this module loaded with `-p mutate`; coverage.py is no dependency of the project),
   recording which test runs which line, and how long each test takes. Cached in
   build/mutate-coverage.json for an identical tree;
3. lists every candidate mutant of every file, drops the known equivalent ones
   (scripts/mutate-equivalent.txt), and draws a sample: deterministic for a seed, stratified
   so that each file gets mutants in proportion to its size (its lines with a candidate);
4. runs, for each sampled mutant, only the tests that run its lines (`-x`, fastest first, those
   that killed the file's earlier mutants before them; a timeout of 10x those tests' time, at
   least 30 s), two at a time in two copies: failed = killed, timed out = killed (counted
   apart), passed = survived, no test runs the line = survived ("not covered");
5. prints the kill rate per file and overall, the survivors and the excluded equivalents, and
   writes everything to build/mutate.json. Exit 0, unless `--fail-under PCT` and the rate is
   below it.

Operators (their names in the output): comparison swaps (`<` `<=`, `>` `>=`, `==` `!=`,
`in` `not in`, `is` `is not`), int constants n -> n+1 and n-1, arithmetic (`+` `-`, `*` `//`,
`/` -> `*`, also in `+=`), `and` `or`, `not x` -> `x`, `True` `False`, a returned value dropped
(`None`, or the empty value of the declared return type: `[]`, `{}`, `()`, `set()`, `""`),
Azure enum strings swapped (`"Tcp"` `"Udp"`, `"Allow"` `"Deny"`, ...), a statement deleted
inside a function (a call, an assignment -> `pass`), an `if` condition negated.
Never mutated: docstrings, f-strings (messages), arguments of logging calls, annotations,
`__repr__`/`__str__`, `if TYPE_CHECKING:`, `if __name__ == "__main__":`, match patterns, and
any line with `# pragma: no mutate`.

Which tests run a line (a superset rather than a miss: a missed test could have killed):
a statement counts for all its lines (a compound one for its header); a line run when its
module is imported (outside any function, or during collection) selects every test that runs
any line of that file; what a fixture's setup runs counts for every test using the fixture;
conftest's session cache of program runs (`_RUNS`) is replayed and functools caches of the
mutated modules are cleared per test, so that a test reading a cached run depends on the lines
that computed it; Python subprocesses a test starts (inheriting its environment) are traced.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
EQUIVALENT_FILE = HERE / "mutate-equivalent.txt"
COVERAGE_CACHE = ROOT / "build" / "mutate-coverage.json"
RESULT_FILE = ROOT / "build" / "mutate.json"

#: What is mutated: every .py under components/, and the change planner.
TARGETS = ("components", "offline/changes.py")
DEFAULT_SEED = 23
#: The map takes 1-2 minutes, then 2-4 s per mutant (two at a time; pytest's start, then the
#: tests of the line until one fails): 8 minutes on an idle 2-core machine, ~15 when it is
#: shared (measured, issue 23).
DEFAULT_SAMPLE = 180
DEFAULT_JOBS = 2
MIN_TIMEOUT = 30.0
TIMEOUT_FACTOR = 10.0
#: pytest's own start (imports of the SDKs, collection) added to each mutant's test time.
STARTUP_SECONDS = 3.0
#: Never copied into the mutation folder (.venv is linked instead).
COPY_IGNORE = (".venv", ".git", "build", "__pycache__", ".pytest_cache", ".ruff_cache", "venv", "*.egg-info")
PRAGMA = "pragma: no mutate"
#: Azure enum values whose swap is a meaningful wrong value (protocol, NSG access and direction,
#: allocation, OS): a test checking the value kills it.
STRING_SWAPS = {
    "Tcp": "Udp",
    "Udp": "Tcp",
    "Allow": "Deny",
    "Deny": "Allow",
    "Inbound": "Outbound",
    "Outbound": "Inbound",
    "Static": "Dynamic",
    "Dynamic": "Static",
    "Enabled": "Disabled",
    "Disabled": "Enabled",
    "Http": "Https",
    "Https": "Http",
    "linux": "windows",
    "windows": "linux",
    "Standard": "Basic",
}
COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
ARITHMETIC_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
}
#: The empty value of a declared return type (its outer name), for "return value dropped".
EMPTY_RETURNS = {
    "list": "[]",
    "List": "[]",
    "Sequence": "[]",
    "Iterable": "[]",
    "Iterator": "iter([])",
    "dict": "{}",
    "Dict": "{}",
    "Mapping": "{}",
    "tuple": "()",
    "Tuple": "()",
    "set": "set()",
    "frozenset": "frozenset()",
    "str": '""',
}
LOGGING_NAMES = {"log", "logging", "logger", "warnings"}
SKIPPED_FUNCTIONS = {"__repr__", "__str__"}


# ----------------------------------------------------------------------------- the mutants


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One change to one file: bytes [start, end) of the file become `replacement`."""

    file: str  # relative to the tree, with /
    line: int
    end_line: int  # the lines whose tests are run
    operator: str
    original: str  # shown: the node before and after, one line each
    mutated: str
    start: int
    end: int
    replacement: str

    @property
    def key(self) -> str:
        """How the output and scripts/mutate-equivalent.txt name the mutant."""
        return f"{self.file}:{self.line}: {self.original} -> {self.mutated}"


def shorten(original: str, mutated: str, width: int = 60, context: int = 24) -> tuple[str, str]:
    """Both texts cut around where they differ, when either is longer than `width`."""
    if len(original) <= width and len(mutated) <= width:
        return original, mutated
    prefix = 0
    while prefix < min(len(original), len(mutated)) and original[prefix] == mutated[prefix]:
        prefix += 1
    suffix = 0
    limit = min(len(original), len(mutated)) - prefix
    while suffix < limit and original[-1 - suffix] == mutated[-1 - suffix]:
        suffix += 1

    def cut(text: str) -> str:
        start = max(0, prefix - context)
        stop = min(len(text), len(text) - suffix + context)
        middle = text[start:stop]
        if len(middle) > width:
            middle = middle[: width - 3] + "..."
        return ("..." if start > 0 else "") + middle + ("..." if stop < len(text) else "")

    return cut(original), cut(mutated)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _dotted(node: ast.expr) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def _is_logging_call(node: ast.Call) -> bool:
    """`pulumi.log.warn(...)`, `logging.info(...)`, `logger.debug(...)`, `warnings.warn(...)`."""
    return any(part in LOGGING_NAMES for part in _dotted(node.func)[:-1])


def _is_sequence(node: ast.expr) -> bool:
    """A string or list (tuple) by its looks: `+` on it is concatenation, `*` repetition, and
    `-` or `//` would only raise a TypeError, a mutant any run kills."""
    if isinstance(node, ast.BinOp):
        return _is_sequence(node.left) or _is_sequence(node.right)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bytes)
    return isinstance(node, ast.JoinedStr | ast.List | ast.Tuple | ast.ListComp)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _empty_return(returns: ast.expr | None, value: ast.expr) -> str:
    """What a dropped return value becomes: the declared type's empty value, else None."""
    if isinstance(value, ast.List | ast.ListComp):
        return "[]"
    if isinstance(value, ast.Dict | ast.DictComp):
        return "{}"
    node = returns
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name | ast.Attribute):
        names = _dotted(node)
        if names and names[-1] in EMPTY_RETURNS:
            return EMPTY_RETURNS[names[-1]]
    return "None"


def _is_generator(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    todo: list[ast.AST] = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(node))
    return False


class _Finder:
    """Every candidate mutant of one module's source (see the module docstring for the rules)."""

    def __init__(self, source: str, file: str) -> None:
        self.file = file
        self.data = source.encode()
        lines = self.data.split(b"\n")
        self.line_starts = [0]
        for line in lines:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        self.pragma = {n for n, line in enumerate(source.splitlines(), start=1) if PRAGMA in line}
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.found: list[Mutant] = []

    def offset(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col

    def add(
        self,
        node: ast.expr | ast.stmt,
        operator: str,
        original: str,
        mutated: str,
        replacement: str,
        span: ast.stmt | None = None,
    ) -> None:
        """`node`'s source becomes `replacement`; `span` (default `node`) gives the lines to cover."""
        line = node.lineno
        if line in self.pragma:
            return
        shown = shorten(_one_line(original), _one_line(mutated))
        if shown[0] == shown[1]:
            return
        covered = span or node
        self.found.append(
            Mutant(
                file=self.file,
                line=line,
                end_line=covered.end_lineno or line,
                operator=operator,
                original=shown[0],
                mutated=shown[1],
                start=self.offset(line, node.col_offset),
                end=self.offset(node.end_lineno or line, node.end_col_offset or node.col_offset),
                replacement=replacement,
            )
        )

    def add_expr(self, node: ast.expr, new: ast.expr, operator: str) -> None:
        text = ast.unparse(new)
        self.add(node, operator, ast.unparse(node), text, f"({text})")

    # -- traversal
    def visit(self, node: ast.AST) -> None:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            self.children(node)
        else:
            method(node)

    def children(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    def body(self, stmts: Sequence[ast.stmt]) -> None:
        for stmt in stmts:
            if not _is_docstring(stmt):
                self.visit(stmt)

    def visit_Module(self, node: ast.Module) -> None:
        self.body(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.body(node.body)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)  # defaults only: visit_arg skips the annotations
        if node.name in SKIPPED_FUNCTIONS:
            return
        self.functions.append(node)
        self.body(node.body)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arg(self, node: ast.arg) -> None:
        pass

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        pass

    def visit_match_case(self, node: ast.match_case) -> None:
        if node.guard is not None:
            self.visit(node.guard)
        self.body(node.body)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.delete(node)
            self.visit(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.delete(node)
        self.visit(node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        swap = ARITHMETIC_SWAPS.get(type(node.op))
        if swap is not None and not _is_sequence(node.value):
            new = ast.AugAssign(target=node.target, op=swap(), value=node.value)
            text = ast.unparse(new)
            self.add(node, "arithmetic", ast.unparse(node), text, text)
        self.delete(node)
        self.visit(node.value)

    def visit_Expr(self, node: ast.Expr) -> None:
        if _is_docstring(node):
            return
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(value, ast.Call):
            self.delete(node)
        self.visit(node.value)

    def delete(self, stmt: ast.stmt) -> None:
        """A statement inside a function replaced by `pass`."""
        if self.functions:
            self.add(stmt, "statement-deleted", ast.unparse(stmt), "pass", "pass")

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if _dotted(test)[-1:] == ["TYPE_CHECKING"]:
            return
        if (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
        ):
            return
        original = ast.unparse(test)
        simple = isinstance(test, ast.Name | ast.Attribute | ast.Call | ast.Subscript)
        self.add(
            test, "if-negated", original, f"not {original}" if simple else f"not ({original})", f"(not ({original}))"
        )
        self.children(node)

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        if value is None:
            return
        function = self.functions[-1] if self.functions else None
        if function is not None and not _is_generator(function):
            empty = _empty_return(function.returns, value)
            original = ast.unparse(value)
            # A returned constant is mutated as a constant (`True` -> `False`, `0` -> `1`).
            if original != empty and not isinstance(value, ast.Constant):
                self.add(value, "return-dropped", f"return {original}", f"return {empty}", empty, span=node)
        self.visit(value)

    def visit_Call(self, node: ast.Call) -> None:
        self.visit(node.func)
        if not _is_logging_call(node):
            for arg in [*node.args, *node.keywords]:
                self.visit(arg)

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            swap = COMPARE_SWAPS.get(type(op))
            if swap is not None:
                ops = list(node.ops)
                ops[i] = swap()
                self.add_expr(node, ast.Compare(left=node.left, ops=ops, comparators=node.comparators), "comparison")
        self.children(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        swap = ARITHMETIC_SWAPS.get(type(node.op))
        if swap is not None and not _is_sequence(node):
            self.add_expr(node, ast.BinOp(left=node.left, op=swap(), right=node.right), "arithmetic")
        self.children(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self.add_expr(node, ast.BoolOp(op=other, values=node.values), "boolean")
        self.children(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.add_expr(node, node.operand, "not-removed")
        self.children(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self.add_expr(node, ast.Constant(not value), "true-false")
        elif isinstance(value, int):
            for new in (value + 1, value - 1):
                self.add_expr(node, ast.Constant(new), "constant")
        elif isinstance(value, str) and value in STRING_SWAPS:
            self.add_expr(node, ast.Constant(STRING_SWAPS[value]), "string-swap")


def find_mutants(source: str, file: str) -> list[Mutant]:
    """Every candidate mutant of `source` (the module `file`), in source order, keys unique."""
    finder = _Finder(source, file)
    finder.visit(ast.parse(source))
    found = sorted(finder.found, key=lambda m: (m.line, m.start, m.end, m.operator, m.mutated))
    # Two mutants shown alike on one line (`f(1, 1)`: `1 -> 2` twice) are told apart by column.
    seen: dict[str, int] = {}
    for m in found:
        seen[m.key] = seen.get(m.key, 0) + 1
    unique: list[Mutant] = []
    for m in found:
        if seen[m.key] > 1:
            col = m.start - finder.line_starts[m.line - 1]
            m = dataclasses.replace(m, mutated=f"{m.mutated} [col {col}]")
        unique.append(m)
    return unique


def apply(source: str, mutant: Mutant) -> str:
    data = source.encode()
    return (data[: mutant.start] + mutant.replacement.encode() + data[mutant.end :]).decode()


def target_files(root: Path, targets: Iterable[str] = TARGETS) -> list[str]:
    files: list[str] = []
    for target in targets:
        path = root / target
        if path.is_dir():
            files.extend(p.relative_to(root).as_posix() for p in sorted(path.rglob("*.py")))
        elif path.is_file():
            files.append(path.relative_to(root).as_posix())
    return files


# ----------------------------------------------------------------------------- sampling


def allocate(sizes: dict[str, int], available: dict[str, int], n: int) -> dict[str, int]:
    """How many of `n` mutants each file gets: in proportion to its size (largest remainder),
    never more than it has (the excess goes to the others), and at least one when n allows."""
    files = sorted(f for f in sizes if available.get(f, 0) > 0)
    quota = dict.fromkeys(files, 0)
    n = min(n, sum(available[f] for f in files))
    if n <= 0:
        return quota
    open_files, left = list(files), n
    while True:
        total = sum(max(sizes[f], 1) for f in open_files)
        ideal = {f: left * max(sizes[f], 1) / total for f in open_files}
        full = [f for f in open_files if ideal[f] >= available[f]]
        if not full:
            break
        for f in full:
            quota[f] = available[f]
            left -= available[f]
            open_files.remove(f)
    for f in open_files:
        quota[f] = int(ideal[f])
    rest = left - sum(quota[f] for f in open_files)
    for f in sorted(open_files, key=lambda f: (-(ideal[f] - int(ideal[f])), f))[:rest]:
        quota[f] += 1
    if n >= len(files):
        # A small file rounded to none takes one from the file with the most.
        for f in sorted((f for f in files if quota[f] == 0), key=lambda f: (-sizes[f], f)):
            donor = max(files, key=lambda d: (quota[d], d))
            quota[donor] -= 1
            quota[f] = 1
    return quota


def file_size(mutants: Sequence[Mutant]) -> int:
    """A file's size for stratification: its lines that hold at least one candidate."""
    return len({m.line for m in mutants})


def sample(candidates: dict[str, list[Mutant]], n: int, seed: int) -> list[Mutant]:
    """A deterministic sample of `n` mutants, stratified by file (see `allocate`). Each file
    draws with its own seeded generator, so one file's candidates do not move another's."""
    sizes = {f: file_size(ms) for f, ms in candidates.items()}
    quota = allocate(sizes, {f: len(ms) for f, ms in candidates.items()}, n)
    chosen: list[Mutant] = []
    for f in sorted(quota):
        rng = random.Random(f"{seed}:{f}")
        chosen.extend(sorted(rng.sample(candidates[f], quota[f]), key=lambda m: (m.line, m.start, m.operator)))
    return chosen


# ----------------------------------------------------------------------------- equivalents


#: The shortest original text an equivalent entry may be found by once its line moved.
MIN_MOVED_TEXT = 8


class EquivalentFileError(ValueError):
    pass


def parse_equivalents(text: str) -> dict[str, str]:
    """scripts/mutate-equivalent.txt: a mutant as printed (`file:line: original -> mutated`)
    on a line of its own, then its reason on the following indented line(s). `#` comments."""
    entries: dict[str, list[str]] = {}
    key: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            if key is None:
                raise EquivalentFileError(f"line {n}: a reason without a mutant before it")
            entries[key].append(line.strip())
            continue
        if not re.match(r"^[^:\s]+:\d+: .+ -> .+$", line):
            raise EquivalentFileError(f"line {n}: not `file:line: original -> mutated`: {line!r}")
        if line in entries:
            raise EquivalentFileError(f"line {n}: listed twice: {line!r}")
        key = line
        entries[key] = []
    missing = [k for k, reason in entries.items() if not reason]
    if missing:
        raise EquivalentFileError(f"no reason given for {missing[0]!r}")
    return {k: " ".join(reason) for k, reason in entries.items()}


def match_equivalents(
    equivalents: dict[str, str], candidates: dict[str, list[Mutant]]
) -> tuple[dict[str, tuple[Mutant, str]], list[str]]:
    """The candidates the file names (by key; when the line moved, by file and text if that is
    unambiguous and the text is not a bare constant: `0 -> 1` could be anywhere), and the
    file's entries that name no candidate any more (stale)."""
    by_key = {m.key: m for ms in candidates.values() for m in ms}
    by_text: dict[tuple[str, str, str], list[Mutant]] = {}
    for ms in candidates.values():
        for m in ms:
            by_text.setdefault((m.file, m.original, m.mutated), []).append(m)
    matched: dict[str, tuple[Mutant, str]] = {}
    stale: list[str] = []
    for key, reason in equivalents.items():
        mutant = by_key.get(key)
        if mutant is None:
            file, _, rest = key.partition(":")
            _, _, change = rest.partition(": ")
            original, _, mutated = change.partition(" -> ")
            same = by_text.get((file, original, mutated), [])
            mutant = same[0] if len(same) == 1 and len(original) >= MIN_MOVED_TEXT else None
        if mutant is None:
            stale.append(key)
        else:
            matched[mutant.key] = (mutant, reason)
    return matched, stale


# ----------------------------------------------------------------------------- kill rate


KILLED = ("killed", "timeout")
SURVIVED = ("survived", "not covered")
STATUSES = (*KILLED, *SURVIVED, "error")


def rate(killed: int, total: int) -> float | None:
    return None if total == 0 else 100.0 * killed / total


def summarize(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per file and overall: killed (test failed or timed out) of counted (killed + survived +
    not covered); errors (a mutant the tool could not run) are not counted."""
    files: dict[str, dict[str, int]] = {}
    for r in results:
        counts = files.setdefault(r["file"], dict.fromkeys(STATUSES, 0))
        counts[r["status"]] += 1
    total = {s: sum(c[s] for c in files.values()) for s in STATUSES}

    def with_rate(c: dict[str, int]) -> dict[str, Any]:
        killed = c["killed"] + c["timeout"]
        counted = killed + c["survived"] + c["not covered"]
        return {**c, "counted": counted, "rate": rate(killed, counted)}

    return {"files": {f: with_rate(c) for f, c in sorted(files.items())}, "total": with_rate(total)}


# ----------------------------------------------------------------------------- the tracer (pytest plugin)

TRACE_ENV = "MUTATE_TRACE"  # the mapping run: where to write the map
TRACE_FILES_ENV = "MUTATE_TRACE_FILES"  # JSON {absolute path: relative name} of the traced files
TRACE_TEST_ENV = "MUTATE_TRACE_TEST"  # the running test, for the subprocesses it starts
TRACE_SUB_ENV = "MUTATE_TRACE_SUBDIR"  # where traced subprocesses write their lines
SELECT_ENV = "MUTATE_SELECT"  # a mutant's run: the file listing the test IDs to keep
#: The builtin each traced statement calls first: `__mutate_hit__(file number, line)`.
HIT = "__mutate_hit__"

Hit = tuple[int, int]  # (file number, a statement's line): what a traced module records
Line = tuple[str, int]  # (file, line)
COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)


def instrument(source: str, number: int) -> tuple[ast.Module, dict[int, tuple[int, int]], set[int]]:
    """`source` with `__mutate_hit__(number, line)` before each statement (a docstring and
    `from __future__` stay first). Also: the lines each statement's call stands for (a simple
    statement: all its lines; a compound one: its header, decorators included), and the lines
    run when the module is imported (every statement outside a function).

    Cheaper than `sys.settrace`, which calls Python on every call of every module (6x the
    suite's time here); coverage.py is not a dependency of this project."""
    tree = ast.parse(source)
    spans: dict[int, tuple[int, int]] = {}
    at_import: set[int] = set()

    def stands_for(line: int, first: int, last: int) -> None:
        old = spans.get(line, (first, last))
        spans[line] = (min(old[0], first), max(old[1], last))

    def hit(node: ast.stmt, line: int) -> ast.stmt:
        call = ast.Call(ast.Name(HIT, ast.Load()), [ast.Constant(number), ast.Constant(line)], [])
        return ast.copy_location(ast.Expr(call), node)

    def header(stmt: ast.stmt) -> tuple[int, int]:
        decorators = getattr(stmt, "decorator_list", [])
        first = min([stmt.lineno, *(d.lineno for d in decorators)])
        if not isinstance(stmt, COMPOUND):
            return first, stmt.end_lineno or stmt.lineno
        inner = stmt.cases[0].pattern if isinstance(stmt, ast.Match) else stmt.body[0]
        return first, max(stmt.lineno, inner.lineno - 1)

    def body(stmts: list[ast.stmt], in_function: bool, documented: bool = False) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, stmt in enumerate(stmts):
            first, last = header(stmt)
            if not in_function:
                at_import.update(range(first, last + 1))
            if (i == 0 and documented and _is_docstring(stmt)) or (
                isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
            ):
                out.append(stmt)
                continue
            stands_for(stmt.lineno, first, last)
            out.append(hit(stmt, stmt.lineno))
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                stmt.body = body(stmt.body, True, documented=True)
            elif isinstance(stmt, ast.ClassDef):
                stmt.body = body(stmt.body, in_function, documented=True)
            else:
                for field in ("body", "orelse", "finalbody"):
                    block = getattr(stmt, field, None)
                    if isinstance(block, list) and block:
                        setattr(stmt, field, body(block, in_function))  # type: ignore[arg-type]
                heads: list[tuple[ast.AST, int, list[ast.stmt]]] = []
                if isinstance(stmt, ast.Try | ast.TryStar):
                    heads = [(h, h.lineno, h.body) for h in stmt.handlers]
                elif isinstance(stmt, ast.Match):
                    heads = [(c, c.pattern.lineno, c.body) for c in stmt.cases]
                for node, line, block in heads:
                    # An `except` or `case` line is run when its block is entered.
                    stands_for(line, line, max(line, block[0].lineno - 1))
                    node.body = [hit(block[0], line), *body(block, in_function)]  # type: ignore[attr-defined]
            out.append(stmt)
        return out

    tree.body = body(tree.body, False, documented=True)
    ast.fix_missing_locations(tree)
    return tree, spans, at_import


class _HitLoader(importlib.machinery.SourceFileLoader):
    """Loads a traced module from its instrumented source (never from a .pyc)."""

    def __init__(self, fullname: str, path: str, tracer: Tracer) -> None:
        super().__init__(fullname, path)
        self.tracer = tracer

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        return self.tracer.compile(self.get_data(path), path)


class _HitFinder(importlib.abc.MetaPathFinder):
    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        # Module names that can be a traced file (`network`, or `components` for its
        # __init__.py): any other import is left to the usual finders, without a second search.
        self.names = {Path(p).parent.name if Path(p).name == "__init__.py" else Path(p).stem for p in tracer.files}

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname.rpartition(".")[2] not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or os.path.realpath(spec.origin) not in self.tracer.files:
            return None
        spec.loader = _HitLoader(fullname, spec.origin, self.tracer)
        return spec


class Tracer:
    """Imports the traced files instrumented (`instrument`): each statement run is recorded in
    `current`, in any thread. `import_lines` are those a module or class body runs."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files  # real path -> name
        self.names: list[str] = []
        self.spans: list[dict[int, tuple[int, int]]] = []
        self.current: set[Hit] = set()
        self.import_lines: set[Line] = set()
        self.finder = _HitFinder(self)

    def hit(self, number: int, line: int) -> None:
        self.current.add((number, line))

    def compile(self, data: bytes, path: str) -> CodeType:
        name = self.files[os.path.realpath(path)]
        if name not in self.names:
            self.names.append(name)
            self.spans.append({})
        number = self.names.index(name)
        tree, spans, at_import = instrument(importlib.util.decode_source(data), number)
        self.spans[number].update(spans)
        self.import_lines.update((name, n) for n in at_import)
        return compile(tree, path, "exec", dont_inherit=True)

    def lines(self, hits: Iterable[Hit]) -> set[Line]:
        """The lines the recorded statements stand for."""
        out: set[Line] = set()
        for number, line in hits:
            first, last = self.spans[number].get(line, (line, line))
            out.update((self.names[number], n) for n in range(first, last + 1))
        return out

    def start(self) -> None:
        setattr(builtins, HIT, self.hit)  # a name only the instrumented code uses
        sys.meta_path.insert(0, self.finder)

    def stop(self) -> None:
        """Stops importing instrumented; what is loaded keeps recording, into a dropped set."""
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self.finder)
        self.current = set()


class _ReplayDict(dict[Any, Any]):
    """Stands in for a session cache (conftest's `_RUNS`): the statements run to compute an
    entry are recorded with it and added to every test that reads it."""

    def __init__(self, tracer: Tracer) -> None:
        super().__init__()
        self.tracer = tracer
        self.hits: dict[Any, set[Hit]] = {}
        self.pending: dict[Any, tuple[set[Hit], set[Hit]]] = {}

    def __contains__(self, key: object) -> bool:
        if super().__contains__(key):
            self.tracer.current.update(self.hits.get(key, ()))
            return True
        mine: set[Hit] = set()
        self.pending[key] = (self.tracer.current, mine)
        self.tracer.current = mine
        return False

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if key in self.pending:
            saved, mine = self.pending.pop(key)
            self.tracer.current = saved
            saved |= mine
            self.hits[key] = mine

    def settle(self, into: set[Hit]) -> None:
        """A computation that raised: its lines go to the test that ran it."""
        for _, mine in self.pending.values():
            into |= mine
        self.pending.clear()


class MapPlugin:
    """The mapping run: which test runs which line, each test's time and outcome."""

    def __init__(self, out: Path, files: dict[str, str], subdir: Path) -> None:
        self.out = out
        self.subdir = subdir
        self.tracer = Tracer(files)
        self.collection: set[Hit] = self.tracer.current
        self.tests: list[str] = []
        self.index: dict[str, int] = {}
        self.durations: dict[str, float] = {}
        self.outcomes: dict[str, str] = {}
        self.fixture_hits: dict[str, set[Hit]] = {}
        self.dynamic: dict[str, set[str]] = {}
        self.lines: dict[Line, set[int]] = {}
        self.replays: list[_ReplayDict] = []
        self.seen: set[str] = set()
        self.traced_modules: list[ModuleType] = []
        self.tracer.start()

    def pytest_collection_finish(self, session: Any) -> None:
        for module in list(sys.modules.values()):
            if os.path.basename(getattr(module, "__file__", None) or "") != "conftest.py":
                continue
            runs = getattr(module, "_RUNS", None)
            if isinstance(runs, dict) and not isinstance(runs, _ReplayDict):
                replay = _ReplayDict(self.tracer)
                setattr(module, "_RUNS", replay)  # noqa: B010 (a module's global, by name)
                self.replays.append(replay)

    def _clear_caches(self) -> None:
        """functools caches of the traced modules: each test computes (and so runs) its own."""
        for name, module in list(sys.modules.items()):
            if name not in self.seen:
                self.seen.add(name)
                path = getattr(module, "__file__", None)
                if path and os.path.realpath(path) in self.tracer.files:
                    self.traced_modules.append(module)
        for module in self.traced_modules:
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and hasattr(value, "cache_info"):
                    clear()

    def _fixture_key(self, fixturedef: Any) -> str:
        return f"{fixturedef.baseid}::{fixturedef.argname}"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Iterator[None]:
        saved = self.tracer.current
        mine: set[Hit] = set()
        self.tracer.current = mine
        try:
            yield
        finally:
            self.tracer.current = saved
            saved |= mine
            self.fixture_hits.setdefault(self._fixture_key(fixturedef), set()).update(mine)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: Any) -> Iterator[None]:
        yield
        # Fixtures the test asked for by name at run time (`request.getfixturevalue(...)`), which
        # `item.fixturenames` does not list; a module-scoped one set up by an earlier test runs
        # nothing now, so its lines come from its recorded setup.
        used = getattr(getattr(item, "_request", None), "_fixture_defs", None) or {}
        self.dynamic[item.nodeid] = {self._fixture_key(d) for d in used.values()}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Iterator[None]:
        self._clear_caches()
        mine: set[Hit] = set()
        self.tracer.current = mine
        os.environ[TRACE_TEST_ENV] = item.nodeid
        try:
            yield
        finally:
            os.environ.pop(TRACE_TEST_ENV, None)
            for replay in self.replays:
                replay.settle(mine)
            self.tracer.current = self.collection
            index = self.index.setdefault(item.nodeid, len(self.tests))
            if index == len(self.tests):
                self.tests.append(item.nodeid)
            for name in item.fixturenames:
                for fixturedef in item._fixtureinfo.name2fixturedefs.get(name, ()):
                    mine |= self.fixture_hits.get(self._fixture_key(fixturedef), set())
            for key in self.dynamic.pop(item.nodeid, ()):
                mine |= self.fixture_hits.get(key, set())
            for line in self.tracer.lines(mine):
                self.lines.setdefault(line, set()).add(index)

    def pytest_runtest_logreport(self, report: Any) -> None:
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        before = self.outcomes.get(report.nodeid, "passed")
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped and before != "failed":
            self.outcomes[report.nodeid] = "skipped"
        else:
            self.outcomes.setdefault(report.nodeid, "passed")

    def pytest_sessionfinish(self, session: Any) -> None:
        imports = self.tracer.import_lines | self.tracer.lines(self.collection)
        self.tracer.stop()
        for path in sorted(self.subdir.glob("*.json")):
            data = json.loads(path.read_text())
            index = self.index.get(data["test"])
            for file, line in data["lines"]:
                if index is not None:
                    self.lines.setdefault((file, line), set()).add(index)
            imports.update((file, line) for file, line in data["import_lines"])
        lines: dict[str, dict[str, list[int]]] = {}
        for (file, line), tests in sorted(self.lines.items()):
            lines.setdefault(file, {})[str(line)] = sorted(tests)
        import_lines: dict[str, list[int]] = {}
        for file, line in sorted(imports):
            import_lines.setdefault(file, []).append(line)
        tests = [
            {"id": t, "duration": round(self.durations.get(t, 0.0), 4), "outcome": self.outcomes.get(t, "passed")}
            for t in self.tests
        ]
        self.out.write_text(json.dumps({"tests": tests, "lines": lines, "import_lines": import_lines}))


class SelectPlugin:
    """A mutant's run: only the tests listed in the file, in its order."""

    def __init__(self, wanted: Sequence[str]) -> None:
        self.order = {nodeid: n for n, nodeid in enumerate(wanted)}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: Any, config: Any, items: list[Any]) -> None:
        keep = sorted((i for i in items if i.nodeid in self.order), key=lambda i: self.order[i.nodeid])
        dropped = [i for i in items if i.nodeid not in self.order]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> None:
    """Loaded as a plugin (`-p mutate`) for the mapping run: tracing starts before the
    conftests are imported (they import the traced modules)."""
    if os.environ.get(TRACE_ENV):
        files = json.loads(os.environ[TRACE_FILES_ENV])
        plugin = MapPlugin(Path(os.environ[TRACE_ENV]), files, Path(os.environ[TRACE_SUB_ENV]))
        early_config.pluginmanager.register(plugin, "mutate-map")


def pytest_configure(config: Any) -> None:
    """Loaded as a plugin (`-p mutate`) for a mutant's run: only its tests."""
    if os.environ.get(SELECT_ENV):
        wanted = Path(os.environ[SELECT_ENV]).read_text().splitlines()
        config.pluginmanager.register(SelectPlugin(wanted), "mutate-select")


#: Imported by every Python a traced test starts (PYTHONPATH): traces it when started by a test.
SITECUSTOMIZE = """\
import os, sys
if os.environ.get("MUTATE_TRACE_TEST") and os.environ.get("MUTATE_TRACE_SUBDIR"):
    sys.path.insert(0, os.environ["MUTATE_TRACE_HERE"])
    import mutate
    mutate.trace_subprocess()
    sys.path.remove(os.environ["MUTATE_TRACE_HERE"])
"""


def trace_subprocess() -> None:
    """In a Python started by a traced test: trace it, write its lines on exit (or SIGTERM)."""
    import atexit

    test = os.environ[TRACE_TEST_ENV]
    out = Path(os.environ[TRACE_SUB_ENV]) / f"sub-{os.getpid()}-{time.monotonic_ns()}.json"
    tracer = Tracer(json.loads(os.environ[TRACE_FILES_ENV]))
    done = threading.Event()

    def write() -> None:
        if done.is_set():
            return
        done.set()
        lines = tracer.lines(tracer.current)
        tracer.stop()
        data = {"test": test, "lines": sorted(lines), "import_lines": sorted(tracer.import_lines)}
        with contextlib.suppress(OSError):
            out.write_text(json.dumps(data))

    def terminated(signum: int, frame: object) -> None:
        write()
        os._exit(128 + signum)

    atexit.register(write)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, terminated)
    tracer.start()


# ----------------------------------------------------------------------------- the run


def copy_tree(dest: Path, rev: str | None) -> None:
    """The tree to mutate: the working tree, or `rev` from git; .venv linked, not copied."""
    if rev is None:
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*COPY_IGNORE), symlinks=True)
    else:
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    (dest / ".venv").symlink_to(ROOT / ".venv")


def tree_hash(root: Path, tests: Sequence[str] = ()) -> str:
    """Names the mapping run: the tree's files and the tests it ran."""
    digest = hashlib.sha256("\0".join(tests).encode())
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == ".venv" or "__pycache__" in rel.parts or not path.is_file():
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTATE_")}
    env.update(extra)
    return env


def map_tests(tree: Path, files: Sequence[str], work: Path, tests: Sequence[str] = ()) -> dict[str, Any]:
    """Runs the whole suite once in `tree` with the tracer (see MapPlugin)."""
    site = work / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    subdir = work / "sub"
    subdir.mkdir(exist_ok=True)
    out = work / "map.json"
    traced = {os.path.realpath(tree / f): f for f in files}
    env = _env(
        {
            TRACE_ENV: str(out),
            TRACE_FILES_ENV: json.dumps(traced),
            TRACE_SUB_ENV: str(subdir),
            "MUTATE_TRACE_HERE": str(HERE),
            "PYTHONPATH": os.pathsep.join([str(site), str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]),
        }
    )
    command = [sys.executable, "-m", "pytest", "-p", "mutate", "-q", "-p", "no:cacheprovider"]
    command += [f"--basetemp={work / 'pytest-map'}", *tests]
    started = time.monotonic()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if not out.exists():
        raise SystemExit(
            f"the mapping run wrote no map (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    data = json.loads(out.read_text())
    data["seconds"] = round(time.monotonic() - started, 1)
    data["summary"] = (done.stdout.strip().splitlines() or [""])[-1]
    return data


@dataclasses.dataclass
class Coverage:
    """The mapping run, read: which (passing) tests run which line."""

    tests: list[dict[str, Any]]
    lines: dict[str, dict[int, list[int]]]
    import_lines: dict[str, set[int]]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Coverage:
        return cls(
            tests=data["tests"],
            lines={f: {int(n): ts for n, ts in ls.items()} for f, ls in data["lines"].items()},
            import_lines={f: set(ls) for f, ls in data["import_lines"].items()},
        )

    def usable(self, index: int) -> bool:
        return self.tests[index]["outcome"] == "passed"

    def tests_for(self, mutant: Mutant) -> list[int]:
        """The passing tests that run the mutant's lines; for a line run at import, also every
        test that runs any line of its file. In the order they are run (`-x` stops at the first
        failure): those running the lines first, then the others; the fastest first in each."""
        lines = self.lines.get(mutant.file, {})
        span = range(mutant.line, mutant.end_line + 1)
        direct: set[int] = set()
        for n in span:
            direct.update(lines.get(n, ()))
        wider: set[int] = set()
        if any(n in self.import_lines.get(mutant.file, ()) for n in span):
            for tests in lines.values():
                wider.update(tests)
        wider -= direct

        def fastest(group: set[int]) -> list[int]:
            return sorted((i for i in group if self.usable(i)), key=lambda i: (self.tests[i]["duration"], i))

        return fastest(direct) + fastest(wider)

    def seconds(self, tests: Iterable[int]) -> float:
        return sum(self.tests[i]["duration"] for i in tests)


def run_first(tests: Sequence[int], first: Sequence[int]) -> list[int]:
    """`tests` with those in `first` first, in its order; the rest keep theirs."""
    place = {t: n for n, t in enumerate(first)}
    return sorted(tests, key=lambda t: place.get(t, len(place)))


def run_mutant(tree: Path, mutant: Mutant, cov: Coverage, work: Path, first: Sequence[int] = ()) -> dict[str, Any]:
    """Applies `mutant` in `tree`, runs its tests (those in `first` first), restores the file."""
    result: dict[str, Any] = {
        "file": mutant.file,
        "line": mutant.line,
        "operator": mutant.operator,
        "original": mutant.original,
        "mutated": mutant.mutated,
        "key": mutant.key,
    }
    path = tree / mutant.file
    source = path.read_text()
    result["source"] = source.splitlines()[mutant.line - 1].strip()
    tests = run_first(cov.tests_for(mutant), first)
    result["tests"] = len(tests)
    if not tests:
        return {**result, "status": "not covered", "seconds": 0.0}
    mutated = apply(source, mutant)
    try:
        compile(mutated, str(path), "exec")
    except SyntaxError as e:
        return {**result, "status": "error", "detail": f"the mutant does not compile: {e}", "seconds": 0.0}
    ids = [cov.tests[i]["id"] for i in tests]
    select = work / "select.txt"
    select.write_text("\n".join(ids) + "\n")
    files = sorted({i.split("::")[0] for i in ids})
    timeout = max(MIN_TIMEOUT, TIMEOUT_FACTOR * (STARTUP_SECONDS + cov.seconds(tests)))
    command = [sys.executable, "-m", "pytest", "-p", "mutate", "-x", "-q", "-p", "no:cacheprovider"]
    command += [f"--basetemp={work / 'pytest'}", *files]
    env = _env({SELECT_ENV: str(select), "PYTHONPATH": str(HERE)})
    pyc = Path(importlib.util.cache_from_source(str(path)))
    started = time.monotonic()
    try:
        path.write_text(mutated)
        pyc.unlink(missing_ok=True)
        process = subprocess.Popen(
            command,
            cwd=tree,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return {**result, "status": "timeout", "seconds": round(time.monotonic() - started, 1), "timeout": timeout}
    finally:
        path.write_text(source)
        pyc.unlink(missing_ok=True)
    result["seconds"] = round(time.monotonic() - started, 1)
    code = process.returncode
    failed = [
        line.split(" - ")[0].split(" ", 1)[1] for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))
    ]
    if code == 0:
        return {**result, "status": "survived"}
    if code in (1, 2):  # tests failed; or an error while collecting (the mutant breaks an import)
        return {**result, "status": "killed", "by": failed[:1]}
    return {**result, "status": "error", "detail": f"pytest exit {code}: {output[-2000:]}"}


def load_candidates(tree: Path, files: Sequence[str]) -> dict[str, list[Mutant]]:
    return {f: find_mutants((tree / f).read_text(), f) for f in files}


def report(
    results: list[dict[str, Any]],
    equivalents: dict[str, tuple[Mutant, str]],
    stale: list[str],
    failing: list[str],
    out: Any,
) -> dict[str, Any]:
    summary = summarize(results)

    def pct(value: float | None) -> str:
        return "   -" if value is None else f"{value:5.1f}%"

    print("\nKill rate per file (killed incl. timeouts / mutants; equivalents excluded):", file=out)
    for file, c in summary["files"].items():
        extra = []
        if c["timeout"]:
            extra.append(f"{c['timeout']} by timeout")
        if c["not covered"]:
            extra.append(f"{c['not covered']} not covered")
        if c["error"]:
            extra.append(f"{c['error']} errors")
        note = f"  ({', '.join(extra)})" if extra else ""
        print(f"  {file:32} {c['killed'] + c['timeout']:4}/{c['counted']:<4} {pct(c['rate'])}{note}", file=out)
    t = summary["total"]
    print(
        f"  {'TOTAL':32} {t['killed'] + t['timeout']:4}/{t['counted']:<4} {pct(t['rate'])}"
        f"  (killed {t['killed']}, timeout {t['timeout']}, survived {t['survived']}, not covered {t['not covered']})",
        file=out,
    )
    survivors = [r for r in results if r["status"] in SURVIVED]
    if survivors:
        print(f"\nSurviving mutants ({len(survivors)}): no test fails on these changes", file=out)
        for r in survivors:
            how = "not covered" if r["status"] == "not covered" else f"{r['tests']} tests pass"
            print(f"  {r['key']}  [{r['operator']}; {how}]\n      | {r['source'][:110]}", file=out)
    errors = [r for r in results if r["status"] == "error"]
    if errors:
        print(f"\nMutants not run ({len(errors)}):", file=out)
        for r in errors:
            print(f"  {r['key']}: {r['detail'][:300]}", file=out)
    if equivalents:
        print(f"\nEquivalent mutants, excluded (scripts/mutate-equivalent.txt, {len(equivalents)}):", file=out)
        for key, (_, reason) in sorted(equivalents.items()):
            print(f"  {key}\n      {reason}", file=out)
    if stale:
        print(f"\nStale entries of scripts/mutate-equivalent.txt (no such mutant now; {len(stale)}):", file=out)
        for key in stale:
            print(f"  {key}", file=out)
    if failing:
        print(f"\nTests failing on the unmutated tree, not used ({len(failing)}):", file=out)
        for t_id in failing:
            print(f"  {t_id}", file=out)
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0], prog="scripts/mutate.py")
    parser.add_argument("--sample", type=int, default=DEFAULT_SAMPLE, help=f"mutants to run (default {DEFAULT_SAMPLE})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"sampling seed (default {DEFAULT_SEED})")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"mutants run at once (default {DEFAULT_JOBS})")
    parser.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 when the kill rate is below PCT")
    parser.add_argument("--rev", help="mutate this git revision instead of the working tree")
    parser.add_argument("--files", nargs="+", metavar="FILE", help="only these of the mutated files")
    parser.add_argument("--tests", nargs="+", default=[], metavar="PATH", help="map (and so use) only these tests")
    parser.add_argument("--list", action="store_true", help="only list the candidates per file and the sample")
    parser.add_argument("--remap", action="store_true", help="redo the test-to-line map even if cached")
    parser.add_argument("--json", type=Path, default=RESULT_FILE, help=f"result file (default {RESULT_FILE})")
    args = parser.parse_args(argv)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        work = Path(tmp)
        trees = [work / f"tree-{j}" for j in range(max(1, args.jobs))]
        copy_tree(trees[0], args.rev)
        files = target_files(trees[0])
        # The mutated files as they were, beside the result: others edit the tree meanwhile,
        # and the survivors' line numbers are these files'.
        snapshot = args.json.parent / "mutate-snapshot"
        shutil.rmtree(snapshot, ignore_errors=True)
        for f in files:
            (snapshot / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(trees[0] / f, snapshot / f)
        if args.files:
            files = [f for f in files if f in set(args.files)]
        candidates = load_candidates(trees[0], files)
        try:
            listed = parse_equivalents(EQUIVALENT_FILE.read_text())
        except EquivalentFileError as err:
            raise SystemExit(f"{EQUIVALENT_FILE.relative_to(ROOT)}: {err}") from None
        equivalents, stale = match_equivalents(listed, candidates)
        pool = {f: [m for m in ms if m.key not in equivalents] for f, ms in candidates.items()}
        chosen = sample(pool, args.sample, args.seed)
        print(f"mutate: {sum(len(ms) for ms in candidates.values())} candidate mutants in {len(files)} files,")
        print(f"        {len(equivalents)} known equivalent; sample {len(chosen)} (seed {args.seed})")
        if args.list:
            for f in files:
                quota = sum(1 for m in chosen if m.file == f)
                print(
                    f"  {f:32} {len(candidates[f]):5} candidates on {file_size(candidates[f]):4} lines, {quota} sampled"
                )
            for m in chosen:
                print(f"  {m.key}  [{m.operator}]")
            return 0

        digest = tree_hash(trees[0], args.tests)
        cached: dict[str, Any] | None = None
        if COVERAGE_CACHE.exists() and not args.remap:
            stored = json.loads(COVERAGE_CACHE.read_text())
            cached = stored if stored.get("tree") == digest else None
        if cached is None:
            print("mutate: mapping tests to lines (the whole suite once, traced)...", flush=True)
            (work / "map").mkdir()
            cached = {"tree": digest, **map_tests(trees[0], target_files(trees[0]), work / "map", args.tests)}
            COVERAGE_CACHE.parent.mkdir(exist_ok=True)
            COVERAGE_CACHE.write_text(json.dumps(cached))
            print(f"mutate: mapped {len(cached['tests'])} tests in {cached['seconds']} s: {cached['summary']}")
        else:
            print(f"mutate: test-to-line map reused ({COVERAGE_CACHE.relative_to(ROOT)}, same tree)")
        cov = Coverage.of(cached)
        failing = [t["id"] for t in cov.tests if t["outcome"] == "failed"]

        for tree in trees[1:]:
            shutil.copytree(trees[0], tree, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        free: queue.Queue[Path] = queue.Queue()
        for tree in trees:
            free.put(tree)
        results: list[dict[str, Any] | None] = [None] * len(chosen)
        lock = threading.Lock()
        done = 0

        # The tests that killed a file's mutants run first for its next ones (most recent
        # first): a kill then takes one test, not the many a line's tests can be. Only the
        # order changes, not whether a mutant is killed.
        killers: dict[str, list[int]] = {}
        index = {t["id"]: n for n, t in enumerate(cov.tests)}

        def one(i: int) -> None:
            nonlocal done
            mutant = chosen[i]
            tree = free.get()
            try:
                with lock:
                    first = list(killers.get(mutant.file, ()))
                result = run_mutant(tree, mutant, cov, work / f"run-{tree.name}", first)
            finally:
                free.put(tree)
            results[i] = result
            with lock:
                for killer in result.get("by", [])[:1]:
                    if killer in index:
                        recent = killers.setdefault(mutant.file, [])
                        if index[killer] in recent:
                            recent.remove(index[killer])
                        recent.insert(0, index[killer])
                done += 1
                extra = f" by {result['by'][0]}" if result.get("by") else ""
                print(
                    f"[{done:>{len(str(len(chosen)))}}/{len(chosen)}] {result['status']:11} {result['key']}"
                    f"  ({result['tests']} tests, {result['seconds']} s{extra})",
                    flush=True,
                )

        for tree in trees:
            (work / f"run-{tree.name}").mkdir()
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(trees)) as executor:
            for future in [executor.submit(one, i) for i in range(len(chosen))]:
                future.result()

    finished = [r for r in results if r is not None]
    summary = report(finished, equivalents, stale, failing, sys.stdout)
    elapsed = round(time.monotonic() - started, 1)
    print(
        f"\nmutate: {len(finished)} mutants in {elapsed} s; result in {args.json}, the files as mutated in {snapshot}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "seed": args.seed,
                "sample": args.sample,
                "rev": args.rev,
                "snapshot": str(snapshot),
                "seconds": elapsed,
                "candidates": {f: len(ms) for f, ms in candidates.items()},
                "summary": summary,
                "mutants": finished,
                "equivalent": [{"key": k, "reason": r} for k, (_, r) in sorted(equivalents.items())],
                "stale_equivalent": stale,
                "failing_tests": failing,
            },
            indent=2,
        )
        + "\n"
    )
    code = exit_code(summary["total"]["rate"], args.fail_under)
    if code:
        print(f"mutate: the kill rate is below --fail-under {args.fail_under}%")
    return code


def exit_code(kill_rate: float | None, fail_under: float | None) -> int:
    """0, unless `--fail-under` is given and the rate is below it (or there is none)."""
    if fail_under is None:
        return 0
    return 0 if kill_rate is not None and kill_rate >= fail_under else 1


if __name__ == "__main__":
    sys.exit(main())
