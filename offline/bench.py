"""`make bench`: what the offline plan costs beside two floors.

- Import floor: a bare `python -c` that imports the same SDK modules and touches the same
  resource classes the program uses; no plan can start sooner.
- Program floor (`offline/floor/`): a bare program registering the same resources as the
  dev stack (same classes, parent, references; minimal inputs) on the same mock engine.
  Its cost per added VM is the SDK's and the engine's; the plan's cost per added VM above
  it is ours (issue target: within 1.2x).

A shared 2-core machine changes speed from one second to the next (the same command varies
by 30% or more), so the runs are interleaved: each round runs the floor and the plan at every
size back to back, the per-VM ratio is taken within a round, and every figure is the median
over the rounds (memory: the peak).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5

FLOOR = (
    "import pulumi, pulumi_random\n"
    "from pulumi_azure_native import compute, managedidentity, network, resources\n"
    "(network.VirtualNetwork, network.NetworkSecurityGroup, network.PublicIPAddress, network.LoadBalancer,"
    " network.InboundNatRule, network.NetworkInterface, compute.AvailabilitySet, compute.VirtualMachine,"
    " managedidentity.UserAssignedIdentity, resources.ResourceGroup, pulumi_random.RandomPassword)\n"
)

# The program floor, run the way the plan runs the real program (same engine, same GC setup).
FLOOR_PROGRAM = (
    "import sys\n"
    "from offline import engine\n"
    "engine.gc_for_a_one_shot_process()\n"
    "run = engine.run_program('offline/floor', project='floor', stack='bench', config={'floor:vmCount': sys.argv[1]})\n"
    "assert run.error is None, run.error\n"
    "assert len(run.resources) == 9 + 3 * int(sys.argv[1]), len(run.resources)\n"
)
# 100: the most VMs an availability set (the dev stack's placement) takes, since each may surge to two.
SIZES = (2, 20, 100)

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


def plan(*extra: str) -> list[str]:
    return [sys.executable, "-m", "offline.plan", "--stack", "dev", "--quiet", *extra]


def per_vm(small: float, large: float, n_small: int, n_large: int) -> float:
    """Seconds per added VM between two sizes."""
    return (large - small) / (n_large - n_small)


def main() -> None:
    # Keyed by (kind, size); kind "import" has size 0.
    commands = {("import", 0): [sys.executable, "-c", FLOOR]}
    for n in SIZES:
        commands[("floor", n)] = [sys.executable, "-c", FLOOR_PROGRAM, str(n)]
        commands[("plan", n)] = plan("--set", f"vmCount={n}")
    labels = {
        "import": lambda n: "import floor: import + touch the SDK classes",
        "floor": lambda n: f"program floor, {n} VMs",
        "plan": lambda n: f"make plan, dev stack, vmCount={n}",
    }
    rounds: list[dict[tuple[str, int], Figure]] = []
    for r in range(ROUNDS):
        print(f"round {r + 1}/{ROUNDS} ...", file=sys.stderr, flush=True)
        rounds.append({key: measure(cmd) for key, cmd in commands.items()})

    print(f"median of {ROUNDS} interleaved rounds")
    print(f"{'what':<46} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9}")
    for kind, n in commands:
        f = median_of([rnd[(kind, n)] for rnd in rounds])
        print(f"{labels[kind](n):<46} {f.wall:>7.2f} {f.cpu:>7.2f} {f.rss_mib:>9.0f}")

    print("\nper added VM, CPU time (medians over the rounds; each ratio taken within its round):")
    for lo, hi in ((SIZES[0], SIZES[1]), (SIZES[0], SIZES[-1])):
        plans = [per_vm(rnd[("plan", lo)].cpu, rnd[("plan", hi)].cpu, lo, hi) for rnd in rounds]
        floors = [per_vm(rnd[("floor", lo)].cpu, rnd[("floor", hi)].cpu, lo, hi) for rnd in rounds]
        ratios = [p / b for p, b in zip(plans, floors, strict=True)]
        each = ", ".join(f"{x:.2f}" for x in ratios)
        print(
            f"  {lo} -> {hi}: plan {statistics.median(plans) * 1000:.1f} ms, "
            f"floor {statistics.median(floors) * 1000:.1f} ms, plan/floor {statistics.median(ratios):.2f}x"
            f" (rounds: {each})" + ("  [18 VMs: within one run's noise]" if hi != SIZES[-1] else "")
        )


if __name__ == "__main__":
    main()
