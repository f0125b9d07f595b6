"""What a change does to a live stack: `make plan ARGS="--diff OLD.json"`.

Compares a new offline plan with an earlier `--json` plan (the deployed state, or any plan)
and says, before anything is deployed:
- per resource: create, update, replace or delete, the changed input paths, and why a
  replace happens (the program's `replace_on_changes`, or a create-only property of Azure's
  from `CREATE_ONLY` below, with its source);
- the steps in the order Pulumi runs them: creates, updates and replacements in dependency
  order (a replacement deletes first only with `delete_before_replace`), then deletes in
  reverse dependency order;
- the steps Azure would refuse (a create-only property changed in place; a resource deleted
  while another still references it);
- availability: the fewest VMs in rotation at any point, of how many, and what causes it;
- for fixed VMs, the one-VM-at-a-time recipe for what `pulumi up` would do to all at once.

Like `pulumi preview`, it reads inputs, not Azure: secret values are masked in both plans, so
a changed secret is not seen, and provider-side defaults are not known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
EXTENSION = "azure-native:compute:VirtualMachineExtension"
LB = "azure-native:network:LoadBalancer"
PIP = "azure-native:network:PublicIPAddress"

#: Exit code of `make plan --diff` when a step would fail on Azure or no VM stays in rotation.
UNSAFE_EXIT = 4


@dataclass(frozen=True)
class CreateOnly:
    """An input Azure cannot change on an existing resource."""

    type: str
    path: str
    source: str
    #: azure-native replaces on its own (its replacement list or the spec's x-ms-mutability);
    #: otherwise only the program's replace_on_changes avoids a refused update.
    provider_replaces: bool = False


CREATE_ONLY: tuple[CreateOnly, ...] = (
    CreateOnly(
        VM,
        "availabilitySet",
        "https://learn.microsoft.com/azure/virtual-machines/availability-set-overview (joins only at creation)",
    ),
    CreateOnly(
        VM,
        "zones",
        "https://learn.microsoft.com/azure/virtual-machines/move-virtual-machines-regional-zonal-portal (no change)",
    ),
    CreateOnly(
        VM,
        "osProfile.customData",
        "https://learn.microsoft.com/azure/virtual-machines/custom-data (PropertyChangeNotAllowed)",
    ),
    CreateOnly(VM, "osProfile.adminUsername", "Compute REST spec, OSProfile.adminUsername (cannot be updated)"),
    CreateOnly(VM, "osProfile.computerName", "Compute REST spec, OSProfile.computerName (cannot be updated)"),
    CreateOnly(VM, "storageProfile.imageReference", "Azure: \"Changing property 'imageReference' is not allowed\""),
    CreateOnly(
        "azure-native:compute:AvailabilitySet",
        "platformFaultDomainCount",
        "https://learn.microsoft.com/azure/virtual-machines/availability-set-overview",
    ),
    CreateOnly(
        "azure-native:compute:AvailabilitySet",
        "platformUpdateDomainCount",
        "https://learn.microsoft.com/azure/virtual-machines/availability-set-overview",
    ),
    CreateOnly("azure-native:compute:AvailabilitySet", "sku", "availability-set-overview (Aligned for managed disks)"),
    CreateOnly(VMSS, "orchestrationMode", "Compute REST spec, orchestrationMode (set at creation)"),
    CreateOnly(VMSS, "platformFaultDomainCount", "Compute REST spec, platformFaultDomainCount"),
    CreateOnly(PIP, "sku", "pulumi-azure-native provider/pkg/gen/replacement.go", provider_replaces=True),
    CreateOnly(
        PIP,
        "zones",
        "Azure: 'Zones cannot be added/updated/removed once the resource is created' (Azure/azure-cli#16653)",
    ),
    CreateOnly(LB, "sku", "https://learn.microsoft.com/azure/load-balancer/upgrade-basic-standard-with-powershell"),
)

#: In-place VM updates Azure applies by restarting the VM (out of rotation meanwhile).
RESTARTS: dict[str, str] = {
    "hardwareProfile.vmSize": "https://learn.microsoft.com/azure/virtual-machines/resize-vm (a resize restarts the VM)",
    "securityProfile": "https://learn.microsoft.com/azure/virtual-machines/disks-enable-host-based-encryption-portal "
    "(encryption at host and security settings apply to a deallocated VM)",
}


@dataclass
class Step:
    op: str  # create, update, replace, delete, create-replacement, delete-replaced
    type: str
    name: str
    paths: list[str] = field(default_factory=list)
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"op": self.op, "type": self.type, "name": self.name, "paths": self.paths, "reason": self.reason}


@dataclass
class Change:
    #: Per resource (by URN): op, paths, reason.
    resources: dict[str, Step]
    steps: list[Step]
    problems: list[str]
    min_in_rotation: int
    of: int
    availability_causes: list[str]
    #: Inputs of existing VMs that differ but are ignored (bootstrap drift), by VM name.
    drift: dict[str, list[str]]
    recipe: list[str]

    @property
    def unsafe(self) -> bool:
        return bool(self.problems) or (self.of > 0 and self.min_in_rotation == 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "steps": [s.as_json() for s in self.steps],
            "availability": {"minInRotation": self.min_in_rotation, "of": self.of, "causes": self.availability_causes},
            "problems": self.problems,
            "drift": self.drift,
            "recipe": self.recipe,
        }


# ------------------------------------------------------------------ diffing


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Input paths that differ (`a.b[2].c`); a list of another length differs as a whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            path = f"{prefix}.{key}" if prefix else key
            if key not in old or key not in new:
                out.append(path)
            else:
                out += changed_paths(old[key], new[key], path)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += changed_paths(a, b, f"{prefix}[{i}]")
        return out
    return [] if old == new else [prefix]


def _covers(pattern: str, path: str) -> bool:
    """Pulumi's property-path match: `zones` covers `zones[0]`, `osProfile` covers `osProfile.x`."""
    plain = re.sub(r"\[(\d+|\*)\]", "", path)
    pat = re.sub(r"\[(\d+|\*)\]", "", pattern)
    return plain == pat or plain.startswith(pat + ".")


def _mentions(value: Any, target: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, target) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, target) for v in value)
    return value == target


def _reference_paths(value: Any, target: str, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _reference_paths(v, target, f"{prefix}.{k}" if prefix else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _reference_paths(v, target, f"{prefix}[{i}]")]
    return [prefix] if value == target else []


def _topological(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dependencies first; ties by the plan's reading order."""
    by_urn = {r["urn"]: r for r in resources}
    done: set[str] = set()
    out: list[dict[str, Any]] = []

    def visit(r: dict[str, Any]) -> None:
        if r["urn"] in done:
            return
        done.add(r["urn"])
        for dep in r.get("dependencies", []):
            if dep in by_urn:
                visit(by_urn[dep])
        out.append(r)

    for r in resources:
        visit(r)
    return out


# ------------------------------------------------------------------ the change


def compare(old_plan: Mapping[str, Any], new_plan: Mapping[str, Any]) -> Change:
    old = {r["urn"]: r for r in old_plan["resources"] if r["type"] != "lbvms:index:MultiVmLoadBalanced"}
    new = {r["urn"]: r for r in new_plan["resources"] if r["type"] != "lbvms:index:MultiVmLoadBalanced"}
    resources: dict[str, Step] = {}
    problems: list[str] = []
    drift: dict[str, list[str]] = {}

    def create_only(rtype: str, path: str) -> CreateOnly | None:
        return next((c for c in CREATE_ONLY if c.type == rtype and _covers(c.path, path)), None)

    # Resources whose replacement gives them a new ID: everything that refers to them changes.
    new_ids: dict[str, str] = {}
    for r in _topological(list(new.values())):
        urn = r["urn"]
        if urn not in old:
            resources[urn] = Step("create", r["type"], r["name"])
            continue
        before = old[urn]
        paths = changed_paths(before["inputs"], r["inputs"])
        # A replaced dependency's new ID reaches this resource's inputs.
        for old_id, label in new_ids.items():
            paths += [f"{p} (new ID of {label})" for p in _reference_paths(before["inputs"], old_id)]
        ignored = [p for p in paths if any(_covers(i, p.split(" ")[0]) for i in r.get("ignoreChanges", []))]
        paths = [p for p in paths if p not in ignored]
        if ignored and r["type"] in (VM, EXTENSION):
            drift[r["name"]] = [p.split(" ")[0] for p in ignored]
        if not paths:
            continue
        reasons: dict[str, str] = {}  # one reason per rule, however many paths it covers
        for p in paths:
            bare = p.split(" ")[0]
            rule = create_only(r["type"], bare)
            program = next((pat for pat in r.get("replaceOnChanges", []) if _covers(pat, bare)), None)
            if program is not None:
                reasons[program] = f"{program} (replace_on_changes" + (f"; {rule.source})" if rule else ")")
            elif rule is not None and rule.provider_replaces:
                reasons[rule.path] = f"{rule.path} (replaced by azure-native; {rule.source})"
            elif rule is not None and rule.path not in reasons:
                reasons[rule.path] = ""
                problems.append(
                    f"{r['name']}: {rule.path} is create-only in Azure and would be updated in place, which Azure "
                    f"refuses ({rule.source})"
                )
        reasons = {k: v for k, v in reasons.items() if v}
        op = "replace" if reasons else "update"
        reason = "; ".join(reasons.values())
        if op == "update" and r["type"] == VM:
            restarts = sorted({k for p in paths for k in RESTARTS if _covers(k, p.split(" ")[0])})
            if restarts:
                reason = "restarts the VM: " + "; ".join(f"{k} ({RESTARTS[k]})" for k in restarts)
        elif op == "update" and r["type"] == VMSS:
            reason = "model update: rolled out to the instances by the scale set's upgrade policy"
        resources[urn] = Step(op, r["type"], r["name"], [p.split(" ")[0] for p in paths], reason)
        old_id = before.get("outputs", {}).get("id")
        if op == "replace" and old_id and not (r["type"] == LB and r["inputs"].get("loadBalancerName")):
            new_ids[old_id] = r["name"]
    for urn, r in old.items():
        if urn not in new:
            resources[urn] = Step("delete", r["type"], r["name"])

    steps = _steps(old, new, resources)
    problems += _reference_problems(old, new, resources)
    minimum, of, causes = _availability(old, new, resources)
    recipe = _recipe(old, new, resources, drift)
    return Change(resources, steps, problems, minimum, of, causes, drift, recipe)


def _steps(old: Mapping[str, Any], new: Mapping[str, Any], resources: Mapping[str, Step]) -> list[Step]:
    first: list[Step] = []
    last: list[Step] = []
    for r in _topological(list(new.values())):
        step = resources.get(r["urn"])
        if step is None:
            continue
        if step.op == "replace":
            if r.get("deleteBeforeReplace"):
                first += [Step("delete-replaced", step.type, step.name, step.paths, step.reason)]
                first += [Step("create-replacement", step.type, step.name, step.paths, step.reason)]
            else:
                first.append(Step("create-replacement", step.type, step.name, step.paths, step.reason))
                last.append(Step("delete-replaced", step.type, step.name))
        elif step.op in ("create", "update"):
            first.append(step)
    deletes = [resources[r["urn"]] for r in reversed(_topological(list(old.values()))) if r["urn"] not in new]
    # Pulumi deletes removed resources and the old halves of replacements together, dependents first.
    order = {r["urn"]: i for i, r in enumerate(reversed(_topological(list(old.values()))))}
    by_name = {r["name"]: r["urn"] for r in old.values()}
    tail = sorted(deletes + last, key=lambda s: order.get(by_name.get(s.name, ""), 0))
    return first + tail


def _reference_problems(old: Mapping[str, Any], new: Mapping[str, Any], resources: Mapping[str, Step]) -> list[str]:
    """A resource deleted while another still refers to it: Azure refuses (a NAT rule a NIC
    uses, a subnet a Bastion host uses). Safe when the referrer drops the reference in an
    update (updates run first) or is deleted first (it depends on the deleted one)."""
    problems: list[str] = []
    for urn, r in old.items():
        if urn in new:
            continue
        rid = r.get("outputs", {}).get("id")
        if not rid:
            continue
        for holder in old.values():
            if holder["urn"] == urn or not _mentions(holder["inputs"], rid):
                continue
            if holder["urn"] in new:
                if _mentions(new[holder["urn"]]["inputs"], rid):
                    problems.append(f"{r['name']} is deleted while {holder['name']} still references it")
            elif urn not in holder.get("dependencies", []):
                problems.append(f"{r['name']} may be deleted before {holder['name']}, which references it")
    # An inline sub-resource (a subnet of a VNet) removed by an update while a resource that
    # is only deleted afterwards still uses it.
    for urn, step in resources.items():
        if step.op != "update" or urn not in old:
            continue
        parent_id = old[urn].get("outputs", {}).get("id", "")
        for child in old[urn]["inputs"].get("subnets", []) or []:
            child_id = f"{parent_id}/subnets/{child.get('name')}"
            still = any(s.get("name") == child.get("name") for s in new[urn]["inputs"].get("subnets", []) or [])
            if still:
                continue
            users = [h["name"] for h in old.values() if h["urn"] != urn and _mentions(h["inputs"], child_id)]
            for user in users:
                problems.append(
                    f"{step.name}: subnet {child.get('name')} is removed in an update while {user} (deleted only "
                    "afterwards) still uses it; Azure refuses (InUseSubnetCannotBeDeleted). Delete it first: "
                    f"pulumi destroy --target <urn of {user}>"
                )
    return problems


def _vms(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plan.values() if r["type"] == VM]


def _probe_path(plan: Mapping[str, Any]) -> str | None:
    lb = next((r for r in plan.values() if r["type"] == LB), None)
    probes = (lb or {}).get("inputs", {}).get("probes") or [{}]
    return probes[0].get("requestPath")


def _out_of_rotation(step: Step | None) -> bool:
    """A VM step that takes the VM out: replaced, or updated in a way that restarts it."""
    return step is not None and (step.op == "replace" or step.reason.startswith("restarts"))


def _availability(
    old: Mapping[str, Any], new: Mapping[str, Any], resources: Mapping[str, Step]
) -> tuple[int, int, list[str]]:
    """Fewest serving VMs (or instances) at any point, of the count after the change.

    Pulumi runs independent steps in parallel, so every VM replaced or restarted by one
    `pulumi up` is out of rotation at the same time; new VMs count only once the change is
    done (they still have to boot). A change every VM feels (the probe moving to a path the
    running VMs do not serve, the frontend's public IP replaced) leaves none."""
    causes: list[str] = []
    vmss_new = [r for r in new.values() if r["type"] == VMSS]
    of = int(vmss_new[0]["inputs"].get("sku", {}).get("capacity", 0)) if vmss_new else len(_vms(new))
    serving = 0
    for vm in _vms(old):
        step = resources.get(vm["urn"])
        if step is not None and step.op == "delete":
            continue  # leaves for good: counted in neither side
        if _out_of_rotation(step):
            assert step is not None
            why = "restarts" if step.op == "update" else "replaced, deleted first"
            causes.append(f"{vm['name']}: {why} ({', '.join(step.paths)})")
        else:
            serving += 1
    for r in old.values():
        if r["type"] != VMSS:
            continue
        step = resources.get(r["urn"])
        count = int(r["inputs"].get("sku", {}).get("capacity", 0))
        if step is None or step.op == "update":
            policy = (r["inputs"].get("upgradePolicy") or {}).get("rollingUpgradePolicy") or {}
            if step is not None and (r["inputs"].get("upgradePolicy") or {}).get("mode") == "Rolling":
                batch = max(1, -(-count * int(policy.get("maxBatchInstancePercent", 20)) // 100))
                out = 0 if policy.get("maxSurge") else batch
                if out:
                    causes.append(f"{r['name']}: rolling upgrade, {batch} instance(s) per batch")
                serving += count - out
            elif step is not None:
                causes.append(f"{r['name']}: model update without a rolling policy")
            else:
                serving += count
        elif step.op == "replace" and not r.get("deleteBeforeReplace"):
            serving += count  # the new set's instances join the pool before the old set goes
        else:
            causes.append(f"{r['name']}: {step.op}")
    old_path, new_path = _probe_path(old), _probe_path(new)
    if new_path is not None and new_path != old_path and new_path != "/" and _vms(old):
        causes.append(
            f"probe path {old_path} -> {new_path}: the LB probes the new path at once, which VMs created with "
            "the old bootstrap do not serve"
        )
        serving = 0
    for r in old.values():
        step = resources.get(r["urn"])
        if r["type"] == PIP and step is not None and step.op == "replace" and _is_frontend_ip(old, r):
            causes.append(f"{r['name']}: the frontend's public IP is replaced, so its address changes")
            serving = 0
    return min(serving, of), of, causes


def _is_frontend_ip(plan: Mapping[str, Any], pip: Mapping[str, Any]) -> bool:
    pid = pip.get("outputs", {}).get("id")
    return any(
        r["type"] == LB and _mentions(r["inputs"].get("frontendIPConfigurations", []), pid) for r in plan.values()
    )


def _recipe(
    old: Mapping[str, Any], new: Mapping[str, Any], resources: Mapping[str, Step], drift: Mapping[str, list[str]]
) -> list[str]:
    """One VM at a time, for what `pulumi up` would do to every fixed VM at once, and for the
    bootstrap that existing VMs ignore (on the VM, or its `<vm>-web` extension)."""
    vms = sorted(
        (r for r in new.values() if r["type"] == VM and r["urn"] in old),
        key=lambda r: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", r["name"])],
    )
    touched = [
        r for r in vms if r["name"] in drift or f"{r['name']}-web" in drift or _out_of_rotation(resources.get(r["urn"]))
    ]
    if not touched:
        return []
    old_path, new_path = _probe_path(old), _probe_path(new)
    probe_moves = new_path is not None and new_path != old_path and new_path != "/"
    lines: list[str] = []
    if probe_moves:
        lines += [
            "# 1. Meanwhile, probe TCP port 80 (every running VM passes); this changes only the LB:",
            "pulumi config set --path probe.protocol Tcp && pulumi config rm --path probe.path && pulumi up",
            f"# 2. Set the new probe again: pulumi config set --path probe.protocol Http && "
            f"pulumi config set --path probe.path {new_path}",
            "# 3. Roll the VMs one at a time (a targeted up changes only that VM; the LB keeps probing TCP 80):",
        ]
    else:
        lines.append("# One VM at a time; the others keep serving. Wait for each to pass the probe before the next.")
    for r in touched:
        step = resources.get(r["urn"])
        replace = step is None or step.op == "replace"  # drift: only a new VM takes the new bootstrap
        lines.append(
            f"pulumi up --target '{r['urn']}' --target-dependents" + (f" --replace '{r['urn']}'" if replace else "")
        )
        lines.append("#   wait until the LB's backend health (portal, or probeStatusCommand) shows it up again")
    if any(
        r["type"] == PIP and _is_frontend_ip(old, r) and resources.get(r["urn"], Step("", "", "")).op == "replace"
        for r in old.values()
    ):
        lines.append("# The frontend's public IP is replaced whatever the order: its address changes (use dnsLabel).")
    lines.append(
        "# 4. pulumi up   # the LB now probes the new path, which every VM serves"
        if probe_moves
        else "# Then: pulumi up   # the rest of the change"
    )
    return lines


# ------------------------------------------------------------------ text


def render(change: Change) -> str:
    out = ["Change against the old plan (inputs only: secrets are masked in both, so a changed secret is not seen):"]
    visible = list(change.resources.values())
    if not visible:
        out.append("  no resource changes")
    for s in sorted(visible, key=lambda s: (s.op, s.name)):
        line = f"  {s.op:<8} {s.type}  {s.name}"
        if s.paths:
            line += f"  [{', '.join(s.paths[:6])}{', ...' if len(s.paths) > 6 else ''}]"
        out.append(line + (f"  because {s.reason}" if s.reason else ""))
    for name, paths in sorted(change.drift.items()):
        out.append(f"  drift    {name}: {', '.join(paths)} changed but applies at creation only (see the recipe)")
    out += ["", "Steps, in the order Pulumi runs them:"]
    out += [f"  {i:>3}. {s.op:<18} {s.name}" for i, s in enumerate(change.steps, start=1)] or ["  none"]
    out += ["", f"Availability: at least {change.min_in_rotation} of {change.of} in rotation during the change"]
    out += [f"  - {c}" for c in change.availability_causes]
    if change.problems:
        out += ["", "Azure would refuse:"] + [f"  - {p}" for p in change.problems]
    if change.recipe:
        out += ["", "Rolling recipe (instead of one `pulumi up`):"] + [f"  {line}" for line in change.recipe]
    if change.unsafe:
        out += ["", f"Unsafe as one `pulumi up` (exit {UNSAFE_EXIT}): follow the recipe, or accept the outage."]
    return "\n".join(out) + "\n"
