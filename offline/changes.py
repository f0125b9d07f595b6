"""What a change does to a live stack: `make plan ARGS="--diff OLD.json"`.

Compares a new offline plan with an earlier `--json` plan (the deployed state, or any plan)
and says, before anything is deployed:
- per resource: create, update, replace or delete, the changed input paths, and why a
  replacement happens and which half goes first (the rules below, each with its source);
- the steps in the order Pulumi runs them: creates, updates and create-first replacements in
  dependency order (a delete-first replacement deletes, then creates, in its place), then every
  remaining delete (removed resources, old halves of create-first replacements) at the end, in
  reverse dependency order;
- what Azure would refuse: a create-only property or a running VM's property updated in place,
  a subnet re-addressed under its users, a resource deleted while another still references it,
  an explicitly named resource created over itself, overlapping NAT frontend ports;
- availability: the fewest VMs in rotation at any point, of how many, with `--parallel`;
- the extra VMs and vCPUs the change needs at its peak (quota);
- recipes only where one `pulumi up` cannot do it alone.

The rules it models, with their sources:

- azure-native replaces a resource when a *path parameter* changes (provider/pkg/provider/diff.go
  `calculateDetailedDiff`: "All the parameters that are part of the resource path cause a
  replacement", `p.Location == "path"`). The path parameters of `azure-native:<module>:<Type>` are
  read from the installed SDK: the parameters of `pulumi_azure_native.<module>.get_<type>`, minus
  query parameters (`path_parameters`). The last one, the resource's own Azure name
  (`name_parameter`), is *explicit* when the program sets it.
- A replacement the provider forces deletes first when the Azure name is explicit and creates
  first when it is auto-named (provider/pkg/provider/provider.go `(*azureNativeProvider).Diff`:
  `deleteBeforeReplace := len(replaces) > 0` unless the old inputs carry `__createBeforeDelete`,
  which only a random auto-name sets, `applyDefaults`/`getDefaultName`). An auto-named resource
  replaced gets a new name and ID, so inputs that named it change: at a path parameter that
  replaces the dependent too.
- A resource whose `deleteBeforeReplace` option is set either way is replaced that way, whatever
  the provider says (step_generator.go `generateStepsFromDiff`: "The user can override the
  provider's decision by setting the `deleteBeforeReplace` field of `ResourceOptions` to either
  `true` or `false`"): the VMs and NICs set it false, so they roll create-first under explicit
  names too (their names change with each generation, naming.py).
- A replacement the program causes (`replace_on_changes`, `replacement_trigger`,
  `replace_with`) is the engine's: the provider reports no replaces, so it creates first unless
  `deleteBeforeReplace` is set. With an explicit Azure name, creating first PUTs over the
  existing resource and the delete at the end removes it: a problem.
- `replacementTrigger` (pulumi/pulumi#20936, #21139, #21142): replaced when the old and the new
  trigger are both set and differ; none -> a value (a stack deployed before the trigger) does not
  replace; an unknown trigger in preview counts as a replacement; secrets compare by value.
- Pulumi deletes the old halves of create-first replacements only after every create and update
  (pkg/resource/deploy/step_generator.go `continueStepsFromDiff`, "the delete step is generated
  'later' on, after all creates/updates finish"; deployment_executor.go `Execute` ->
  `performDeletes`, in reverse dependency order). A delete-first replacement deletes at once, and
  with it every dependent whose inputs from it would make the provider replace it
  (step_generator.go `calculateDependentReplacements`), delete-first too.
- `pulumi up` runs at most `--parallel` steps at once, by default `GOMAXPROCS * 4` or
  `PULUMI_PARALLEL` (pkg/cmd/pulumi/operations/up.go `defaultParallel`).

Like `pulumi preview`, it reads inputs, not Azure. Secrets are masked in both plans; a plan
records a salted hash of each (`secretHashes`, `replacementTriggerHash`, one `secretSalt` per
plan, reused by `--diff`), so a changed secret is seen without any value written.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
LB = "azure-native:network:LoadBalancer"
PIP = "azure-native:network:PublicIPAddress"
NAT_RULE = "azure-native:network:InboundNatRule"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"

#: Exit code of `make plan --diff` when a step would fail on Azure or no VM stays in rotation.
UNSAFE_EXIT = 4
#: How a plan writes a secret and a value unknown in preview (offline/plan.py `masked`).
MASK = "[secret]"
UNKNOWN_TEXT = "output<string>"

DIFF_GO = "azure-native provider/pkg/provider/diff.go calculateDetailedDiff"
PROVIDER_GO = "azure-native provider/pkg/provider/provider.go Diff"
TRIGGER_PRS = "pulumi/pulumi#20936, #21139, #21142"
DEPENDENTS_GO = "pulumi/pulumi step_generator.go calculateDependentReplacements"
STEPS_GO = "pulumi/pulumi step_generator.go generateStepsFromDiff"
DELETES_GO = "pulumi/pulumi deployment_executor.go performDeletes"


# ------------------------------------------------------------------ secrets


#: PBKDF2 rounds per secret hash: slows a guess at a secret from a plan file; the hash of one
#: value is computed once per process.
HASH_ITERATIONS = 10_000


def new_salt() -> str:
    """A plan's random salt for its secret hashes (`--diff` reuses the old plan's)."""
    return secrets.token_hex(16)


def canonical(value: Any) -> str:
    """One text per value: sorted keys, whole floats as integers (the SDK sends floats)."""

    def norm(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    return json.dumps(norm(value), sort_keys=True, separators=(",", ":"))


@functools.cache
def _hash_text(salt: str, text: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", text.encode(), bytes.fromhex(salt), HASH_ITERATIONS).hex()


def secret_hash(salt: str, value: Any) -> str:
    """The salted hash a plan records for a secret value (never the value)."""
    return _hash_text(salt, canonical(value))


def leaf_paths(value: Any, prefix: str) -> Iterable[tuple[str, Any]]:
    """(`a.b[0].c`, value) for every leaf under `value` (the value itself when a scalar)."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from leaf_paths(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from leaf_paths(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


# ------------------------------------------------------------------ Azure's rules


@dataclass(frozen=True)
class CreateOnly:
    """An input Azure cannot change on an existing resource."""

    type: str
    path: str
    source: str
    #: azure-native replaces on its own (its replacement list or the spec's x-ms-mutability);
    #: otherwise only a replacement the program causes avoids a refused update.
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


@dataclass(frozen=True)
class RefusedInPlace:
    """An input Azure accepts at creation but refuses to change on the running resource."""

    type: str
    path: str
    why: str
    source: str


REFUSED_IN_PLACE: tuple[RefusedInPlace, ...] = (
    RefusedInPlace(
        VM,
        "storageProfile.osDisk.managedDisk.storageAccountType",
        "a disk type changes only on a deallocated VM",
        "https://learn.microsoft.com/azure/virtual-machines/disks-convert-types",
    ),
    RefusedInPlace(
        VM,
        "securityProfile.securityType",
        "Trusted Launch is enabled on a deallocated VM only",
        "https://learn.microsoft.com/azure/virtual-machines/trusted-launch-existing-vm",
    ),
    RefusedInPlace(
        VM,
        "securityProfile.uefiSettings",
        "Secure Boot and vTPM change on a deallocated VM only",
        "https://learn.microsoft.com/azure/virtual-machines/trusted-launch-existing-vm",
    ),
    RefusedInPlace(
        VM,
        "securityProfile.encryptionAtHost",
        "encryption at host changes on a deallocated VM only",
        "https://learn.microsoft.com/azure/virtual-machines/disks-enable-host-based-encryption-portal",
    ),
    RefusedInPlace(
        VM,
        "osProfile.adminPassword",
        "the admin password of an existing VM cannot change through its model",
        "Azure: PropertyChangeNotAllowed",
    ),
    RefusedInPlace(
        LB,
        "frontendIPConfigurations.zones",
        "the zonality of a frontend IP configuration is fixed",
        "https://learn.microsoft.com/azure/load-balancer/load-balancer-standard-availability-zones "
        '("the zonality ... isn\'t alterable")',
    ),
)

#: In-place VM updates Azure applies by restarting the VM (out of rotation meanwhile).
RESTARTS: dict[str, str] = {
    "hardwareProfile.vmSize": "https://learn.microsoft.com/azure/virtual-machines/resize-vm (a resize restarts the VM)",
}

SUBNET_IN_USE = (
    "Azure refuses (InUseSubnetCannotBeUpdated; https://learn.microsoft.com/azure/virtual-network/"
    'virtual-network-manage-subnet: "If any resources exist in the subnet, you must first either move the '
    'resources to another subnet or delete them")'
)


# ------------------------------------------------------------------ path parameters, from the SDK

#: Getter parameters that go in the query string, not the resource path.
QUERY_PARAMETERS = frozenset({"expand", "select", "filter", "top", "skip", "skiptoken", "skip_token", "api_version"})


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", camel).lower()


def _sdk_module(module: str) -> Any | None:
    try:
        return importlib.import_module("pulumi_azure_native." + module.replace("/", "."))
    except ImportError:
        return None


def _parameters(getter: Any) -> tuple[str, ...]:
    names = inspect.signature(getter).parameters
    return tuple(_camel(p) for p in names if p != "opts" and p not in QUERY_PARAMETERS and not p.startswith("include_"))


@functools.cache
def _getters(module: str) -> dict[str, tuple[str, ...]]:
    """Every `get_*` of an SDK module by name, with its path parameters."""
    mod = _sdk_module(module)
    if mod is None:
        return {}
    getattr(mod, "get_", None)  # a lazily imported module loads on its first (non-dunder) attribute access
    return {
        name: _parameters(fn)
        for name, fn in vars(mod).items()
        if name.startswith("get_") and not name.endswith("_output") and inspect.isfunction(fn)
    }


def _split_token(token: str) -> tuple[str, str] | None:
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "azure-native":
        return None
    return parts[1], parts[2]


@functools.cache
def path_parameters(token: str) -> tuple[str, ...]:
    """The path parameters of an azure-native resource type, camelCase (`resourceGroupName`,
    `vmName`): those of its getter `pulumi_azure_native.<module>.get_<type>` in the installed
    SDK, whose arguments are the GET path's parameters plus query ones (`expand`). Empty for
    any other provider's type."""
    split = _split_token(token)
    if split is None:
        return ()
    module, kind = split
    getters = _getters(module)
    wanted = "get_" + _snake(kind)
    if wanted not in getters:
        # Acronyms split differently by some generators: match ignoring underscores.
        flat = wanted.replace("_", "")
        wanted = next((g for g in getters if g.replace("_", "") == flat), wanted)
    return getters.get(wanted, ())


def checked_inputs(before: Mapping[str, Any], after: Mapping[str, Any]) -> Mapping[str, Any]:
    """The new inputs as azure-native's Check leaves them: an Azure name the program no longer
    sets keeps its old value (provider/pkg/provider/provider.go `getDefaultName`: "if v, ok :=
    olds[key]; ok" returns the old name before any auto-naming), so a resource the program
    named before and now leaves to auto-naming keeps its name and is not replaced."""
    inputs = after.get("inputs", {})
    name = name_parameter(after.get("type", ""))
    old = before.get("inputs", {}).get(name) if name else None
    if name is None or old is None or inputs.get(name) is not None:
        return inputs
    return {**inputs, name: old}


@functools.cache
def name_parameter(token: str) -> str | None:
    """The path parameter that is the resource's own Azure name (`vmName` of a VM,
    `vmExtensionName` of its extension): the last of its path, i.e. the one no parent's getter
    has. Parents are the getters of the same module (and of `resources`, the resource group's)
    whose path parameters are a strict subset of this type's."""
    params = path_parameters(token)
    split = _split_token(token)
    if not params or split is None:
        return None
    mine = set(params)
    parents: set[str] = set()
    for module in (split[0], "resources"):
        for other in _getters(module).values():
            if other and set(other) < mine:
                parents |= set(other)

    def named(ps: Iterable[str]) -> list[str]:
        return [p for p in ps if p == "name" or p.endswith("Name")]

    # A scope (`resourceUri`, `scope`: an extension resource's parent) is never the name.
    rest = [p for p in params if p not in parents and not re.search(r"(Uri|[sS]cope)$", p)]
    if len(rest) == 1:
        return rest[0]
    return (named(rest) or named(p for p in params if p != "resourceGroupName") or list(params))[-1]


# ------------------------------------------------------------------ the result


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
class Quota:
    """VMs and vCPUs created while the old ones still run, at the change's peak."""

    vms: int = 0
    vcpus: int = 0
    #: vCPUs by size family (`Standard_D*s_v5`).
    families: dict[str, int] = field(default_factory=dict)
    #: Sizes whose vCPU count the name does not tell.
    unknown_sizes: list[str] = field(default_factory=list)
    #: The old VMs are deleted at the end, so the peak lasts until then.
    until_deletes: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "vms": self.vms,
            "vcpus": self.vcpus,
            "families": self.families,
            "unknownSizes": self.unknown_sizes,
            "untilOldVmsDeleted": self.until_deletes,
        }

    def text(self) -> str:
        if not self.vms:
            return "Quota: no VM beyond the running ones"
        fams = ", ".join(f"{k} {v}" if len(self.families) > 1 else k for k, v in sorted(self.families.items()))
        where = f" (famil{'ies' if len(self.families) > 1 else 'y'} {fams})" if self.families else ""
        unknown = f"; vCPUs unknown for {', '.join(self.unknown_sizes)}" if self.unknown_sizes else ""
        until = ", until the old VMs are deleted" if self.until_deletes else ""
        return (
            f"Quota: up to {self.vms} VM{'s' if self.vms != 1 else ''} and {self.vcpus} vCPUs{where}{unknown} "
            f"beyond the running ones{until}"
        )


@dataclass
class Change:
    #: Per resource (by URN): op, paths, reason.
    resources: dict[str, Step]
    steps: list[Step]
    problems: list[str]
    min_in_rotation: int
    of: int
    availability_causes: list[str]
    #: Inputs that differ but are ignored (`ignore_changes`), by resource name.
    drift: dict[str, list[str]]
    recipe: list[str]
    notes: list[str] = field(default_factory=list)
    #: `pulumi up --parallel` assumed.
    parallel: int = 1
    quota: Quota = field(default_factory=Quota)
    #: VMs in rotation: before, during the creates and updates, after the deletes.
    timeline: dict[str, int] = field(default_factory=dict)
    #: Both plans share a salt, so their secrets' hashes compare.
    secrets_compared: bool = True

    @property
    def unsafe(self) -> bool:
        return bool(self.problems) or (self.of > 0 and self.min_in_rotation == 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "steps": [s.as_json() for s in self.steps],
            "availability": {
                "minInRotation": self.min_in_rotation,
                "of": self.of,
                "causes": self.availability_causes,
                "parallel": self.parallel,
                "timeline": self.timeline,
            },
            "problems": self.problems,
            "notes": self.notes,
            "quota": self.quota.as_json(),
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


def _plain_path(path: str) -> str:
    return re.sub(r"\[(\d+|\*)\]", "", path)


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _covers(pattern: str, path: str) -> bool:
    """Pulumi's property-path match: `zones` covers `zones[0]`, `osProfile` covers `osProfile.x`."""
    plain, pat = _plain_path(path), _plain_path(pattern)
    return plain == pat or plain.startswith(pat + ".")


def _value_at(value: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _refers(value: Any, target: str, prefix: bool) -> bool:
    return isinstance(value, str) and (value == target or (prefix and value.startswith(target + "/")))


def _mentions(value: Any, target: str, prefix: bool = False) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, target, prefix) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, target, prefix) for v in value)
    return _refers(value, target, prefix)


def _is_id(value: str) -> bool:
    """An Azure resource ID (`/subscriptions/...`), or another provider's path-like ID."""
    return value.startswith("/") and len(value) < 1024 and not any(c.isspace() for c in value)


class _Refs:
    """Where a plan's inputs hold each string: by value, and by every `/`-prefix of an ID (a
    NIC's `<lb id>/backendAddressPools/x` is under the LB's ID). Built once per plan, so that
    finding who names a resource does not walk every input again."""

    def __init__(self, resources: Iterable[Mapping[str, Any]]) -> None:
        self.exact: dict[str, dict[str, list[str]]] = {}
        self.under: dict[str, dict[str, list[str]]] = {}
        #: Each resource's string leaves: (path, value).
        self.leaves: dict[str, list[tuple[str, str]]] = {}
        for r in resources:
            for path, value in leaf_paths(r.get("inputs", {}), ""):
                if not isinstance(value, str):
                    continue
                self.leaves.setdefault(r["urn"], []).append((path, value))
                self.exact.setdefault(value, {}).setdefault(r["urn"], []).append(path)
                if _is_id(value):
                    parts = value.split("/")
                    for n in range(3, len(parts)):
                        self.under.setdefault("/".join(parts[:n]), {}).setdefault(r["urn"], []).append(path)

    def paths(self, urn: str, target: str, prefix: bool = False) -> list[str]:
        """Input paths of `urn` whose value is `target` (or, with `prefix`, an ID under it)."""
        found = list(self.exact.get(target, {}).get(urn, []))
        return found + (self.under.get(target, {}).get(urn, []) if prefix else [])

    def holders(self, target: str, prefix: bool = False) -> set[str]:
        """URNs whose inputs hold `target` (or an ID under it)."""
        return set(self.exact.get(target, {})) | (set(self.under.get(target, {})) if prefix else set())


def _topological(resources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Dependencies first; ties by the plan's reading order."""
    listed = list(resources)
    by_urn = {r["urn"]: r for r in listed}
    done: set[str] = set()
    out: list[Mapping[str, Any]] = []

    def visit(r: Mapping[str, Any]) -> None:
        if r["urn"] in done:
            return
        done.add(r["urn"])
        for dep in r.get("dependencies", []):
            if dep in by_urn:
                visit(by_urn[dep])
        out.append(r)

    for r in listed:
        visit(r)
    return out


def _custom(r: Mapping[str, Any]) -> bool:
    """A resource a provider manages (plans before `custom` was recorded: one with outputs)."""
    return bool(r.get("custom", bool(r.get("outputs"))))


def default_parallel() -> int:
    """`pulumi up`'s default `--parallel`: PULUMI_PARALLEL when set above 0, else
    GOMAXPROCS (the CPU count) times 4 (pulumi/pulumi pkg/cmd/pulumi/operations/up.go
    `defaultParallel`)."""
    try:
        env = int(os.environ.get("PULUMI_PARALLEL", "0"))
    except ValueError:
        env = 0
    return env if env > 0 else (os.cpu_count() or 1) * 4


# ------------------------------------------------------------------ VM sizes

_SIZE = re.compile(
    r"^(?P<prefix>(?:Standard|Basic)_)?(?P<family>[A-Z]+)(?P<vcpus>\d+)(?:-(?P<constrained>\d+))?"
    r"(?P<features>[a-z]*)(?P<rest>(?:_[A-Z]+\d+)?(?:_v\d+)?)$"
)


def size_vcpus(size: str) -> tuple[str, int] | None:
    """(family, vCPUs) from an Azure size name, per the naming convention `[Family] +
    [Sub-family]* + [# of vCPUs] + [Constrained vCPUs]* + [Additive Features] + [Accelerator
    Type]* + [Version]` (https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions):
    `Standard_D4s_v5` -> (`Standard_D*s_v5`, 4); `Standard_M8-2ms_v2` -> (`Standard_M*ms_v2`, 8),
    a constrained size counting its full vCPUs, as quota does."""
    m = _SIZE.match(size or "")
    if m is None:
        return None
    family = f"{m['prefix'] or ''}{m['family']}*{m['features']}{m['rest']}"
    return family, int(m["vcpus"])


# ------------------------------------------------------------------ the change


class _Comparison:
    def __init__(self, old_plan: Mapping[str, Any], new_plan: Mapping[str, Any], parallel: int) -> None:
        self.old = {r["urn"]: r for r in old_plan.get("resources", []) if _custom(r)}
        self.new = {r["urn"]: r for r in new_plan.get("resources", []) if _custom(r)}
        self.old_order = _topological(self.old.values())
        self.refs = _Refs(self.old_order)
        self.position = {r["urn"]: i for i, r in enumerate(self.old_order)}
        self.new_order = _topological(self.new.values())
        old_salt, new_salt = old_plan.get("secretSalt"), new_plan.get("secretSalt")
        self.salt: str | None = old_salt if old_salt and old_salt == new_salt else None
        self.parallel = max(1, parallel)
        self.resources: dict[str, Step] = {}
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.drift: dict[str, list[str]] = {}
        self.recipe: list[str] = []
        #: urn -> "create" or "delete": which half of a replacement goes first.
        self.first: dict[str, str] = {}
        #: Old IDs and Azure names of replaced resources that get new ones, to the resource's name.
        self.new_ids: dict[str, str] = {}
        self.new_names: dict[str, str] = {}
        #: Delete-first cascades: dependent urn -> why (set when its root is replaced).
        self.cascaded: dict[str, str] = {}
        self.cascade_of: dict[str, list[str]] = {}
        #: Resources whose trigger is new (none before) and that are updated in place.
        self.trigger_added: list[str] = []
        #: Resources whose secret trigger could not be compared (no shared salt).
        self.triggers_not_compared: list[str] = []

    # -- per resource

    def input_changes(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
        paths = changed_paths(before.get("inputs", {}), checked_inputs(before, after))
        if self.salt is None:
            return paths
        old_h: dict[str, str] = before.get("secretHashes") or {}
        new_h: dict[str, str] = after.get("secretHashes") or {}
        for key in sorted(set(old_h) | set(new_h)):
            if old_h.get(key) == new_h.get(key):
                continue
            # Only under a secret masked on both sides (otherwise the masked value differs anyway).
            roots = [key[: m.start()] for m in re.finditer(r"[.\[]", key)] + [key]
            if any(
                _value_at(before.get("inputs", {}), root) == MASK and _value_at(after.get("inputs", {}), root) == MASK
                for root in roots
            ):
                paths.append(key)
        return paths

    def trigger_fingerprint(self, r: Mapping[str, Any]) -> tuple[str, str | None] | None:
        """None (no trigger), ("unknown", None), ("plain", its text), ("hash", its salted hash)
        or ("masked", None) (a secret without a hash this comparison can use)."""
        value = r.get("replacementTrigger")
        if value is None:
            return None
        if value == UNKNOWN_TEXT:
            return ("unknown", None)
        if value == MASK:
            digest = r.get("replacementTriggerHash")
            return ("hash", digest) if digest and self.salt else ("masked", None)
        return ("plain", canonical(value))

    def same_trigger(self, a: tuple[str, str | None], b: tuple[str, str | None]) -> bool:
        if a[0] == b[0]:
            return a[1] == b[1]
        # Secrets compare by value (#21142): a plain trigger against a secret one's hash.
        plain, hashed = (a, b) if a[0] == "plain" else (b, a)
        return self.salt is not None and _hash_text(self.salt, plain[1] or "") == hashed[1]

    def trigger_change(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
        """ "replace", "replace-unknown", "added" (none -> a value: no replacement), or None."""
        old_t, new_t = self.trigger_fingerprint(before), self.trigger_fingerprint(after)
        if new_t is None:
            return None
        if old_t is None:
            return "added"
        if new_t[0] == "unknown":
            return "replace-unknown"
        if "masked" in (old_t[0], new_t[0]):
            self.triggers_not_compared.append(after["name"])
            return None
        if old_t[0] == "unknown" or not self.same_trigger(old_t, new_t):
            return "replace"
        return None

    def classify(self, r: Mapping[str, Any]) -> None:
        urn, rtype = r["urn"], r["type"]
        if urn not in self.old:
            self.resources[urn] = Step("create", rtype, r["name"])
            return
        before = self.old[urn]
        params = path_parameters(rtype)
        paths = self.input_changes(before, r)
        notes: dict[str, str] = {}
        for p, value in self.refs.leaves.get(urn, []):
            # A leaf naming a replaced resource, or an ID at or under a replaced one's.
            hit = self.new_names.get(value)
            what = "name"
            if hit is None and _is_id(value):
                parts = value.split("/")
                ids = ("/".join(parts[:n]) for n in range(len(parts), 1, -1))
                hit, what = next((self.new_ids[i] for i in ids if i in self.new_ids), None), "ID"
            if hit is not None:
                if p not in paths:
                    paths.append(p)
                notes.setdefault(p, f"new {what} of {hit}")
        ignored = [p for p in paths if any(_covers(i, p) for i in r.get("ignoreChanges", []))]
        paths = [p for p in paths if p not in ignored]
        if ignored:
            self.drift[r["name"]] = ignored
        provider: dict[str, str] = {}
        program: dict[str, str] = {}
        refused: list[str] = []
        for p in paths:
            why = f", the {notes[p]}" if p in notes else ""
            if _top(p) in params:
                provider.setdefault(_top(p), f"{_top(p)} is a path parameter{why} ({DIFF_GO})")
            rule = next((c for c in CREATE_ONLY if c.type == rtype and _covers(c.path, p)), None)
            pattern = next((pat for pat in r.get("replaceOnChanges", []) if _covers(pat, p)), None)
            if pattern is not None:
                program.setdefault(pattern, f"{pattern} (replace_on_changes" + (f"; {rule.source})" if rule else ")"))
            elif rule is not None and rule.provider_replaces:
                provider.setdefault(rule.path, f"{rule.path} (replaced by azure-native; {rule.source})")
            elif rule is not None and rule.path not in refused:
                refused.append(rule.path)
        trigger = self.trigger_change(before, r)
        if trigger == "replace":
            program["replacementTrigger"] = f"replacementTrigger changed ({TRIGGER_PRS})"
        elif trigger == "replace-unknown":
            program["replacementTrigger"] = f"replacementTrigger unknown in preview, counted as changed ({TRIGGER_PRS})"
        for other in r.get("replaceWith", []) or []:
            if other in self.first:
                program[f"replaceWith {other}"] = f"replace_with {self.old[other]['name']}, which is replaced"
        cascade = self.cascaded.get(urn)
        if not (paths or provider or program or cascade):
            return
        if provider or program or cascade:
            self.replace(r, before, paths, provider, program, cascade)
        else:
            self.update(r, before, paths, refused, trigger == "added")
            if trigger == "added":
                self.trigger_added.append(urn)

    def replace(
        self,
        r: Mapping[str, Any],
        before: Mapping[str, Any],
        paths: list[str],
        provider: dict[str, str],
        program: dict[str, str],
        cascade: str | None,
    ) -> None:
        urn, rtype = r["urn"], r["type"]
        name_param = name_parameter(rtype)
        explicit = bool(name_param and before.get("inputs", {}).get(name_param) is not None)
        moved = any(_top(p) in path_parameters(rtype) for p in paths)
        causes = list(provider.values()) + list(program.values()) + ([cascade] if cascade else [])
        if cascade:
            mode, delete_first = "delete-first, with the resource it depends on", True
        elif provider and r.get("deleteBeforeReplace"):
            mode, delete_first = "delete-first (deleteBeforeReplace)", True
        elif provider and r.get("deleteBeforeReplace") is False:
            # The user's choice overrides the provider's either way (step_generator.go
            # `generateStepsFromDiff`: "The user can override the provider's decision").
            mode = f"create-first: deleteBeforeReplace is set false, which overrides azure-native ({STEPS_GO})"
            delete_first = False
        elif provider:
            delete_first = explicit
            mode = (
                f"delete-first: azure-native deletes first when the Azure name ({name_param}) is explicit "
                f"({PROVIDER_GO})"
                if explicit
                else f"create-first: auto-named, so azure-native creates first ({PROVIDER_GO}: __createBeforeDelete)"
            )
        elif r.get("deleteBeforeReplace"):
            mode, delete_first = "delete-first (deleteBeforeReplace)", True
        else:
            mode, delete_first = "create-first: the program's replacement, decided by the engine", False
        self.first[urn] = "delete" if delete_first else "create"
        self.resources[urn] = Step("replace", rtype, r["name"], paths, f"{mode}; because " + "; ".join(causes))
        if not delete_first and explicit and not moved:
            self.problems.append(
                f"{r['name']}: replaced create-first ({'; '.join(program.values()) or 'engine'}) with an explicit "
                f"Azure name ({name_param}={before['inputs'][name_param]!r}): the create PUTs over the existing "
                "resource and the delete at the end of the run removes it. Set deleteBeforeReplace on it, or let it "
                "be auto-named"
            )
        # A new Azure name (auto-named) or a new path gives a new ID: inputs naming it change.
        outputs = before.get("outputs", {})
        if not explicit or moved:
            if outputs.get("id"):
                self.new_ids[outputs["id"]] = r["name"]
            if not explicit and outputs.get("name"):
                self.new_names[outputs["name"]] = r["name"]
        if delete_first:
            self.cascade_from(urn)

    def cascade_from(self, root: str) -> None:
        """Dependents the engine deletes with a delete-first replacement: those whose inputs
        from the replace set, made unknown, make azure-native replace them (a path parameter or
        a create-only property it replaces)."""
        replace_set = {root}
        found: list[str] = []
        for d in self.old_order[self.position[root] + 1 :]:
            deps = d.get("dependencies", [])
            if not any(u in replace_set for u in deps):
                continue
            keys = [k for k, urns in (d.get("propertyDependencies") or {}).items() if replace_set & set(urns)]
            if not keys and not d.get("propertyDependencies"):
                # An older plan without property dependencies: the inputs that name one.
                keys = [
                    _top(p)
                    for u in replace_set
                    for target in (self.old[u].get("outputs", {}).get("id"), self.old[u].get("outputs", {}).get("name"))
                    if target
                    for p in self.refs.paths(d["urn"], target, prefix=True)
                ]
            replaced_keys = [
                k
                for k in keys
                if k in path_parameters(d["type"])
                or any(c.type == d["type"] and c.provider_replaces and _top(c.path) == k for c in CREATE_ONLY)
            ]
            if replaced_keys:
                replace_set.add(d["urn"])
                found.append(d["urn"])
                self.cascaded.setdefault(
                    d["urn"],
                    f"{', '.join(sorted(set(replaced_keys)))} depend(s) on {self.old[root]['name']}, which is replaced "
                    f"delete-first ({DEPENDENTS_GO})",
                )
        self.cascade_of[root] = found

    def update(
        self, r: Mapping[str, Any], before: Mapping[str, Any], paths: list[str], refused: list[str], recipe: bool
    ) -> None:
        """An update in place: what Azure refuses of it, and whether it restarts a VM. With
        `recipe`, a refused update can be a replacement instead (the trigger migration)."""
        rtype, name = r["type"], r["name"]
        reason = ""
        for path in refused:
            rule = next(c for c in CREATE_ONLY if c.type == rtype and c.path == path)
            self.problems.append(
                f"{name}: {rule.path} is create-only in Azure and would be updated in place, which Azure "
                f"refuses ({rule.source})" + (" (replace it instead: see the recipe)" if recipe else "")
            )
        for rule in REFUSED_IN_PLACE:
            if rule.type != rtype:
                continue
            hit = [p for p in paths if _covers(rule.path, p)]
            # A whole object changed (`securityProfile` added): the rule's own path, if it differs.
            if not hit and any(_covers(p, rule.path) for p in paths):
                hit = [rule.path] if _values(before, rule.path) != _values(r, rule.path) else []
            if hit:
                self.problems.append(
                    f"{name}: {', '.join(hit)} changes in place, which Azure refuses: {rule.why} ({rule.source})"
                )
        if rtype == VM:
            restarts = sorted({k for p in paths for k in RESTARTS if _covers(k, p)})
            if restarts:
                reason = "restarts the VM: " + "; ".join(f"{k} ({RESTARTS[k]})" for k in restarts)
        elif rtype == VMSS:
            reason = "model update: rolled out to the instances by the scale set's upgrade policy"
        self.subnet_updates(r, before, paths)
        self.resources[r["urn"]] = Step("update", rtype, name, paths, reason)

    def subnet_updates(self, r: Mapping[str, Any], before: Mapping[str, Any], paths: list[str]) -> None:
        """A subnet re-addressed while resources use it (InUseSubnetCannotBeUpdated)."""
        rid = before.get("outputs", {}).get("id")
        if not rid:
            return
        changed: list[tuple[str, str, Any, Any]] = []  # (subnet id, label, old, new)
        if r["type"] == VNET:
            old_subnets = {s.get("name"): s for s in before["inputs"].get("subnets", []) or [] if isinstance(s, dict)}
            for s in r["inputs"].get("subnets", []) or []:
                if not isinstance(s, dict) or s.get("name") not in old_subnets:
                    continue
                o = old_subnets[s.get("name")]
                for key in ("addressPrefix", "addressPrefixes"):
                    if o.get(key) != s.get(key):
                        changed.append((f"{rid}/subnets/{s.get('name')}", f"subnet {s.get('name')}", o, s))
                        break
        elif r["type"] == SUBNET and any(_top(p) in ("addressPrefix", "addressPrefixes") for p in paths):
            changed.append((rid, "its addressPrefix", before["inputs"], r["inputs"]))
        for subnet_id, label, o, s in changed:
            users = [
                h["name"]
                for h in self.holding(subnet_id, prefix=True)
                if h["urn"] != r["urn"] and self.first.get(h["urn"]) != "delete"
            ]
            if users:
                was = o.get("addressPrefix") or o.get("addressPrefixes")
                now = s.get("addressPrefix") or s.get("addressPrefixes")
                self.problems.append(
                    f"{r['name']}: {label} changes its address prefix {was} -> {now} while "
                    f"{', '.join(users)} use{'s' if len(users) == 1 else ''} it; {SUBNET_IN_USE}"
                )

    def holding(self, target: str, prefix: bool = False) -> list[Mapping[str, Any]]:
        """Old resources whose inputs hold `target` (or an ID under it), in dependency order."""
        return [self.old[u] for u in sorted(self.refs.holders(target, prefix), key=self.position.__getitem__)]

    # -- the whole change

    def run(self) -> None:
        for r in self.new_order:
            self.classify(r)
        for urn, r in self.old.items():
            if urn not in self.new:
                self.resources[urn] = Step("delete", r["type"], r["name"])

    def steps(self) -> list[Step]:
        first: list[Step] = []
        deleted: set[str] = set()
        for r in self.new_order:
            urn = r["urn"]
            step = self.resources.get(urn)
            if step is None:
                continue
            if step.op != "replace":
                if step.op in ("create", "update"):
                    first.append(step)
                continue
            if self.first[urn] == "delete":
                # Its cascade first, dependents before what they depend on.
                for dep in sorted(self.cascade_of.get(urn, []), key=lambda u: -self.position[u]):
                    if dep not in deleted:
                        deleted.add(dep)
                        first.append(Step("delete-replaced", self.old[dep]["type"], self.old[dep]["name"]))
                if urn not in deleted:
                    deleted.add(urn)
                    first.append(Step("delete-replaced", step.type, step.name, step.paths, step.reason))
            first.append(Step("create-replacement", step.type, step.name, step.paths, step.reason))
        # Then every other delete, dependents first (deployment_executor.go performDeletes).
        last: list[Step] = []
        for r in reversed(self.old_order):
            urn = r["urn"]
            if urn in deleted:
                continue
            if urn not in self.new:
                last.append(self.resources[urn])
            elif self.first.get(urn) == "create":
                last.append(Step("delete-replaced", r["type"], r["name"]))
        return first + last

    def deleted_at_end(self) -> list[str]:
        """URNs of old resources that exist until the deletes at the end."""
        return [
            urn
            for urn in self.old
            if (urn not in self.new and urn not in self.cascaded) or self.first.get(urn) == "create"
        ]

    # -- what Azure refuses across resources

    def reference_problems(self) -> None:
        """A resource deleted while another still references it: Azure refuses (a NAT rule a
        NIC uses, a subnet a Bastion host uses, an LB whose pool NICs use). Safe when the
        referrer drops the reference in an update (updates run first) or is deleted first (it
        depends on the deleted one)."""
        for urn, r in self.old.items():
            rid = r.get("outputs", {}).get("id")
            if not rid:
                continue
            if urn not in self.new:
                # An ID under the deleted one counts too: a NIC in an LB's backend pool holds
                # `<lb id>/backendAddressPools/<pool>`, and Azure refuses to delete the LB.
                for holder in self.holding(rid, prefix=True):
                    if holder["urn"] == urn:
                        continue
                    if holder["urn"] in self.new and self.first.get(holder["urn"]) != "create":
                        if self.first.get(holder["urn"]) != "delete" and _mentions(
                            self.new[holder["urn"]].get("inputs", {}), rid, prefix=True
                        ):
                            self.problems.append(f"{r['name']} is deleted while {holder['name']} still references it")
                    elif urn not in holder.get("dependencies", []) and holder["urn"] not in self.new:
                        self.problems.append(f"{r['name']} may be deleted before {holder['name']}, which references it")
            elif self.first.get(urn) == "delete" and urn not in self.cascaded:
                gone_first = set(self.cascade_of.get(urn, [])) | {
                    u for u, f in self.first.items() if f == "delete" and u != urn
                }
                holders = [
                    h["name"] for h in self.holding(rid, prefix=True) if h["urn"] != urn and h["urn"] not in gone_first
                ]
                if holders:
                    self.problems.append(
                        f"{r['name']} is replaced delete-first while {', '.join(holders)} still reference"
                        f"{'s' if len(holders) == 1 else ''} it; Azure refuses to delete a resource in use"
                    )
        # An inline sub-resource (a subnet of a VNet) removed by an update while a resource that
        # is only deleted afterwards still uses it.
        for urn, step in self.resources.items():
            if step.op != "update" or urn not in self.old:
                continue
            parent_id = self.old[urn].get("outputs", {}).get("id", "")
            for child in self.old[urn].get("inputs", {}).get("subnets", []) or []:
                child_id = f"{parent_id}/subnets/{child.get('name')}"
                still = any(
                    s.get("name") == child.get("name") for s in self.new[urn].get("inputs", {}).get("subnets", []) or []
                )
                if still:
                    continue
                users = [h["name"] for h in self.holding(child_id, prefix=True) if h["urn"] != urn]
                for user in users:
                    self.problems.append(
                        f"{step.name}: subnet {child.get('name')} is removed in an update while {user} (deleted only "
                        "afterwards) still uses it; Azure refuses (InUseSubnetCannotBeDeleted). Delete it first: "
                        f"pulumi destroy --target <urn of {user}>"
                    )

    def nat_port_problems(self) -> None:
        """A NAT rule created or updated while a rule deleted only at the end still holds an
        overlapping frontend port on the same frontend: Azure refuses overlapping inbound NAT
        rules, and Pulumi deletes the old one only after every create and update."""
        leaving = [self.old[u] for u in self.deleted_at_end() if self.old[u]["type"] == NAT_RULE]
        if not leaving:
            return
        for r in self.new_order:
            step = self.resources.get(r["urn"])
            if r["type"] != NAT_RULE or step is None or step.op not in ("create", "update", "replace"):
                continue
            ports = _nat_ports(r.get("inputs", {}))
            clash = [
                q
                for q in leaving
                if q["urn"] != r["urn"] or self.first.get(r["urn"]) == "create"
                if _same_frontend(q.get("inputs", {}), r.get("inputs", {})) and ports & _nat_ports(q.get("inputs", {}))
            ]
            if not clash:
                continue
            held = sorted(set().union(*(_nat_ports(q.get("inputs", {})) for q in clash)) & ports)
            top = max(max(_nat_ports(q.get("inputs", {}))) for q in clash)
            clear = (top // 100 + 1) * 100 + 1
            verb = "is" if len(clash) == 1 else "are"
            self.problems.append(
                f"{r['name']}: its frontend ports {_port_text(ports)} overlap port(s) {_port_text(set(held))} of "
                f"{', '.join(q['name'] for q in clash)} on the same frontend, which {verb} "
                f"deleted only at the end of the run ({DELETES_GO}); Azure refuses overlapping inbound NAT rules. "
                f"For this change give it ports clear of them (e.g. a range from {clear}), or run two `pulumi up`s: "
                "first without it (the old rules go), then with it"
            )
            self.recipe += [
                f"# {r['name']}'s NAT ports clash with rules deleted only at the end of the run. Either:",
                f"#   a) for this change, give it frontend ports from {clear} on (clear of {_port_text(set(held))}), "
                "then `pulumi up`;",
                "#   b) two runs: `pulumi up` without the new rule (the old rules go), then `pulumi up` with it.",
            ]

    def trigger_migration(self) -> None:
        if not self.trigger_added:
            return
        fingerprints = {self.trigger_fingerprint(self.new[u]) for u in self.trigger_added}
        group = [
            r["urn"]
            for r in self.new_order
            if r["urn"] in self.old
            and self.resources.get(r["urn"], Step("", "", "")).op != "replace"
            and (r["urn"] in self.trigger_added or self.trigger_fingerprint(r) in fingerprints)
            and self.trigger_fingerprint(self.old[r["urn"]]) is None
        ]
        names = ", ".join(self.new[u]["name"] for u in group)
        self.notes.append(
            f"{names}: replacementTrigger is new (none before), so Pulumi does not replace them on it ({TRIGGER_PRS}) "
            "and updates them in place; replace them in this run with the recipe"
        )
        self.recipe += [
            "# The replacement trigger is new on these resources; Pulumi replaces on it only from the next change,",
            "# so ask for the replacement (create-first) explicitly:",
            "pulumi up " + " ".join(f"--replace '{u}'" for u in group),
        ]

    # -- availability

    def probe(self) -> tuple[str, int | None, int | None]:
        lb = next((r for r in self.old_order if r["type"] == LB and r.get("inputs", {}).get("probes")), None)
        if lb is None:
            return "", None, None
        p = lb["inputs"]["probes"][0]
        return lb["name"], p.get("intervalInSeconds"), p.get("probeThreshold")

    def availability(self) -> tuple[int, int, list[str], dict[str, int]]:
        """Fewest serving VMs (or scale-set instances) at any point, of the count after the
        change. The old VMs count (new ones only once the change is done): a create-first
        replacement keeps its old VM serving until the deletes at the end; a delete-first one
        or a restart takes it out, at most `--parallel` at a time; a VM deleted at the end
        serves until then. A replaced frontend IP (its address changes) or load balancer
        leaves none."""
        causes: list[str] = []
        old_vms = [r for r in self.old_order if r["type"] == VM]
        new_vms = [r for r in self.new_order if r["type"] == VM]
        before = len(old_vms) + sum(_capacity(r) for r in self.old_order if r["type"] == VMSS)
        of = len(new_vms) + sum(_capacity(r) for r in self.new_order if r["type"] == VMSS)
        out: list[str] = []
        for vm in old_vms:
            step = self.resources.get(vm["urn"])
            if step is None or step.op in ("create", "delete"):
                continue
            if step.op == "replace" and self.first[vm["urn"]] == "delete":
                out.append(vm["name"])
                causes.append(f"{vm['name']}: replaced delete-first ({', '.join(step.paths) or 'dependency'})")
            elif step.op == "update" and step.reason.startswith("restarts"):
                out.append(vm["name"])
                causes.append(f"{vm['name']}: restarts ({', '.join(step.paths)})")
        if len(out) > self.parallel:
            causes.append(f"at most {self.parallel} of these {len(out)} at a time (--parallel {self.parallel})")
        serving = len(old_vms) - min(len(out), self.parallel)
        serving += self.scale_sets(causes)
        created = [vm["name"] for vm in old_vms if self.first.get(vm["urn"]) == "create"]
        if created:
            self.notes.append(
                f"{', '.join(created)}: replaced create-first: each old VM serves until the deletes at the end; "
                "its replacement joins the pool when created and serves once it passes the probe"
            )
        gone = [self.old[u]["name"] for u in self.deleted_at_end() if self.old[u]["type"] in (VM, VMSS)]
        if gone:
            lb, interval, threshold = self.probe()
            exposure = (
                f"for up to {interval * threshold} s (intervalInSeconds {interval} x probeThreshold {threshold}, "
                f"{lb} probes[0])"
                if isinstance(interval, int | float) and isinstance(threshold, int | float)
                else "until the probe marks it down"
            )
            causes.append(
                f"{', '.join(gone)}: deleted at the end of the run; the load balancer may still send new flows to a "
                f"deleted VM {exposure}"
            )
        for r in self.old_order:
            step = self.resources.get(r["urn"])
            if step is None:
                continue
            if r["type"] == PIP and step.op == "replace" and self.is_frontend_ip(r):
                causes.append(f"{r['name']}: the frontend's public IP is replaced, so its address changes")
                serving = 0
            elif r["type"] == LB and step.op == "replace":
                causes.append(f"{r['name']}: the load balancer is replaced ({self.first[r['urn']]}-first)")
                serving = 0
            elif r["type"] == LB and step.op == "delete" and of:
                causes.append(f"{r['name']}: the load balancer is deleted")
                serving = 0
        old_path, new_path = _probe_path(self.old), _probe_path(self.new)
        if new_path is not None and new_path != old_path and old_vms:
            self.notes.append(
                f"probe path {old_path} -> {new_path}: the load balancer probes the new path as soon as it is "
                f"updated, so every VM that keeps running must answer HTTP 200 at {new_path} (a workload that "
                "answers every path does; a custom one must), or it leaves rotation"
            )
        serving = max(0, serving)
        timeline = {"before": before, "during": serving, "after": of}
        return min(serving, of), of, causes, timeline

    def scale_sets(self, causes: list[str]) -> int:
        serving = 0
        for r in self.old_order:
            if r["type"] != VMSS:
                continue
            step = self.resources.get(r["urn"])
            count = _capacity(r)
            policy_root = r.get("inputs", {}).get("upgradePolicy") or {}
            if step is None or step.op in ("update", "delete"):
                policy = policy_root.get("rollingUpgradePolicy") or {}
                if step is not None and step.op == "update" and policy_root.get("mode") == "Rolling":
                    batch = max(1, -(-count * int(policy.get("maxBatchInstancePercent", 20)) // 100))
                    out = 0 if policy.get("maxSurge") else batch
                    if out:
                        causes.append(f"{r['name']}: rolling upgrade, {batch} instance(s) per batch")
                    serving += count - out
                elif step is not None and step.op == "update":
                    causes.append(f"{r['name']}: model update without a rolling policy")
                else:
                    serving += count  # unchanged, or deleted only at the end
            elif self.first.get(r["urn"]) == "create":
                serving += count  # the new set's instances join the pool before the old set goes
            else:
                causes.append(f"{r['name']}: replaced delete-first")
        return serving

    def is_frontend_ip(self, pip: Mapping[str, Any]) -> bool:
        """A public IP clients reach the service on: the frontend of a load balancer with
        load-balancing rules. An outbound-only LB's IP (egress) changes the VMs' source
        address, not what serves."""
        pid = pip.get("outputs", {}).get("id")
        return bool(pid) and any(
            r["type"] == LB
            and r.get("inputs", {}).get("loadBalancingRules")
            and _mentions(r.get("inputs", {}).get("frontendIPConfigurations", []), pid)
            for r in self.old.values()
        )

    def quota(self) -> Quota:
        q = Quota()
        for r in self.new_order:
            step = self.resources.get(r["urn"])
            if step is None or not (step.op == "create" or self.first.get(r["urn"]) == "create"):
                continue
            if r["type"] == VM:
                count, size = 1, ((r.get("inputs", {}).get("hardwareProfile") or {}).get("vmSize") or "")
            elif r["type"] == VMSS:
                count, size = _capacity(r), ((r.get("inputs", {}).get("sku") or {}).get("name") or "")
            else:
                continue
            q.vms += count
            parsed = size_vcpus(size)
            if parsed is None:
                q.unknown_sizes.append(size or "?")
                continue
            q.vcpus += count * parsed[1]
            q.families[parsed[0]] = q.families.get(parsed[0], 0) + count * parsed[1]
        q.until_deletes = any(self.old[u]["type"] in (VM, VMSS) for u in self.deleted_at_end())
        return q


def _values(r: Mapping[str, Any], path: str) -> list[Any]:
    """The input values at a path whose lists are unindexed (`frontendIPConfigurations.zones`)."""
    found: list[Any] = [r.get("inputs", {})]
    for part in _plain_path(path).split("."):
        nxt: list[Any] = []
        for v in found:
            for item in v if isinstance(v, list) else [v]:
                if isinstance(item, dict) and item.get(part) is not None:
                    nxt.append(item[part])
        found = nxt
    return found


def _capacity(r: Mapping[str, Any]) -> int:
    try:
        return int((r.get("inputs", {}).get("sku") or {}).get("capacity", 0) or 0)
    except (TypeError, ValueError):
        return 0


def _probe_path(plan: Mapping[str, Any]) -> str | None:
    lb = next((r for r in plan.values() if r["type"] == LB), None)
    probes = (lb or {}).get("inputs", {}).get("probes") or [{}]
    return probes[0].get("requestPath")


def _nat_ports(inputs: Mapping[str, Any]) -> set[int]:
    try:
        if inputs.get("frontendPortRangeStart") is not None:
            return set(range(int(inputs["frontendPortRangeStart"]), int(inputs["frontendPortRangeEnd"]) + 1))
        if inputs.get("frontendPort") is not None:
            return {int(inputs["frontendPort"])}
    except (TypeError, ValueError, KeyError):
        pass
    return set()


def _same_frontend(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    def key(i: Mapping[str, Any]) -> tuple[Any, ...]:
        return (
            i.get("resourceGroupName"),
            i.get("loadBalancerName"),
            (i.get("frontendIPConfiguration") or {}).get("id"),
            str(i.get("protocol", "")).lower(),
        )

    return key(a) == key(b)


def _port_text(ports: set[int]) -> str:
    """`50001-50004` for a run, `50001, 50003` otherwise."""
    ordered = sorted(ports)
    if not ordered:
        return "-"
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{ordered[0]}-{ordered[-1]}"
    return ", ".join(map(str, ordered))


def compare(old_plan: Mapping[str, Any], new_plan: Mapping[str, Any], parallel: int | None = None) -> Change:
    """The change from `old_plan` to `new_plan` (both as `--json` writes them), with `pulumi
    up --parallel` (default: as the CLI computes it, `default_parallel`)."""
    c = _Comparison(old_plan, new_plan, parallel or default_parallel())
    if c.salt is None and any(r.get("secretHashes") or r.get("replacementTriggerHash") for r in c.new.values()):
        c.notes.append(
            "the old plan has another (or no) secretSalt, so secrets are not compared: write it with --json of this "
            "version, or pass it to --diff so the new plan reuses its salt"
        )
    c.run()
    if c.triggers_not_compared:
        c.notes.append(
            f"{', '.join(c.triggers_not_compared)}: the replacementTrigger is secret and the plans share no salt, so "
            "whether it changed (a replacement) is not known"
        )
    steps = c.steps()
    c.reference_problems()
    c.nat_port_problems()
    c.trigger_migration()
    minimum, of, causes, timeline = c.availability()
    return Change(
        resources=c.resources,
        steps=steps,
        problems=c.problems,
        min_in_rotation=minimum,
        of=of,
        availability_causes=causes,
        drift=c.drift,
        recipe=c.recipe,
        notes=c.notes,
        parallel=c.parallel,
        quota=c.quota(),
        timeline=timeline,
        secrets_compared=c.salt is not None,
    )


# ------------------------------------------------------------------ text


def render(change: Change) -> str:
    how = (
        "secrets compared by their salted hashes"
        if change.secrets_compared
        else "secrets masked and, without a shared salt, not compared"
    )
    out = [f"Change against the old plan (from inputs; {how}):"]
    visible = list(change.resources.values())
    if not visible:
        out.append("  no resource changes")
    for s in sorted(visible, key=lambda s: (s.op, s.name)):
        line = f"  {s.op:<8} {s.type}  {s.name}"
        if s.paths:
            line += f"  [{', '.join(s.paths[:6])}{', ...' if len(s.paths) > 6 else ''}]"
        out.append(line + (f"  {s.reason}" if s.reason else ""))
    for name, paths in sorted(change.drift.items()):
        out.append(f"  drift    {name}: {', '.join(paths)} changed but ignored (ignore_changes)")
    out += ["", "Steps, in the order Pulumi runs them:"]
    out += [f"  {i:>3}. {s.op:<18} {s.name}" for i, s in enumerate(change.steps, start=1)] or ["  none"]
    out += [
        "",
        f"Availability: at least {change.min_in_rotation} of {change.of} in rotation during the change "
        f"(with --parallel {change.parallel})",
    ]
    out += [f"  - {c}" for c in change.availability_causes]
    out += ["", change.quota.text()]
    if change.notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in change.notes]
    if change.problems:
        out += ["", "Azure would refuse:"] + [f"  - {p}" for p in change.problems]
    if change.recipe:
        out += ["", "Recipe:"] + [f"  {line}" for line in change.recipe]
    if change.unsafe:
        out += [
            "",
            f"Unsafe as one `pulumi up` (exit {UNSAFE_EXIT}): Azure would refuse a step, or no VM stays in rotation; "
            "see above.",
        ]
    return "\n".join(out) + "\n"


def timeline_svg(change: Change, title: str = "") -> str:
    """VMs in rotation per phase (before, during the creates and updates, after the deletes),
    as a small bar chart in plain SVG."""
    phases = [
        ("before", change.timeline.get("before", 0)),
        ("during creates/updates", change.timeline.get("during", 0)),
        ("after deletes", change.timeline.get("after", 0)),
    ]
    top = max([n for _, n in phases] + [1])
    width, height, base, bar_h = 520, 240, 190, 130
    font = "font-family='Segoe UI, Helvetica, Arial, sans-serif'"
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>",
        f"<rect width='{width}' height='{height}' fill='#ffffff'/>",
        f"<text x='16' y='24' {font} font-size='14' font-weight='bold'>"
        f"{escape(title or 'VMs in rotation during the change')}</text>",
        f"<text x='16' y='42' {font} font-size='11' fill='#374151'>at least {change.min_in_rotation} of "
        f"{change.of} in rotation (--parallel {change.parallel})</text>",
        f"<line x1='16' y1='{base}' x2='{width - 16}' y2='{base}' stroke='#9ca3af'/>",
    ]
    for i, (label, n) in enumerate(phases):
        x = 40 + i * 160
        h = round(bar_h * n / top)
        color = "#dc2626" if n == 0 and change.of else "#2563eb"
        parts += [
            f"<rect x='{x}' y='{base - h}' width='100' height='{h}' fill='{color}' rx='3'/>",
            f"<text x='{x + 50}' y='{base - h - 6}' {font} font-size='13' text-anchor='middle'>{n}</text>",
            f"<text x='{x + 50}' y='{base + 18}' {font} font-size='11' text-anchor='middle'>{escape(label)}</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
