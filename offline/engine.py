"""The one mock engine of this project, shared by the tests and the offline plan.

It runs the real program (`__main__.py`) in-process on the Pulumi SDK's mock monitor,
records every registration (type, name, parent, dependencies, inputs, outputs) and the
stack outputs with their secretness, and answers with outputs shaped like Azure's:
resource IDs, auto-names, private IPs from the subnet, a public IP, an FQDN.

Two ways to answer what only the provider computes (`computed=`):

- "values" (the default, what the tests and pictures use): deterministic stand-ins for the
  IDs, addresses and principals Azure assigns. Each stand-in is recorded (`ProgramRun.stand_ins`)
  so that a plan can mark it as not Azure's value. Run with `preview=True` (the SDK's dry run,
  as `pulumi preview` runs a program), every output the mock does not model stays *unknown*:
  applies on it do not run, and a program that reads, say, a storage account's endpoints does
  not fail on None.
- "unknown": what `pulumi preview` itself shows for a resource to create: the ID is unknown and
  the outputs are the inputs, every other output unknown (azure-native's
  `SdkShapeConverter.PreviewOutputs`, provider/pkg/convert/previewOutputs.go: "maps [inputs] to
  the outputs shape, adding unknowns for all properties that are not defined in inputs"; the SDK
  treats an empty ID as unknown, pulumi/runtime/resource.py `is_known = bool(resp.id)`).

Unknown values are recorded as `pulumi.output.Unknown` (what the SDK's `deserialize_property`
makes of the UNKNOWN sentinel in a dry run) and print as `output<string>`, as the CLI prints
them.

Read invokes are answered when their shape follows from their arguments (a resource group, a
public IP, ... by name; the caller's identity), or from an answer file; every invoke is
recorded (`ProgramRun.invokes`) so that the plan can say what was answered how.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import gc
import hashlib
import ipaddress
import re
import runpy
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import config as runtime_config
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_in_stack, wait_for_rpcs

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_SIG = rpc._special_sig_key  # the key that marks a serialized secret
SECRET_VALUE = rpc._special_secret_sig


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret (a test asserts on the type, never prints it)."""

    value: Any

    def __repr__(self) -> str:
        return "[secret]"


#: How the Pulumi CLI prints a value that is not known during a preview.
UNKNOWN_TEXT = "output<string>"
COMPUTED_MODES = ("values", "unknown")


def is_unknown(value: Any) -> bool:
    """True for a value only known after deployment (the SDK's `Unknown` in a dry run)."""
    return isinstance(value, Unknown) or value == rpc.UNKNOWN


def _is_wrapped_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE


def reveal_secrets(value: Any) -> Any:
    """Turn the SDK's wrapped secrets (`{<sig>: <secret sig>, "value": v}`) into `Secret`."""
    if _is_wrapped_secret(value):
        return Secret(reveal_secrets(value.get("value")))
    if isinstance(value, dict):
        return {k: reveal_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal_secrets(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """The value with every `Secret` opened (for wiring assertions, never for printing)."""
    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _wrap_secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE, "value": value}


@dataclass
class Registered:
    """One resource as the engine saw it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    #: Inputs as the SDK sent them (camelCase keys, numbers as floats), secrets as `Secret`.
    inputs: dict[str, Any]
    id: str = ""
    #: What the mock engine answered (inputs plus Azure-shaped computed values).
    outputs: dict[str, Any] = field(default_factory=dict)
    replace_on_changes: list[str] = field(default_factory=list)
    #: The `delete_before_replace` option: True, False (set false: the user's choice overrides
    #: the provider's, pulumi/pulumi pkg/resource/deploy/step_generator.go
    #: `generateStepsFromDiff`), or None when the program left it unset.
    delete_before_replace: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    #: Aliases as sent: a URN string, or the spec's type (`type=...`) and name (`name=...`).
    aliases: list[str] = field(default_factory=list)
    #: The `replacement_trigger` option's value as sent (None without one): plain, a `Secret`,
    #: or unknown in a dry run. Pulumi replaces the resource when the old and the new value
    #: are both set and differ (pulumi/pulumi#20936).
    replacement_trigger: Any = None
    #: URNs of the `replace_with` option: the resource is replaced whenever one of them is.
    replace_with: list[str] = field(default_factory=list)


def _alias(alias: Any) -> str:
    if alias.urn:
        return alias.urn
    spec = alias.spec
    return " ".join(f"{k}={v}" for k, v in (("type", spec.type), ("name", spec.name)) if v)


@dataclass
class Invoke:
    """One invoke the program made, and how the mock engine answered it."""

    token: str
    args: dict[str, Any]
    #: "arguments" (shape known from them), "answers file", "built in" or "unanswered".
    answered_by: str
    result: dict[str, Any] = field(default_factory=dict)


class UnansweredInvoke(Exception):
    """An invoke the mock engine cannot answer offline; the plan tells the user how to."""

    def __init__(self, token: str, args: Mapping[str, Any]) -> None:
        self.token = token
        self.arguments = dict(args)
        super().__init__(f"the offline plan has no answer for invoke {token}({_args_text(args)})")


def _args_text(args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(args.items()))


@dataclass(frozen=True)
class Read:
    """An existing resource the program reads (`Resource.get`): `pulumi preview` reads it
    from Azure; offline only its ID (and the name in it) is known."""

    urn: str
    type: str
    name: str
    id: str


@dataclass
class ProgramRun:
    resources: list[Registered]
    #: Stack outputs; secret ones are `Secret`.
    outputs: dict[str, Any]
    error: BaseException | None = None
    #: Values the mock made up for what only Azure assigns (addresses, FQDNs, principal IDs).
    stand_ins: set[str] = field(default_factory=set)
    invokes: list[Invoke] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)
    #: "values" or "unknown" (see the module docstring).
    computed: str = "values"
    #: The run was a dry run (`pulumi preview`), not a deployment.
    preview: bool = False

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> Registered:
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        return next(r for r in self.resources if r.urn == urn)

    def ordered(self) -> list[Registered]:
        """Resources in a stable reading order (registration order varies with timing):
        components first, then by kind, then by name with numbers compared as numbers (vm-2
        before vm-10)."""
        return sorted(self.resources, key=lambda r: (kind_rank(r), natural(r.name)))

    def components(self) -> list[Registered]:
        """The component resources, in reading order: the registrations that are not custom
        (a `ComponentResource` registers with `custom=False`; pulumi/resource.py)."""
        return [r for r in self.ordered() if not r.custom]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.resources:
            out[r.type] = out.get(r.type, 0) + 1
        return out


#: The reading order of Azure resource kinds (the last part of the type token); others last.
# The SDK's MockMonitor.RegisterResource, which this engine's monitor extends, gives each worker
# thread it runs in an event loop (pulumi/runtime/sync_await.py `_ensure_event_loop`) and never
# closes it; left to the garbage collector at exit, such a loop's `__del__` may print
# "Exception ignored ... Bad file descriptor" on stderr. The engine makes that loop itself, once
# per worker thread, and closes every one of them at exit.
_THREAD_LOOPS: list[asyncio.AbstractEventLoop] = []
_THREAD = threading.local()


def _own_thread_loop() -> None:
    if threading.current_thread() is threading.main_thread() or getattr(_THREAD, "loop", None) is not None:
        return  # the main thread runs the program's own loop (`_run`)
    _THREAD.loop = asyncio.new_event_loop()
    asyncio.set_event_loop(_THREAD.loop)
    _THREAD_LOOPS.append(_THREAD.loop)


@atexit.register
def _close_thread_loops() -> None:
    for loop in _THREAD_LOOPS:
        loop.close()


KIND_ORDER = {
    kind: n
    for n, kind in enumerate(
        [
            "ResourceGroup",
            "NetworkSecurityGroup",
            "VirtualNetwork",
            "PublicIPAddress",
            "LoadBalancer",
            "InboundNatRule",
            "BastionHost",
            "NatGateway",
            "UserAssignedIdentity",
            "AvailabilitySet",
            "RandomPassword",
            "NetworkInterface",
            "VirtualMachine",
            "VirtualMachineExtension",
            "VirtualMachineRunCommandByVirtualMachine",
            "VirtualMachineScaleSet",
            "AutoscaleSetting",
            "Workspace",
            "DiagnosticSetting",
            "ActionGroup",
            "MetricAlert",
        ]
    )
}


def kind_rank(r: Registered) -> int:
    """A component before every resource (-1), then its kind's place in `KIND_ORDER`."""
    return -1 if not r.custom else KIND_ORDER.get(r.type.rsplit(":", 1)[-1], len(KIND_ORDER))


def natural(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


# Azure resource type and the input that carries an explicit Azure name, per Pulumi type.
AZURE_TYPES: dict[str, tuple[str, str]] = {
    "azure-native:resources:ResourceGroup": ("", "resourceGroupName"),
    "azure-native:network:VirtualNetwork": ("Microsoft.Network/virtualNetworks", "virtualNetworkName"),
    "azure-native:network:NetworkSecurityGroup": (
        "Microsoft.Network/networkSecurityGroups",
        "networkSecurityGroupName",
    ),
    "azure-native:network:PublicIPAddress": ("Microsoft.Network/publicIPAddresses", "publicIpAddressName"),
    "azure-native:network:LoadBalancer": ("Microsoft.Network/loadBalancers", "loadBalancerName"),
    "azure-native:network:BastionHost": ("Microsoft.Network/bastionHosts", "bastionHostName"),
    "azure-native:network:NatGateway": ("Microsoft.Network/natGateways", "natGatewayName"),
    "azure-native:keyvault:Secret": ("Microsoft.KeyVault/vaults", "secretName"),
    "azure-native:authorization:RoleAssignment": (
        "Microsoft.Authorization/roleAssignments",
        "roleAssignmentName",
    ),
    "azure-native:network:NetworkInterface": ("Microsoft.Network/networkInterfaces", "networkInterfaceName"),
    "azure-native:compute:AvailabilitySet": ("Microsoft.Compute/availabilitySets", "availabilitySetName"),
    "azure-native:compute:VirtualMachine": ("Microsoft.Compute/virtualMachines", "vmName"),
    "azure-native:compute:VirtualMachineScaleSet": ("Microsoft.Compute/virtualMachineScaleSets", "vmScaleSetName"),
    "azure-native:monitor:AutoscaleSetting": ("Microsoft.Insights/autoscalesettings", "autoscaleSettingName"),
    "azure-native:compute:VirtualMachineExtension": ("Microsoft.Compute/virtualMachines", "vmExtensionName"),
    "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": (
        "Microsoft.Compute/virtualMachines",
        "runCommandName",
    ),
    "azure-native:operationalinsights:Workspace": ("Microsoft.OperationalInsights/workspaces", "workspaceName"),
    "azure-native:monitor:ActionGroup": ("Microsoft.Insights/actionGroups", "actionGroupName"),
    "azure-native:monitor:MetricAlert": ("Microsoft.Insights/metricAlerts", "ruleName"),
    "azure-native:monitor:DiagnosticSetting": ("Microsoft.Insights/diagnosticSettings", "name"),
    "azure-native:network:InboundNatRule": ("Microsoft.Network/loadBalancers", "inboundNatRuleName"),
    "azure-native:storage:StorageAccount": ("Microsoft.Storage/storageAccounts", "accountName"),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "resourceName",
    ),
    "azure-native:monitor:DataCollectionRule": ("Microsoft.Insights/dataCollectionRules", "dataCollectionRuleName"),
    "azure-native:monitor:DataCollectionRuleAssociation": (
        "Microsoft.Insights/dataCollectionRuleAssociations",
        "associationName",
    ),
    "azure-native:monitor:ScheduledQueryRule": ("Microsoft.Insights/scheduledQueryRules", "ruleName"),
    "azure-native:maintenance:MaintenanceConfiguration": (
        "Microsoft.Maintenance/maintenanceConfigurations",
        "resourceName",
    ),
    "azure-native:maintenance:ConfigurationAssignment": (
        "Microsoft.Maintenance/configurationAssignments",
        "configurationAssignmentName",
    ),
    "azure-native:portal:Dashboard": ("Microsoft.Portal/dashboards", "dashboardName"),
}


#: Types above whose ID nests under another resource (their invoke IDs need the parent).
CHILD_TYPES = {
    "InboundNatRule",
    "Secret",
    "VirtualMachineExtension",
    "VirtualMachineRunCommandByVirtualMachine",
    "DiagnosticSetting",
}


def _identity_output(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """azure-native v3 takes a list of identity IDs and answers Azure's map of them."""
    identity = inputs.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        ids = identity["userAssignedIdentities"]
        return {"identity": {**identity, "userAssignedIdentities": {i: {} for i in ids if isinstance(i, str)}}}
    return {}


def resolve_self(value: Any, rid: str) -> Any:
    """A relative sub-resource ID (`$self/<kind>/<child>`) made absolute, as azure-native does
    before it sends the request, so Azure's answer (the outputs) holds the resource's own ID
    (provider/pkg/convert/sdkInputsToRequestBody.go `convertSdkPropToRequestBodyPropValue`:
    a `SubResource` whose `id` starts with `$self/`)."""
    if isinstance(value, dict):
        found = {k: resolve_self(v, rid) for k, v in value.items()}
        ref = found.get("id")
        if isinstance(ref, str) and ref.startswith("$self/"):
            found["id"] = rid + ref[len("$self") :]
        return found
    if isinstance(value, list):
        return [resolve_self(v, rid) for v in value]
    return value


def auto_name(logical: str) -> str:
    """Like Pulumi's auto-naming: the logical name plus a stable random-looking suffix."""
    return logical + hashlib.sha256(logical.encode()).hexdigest()[:8]


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers registrations and invokes with Azure-shaped values."""

    def __init__(
        self,
        location: str = "westeurope",
        computed: str = "values",
        answers: Mapping[str, Any] | None = None,
    ) -> None:
        if computed not in COMPUTED_MODES:
            raise ValueError(f"computed must be one of {', '.join(COMPUTED_MODES)}, not {computed!r}")
        self.location = location
        self.computed = computed
        #: Invoke answers by token (see `load_invoke_answers`).
        self.answers: dict[str, list[dict[str, Any]]] = {k: list(v) for k, v in (answers or {}).items()}
        self.resources: dict[str, Registered] = {}
        self.invokes: list[Invoke] = []
        self.stand_ins: set[str] = set()
        self._taken: dict[str, set[int]] = {}

    # -- resources
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if args.resource_id:
            # A read (`Resource.get`; the mock monitor does not pass `custom` for one) or an
            # import of an existing resource: its ID and the name in it are known; everything
            # else is Azure's (unknown in a dry run).
            name = args.resource_id.rstrip("/").rsplit("/", 1)[-1]
            return args.resource_id, {**inputs, "name": name}
        if not args.custom:
            return "", {}
        if self.computed == "unknown":
            # A create in `pulumi preview`: no ID yet, the inputs in the outputs' shape, the
            # rest unknown.
            return "", {**inputs, **_identity_output(inputs)}
        if args.typ.startswith("random:"):
            outputs = {**inputs, **self._random_outputs(args.typ, args.name, inputs)}
            # A RandomPet's ID is the pet name itself.
            return outputs.pop("id", f"{args.name}-id"), outputs
        azure = AZURE_TYPES.get(args.typ)
        if azure is None:
            # Another provider's resource, or an Azure type the mock does not model: its
            # inputs come back; anything only the provider computes stays unknown in a dry run.
            return self._stand_in(f"{args.name}-id"), inputs
        arm_type, name_key = azure
        name = inputs.get(name_key) or auto_name(args.name)
        rg = inputs.get("resourceGroupName", "")
        if args.typ == "azure-native:resources:ResourceGroup":
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}"
        elif args.typ in (
            "azure-native:monitor:DiagnosticSetting",
            "azure-native:monitor:DataCollectionRuleAssociation",
        ):
            # An extension resource: it lives under the resource it watches.
            rid = f"{inputs.get('resourceUri', '')}/providers/{arm_type}/{name}"
        elif args.typ == "azure-native:maintenance:ConfigurationAssignment":
            # An extension resource of the machine it assigns a window to.
            machine = (
                f"{inputs.get('providerName', '')}/{inputs.get('resourceType', '')}/{inputs.get('resourceName', '')}"
            )
            rid = (
                f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{machine}/providers/{arm_type}/{name}"
            )
        elif args.typ == "azure-native:compute:VirtualMachineExtension":
            vm = inputs.get("vmName", "")
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{vm}/extensions/{name}"
        elif args.typ == "azure-native:compute:VirtualMachineRunCommandByVirtualMachine":
            vm = inputs.get("vmName", "")
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{vm}/runCommands/{name}"
        elif args.typ == "azure-native:network:InboundNatRule":
            lb = inputs.get("loadBalancerName", "")
            rid = (
                f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{lb}/inboundNatRules/{name}"
            )
        elif args.typ == "azure-native:keyvault:Secret":
            vault = inputs.get("vaultName", "")
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{vault}/secrets/{name}"
        else:
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{name}"
        # Azure assigns the ID at creation: unknown in `pulumi preview`, so a marked stand-in.
        self._stand_in(rid)
        outputs: dict[str, Any] = {
            **inputs,
            "name": name,
            "id": rid,
            "location": inputs.get("location", self.location),
            "azureApiVersion": "mock",
        }
        outputs.update(_identity_output(inputs))
        extra = getattr(self, "_outputs_" + args.typ.rsplit(":", 1)[1], None)
        if extra is not None:
            outputs.update(extra(args.name, rid, inputs))
        return rid, resolve_self(outputs, rid)

    def _random_outputs(self, typ: str, name: str, inputs: dict) -> dict[str, Any]:
        """pulumi-random's computed `result`, made up from the logical name (the real one is
        random by design, so no plan can know it)."""
        digest = hashlib.sha256(name.encode()).hexdigest()
        kind = typ.rsplit(":", 1)[-1]
        length = int(inputs.get("length", 16) or 16)
        if kind == "RandomPassword":
            # The real provider marks `result` secret (additionalSecretOutputs); mocks
            # apply no such option, so the answer carries the secret itself.
            return {"result": _wrap_secret(("Mock-Passw0rd!" * 10)[:length])}
        if kind == "RandomString":
            alphabet = "abcdefghijklmnopqrstuvwxyz0123456789" if inputs.get("upper") is False else digest
            result = "".join(alphabet[int(digest[n % 64], 16) % len(alphabet)] for n in range(length))
            return {"result": self._stand_in(result)}
        if kind == "RandomPet":
            words = ["mock", "pet", "name", "offline", "plan"][: int(inputs.get("length", 2) or 2)]
            return {"id": self._stand_in("-".join(words))}
        if kind == "RandomInteger":
            return {"result": inputs.get("min", 0)}
        if kind == "RandomUuid":
            uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            return {"result": self._stand_in(uuid)}
        if kind == "RandomId":
            size = int(inputs.get("byteLength", 4) or 4)
            return {"hex": self._stand_in(digest[: 2 * size]), "b64Url": self._stand_in(digest[: 2 * size])}
        return {}

    def _stand_in(self, value: str) -> str:
        """Record a made-up value (the plan marks it) and return it."""
        if value:
            self.stand_ins.add(value)
        return value

    def _outputs_PublicIPAddress(self, name: str, rid: str, inputs: dict) -> dict:
        # From the logical name, not a counter: registration order varies with timing.
        digest = hashlib.sha256(name.encode()).digest()
        out: dict[str, Any] = {"ipAddress": self._stand_in(f"20.31.{digest[0]}.{10 + digest[1] % 240}")}
        dns = inputs.get("dnsSettings")
        if dns and dns.get("domainNameLabel"):
            # Azure's documented form (<label>.<region>.cloudapp.azure.com): not marked.
            fqdn = f"{dns['domainNameLabel']}.{self.location}.cloudapp.azure.com"
            out["dnsSettings"] = {**dns, "fqdn": fqdn}
        return out

    def _outputs_LoadBalancer(self, name: str, rid: str, inputs: dict) -> dict:
        """An internal frontend gets its static address, or the next free one of its subnet."""
        configs = []
        for cfg in inputs.get("frontendIPConfigurations", []):
            subnet_id = (cfg.get("subnet") or {}).get("id")
            if subnet_id and not cfg.get("privateIPAddress"):
                cfg = {**cfg, "privateIPAddress": self._private_ip(subnet_id, name)}
            elif subnet_id:
                self._reserve(subnet_id, cfg["privateIPAddress"])
            configs.append(cfg)
        # Azure answers each child with its ID under the LB's.
        children = {"frontendIPConfigurations": configs}
        for kind in ("backendAddressPools", "probes", "loadBalancingRules", "outboundRules"):
            if inputs.get(kind):
                children[kind] = inputs[kind]
        return {
            kind: [{**c, "id": f"{rid}/{kind}/{c['name']}"} if c.get("name") else c for c in items]
            for kind, items in children.items()
        }

    def _outputs_NetworkInterface(self, name: str, rid: str, inputs: dict) -> dict:
        configs = []
        for cfg in inputs.get("ipConfigurations", []):
            subnet_id = (cfg.get("subnet") or {}).get("id", "")
            configs.append({**cfg, "privateIPAddress": self._private_ip(subnet_id, name)})
        return {"ipConfigurations": configs}

    def _outputs_UserAssignedIdentity(self, name: str, rid: str, inputs: dict) -> dict:
        digest = hashlib.sha256(rid.encode()).hexdigest()
        principal = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return {
            "principalId": self._stand_in(principal),
            "clientId": self._stand_in(principal[::-1]),
            "tenantId": TENANT_ID,
        }

    def _outputs_Secret(self, name: str, rid: str, inputs: dict) -> dict:
        # Azure's documented form of the secret's current-version URI in the public cloud
        # (https://<vault>.vault.azure.net/secrets/<name>, "Objects, identifiers, and
        # versioning", learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates):
        # not marked. The value Azure never returns (it is write-only in the ARM API); outputs
        # of a secret input stay secret, as the engine keeps them.
        given = inputs.get("properties") or {}
        hidden = _is_wrapped_secret(given)
        shown: dict[str, Any] = (given.get("value") or {}) if hidden else given
        props = {k: v for k, v in shown.items() if k != "value"}
        props["secretUri"] = (
            f"https://{inputs.get('vaultName', '')}.vault.azure.net/secrets/{inputs.get('secretName', '')}"
        )
        return {"properties": _wrap_secret(props) if hidden else props}

    def _outputs_VirtualMachine(self, name: str, rid: str, inputs: dict) -> dict:
        return {"vmId": self._stand_in(hashlib.sha256(rid.encode()).hexdigest()[:32])}

    def _subnet_prefix(self, subnet_id: str) -> str | None:
        vnet_name, _, subnet_name = subnet_id.partition("/virtualNetworks/")[2].partition("/subnets/")
        for r in self.resources.values():
            if r.type == "azure-native:network:VirtualNetwork" and r.outputs.get("name") == vnet_name:
                for s in r.inputs.get("subnets", []):
                    if s.get("name") == subnet_name:
                        return s.get("addressPrefix")
        return None

    def _reserve(self, subnet_id: str, address: str) -> None:
        prefix = self._subnet_prefix(subnet_id)
        if prefix:
            offset = int(ipaddress.ip_address(address)) - int(ipaddress.ip_network(prefix).network_address)
            self._taken.setdefault(subnet_id, set()).add(offset)

    def _private_ip(self, subnet_id: str, logical_name: str) -> str:
        """Azure hands out a subnet's addresses from .4 up (.0-.3 are reserved), in creation
        order. Registration order varies with timing here, so NIC `<name>-<i>` gets the i-th
        free address, as if the NICs were created in order: the same plan every run."""
        prefix = self._subnet_prefix(subnet_id)
        if prefix is None:
            return ""
        net = ipaddress.ip_network(prefix)
        taken = self._taken.setdefault(subnet_id, set())
        match = re.search(r"-(\d+)$", logical_name)
        n = 3 + (int(match.group(1)) if match else 1)
        while n in taken:
            n += 1
        taken.add(n)
        # A dynamic address is Azure's choice: this predicts it, the plan marks it.
        return self._stand_in(str(net[n]))

    # -- invokes
    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        """`pulumi preview` runs read invokes against Azure; offline, an answer comes from the
        answer file, else from the arguments when they determine the shape, else the invoke
        is recorded as unanswered and the program stops (the plan says how to answer it)."""
        given = {k: v for k, v in dict(args.args).items() if not is_unknown(v)}
        from_file = self._from_answers(args.token, given)
        built = self._from_arguments(args.token, given)
        if from_file is None and built is None:
            self.invokes.append(Invoke(args.token, given, "unanswered"))
            raise UnansweredInvoke(args.token, given)
        how, result = built if built is not None else ("answers file", {})
        if from_file is not None:
            how, result = "answers file", {**result, **from_file}
        # What neither gives is Azure's to say and is left out: None in the program. (Not
        # UNKNOWN: the SDK's result classes type-check each field and reject an unknown.)
        self.invokes.append(Invoke(args.token, given, how, result))
        return result, []

    def _from_answers(self, token: str, given: Mapping[str, Any]) -> dict[str, Any] | None:
        for entry in self.answers.get(token, []):
            wanted = entry.get("args") or {}
            if all(_same(given.get(k), v) for k, v in wanted.items()):
                return dict(entry.get("result") or {})
        return None

    def _from_arguments(self, token: str, given: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        if token == "azure-native:authorization:getClientConfig":
            # The identity the CLI is logged in as: placeholders, marked as such.
            return "built in (placeholder identity)", {
                "clientId": self._stand_in("22222222-2222-2222-2222-222222222222"),
                "objectId": self._stand_in("33333333-3333-3333-3333-333333333333"),
                "subscriptionId": SUBSCRIPTION_ID,
                "tenantId": TENANT_ID,
            }
        if token == "azure-native:resources:getResourceGroup" and given.get("resourceGroupName"):
            name = given["resourceGroupName"]
            return "arguments (location assumed the stack's)", {
                "id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}",
                "name": name,
                "location": self.location,
                "type": "Microsoft.Resources/resourceGroups",
            }
        # `azure-native:<module>:get<Type>` of a type whose Azure name and ID form are known:
        # the ID, name and type follow from the arguments. Every other field is Azure's and is
        # left out (None in the program), unless the answer file gives it.
        module, _, function = token.removeprefix("azure-native:").partition(":")
        if not token.startswith("azure-native:") or not function.startswith("get"):
            return None
        azure = AZURE_TYPES.get(f"azure-native:{module}:{function[3:]}")
        if azure is None or not azure[0] or function[3:] in CHILD_TYPES:
            return None
        arm_type, name_key = azure
        name, rg = given.get(name_key), given.get("resourceGroupName")
        if not isinstance(name, str) or not isinstance(rg, str):
            return None
        rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{name}"
        return "arguments (id, name, type only)", {"id": rid, "name": name, "type": arm_type}


def _same(actual: Any, wanted: Any) -> bool:
    """Answer-file arguments match the SDK's (which sends every number as a float)."""
    if isinstance(wanted, int | float) and isinstance(actual, int | float) and not isinstance(wanted, bool):
        return float(actual) == float(wanted)
    return actual == wanted


def load_invoke_answers(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read an answer file: per invoke token, one entry or a list of entries, each
    `{args: {...} (optional: the arguments it answers), result: {...}}` in the SDK's
    camelCase names. Raises ValueError naming what is wrong."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read it ({err})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"{path}:{where} not valid YAML ({getattr(err, 'problem', err)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: must be a mapping of invoke token to answer")
    out: dict[str, list[dict[str, Any]]] = {}
    for token, entries in data.items():
        entries = entries if isinstance(entries, list) else [entries]
        for n, entry in enumerate(entries):
            where = f"{path}: {token}" + (f"[{n}]" if len(entries) > 1 else "")
            if not isinstance(entry, dict) or not isinstance(entry.get("result"), dict):
                raise ValueError(f"{where}: must be an object with a `result:` object (and optional `args:`)")
            if not isinstance(entry.get("args", {}), dict) or set(entry) - {"args", "result"}:
                raise ValueError(f"{where}: only `args:` (an object) and `result:` are allowed")
        out[str(token)] = entries
    return out


def gc_for_a_one_shot_process() -> None:
    """Set the cyclic GC up for a process that runs programs and then exits (the plan, the
    bench's floor, the test session): call it once, after the imports.

    What is loaded by then (the SDK's modules, ~100 MiB of objects) lives until exit, so it is
    frozen out of every later collection. And the SDK allocates a few container objects per
    input (Outputs, futures, tasks), so the default first-generation threshold (700) ran a
    collection every few properties, each finding next to nothing: a 50,000 threshold cut
    the plan's CPU time at 200 VMs by about a fifth with the same peak memory (measured
    190 -> 194 MiB). Collections still run, so a program that does make cyclic garbage is
    still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _replacement_trigger(request: Any) -> Any:
    """The request's `replacement_trigger` (a protobuf Value the SDK serialized like an input,
    pulumi/runtime/resource.py `serialize_property(..., return_protobuf_value=True)`), read
    back like the inputs: a secret becomes `Secret`, an unknown stays unknown."""
    if not request.HasField("replacement_trigger"):
        return None
    holder = struct_pb2.Struct()
    holder.fields["trigger"].CopyFrom(request.replacement_trigger)
    return reveal_secrets(rpc.deserialize_properties(holder)).get("trigger")


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, plus a record of what each registration asked for."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks
        self.order: list[str] = []
        self.reads: list[Read] = []
        self.stack_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        if request.type == STACK_TYPE:
            return super().RegisterResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        record = Registered(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            inputs={},
            replace_on_changes=list(request.replaceOnChanges),
            delete_before_replace=bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges),
            aliases=[_alias(a) for a in request.aliases],
            replacement_trigger=_replacement_trigger(request),
            replace_with=list(request.replace_with),
        )
        _own_thread_loop()
        response = super().RegisterResource(request)
        record.inputs = reveal_secrets(rpc.deserialize_properties(request.object))
        record.id = response.id
        record.outputs = reveal_secrets(self.resources[urn].state)
        self.recording.resources[urn] = record
        self.order.append(urn)
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        self.reads.append(Read(urn=response.urn, type=request.type, name=request.name, id=request.id))
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == STACK_TYPE:
            self.stack_outputs = reveal_secrets(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)


def _run(
    program: Callable[[], Any],
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str],
    location: str,
    preview: bool,
    computed: str = "values",
    answers: Mapping[str, Any] | None = None,
) -> ProgramRun:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    runtime_config.set_all_config(dict(config), list(secret_keys))
    mocks = RecordingMocks(location=location, computed=computed, answers=answers)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    # set_mocks registers a root stack of its own, and its empty outputs, in RPC tasks on this
    # loop that the mock monitor answers in executor threads. Finish them now: left to run
    # alongside the program, the empty outputs sometimes landed after the program's (same
    # stack URN) and replaced them, and a run ended without stack outputs (1 run in 6 of a
    # program with nothing to await). A task joins the SDK's RPC list only once it starts
    # (pulumi/runtime/rpc_manager.py `rpc_wrapper`): let it start, then wait for the list.
    loop.run_until_complete(asyncio.sleep(0))
    loop.run_until_complete(wait_for_rpcs(await_all_outstanding_tasks=False))
    # set_mocks leaves a finished root stack behind; run the program the way the
    # language host does instead, so that exports are registered as stack outputs.
    settings.ROOT.set(None)
    # Output tasks a failed earlier run left behind (on its closed loop) would otherwise be
    # awaited by this run's `wait_for_rpcs` ("Event loop is closed"): none are this run's yet.
    sdk_settings: Any = settings.SETTINGS  # its fields are context properties pyright cannot see
    with sdk_settings.lock:
        sdk_settings.outputs.clear()
    error: BaseException | None = None
    # Every registration walks the whole Python stack into a protobuf StackTrace (resource.py
    # `_get_stack_trace`, called from `register_resource`) so that the CLI can point its
    # diagnostics at the user's source line. The mock monitor drops `stackTrace` and
    # `sourcePosition` unread, and the walk was about a tenth of a test run: the engine
    # skips it, for the length of this run only.
    walk_stack = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        loop.run_until_complete(run_in_stack(program))
    except (Exception, SystemExit) as exc:  # the caller decides; a ConfigError is an expected result
        # (SystemExit too: a program's `sys.exit("...")` is its error, not the plan tool's.)
        error = exc
    finally:
        sdk_resource._get_stack_trace = walk_stack
        loop.close()
        asyncio.set_event_loop(None)
    resources = [mocks.resources[u] for u in monitor.order]
    return ProgramRun(
        resources=resources,
        outputs=monitor.stack_outputs,
        error=error,
        stand_ins=mocks.stand_ins,
        invokes=mocks.invokes,
        reads=monitor.reads,
        computed=computed,
        preview=preview,
    )


def run_program(
    program_dir: str | Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str] = (),
    preview: bool = False,
    computed: str = "values",
    answers: Mapping[str, Any] | None = None,
) -> ProgramRun:
    """Run `<program_dir>/__main__.py` (or `program_dir` itself if it is a file) on the mock
    engine with `config` (full keys such as `<project>:<key>` or `azure-native:location`, string
    values as the CLI passes them).

    `preview=True` runs it as `pulumi preview` does (the SDK's dry run); `computed` says what
    the mock answers for provider-computed outputs ("values": stand-ins, "unknown": nothing);
    `answers` are invoke answers (`load_invoke_answers`).

    Each run gets a fresh event loop and a fresh context, so runs never share state.
    """
    program_dir = Path(program_dir).resolve()
    # A project's `main:` may name the program file itself rather than its folder.
    entry = program_dir if program_dir.is_file() else program_dir / "__main__.py"
    program_dir = entry.parent
    if str(program_dir) not in sys.path:
        sys.path.insert(0, str(program_dir))
    location = config.get("azure-native:location", "westeurope")

    def program() -> None:
        runpy.run_path(str(entry), run_name="__main__")

    return contextvars.Context().run(
        _run, program, project, stack, config, secret_keys, location, preview, computed, answers
    )
