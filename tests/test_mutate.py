"""`make mutate` (scripts/mutate.py): its operators on small sources, the stratified sample, the
equivalent-mutant file, the kill-rate arithmetic, and its test-to-line map and mutant runs on a
tiny project of its own (a few seconds; never a mutation run of this project)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

import scripts.mutate as mutate


def found(source: str, operator: str | None = None) -> list[tuple[str, str, str]]:
    """(operator, original, mutated) of every candidate of `source`, or of one operator."""
    ms = mutate.find_mutants(textwrap.dedent(source), "m.py")
    return [(m.operator, m.original, m.mutated) for m in ms if operator is None or m.operator == operator]


def applied(source: str, operator: str, index: int = 0) -> str:
    source = textwrap.dedent(source)
    ms = [m for m in mutate.find_mutants(source, "m.py") if m.operator == operator]
    return mutate.apply(source, ms[index])


# ----------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("expression", "operator", "mutated"),
    [
        ("a < b", "comparison", "a <= b"),
        ("a <= b", "comparison", "a < b"),
        ("a > b", "comparison", "a >= b"),
        ("a >= b", "comparison", "a > b"),
        ("a == b", "comparison", "a != b"),
        ("a != b", "comparison", "a == b"),
        ("a in b", "comparison", "a not in b"),
        ("a not in b", "comparison", "a in b"),
        ("a is None", "comparison", "a is not None"),
        ("a + b", "arithmetic", "a - b"),
        ("a - b", "arithmetic", "a + b"),
        ("a * b", "arithmetic", "a // b"),
        ("a // b", "arithmetic", "a * b"),
        ("a / b", "arithmetic", "a * b"),
        ("a and b", "boolean", "a or b"),
        ("a or b", "boolean", "a and b"),
        ("not a", "not-removed", "a"),
        ("True", "true-false", "False"),
        ("'Tcp'", "string-swap", "'Udp'"),
        ("'Allow'", "string-swap", "'Deny'"),
        ("'Inbound'", "string-swap", "'Outbound'"),
    ],
)
def test_each_operator_makes_its_one_mutant(expression: str, operator: str, mutated: str) -> None:
    # A module-level assignment: no statement deletion (functions only), no return.
    assert found(f"x = {expression}") == [(operator, expression, mutated)]


def test_an_int_constant_is_moved_up_and_down_by_one() -> None:
    assert found("LIMIT = 100") == [("constant", "100", "101"), ("constant", "100", "99")]


@pytest.mark.parametrize(
    "expression",
    [
        "'other'",  # only the Azure enum strings of the swap table
        "None",
        "a % b",  # string formatting as often as arithmetic
        "'-' + a",  # a string concatenation fails at once: not a useful mutant
        "[a] * b",
        "f'{a + b} of {c < d}'",  # messages
        "a @ b",
    ],
)
def test_no_mutant_for(expression: str) -> None:
    assert found(f"x = {expression}") == []


def test_a_chained_comparison_gets_one_mutant_per_operator() -> None:
    assert found("x = a < b <= c") == [
        ("comparison", "a < b <= c", "a < b < c"),
        ("comparison", "a < b <= c", "a <= b <= c"),
    ]


def test_a_returned_value_is_dropped_to_the_empty_value_of_the_declared_type() -> None:
    source = """
        def a(xs) -> list[str]:
            return sorted(xs)
        def b(xs) -> dict[str, int]:
            return dict(xs)
        def c(xs) -> tuple[int, ...]:
            return tuple(xs)
        def d(xs) -> str:
            return xs.name
        def e(xs) -> int:
            return len(xs)
        def f(xs):
            return [x for x in xs]
        def g(xs):
            yield xs
            return len(xs)
        def h(xs) -> bool:
            return False
    """
    assert found(source, "return-dropped") == [
        ("return-dropped", "return sorted(xs)", "return []"),
        ("return-dropped", "return dict(xs)", "return {}"),
        ("return-dropped", "return tuple(xs)", "return ()"),
        ("return-dropped", "return xs.name", 'return ""'),
        ("return-dropped", "return len(xs)", "return None"),
        ("return-dropped", "return [x for x in xs]", "return []"),
        # g: a generator's return is not a result; h: a returned constant is swapped instead.
    ]
    assert found(source, "true-false") == [("true-false", "False", "True")]


def test_statements_are_deleted_inside_functions_only() -> None:
    source = """
        TOTAL = compute()
        def f(xs):
            xs.append(y)
            y = g(xs)
            y += z
            z: int = y
            return y
    """
    assert found(source, "statement-deleted") == [
        ("statement-deleted", "xs.append(y)", "pass"),
        ("statement-deleted", "y = g(xs)", "pass"),
        ("statement-deleted", "y += z", "pass"),
        ("statement-deleted", "z: int = y", "pass"),
    ]
    assert found(source, "arithmetic") == [("arithmetic", "y += z", "y -= z")]


def test_an_if_condition_is_negated() -> None:
    source = """
        def f(a, b):
            if a < b:
                pass
            elif ready(a):
                pass
    """
    assert found(source, "if-negated") == [
        ("if-negated", "a < b", "not (a < b)"),
        ("if-negated", "ready(a)", "not ready(a)"),
    ]
    assert applied(source, "if-negated").splitlines()[2] == "    if (not (a < b)):"


def test_docstrings_annotations_messages_logging_and_marked_lines_are_never_mutated() -> None:
    source = '''
        """Module 'Tcp' docstring."""
        from typing import TYPE_CHECKING, Literal
        if TYPE_CHECKING:
            import os
        class C:
            """Class docstring."""
            kind: Literal[1]
            "An attribute's docstring."
            def __repr__(self) -> str:
                return "C" if self.a < 1 else "D"
        def f(a: Literal[2]) -> Literal[3]:
            """Function docstring."""
            pulumi.log.warn(f"{a + 1}", a < 1)
            raise ValueError(f"{a - 1} is not {a < 2}")
        LIMIT = 4  # pragma: no mutate
        if __name__ == "__main__":
            f(5)
    '''
    # Only the logging call itself may go (whether a warning is given is behaviour).
    assert found(source) == [("statement-deleted", "pulumi.log.warn(f'{a + 1}', a < 1)", "pass")]


def test_a_match_pattern_is_not_mutated_but_its_guard_and_body_are() -> None:
    source = """
        match a:
            case 1 if b < 2:
                x = True
    """
    assert found(source) == [
        ("comparison", "b < 2", "b <= 2"),
        ("constant", "2", "1"),
        ("constant", "2", "3"),
        ("true-false", "True", "False"),
    ]


def test_mutants_alike_on_one_line_are_told_apart_by_column() -> None:
    keys = [m.key for m in mutate.find_mutants("x = f(1, 1)\n", "m.py")]
    assert keys == [
        "m.py:1: 1 -> 0 [col 6]",
        "m.py:1: 1 -> 2 [col 6]",
        "m.py:1: 1 -> 0 [col 9]",
        "m.py:1: 1 -> 2 [col 9]",
    ]


def test_applying_a_mutant_changes_its_node_only_even_after_non_ascii_text() -> None:
    source = 'x = ("é → ü", a < b)  # é\ny = a < b\n'
    [first, second] = mutate.find_mutants(source, "m.py")
    assert mutate.apply(source, first) == 'x = ("é → ü", (a <= b))  # é\ny = a < b\n'
    assert mutate.apply(source, second) == 'x = ("é → ü", a < b)  # é\ny = (a <= b)\n'
    assert (second.line, second.end_line) == (2, 2)


def test_a_multi_line_statement_is_deleted_whole_and_covers_all_its_lines() -> None:
    source = "def f():\n    x = g(\n        1,\n    )\n    return x\n"
    [deleted] = [m for m in mutate.find_mutants(source, "m.py") if m.operator == "statement-deleted"]
    assert (deleted.line, deleted.end_line) == (2, 4)
    assert mutate.apply(source, deleted) == "def f():\n    pass\n    return x\n"


def test_each_mutant_computes_what_its_change_says() -> None:
    source = textwrap.dedent(
        """
        def f(a, b):
            if a < b and b > 0:
                return a + b
            return -1
        """
    )

    def run(text: str) -> list[int]:
        scope: dict[str, Any] = {}
        exec(compile(text, "m.py", "exec"), scope)
        return [scope["f"](a, b) for a, b in [(1, 2), (2, 2), (1, 0), (3, 1)]]

    assert run(source) == [3, -1, -1, -1]
    outcomes = {m.key: run(mutate.apply(source, m)) for m in mutate.find_mutants(source, "m.py")}
    assert outcomes == {
        "m.py:3: a < b -> a <= b": [3, 4, -1, -1],
        "m.py:3: a < b and b > 0 -> not (a < b and b > 0)": [-1, 4, 1, 4],
        "m.py:3: a < b and b > 0 -> a < b or b > 0": [3, 4, -1, 4],
        # The boundary mutants survive these inputs: they need b of 0 or 1 with a < b.
        "m.py:3: b > 0 -> b >= 0": [3, -1, -1, -1],
        "m.py:3: 0 -> 1": [3, -1, -1, -1],
        "m.py:3: 0 -> -1": [3, -1, -1, -1],
        "m.py:4: return a + b -> return None": [None, -1, -1, -1],
        "m.py:4: a + b -> a - b": [-1, -1, -1, -1],
        "m.py:5: return -1 -> return None": [3, None, None, None],
        "m.py:5: 1 -> 2": [3, -2, -2, -2],
        "m.py:5: 1 -> 0": [3, 0, 0, 0],
    }


def test_every_mutant_of_a_component_compiles_and_differs() -> None:
    path = ROOT / "components" / "network.py"
    source = path.read_text()
    ms = mutate.find_mutants(source, "components/network.py")
    assert len(ms) > 20
    for m in ms:
        text = mutate.apply(source, m)
        assert text != source
        compile(text, str(path), "exec")


def test_long_texts_are_shown_around_the_change() -> None:
    original = "first_argument_name < " + "x" * 80
    mutated = "first_argument_name <= " + "x" * 80
    assert mutate.shorten(original, mutated) == (
        "first_argument_name < " + "x" * 23 + "...",
        "first_argument_name <= " + "x" * 23 + "...",
    )
    assert mutate.shorten("a < b", "a <= b") == ("a < b", "a <= b")


# ----------------------------------------------------------------------------- sampling


def fake(file: str, line: int, n: int = 0) -> mutate.Mutant:
    return mutate.Mutant(file, line, line, "constant", str(n), str(n + 1), 0, 1, str(n + 1))


def candidates(lines: dict[str, int], per_line: int = 2) -> dict[str, list[mutate.Mutant]]:
    return {f: [fake(f, line, k) for line in range(1, n + 1) for k in range(per_line)] for f, n in lines.items()}


def test_the_sample_is_stratified_in_proportion_to_each_files_lines() -> None:
    pool = candidates({"a.py": 10, "b.py": 30, "c.py": 60})
    chosen = mutate.sample(pool, 20, seed=1)
    assert len(chosen) == 20
    assert {f: sum(m.file == f for m in chosen) for f in pool} == {"a.py": 2, "b.py": 6, "c.py": 12}
    assert len(set(chosen)) == 20


def test_the_sample_is_the_same_for_a_seed_and_another_for_another_seed() -> None:
    pool = candidates({"a.py": 40, "b.py": 60})
    assert mutate.sample(pool, 10, seed=7) == mutate.sample(pool, 10, seed=7)
    assert mutate.sample(pool, 10, seed=7) != mutate.sample(pool, 10, seed=8)


@pytest.mark.parametrize(
    ("sizes", "available", "n", "quota"),
    [
        ({"a": 10, "b": 30, "c": 60}, {"a": 99, "b": 99, "c": 99}, 10, {"a": 1, "b": 3, "c": 6}),
        # Every file gets one when n allows, taken from the file with the most.
        ({"a": 10, "b": 30, "c": 60}, {"a": 99, "b": 99, "c": 99}, 3, {"a": 1, "b": 1, "c": 1}),
        ({"a": 1, "b": 1000}, {"a": 5, "b": 2000}, 10, {"a": 1, "b": 9}),
        # A file with fewer candidates than its share gives the rest to the others.
        ({"a": 10, "b": 90}, {"a": 100, "b": 3}, 20, {"a": 17, "b": 3}),
        # More than there are: all of them; a file without candidates gets none.
        ({"a": 5, "b": 5, "c": 0}, {"a": 2, "b": 3, "c": 0}, 50, {"a": 2, "b": 3}),
        # Fewer than files: the largest get one.
        ({"a": 5, "b": 50, "c": 20}, {"a": 9, "b": 9, "c": 9}, 2, {"a": 0, "b": 1, "c": 1}),
    ],
)
def test_allocation(sizes: dict[str, int], available: dict[str, int], n: int, quota: dict[str, int]) -> None:
    assert mutate.allocate(sizes, available, n) == quota


# ----------------------------------------------------------------------------- equivalents

EQUIVALENTS = """\
# a comment
components/x.py:12: a < b -> a <= b
    a and b are never equal here: b is a + 1 (line 10),
    so both compare alike.

components/y.py:3: 'Tcp' -> 'Udp'
    only a label
"""


def test_the_equivalent_file_is_each_mutant_with_its_reason() -> None:
    assert mutate.parse_equivalents(EQUIVALENTS) == {
        "components/x.py:12: a < b -> a <= b": "a and b are never equal here: b is a + 1 (line 10), so both compare alike.",
        "components/y.py:3: 'Tcp' -> 'Udp'": "only a label",
    }


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("components/x.py:12: a < b -> a <= b\n", "no reason given for 'components/x.py:12: a < b -> a <= b'"),
        ("    a reason\n", "line 1: a reason without a mutant before it"),
        ("components/x.py: a < b -> a <= b\n  r\n", "line 1: not `file:line: original -> mutated`"),
        ("x.py:1: a -> b\n  r\nx.py:1: a -> b\n  r\n", "line 3: listed twice"),
    ],
)
def test_a_malformed_equivalent_file_is_an_error(text: str, error: str) -> None:
    with pytest.raises(mutate.EquivalentFileError, match=error.replace("(", r"\(").replace(")", r"\)")):
        mutate.parse_equivalents(text)


def test_the_committed_equivalent_file_parses() -> None:
    entries = mutate.parse_equivalents(mutate.EQUIVALENT_FILE.read_text())
    for key in entries:
        assert (ROOT / key.split(":")[0]).is_file(), key


def test_equivalents_match_by_key_or_by_text_when_the_line_moved_and_stale_ones_are_listed() -> None:
    source = "x = a < b\ny = c\nz = a < b\nw = width < limit\nv = f(7)\n"
    pool = {"m.py": mutate.find_mutants(source, "m.py")}
    equivalents = {
        "m.py:1: a < b -> a <= b": "exact",
        "m.py:9: width < limit -> width <= limit": "moved from line 9 to 4: one such mutant, still found",
        "m.py:8: a < b -> a <= b": "moved, but two such mutants (1 and 3): ambiguous",
        "m.py:7: 7 -> 8": "moved, and a bare constant: it could be another 7 now",
        "m.py:2: c -> d": "no such mutant",
    }
    matched, stale = mutate.match_equivalents(equivalents, pool)
    assert {k: reason for k, (_, reason) in matched.items()} == {
        "m.py:1: a < b -> a <= b": "exact",
        "m.py:4: width < limit -> width <= limit": "moved from line 9 to 4: one such mutant, still found",
    }
    assert stale == ["m.py:8: a < b -> a <= b", "m.py:7: 7 -> 8", "m.py:2: c -> d"]


# ----------------------------------------------------------------------------- kill rate


def test_the_kill_rate_counts_timeouts_as_killed_and_not_covered_as_survived_and_leaves_out_errors() -> None:
    statuses = {
        "a.py": ["killed"] * 6 + ["timeout"] + ["survived"] * 2 + ["not covered"],
        "b.py": ["error", "survived"],
    }
    results = [{"file": f, "status": s} for f, ss in statuses.items() for s in ss]
    summary = mutate.summarize(results)
    assert summary["files"]["a.py"] == {
        "killed": 6,
        "timeout": 1,
        "survived": 2,
        "not covered": 1,
        "error": 0,
        "counted": 10,
        "rate": 70.0,
    }
    assert summary["files"]["b.py"]["rate"] == 0.0
    assert summary["total"]["counted"] == 11
    assert summary["total"]["rate"] == pytest.approx(100 * 7 / 11)
    assert mutate.summarize([{"file": "c.py", "status": "error"}])["total"]["rate"] is None


def test_fail_under_is_the_only_way_to_a_non_zero_exit() -> None:
    assert mutate.exit_code(60.0, None) == 0
    assert mutate.exit_code(60.0, 60.0) == 0
    assert mutate.exit_code(59.9, 60.0) == 1
    assert mutate.exit_code(None, 60.0) == 1


# ----------------------------------------------------------------------------- the line map

INSTRUMENTED = '''\
"""Doc."""

from __future__ import annotations

X = (
    1
)


class C:
    """Doc of C."""

    y = 2


def f(a):
    """Doc of f."""
    if (
        a > 0
    ):
        return a
    try:
        raise ValueError
    except ValueError:
        pass
    match a:
        case -1:
            return 0
    return -a
'''


def test_instrumented_code_runs_alike_and_records_each_statement_it_runs() -> None:
    tree, spans, at_import = mutate.instrument(INSTRUMENTED, 7)
    hits: list[tuple[int, int]] = []
    scope: dict[str, Any] = {mutate.HIT: lambda number, line: hits.append((number, line))}
    exec(compile(tree, "m.py", "exec", dont_inherit=True), scope)
    # Docstrings stay docstrings, `from __future__` stays first (or this would not compile).
    assert (scope["__doc__"], scope["C"].__doc__, scope["f"].__doc__) == ("Doc.", "Doc of C.", "Doc of f.")
    assert hits == [(7, 5), (7, 10), (7, 13), (7, 16)]
    assert at_import == {1, 3, 5, 6, 7, 10, 11, 13, 16}
    hits.clear()
    assert scope["f"](2) == 2
    assert [line for _, line in hits] == [18, 21]
    hits.clear()
    assert scope["f"](-1) == 0
    # The `except` and `case` lines count when their block is entered.
    assert [line for _, line in hits] == [18, 22, 23, 24, 25, 26, 27, 28]
    # What a statement's line stands for: a simple one all its lines, a compound one its header.
    assert (spans[5], spans[18], spans[16], spans[24], spans[27]) == ((5, 7), (18, 20), (16, 16), (24, 24), (27, 27))


def test_a_decorated_definition_stands_for_its_decorators_too() -> None:
    _, spans, at_import = mutate.instrument("@a(\n    1\n)\ndef f(\n    x=2,\n):\n    return x\n", 0)
    assert spans[4] == (1, 6)
    assert at_import == {1, 2, 3, 4, 5, 6}


def test_a_mutants_tests_run_fastest_first_and_those_of_its_lines_before_the_files_others() -> None:
    cov = mutate.Coverage(
        tests=[{"id": f"t{n}", "duration": d, "outcome": "passed"} for n, d in enumerate([0.5, 0.1, 0.3, 0.2])],
        lines={"m.py": {1: [0, 1, 2], 2: [3]}},
        import_lines={"m.py": {2}},
    )
    [m1, _] = mutate.find_mutants("x = 1\n", "m.py")
    [m2, _] = mutate.find_mutants("\ny = 2\n", "m.py")
    assert cov.tests_for(m1) == [1, 2, 0]  # the fastest first
    # A line run at import: its own tests first, then the file's others.
    assert cov.tests_for(m2) == [3, 1, 2, 0]
    cov.tests[1]["outcome"] = "failed"
    assert cov.tests_for(m1) == [2, 0]


def test_the_tests_that_killed_a_files_mutants_before_run_first() -> None:
    assert mutate.run_first([1, 2, 0, 3], first=[3, 0, 9]) == [3, 0, 1, 2]
    assert mutate.run_first([1, 2, 0], first=[]) == [1, 2, 0]


# ----------------------------------------------------------------------------- map and runs, on a tiny project

CALC = """\
LIMIT = 3


def below(n):
    return n < LIMIT


def twice(n):
    return n * 2


def unused(n):
    return n - 1
"""

CONFTEST = """\
import pytest

from pkg import calc

_RUNS = {}


def cached(n):
    key = str(n)
    if key not in _RUNS:
        _RUNS[key] = calc.twice(n)
    return _RUNS[key]


@pytest.fixture(scope="module")
def limit():
    return calc.below(1)
"""

TESTS = """\
import subprocess
import sys
from pathlib import Path

from conftest import cached

from pkg.calc import below


def test_below():
    assert below(2) and not below(3)


def test_cached_first():
    assert cached(2) == 4


def test_cached_again():
    assert cached(2) == 4


def test_fixture_first(limit):
    assert limit


def test_fixture_again(limit):
    assert limit


def test_fixture_by_name(request):
    assert request.getfixturevalue("limit")


def test_subprocess():
    code = "from pkg import calc; calc.unused(1)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_fails():
    assert False
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, mutate.Coverage]:
    tree = tmp_path_factory.mktemp("tiny")
    files = {
        "pytest.ini": "[pytest]\npythonpath = . tests\n",
        "pkg/__init__.py": "",
        "pkg/calc.py": CALC,
        "tests/conftest.py": CONFTEST,
        "tests/test_calc.py": TESTS,
    }
    for name, text in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    work = tmp_path_factory.mktemp("work")
    return tree, mutate.Coverage.of(mutate.map_tests(tree, ["pkg/calc.py"], work))


def covering(cov: mutate.Coverage, line: int) -> list[str]:
    return sorted(cov.tests[i]["id"].split("::")[1] for i in cov.lines["pkg/calc.py"].get(line, ()))


def test_the_map_knows_which_test_runs_which_line(tiny: tuple[Path, mutate.Coverage]) -> None:
    _, cov = tiny
    # A cached result and a module fixture: the later readers depend on the lines too, a test
    # that asks for the fixture by name at run time included.
    assert covering(cov, 5) == ["test_below", "test_fixture_again", "test_fixture_by_name", "test_fixture_first"]
    assert covering(cov, 9) == ["test_cached_again", "test_cached_first"]
    # A line run only by a subprocess a test started.
    assert covering(cov, 13) == ["test_subprocess"]
    assert cov.import_lines["pkg/calc.py"] == {1, 4, 8, 12}
    outcomes = {t["id"].split("::")[1]: t["outcome"] for t in cov.tests}
    assert outcomes["test_fails"] == "failed"
    assert set(outcomes.values()) == {"passed", "failed"}


def test_a_line_run_at_import_runs_every_test_of_the_file_and_never_a_failing_one(
    tiny: tuple[Path, mutate.Coverage],
) -> None:
    _, cov = tiny
    [limit] = [m for m in mutate.find_mutants(CALC, "pkg/calc.py") if m.line == 1 and m.mutated == "4"]
    names = [cov.tests[i]["id"].split("::")[1] for i in cov.tests_for(limit)]
    assert sorted(names) == sorted(
        [
            "test_below",
            "test_fixture_first",
            "test_fixture_again",
            "test_fixture_by_name",
            "test_cached_first",
            "test_cached_again",
            "test_subprocess",
        ]
    )


def run(tree: Path, cov: mutate.Coverage, tmp_path: Path, line: int, mutated: str) -> dict[str, Any]:
    [mutant] = [m for m in mutate.find_mutants(CALC, "pkg/calc.py") if m.line == line and m.mutated == mutated]
    result = mutate.run_mutant(tree, mutant, cov, tmp_path)
    assert (tree / "pkg" / "calc.py").read_text() == CALC  # restored
    return result


@pytest.mark.parametrize(
    ("line", "mutated", "status", "by"),
    [
        # Either reader of the cached value, whichever was faster in the map, runs first.
        (9, "n // 2", "killed", {"test_cached_first", "test_cached_again"}),
        (1, "4", "killed", {"test_below"}),
        (13, "n + 1", "survived", set()),
    ],
)
def test_a_mutant_runs_the_tests_of_its_line(
    tiny: tuple[Path, mutate.Coverage], tmp_path: Path, line: int, mutated: str, status: str, by: set[str]
) -> None:
    tree, cov = tiny
    result = run(tree, cov, tmp_path, line, mutated)
    assert result["status"] == status
    killers = [t.split("::")[1] for t in result.get("by", [])]
    assert len(killers) == (1 if by else 0)
    assert set(killers) <= by


def test_a_mutant_no_test_runs_is_not_covered(tiny: tuple[Path, mutate.Coverage], tmp_path: Path) -> None:
    tree, cov = tiny
    cov = mutate.Coverage(cov.tests, {"pkg/calc.py": {}}, {})
    assert run(tree, cov, tmp_path, 9, "n // 2")["status"] == "not covered"


def test_the_make_target_runs_the_tool_with_args() -> None:
    out = subprocess.run(
        ["make", "--no-print-directory", "-n", "mutate", f"VENV={sys.prefix}", "ARGS=--sample 40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().endswith("scripts/mutate.py --sample 40")
