"""`make bench`: what the offline plan costs beside the floor of importing the SDK.

The floor is a bare `python -c` that imports the same SDK modules and touches the same
resource classes the program uses; the plan cannot be cheaper than that. Each figure is
the best of a few runs (wall time) and the peak resident memory of that process.
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


def main() -> None:
    floor_t, floor_m = measure([sys.executable, "-c", FLOOR])
    rows = [("floor: import + touch the SDK classes", floor_t, floor_m)]
    for n in (2, 20, 200):
        t, m = measure(plan("--set", f"vmCount={n}"))
        rows.append((f"make plan, dev stack, vmCount={n}", t, m))
    print(f"{'what':<42} {'wall s':>8} {'peak MiB':>9} {'x floor':>8}")
    for label, t, m in rows:
        print(f"{label:<42} {t:>8.2f} {m:>9.0f} {t / floor_t:>8.2f}")
    t2, t20, t200 = rows[1][1], rows[2][1], rows[3][1]
    print(f"\nper added VM: {(t20 - t2) / 18 * 1000:.1f} ms (2 -> 20), {(t200 - t2) / 198 * 1000:.1f} ms (2 -> 200)")


if __name__ == "__main__":
    main()
