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

# Runs one command and reports its wall time and peak memory (ru_maxrss is in KiB on Linux).
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "wall = time.perf_counter() - t\n"
    "print(json.dumps({'wall': wall, 'rss_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
)


def measure(cmd: list[str]) -> tuple[float, float]:
    best_wall, peak = float("inf"), 0.0
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, *cmd], cwd=ROOT, check=True, capture_output=True, text=True
        )
        m = json.loads(out.stdout)
        best_wall, peak = min(best_wall, m["wall"]), max(peak, m["rss_mib"])
    return best_wall, peak


def plan(*extra: str) -> list[str]:
    return [sys.executable, "-m", "offline.plan", "--stack", "dev", "--quiet", *extra]


def per_vm(rows: dict[int, float]) -> tuple[float, float]:
    """Seconds per added VM, 2 -> 20 and 2 -> 200."""
    return (rows[20] - rows[2]) / 18, (rows[200] - rows[2]) / 198


def main() -> None:
    floor_t, floor_m = measure([sys.executable, "-c", FLOOR])
    print(f"{'what':<46} {'wall s':>8} {'peak MiB':>9} {'x import':>9}")
    print(f"{'import floor: import + touch the SDK classes':<46} {floor_t:>8.2f} {floor_m:>9.0f} {1:>9.2f}")
    bare: dict[int, float] = {}
    planned: dict[int, float] = {}
    for n in SIZES:
        bare[n], m = measure([sys.executable, "-c", FLOOR_PROGRAM, str(n)])
        print(f"{f'program floor, {n} VMs':<46} {bare[n]:>8.2f} {m:>9.0f} {bare[n] / floor_t:>9.2f}")
        planned[n], m = measure(plan("--set", f"vmCount={n}"))
        print(f"{f'make plan, dev stack, vmCount={n}':<46} {planned[n]:>8.2f} {m:>9.0f} {planned[n] / floor_t:>9.2f}")
    (b20, b200), (p20, p200) = per_vm(bare), per_vm(planned)
    print(
        f"\nper added VM, 2 -> 20: plan {p20 * 1000:.1f} ms, floor {b20 * 1000:.1f} ms, {p20 / b20:.2f}x"
        f"\nper added VM, 2 -> 200: plan {p200 * 1000:.1f} ms, floor {b200 * 1000:.1f} ms, {p200 / b200:.2f}x"
    )


if __name__ == "__main__":
    main()
