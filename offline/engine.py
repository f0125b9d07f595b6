"""The one mock engine of this project, shared by the tests and the offline plan.

It runs the real program (`__main__.py`) in-process on the Pulumi SDK's mock monitor,
records every registration (type, name, parent, dependencies, inputs, outputs) and the
stack outputs with their secretness, and answers with outputs shaped like Azure's:
resource IDs, auto-names, private IPs from the subnet, a public IP, an FQDN.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import ipaddress
import re
import runpy
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs
from pulumi.runtime.stack import run_in_stack

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
    delete_before_replace: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    #: Aliases as sent: a URN string, or the spec's type (`type=...`) and name (`name=...`).
    aliases: list[str] = field(default_factory=list)


def _alias(alias: Any) -> str:
    if alias.urn:
        return alias.urn
    spec = alias.spec
    return " ".join(f"{k}={v}" for k, v in (("type", spec.type), ("name", spec.name)) if v)


@dataclass
class ProgramRun:
    resources: list[Registered]
    #: Stack outputs; secret ones are `Secret`.
    outputs: dict[str, Any]
    error: BaseException | None = None

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
        by kind, then by name with numbers compared as numbers (vm-2 before vm-10)."""
        return sorted(self.resources, key=lambda r: (KIND_ORDER.get(r.type.rsplit(":", 1)[-1], 99), natural(r.name)))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.resources:
            out[r.type] = out.get(r.type, 0) + 1
        return out


KIND_ORDER = {
    kind: n
    for n, kind in enumerate(
        [
            "MultiVmLoadBalanced",
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
            "VirtualMachineScaleSet",
            "AutoscaleSetting",
            "Workspace",
            "DiagnosticSetting",
            "ActionGroup",
            "MetricAlert",
        ]
    )
}


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
    "azure-native:network:NetworkInterface": ("Microsoft.Network/networkInterfaces", "networkInterfaceName"),
    "azure-native:compute:AvailabilitySet": ("Microsoft.Compute/availabilitySets", "availabilitySetName"),
    "azure-native:compute:VirtualMachine": ("Microsoft.Compute/virtualMachines", "vmName"),
    "azure-native:compute:VirtualMachineScaleSet": ("Microsoft.Compute/virtualMachineScaleSets", "vmScaleSetName"),
    "azure-native:monitor:AutoscaleSetting": ("Microsoft.Insights/autoscalesettings", "autoscaleSettingName"),
    "azure-native:compute:VirtualMachineExtension": ("Microsoft.Compute/virtualMachines", "vmExtensionName"),
    "azure-native:operationalinsights:Workspace": ("Microsoft.OperationalInsights/workspaces", "workspaceName"),
    "azure-native:monitor:ActionGroup": ("Microsoft.Insights/actionGroups", "actionGroupName"),
    "azure-native:monitor:MetricAlert": ("Microsoft.Insights/metricAlerts", "ruleName"),
    "azure-native:monitor:DiagnosticSetting": ("Microsoft.Insights/diagnosticSettings", "name"),
    "azure-native:network:InboundNatRule": ("Microsoft.Network/loadBalancers", "inboundNatRuleName"),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "resourceName",
    ),
}


def auto_name(logical: str) -> str:
    """Like Pulumi's auto-naming: the logical name plus a stable random-looking suffix."""
    return logical + hashlib.sha256(logical.encode()).hexdigest()[:8]


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers registrations and invokes with Azure-shaped values."""

    def __init__(self, location: str = "westeurope") -> None:
        self.location = location
        self.resources: dict[str, Registered] = {}
        self._taken: dict[str, set[int]] = {}

    # -- resources
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom:
            return "", {}
        inputs = dict(args.inputs)
        if args.typ == "random:index/randomPassword:RandomPassword":
            # The real provider marks `result` secret (additionalSecretOutputs); mocks
            # apply no such option, so the answer carries the secret itself.
            length = int(inputs.get("length", 16))
            result = ("Mock-Passw0rd!" * 10)[:length]
            return f"{args.name}-id", {**inputs, "result": _wrap_secret(result)}
        azure = AZURE_TYPES.get(args.typ)
        if azure is None:
            return f"{args.name}-id", inputs
        arm_type, name_key = azure
        name = inputs.get(name_key) or auto_name(args.name)
        rg = inputs.get("resourceGroupName", "")
        if args.typ == "azure-native:resources:ResourceGroup":
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}"
        elif args.typ == "azure-native:monitor:DiagnosticSetting":
            # An extension resource: it lives under the resource it watches.
            rid = f"{inputs.get('resourceUri', '')}/providers/{arm_type}/{name}"
        elif args.typ == "azure-native:compute:VirtualMachineExtension":
            vm = inputs.get("vmName", "")
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{vm}/extensions/{name}"
        elif args.typ == "azure-native:network:InboundNatRule":
            lb = inputs.get("loadBalancerName", "")
            rid = (
                f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{lb}/inboundNatRules/{name}"
            )
        else:
            rid = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{arm_type}/{name}"
        outputs: dict[str, Any] = {
            **inputs,
            "name": name,
            "id": rid,
            "location": inputs.get("location", self.location),
            "azureApiVersion": "mock",
        }
        identity = inputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # azure-native v3 takes a list of identity IDs and answers Azure's map of them.
            outputs["identity"] = {
                **identity,
                "userAssignedIdentities": {i: {} for i in identity["userAssignedIdentities"]},
            }
        extra = getattr(self, "_outputs_" + args.typ.rsplit(":", 1)[1], None)
        if extra is not None:
            outputs.update(extra(args.name, rid, inputs))
        return rid, outputs

    def _outputs_PublicIPAddress(self, name: str, rid: str, inputs: dict) -> dict:
        # From the logical name, not a counter: registration order varies with timing.
        digest = hashlib.sha256(name.encode()).digest()
        out: dict[str, Any] = {"ipAddress": f"20.31.{digest[0]}.{10 + digest[1] % 240}"}
        dns = inputs.get("dnsSettings")
        if dns and dns.get("domainNameLabel"):
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
        return {"frontendIPConfigurations": configs}

    def _outputs_NetworkInterface(self, name: str, rid: str, inputs: dict) -> dict:
        configs = []
        for cfg in inputs.get("ipConfigurations", []):
            subnet_id = (cfg.get("subnet") or {}).get("id", "")
            configs.append({**cfg, "privateIPAddress": self._private_ip(subnet_id, name)})
        return {"ipConfigurations": configs}

    def _outputs_UserAssignedIdentity(self, name: str, rid: str, inputs: dict) -> dict:
        digest = hashlib.sha256(rid.encode()).hexdigest()
        principal = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return {"principalId": principal, "clientId": principal[::-1], "tenantId": TENANT_ID}

    def _outputs_VirtualMachine(self, name: str, rid: str, inputs: dict) -> dict:
        return {"vmId": hashlib.sha256(rid.encode()).hexdigest()[:32]}

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
        return str(net[n])

    # -- invokes
    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        if args.token == "azure-native:resources:getResourceGroup":
            name = args.args["resourceGroupName"]
            return {
                "id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}",
                "name": name,
                "location": self.location,
                "type": "Microsoft.Resources/resourceGroups",
            }, []
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": "22222222-2222-2222-2222-222222222222",
                "objectId": "33333333-3333-3333-3333-333333333333",
                "subscriptionId": SUBSCRIPTION_ID,
                "tenantId": TENANT_ID,
            }, []
        raise NotImplementedError(f"the mock engine has no answer for invoke {args.token}")


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, plus a record of what each registration asked for."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks
        self.order: list[str] = []
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
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=list(request.ignoreChanges),
            aliases=[_alias(a) for a in request.aliases],
        )
        response = super().RegisterResource(request)
        record.inputs = reveal_secrets(rpc.deserialize_properties(request.object))
        record.id = response.id
        record.outputs = reveal_secrets(self.resources[urn].state)
        self.recording.resources[urn] = record
        self.order.append(urn)
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
) -> ProgramRun:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    runtime_config.set_all_config(dict(config), list(secret_keys))
    mocks = RecordingMocks(location=location)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    # set_mocks leaves a finished root stack behind; run the program the way the
    # language host does instead, so that exports are registered as stack outputs.
    settings.ROOT.set(None)
    error: BaseException | None = None
    try:
        loop.run_until_complete(run_in_stack(program))
    except Exception as exc:  # the caller decides; a ConfigError is an expected result
        error = exc
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    resources = [mocks.resources[u] for u in monitor.order]
    return ProgramRun(resources=resources, outputs=monitor.stack_outputs, error=error)


def run_program(
    program_dir: str | Path,
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str] = (),
    preview: bool = False,
) -> ProgramRun:
    """Run `<program_dir>/__main__.py` on the mock engine with `config` (full keys such
    as `lb-vms:vmCount` or `azure-native:location`, string values as the CLI passes them).

    Each run gets a fresh event loop and a fresh context, so runs never share state.
    """
    program_dir = Path(program_dir).resolve()
    if str(program_dir) not in sys.path:
        sys.path.insert(0, str(program_dir))
    location = config.get("azure-native:location", "westeurope")

    def program() -> None:
        runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")

    return contextvars.Context().run(_run, program, project, stack, config, secret_keys, location, preview)
