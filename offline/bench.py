"""`make bench`: what the offline plan costs beside two floors.

- Import floor: a bare `python -c` that imports the same SDK modules and touches the same
  resource classes the program uses; no plan can start sooner.
- Program floor (`offline/floor/`): a bare program registering the same resources as the
  dev stack (same classes, parent, references; minimal inputs) on the same mock engine.
  Its cost per added VM is the SDK's and the engine's; the plan's cost per added VM above
  it is ours (issue target: within 1.2x).

Each figure is the best of a few runs (wall time) and the peak resident memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3

FLOOR = (
    "import pulumi, pulumi_random\n"
    "from pulumi_azure_native import compute, managedidentity, network, resources\n"
    "(network.VirtualNetwork, network.NetworkSecurityGroup, network.PublicIPAddress, network.LoadBalancer,"
    " network.InboundNatRule, network.NetworkInterface, compute.AvailabilitySet, compute.VirtualMachine,"
    " managedidentity.UserAssignedIdentity, resources.ResourceGroup, pulumi_random.RandomPassword)\n"
)

# The program floor, run the way the plan runs the real program (same engine, same GC setup).
FLOOR_PROGRAM = (
    "import gc, sys\n"
    "from offline import engine\n"
    "gc.collect(); gc.freeze()\n"
    "run = engine.run_program('offline/floor', project='floor', stack='bench', config={'floor:vmCount': sys.argv[1]})\n"
    "assert run.error is None, run.error\n"
    "assert len(run.resources) == 8 + 3 * int(sys.argv[1]), len(run.resources)\n"
)
SIZES = (2, 20, 200)

# Runs one command and reports its wall time, CPU time (user + system: steadier than wall
# on a shared machine) and peak memory (ru_maxrss is in KiB on Linux).
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
    """Best of RUNS (wall and CPU each), and the peak memory."""
    runs = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, *cmd], cwd=ROOT, check=True, capture_output=True, text=True
        )
        runs.append(json.loads(out.stdout))
    return Figure(min(r["wall"] for r in runs), min(r["cpu"] for r in runs), max(r["rss_mib"] for r in runs))


def plan(*extra: str) -> list[str]:
    return [sys.executable, "-m", "offline.plan", "--stack", "dev", "--quiet", *extra]


def per_vm(rows: dict[int, float]) -> tuple[float, float]:
    """Seconds per added VM, 2 -> 20 and 2 -> 200."""
    return (rows[20] - rows[2]) / 18, (rows[200] - rows[2]) / 198


def main() -> None:
    base = measure([sys.executable, "-c", FLOOR])
    print(f"{'what':<46} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9}")

    def row(label: str, f: Figure) -> None:
        print(f"{label:<46} {f.wall:>7.2f} {f.cpu:>7.2f} {f.rss_mib:>9.0f}")

    row("import floor: import + touch the SDK classes", base)
    bare: dict[int, Figure] = {}
    planned: dict[int, Figure] = {}
    for n in SIZES:
        bare[n] = measure([sys.executable, "-c", FLOOR_PROGRAM, str(n)])
        row(f"program floor, {n} VMs", bare[n])
        planned[n] = measure(plan("--set", f"vmCount={n}"))
        row(f"make plan, dev stack, vmCount={n}", planned[n])
    print("\nper added VM (CPU time; wall in brackets):")
    for i, span in enumerate(("2 -> 20", "2 -> 200")):
        p_cpu = per_vm({n: f.cpu for n, f in planned.items()})[i]
        b_cpu = per_vm({n: f.cpu for n, f in bare.items()})[i]
        p_wall = per_vm({n: f.wall for n, f in planned.items()})[i]
        b_wall = per_vm({n: f.wall for n, f in bare.items()})[i]
        print(
            f"  {span}: plan {p_cpu * 1000:.1f} ms ({p_wall * 1000:.1f}), floor {b_cpu * 1000:.1f} ms "
            f"({b_wall * 1000:.1f}), plan/floor {p_cpu / b_cpu:.2f}x"
        )


if __name__ == "__main__":
    main()
