"""The health gate: one managed Run Command per VM that completes only when the VM serves.

Why a resource and not a wait in the program: Pulumi deletes the old halves of
create-before-delete replacements only after every create and update of the run has
finished (pulumi/pulumi pkg/resource/deploy/deployment_executor.go, `Execute` ->
`performDeletes`; step_generator.go `continueStepsFromDiff`: "the delete step is generated
'later' on, after all creates/updates finish"). A gate that finishes only when its VM
answers the probe therefore makes `pulumi up` (1) end when every VM serves, (2) fail, naming
the VM and what did not answer, when a bootstrap is broken, and (3) on a change, delete the
old VMs only after their replacements serve; a failed gate stops the run before any delete,
so the old VMs keep serving.

`asyncExecution: false` makes the create wait for the script, and
`treatFailureAsDeploymentFailure: true` turns its failure into a failed deployment
(https://learn.microsoft.com/azure/virtual-machines/linux/run-command-managed, REST
VirtualMachineRunCommand). The script is `bootstrap/health-gate.sh` (Linux) or
`health-gate.ps1` (Windows): cloud-init finished (Linux), then HTTP 200 at the probe's port
and path (or a TCP connect for a Tcp probe), then the probe's interval times its threshold,
after which the load balancer has marked the VM up.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
from pulumi_azure_native import compute

from .settings import MultiVmLoadBalancedArgs
from .workload import effective

BOOTSTRAP_DIR = Path(__file__).resolve().parent / "bootstrap"
SCRIPTS = {"linux": BOOTSTRAP_DIR / "health-gate.sh", "windows": BOOTSTRAP_DIR / "health-gate.ps1"}
#: Azure name of the gate on each VM.
RUN_COMMAND_NAME = "health-gate"
#: How long a new VM may take to boot, run its bootstrap and answer (the Windows web server
#: install is the slowest: several minutes).
BOOT_SECONDS = 1800


def settle_seconds(args: MultiVmLoadBalancedArgs) -> int:
    """Seconds the load balancer needs to put an answering VM in rotation: probeThreshold
    consecutive successful probes, intervalSeconds apart (REST `Probe.probeThreshold`: "require
    the same number of successful consecutive probes to be placed back in rotation")."""
    return args.probe.interval_seconds * args.probe.probe_threshold


def timeout_seconds(args: MultiVmLoadBalancedArgs) -> int:
    """The run command's own timeout: the boot budget, the settle time and a minute."""
    return BOOT_SECONDS + settle_seconds(args) + 60


def script(args: MultiVmLoadBalancedArgs, vm_label: str) -> str:
    """The gate's script for one VM, every value filled in (each on a line of its own, e.g.
    `boot_seconds='1800'`)."""
    probe = args.probe
    marks = {
        "__VM__": vm_label,
        "__PROTOCOL__": probe.protocol,
        "__PORT__": str(probe.port),
        # Validated (settings.py: HealthProbe.path's pattern): nothing that could end the quotes.
        "__PATH__": (probe.path or "/") if probe.protocol != "Tcp" else "",
        "__BOOT_SECONDS__": str(BOOT_SECONDS),
        "__SETTLE_SECONDS__": str(settle_seconds(args)),
    }
    text = SCRIPTS[args.os_type].read_text(encoding="utf-8")
    for mark, value in marks.items():
        text = text.replace(mark, value)
    return text


def needed(args: MultiVmLoadBalancedArgs) -> bool:
    """A gate needs something that answers: not with `workload: none` (bring your own, later)."""
    return effective(args.workload, args.os_type) != "none"


def build_gate(
    name: str,
    index: int,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    vm: compute.VirtualMachine,
    after: list[pulumi.Resource],
    opts: pulumi.ResourceOptions,
) -> compute.VirtualMachineRunCommandByVirtualMachine:
    """The gate of VM `index`. It names the VM by its Azure name (`vmName`, a path parameter),
    so a replaced VM gets a new gate with it (azure-native replaces a resource whose path
    parameter changes: provider/pkg/provider/diff.go `calculateDetailedDiff`)."""
    label = f"{name}-vm-{index}"
    wait = timeout_seconds(args)
    return compute.VirtualMachineRunCommandByVirtualMachine(
        f"{label}-gate",
        resource_group_name=resource_group_name,
        vm_name=vm.name,
        run_command_name=RUN_COMMAND_NAME,
        source=compute.VirtualMachineRunCommandScriptSourceArgs(script=script(args, label)),
        async_execution=False,
        treat_failure_as_deployment_failure=True,
        timeout_in_seconds=wait,
        tags=args.tags,
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                # On Windows the web server is installed by the extension: check after it.
                depends_on=after,
                # Pulumi's own wait for the create must outlast the script's.
                custom_timeouts=pulumi.CustomTimeouts(create=f"{wait + 300}s", update=f"{wait + 300}s"),
            ),
        ),
    )
