"""`make bench`: what the offline plan of a project costs beside two floors.

    python -m offline.bench [--dir PROJECT] [--config FILE]

What to time comes from the project, `PROJECT/bench/bench.yaml` by default: the stack, the
config key that sets the size (`sizeKey`, given to the plan as `--set <sizeKey>=<n>`), the
sizes, any further plan arguments (`planArgs`), and the two floors:

- Import floor (`importFloor`: modules and the classes to touch in each): a bare `python -c`
  that imports the same SDK modules and touches the same resource classes the program uses;
  no plan can start sooner.
- Program floor (`floor`: a program folder beside the file): a bare program registering the
  same resources as the plan with minimal inputs, on the same mock engine, run with config
  `<its project>:<sizeKey>` = n; it must register `floorResources` (fixed + perSize x n). Its
  cost per added unit is the SDK's and the engine's; the plan's cost per added unit above it
  is the program's (issue target: within 1.2x).

A shared 2-core machine changes speed from one second to the next (the same command varies
by 30% or more), so the runs are interleaved: each round runs the floor and the plan at every
size back to back, the per-unit ratio is taken within a round, and every figure is the median
over the rounds (memory: the peak).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from offline import stackfile

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
#: Where a project keeps what `make bench` times (relative to the project).
CONFIG = Path("bench") / "bench.yaml"

# Imports modules and touches classes: {module: [class, ...]} as JSON in argv[1].
IMPORT_FLOOR = (
    "import importlib, json, sys\n"
    "for module, names in json.loads(sys.argv[1]).items():\n"
    "    m = importlib.import_module(module)\n"
    "    for name in names:\n"
    "        getattr(m, name)\n"
)

# The program floor, run the way the plan runs the real program (same engine, same GC setup):
# argv is the folder, its project, the config key, the size and the resources it must register.
FLOOR_PROGRAM = (
    "import sys\n"
    "from offline import engine\n"
    "engine.gc_for_a_one_shot_process()\n"
    "folder, project, key, n, expected = sys.argv[1:]\n"
    "run = engine.run_program(folder, project=project, stack='bench', config={f'{project}:{key}': n})\n"
    "assert run.error is None, run.error\n"
    "assert len(run.resources) == int(expected), len(run.resources)\n"
)


@dataclass(frozen=True)
class Settings:
    """What to time, as the project's bench file says."""

    project_dir: Path
    stack: str
    size_key: str
    sizes: tuple[int, ...]
    plan_args: tuple[str, ...]
    floor: Path
    floor_fixed: int
    floor_per_size: int
    import_floor: dict[str, list[str]]

    def floor_project(self) -> str:
        return stackfile.load_project(self.floor)[0]

    def floor_resources(self, n: int) -> int:
        return self.floor_fixed + self.floor_per_size * n


def load_settings(project_dir: Path = ROOT, path: Path | None = None) -> Settings:
    """The bench file (`bench/bench.yaml` under the project unless `path`); ValueError names
    what is wrong."""
    path = path or project_dir / CONFIG
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"{path}: cannot read it ({err})") from None
    try:
        resources = data["floorResources"]
        sizes = tuple(int(n) for n in data["sizes"])
        return Settings(
            project_dir=project_dir,
            stack=str(data["stack"]),
            size_key=str(data["sizeKey"]),
            sizes=sizes,
            plan_args=tuple(str(a) for a in data.get("planArgs") or ()),
            floor=path.parent / str(data["floor"]),
            floor_fixed=int(resources["fixed"]),
            floor_per_size=int(resources["perSize"]),
            import_floor={str(m): [str(c) for c in names or ()] for m, names in data["importFloor"].items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValueError(
            f"{path}: needs stack, sizeKey, sizes, floor, floorResources {{fixed, perSize}} and importFloor "
            f"(planArgs optional): {err!r}"
        ) from None


# Runs one command and reports its wall time, CPU time (user + system) and peak memory
# (ru_maxrss is in KiB on Linux).
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "wall = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'wall': wall, 'cpu': u.ru_utime + u.ru_stime, 'rss_mib': u.ru_maxrss / 1024}))\n"
)


@dataclass
class Figure:
    wall: float
    cpu: float
    rss_mib: float


def measure(cmd: list[str]) -> Figure:
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], cwd=ROOT, check=True, capture_output=True, text=True)
    return Figure(**json.loads(out.stdout))


def median_of(runs: list[Figure]) -> Figure:
    return Figure(
        statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs), max(r.rss_mib for r in runs)
    )


def plan_argv(settings: Settings, n: int) -> list[str]:
    """The `offline.plan` arguments of the plan at size `n`."""
    return [
        "--dir",
        str(settings.project_dir),
        "--stack",
        settings.stack,
        "--quiet",
        *settings.plan_args,
        "--set",
        f"{settings.size_key}={n}",
    ]


def commands(settings: Settings) -> dict[tuple[str, int], list[str]]:
    """Every command the bench times, keyed by (kind, size); kind "import" has size 0."""
    out = {("import", 0): [sys.executable, "-c", IMPORT_FLOOR, json.dumps(settings.import_floor)]}
    project = settings.floor_project()
    for n in settings.sizes:
        out[("floor", n)] = [
            sys.executable,
            "-c",
            FLOOR_PROGRAM,
            str(settings.floor),
            project,
            settings.size_key,
            str(n),
            str(settings.floor_resources(n)),
        ]
        out[("plan", n)] = [sys.executable, "-m", "offline.plan", *plan_argv(settings, n)]
    return out


def per_unit(small: float, large: float, n_small: int, n_large: int) -> float:
    """Seconds per added unit of size between two sizes."""
    return (large - small) / (n_large - n_small)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT, help="the Pulumi project (default: this one)")
    parser.add_argument("--config", type=Path, metavar="FILE", help=f"the bench file (default: PROJECT/{CONFIG})")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.dir.resolve(), args.config)
    except ValueError as err:
        parser.error(str(err))
    todo = commands(settings)
    sizes, unit = settings.sizes, settings.size_key
    labels = {
        "import": lambda n: "import floor: import + touch the SDK classes",
        "floor": lambda n: f"program floor, {unit}={n}",
        "plan": lambda n: f"plan, {settings.stack} stack, {unit}={n}",
    }
    rounds: list[dict[tuple[str, int], Figure]] = []
    for r in range(ROUNDS):
        print(f"round {r + 1}/{ROUNDS} ...", file=sys.stderr, flush=True)
        rounds.append({key: measure(cmd) for key, cmd in todo.items()})

    print(f"median of {ROUNDS} interleaved rounds")
    print(f"{'what':<46} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9}")
    for kind, n in todo:
        f = median_of([rnd[(kind, n)] for rnd in rounds])
        print(f"{labels[kind](n):<46} {f.wall:>7.2f} {f.cpu:>7.2f} {f.rss_mib:>9.0f}")

    print(f"\nper added {unit}, CPU time (medians over the rounds; each ratio taken within its round):")
    for lo, hi in ((sizes[0], sizes[1]), (sizes[0], sizes[-1])):
        plans = [per_unit(rnd[("plan", lo)].cpu, rnd[("plan", hi)].cpu, lo, hi) for rnd in rounds]
        floors = [per_unit(rnd[("floor", lo)].cpu, rnd[("floor", hi)].cpu, lo, hi) for rnd in rounds]
        ratios = [p / b for p, b in zip(plans, floors, strict=True)]
        each = ", ".join(f"{x:.2f}" for x in ratios)
        print(
            f"  {lo} -> {hi}: plan {statistics.median(plans) * 1000:.1f} ms, "
            f"floor {statistics.median(floors) * 1000:.1f} ms, plan/floor {statistics.median(ratios):.2f}x"
            f" (rounds: {each})" + (f"  [{hi - lo} more: within one run's noise]" if hi != sizes[-1] else "")
        )


if __name__ == "__main__":
    main()
