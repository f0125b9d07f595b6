"""Microsoft's published API types, trimmed to the resource types this project plans, and
a check of each resource's request body against them.

The data (`*.json` here) is vendored from Azure/bicep-types-az (generated from
azure-rest-api-specs; https://github.com/Azure/bicep-types-az/tree/main/generated) by
`scripts/vendor_azure_types.py`, at the API version the installed pulumi-azure-native uses per
resource (its docstring "Uses Azure REST API version ..."). A type is a list entry; a
property's `flags` are bicep's TypePropertyFlags: 1 required, 2 read-only
(https://github.com/Azure/bicep-types/blob/main/src/bicep-types/src/types.ts).

What the check covers, on the body the provider would send:
- required properties missing (inside every object that is present),
- read-only properties set (Azure ignores or rejects them),
- closed enums (a union of string literals only), compared ignoring case as ARM does for most,
- string minLength/maxLength/pattern, integer minValue/maxValue, array minLength/maxLength.
It does not report unknown properties: azure-native renames some (`sdkName`) and changes some
shapes (v3 takes `identity.userAssignedIdentities` as a list), which this trimmed data cannot
tell apart from a typo. Values unknown in a preview are skipped, as Azure only sees them later.

The body: azure-native's inputs are the SDK's camelCase names with `properties` flattened
away (x-ms-client-flatten): an input that is not a property of an object but is one of its
`properties` object goes there, recursively. The resource's name and parents are URL path
parameters, not body (resourceGroupName, vmName, ...).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

REQUIRED, READ_ONLY = 1, 2

#: Pulumi type -> (Azure resource type, the inputs that are URL path parameters).
ARM_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "azure-native:resources:ResourceGroup": ("Microsoft.Resources/resourceGroups", ("resourceGroupName",)),
    "azure-native:network:VirtualNetwork": ("Microsoft.Network/virtualNetworks", ("virtualNetworkName",)),
    "azure-native:network:NetworkSecurityGroup": (
        "Microsoft.Network/networkSecurityGroups",
        ("networkSecurityGroupName",),
    ),
    "azure-native:network:PublicIPAddress": ("Microsoft.Network/publicIPAddresses", ("publicIpAddressName",)),
    "azure-native:network:LoadBalancer": ("Microsoft.Network/loadBalancers", ("loadBalancerName",)),
    "azure-native:network:InboundNatRule": (
        "Microsoft.Network/loadBalancers/inboundNatRules",
        ("loadBalancerName", "inboundNatRuleName"),
    ),
    "azure-native:network:BastionHost": ("Microsoft.Network/bastionHosts", ("bastionHostName",)),
    "azure-native:network:NatGateway": ("Microsoft.Network/natGateways", ("natGatewayName",)),
    "azure-native:keyvault:Secret": ("Microsoft.KeyVault/vaults/secrets", ("vaultName", "secretName")),
    "azure-native:network:NetworkInterface": ("Microsoft.Network/networkInterfaces", ("networkInterfaceName",)),
    "azure-native:compute:AvailabilitySet": ("Microsoft.Compute/availabilitySets", ("availabilitySetName",)),
    "azure-native:compute:VirtualMachine": ("Microsoft.Compute/virtualMachines", ("vmName",)),
    "azure-native:compute:VirtualMachineExtension": (
        "Microsoft.Compute/virtualMachines/extensions",
        ("vmName", "vmExtensionName"),
    ),
    "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": (
        "Microsoft.Compute/virtualMachines/runCommands",
        ("vmName", "runCommandName"),
    ),
    "azure-native:compute:VirtualMachineScaleSet": (
        "Microsoft.Compute/virtualMachineScaleSets",
        ("vmScaleSetName",),
    ),
    "azure-native:monitor:AutoscaleSetting": ("Microsoft.Insights/autoscalesettings", ("autoscaleSettingName",)),
    "azure-native:monitor:ActionGroup": ("Microsoft.Insights/actionGroups", ("actionGroupName",)),
    "azure-native:monitor:MetricAlert": ("Microsoft.Insights/metricAlerts", ("ruleName",)),
    "azure-native:monitor:DiagnosticSetting": ("Microsoft.Insights/diagnosticSettings", ("name", "resourceUri")),
    "azure-native:operationalinsights:Workspace": (
        "Microsoft.OperationalInsights/workspaces",
        ("workspaceName",),
    ),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        ("resourceName",),
    ),
    "azure-native:storage:StorageAccount": ("Microsoft.Storage/storageAccounts", ("accountName",)),
    "azure-native:authorization:RoleAssignment": (
        "Microsoft.Authorization/roleAssignments",
        ("roleAssignmentName", "scope"),
    ),
    "azure-native:monitor:DataCollectionRule": ("Microsoft.Insights/dataCollectionRules", ("dataCollectionRuleName",)),
    "azure-native:monitor:DataCollectionRuleAssociation": (
        "Microsoft.Insights/dataCollectionRuleAssociations",
        ("associationName", "resourceUri"),
    ),
    "azure-native:monitor:ScheduledQueryRule": ("Microsoft.Insights/scheduledQueryRules", ("ruleName",)),
    "azure-native:maintenance:MaintenanceConfiguration": (
        "Microsoft.Maintenance/maintenanceConfigurations",
        ("resourceName",),
    ),
    "azure-native:maintenance:ConfigurationAssignment": (
        "Microsoft.Maintenance/configurationAssignments",
        ("configurationAssignmentName", "providerName", "resourceType", "resourceName"),
    ),
    "azure-native:portal:Dashboard": ("Microsoft.Portal/dashboards", ("dashboardName",)),
}


#: Discriminated types whose published elements are examples, not the whole list: Microsoft's
#: own 2022-12-01-preview dashboard example uses part types the spec does not name
#: (https://learn.microsoft.com/azure/azure-portal/azure-portal-dashboards-structure).
OPEN_DISCRIMINATORS = {"DashboardPartMetadata"}


@dataclass(frozen=True)
class TypeViolation:
    urn: str
    #: Where in the request body, e.g. `properties.loadBalancingRules[0].properties.protocol`.
    path: str
    message: str


@cache  # one source file read per type, not per resource
def api_version(token: str) -> str | None:
    """The Azure REST API version the installed SDK uses for a Pulumi type, from the
    resource class's docstring ("Uses Azure REST API version 2024-05-01.")."""
    _, module, name = token.split(":")
    try:
        cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
        source = inspect.getsourcefile(cls)
    except (ImportError, AttributeError, TypeError):
        return None
    found = re.search(r"Uses Azure REST API version (\S+?)\.\s", Path(source or "").read_text(encoding="utf-8"))
    return found.group(1) if found else None


def data_file(arm_type: str, version: str) -> Path:
    """Where the vendored types of one provider namespace at one API version live."""
    return HERE / f"{arm_type.split('/')[0].lower()}@{version}.json"


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class Checker:
    """Validates one body against one vendored resource type."""

    def __init__(self, types: list[dict[str, Any]], urn: str) -> None:
        self.types = types
        self.urn = urn
        self.found: list[TypeViolation] = []

    def ref(self, ref: dict[str, Any] | str) -> dict[str, Any]:
        index = ref["$ref"] if isinstance(ref, dict) else ref
        return self.types[int(index.rsplit("/", 1)[-1])]

    def report(self, path: str, message: str) -> None:
        self.found.append(TypeViolation(self.urn, path or "(body)", message))

    def value(self, value: Any, typ: dict[str, Any], path: str) -> None:
        from offline.engine import Secret, is_unknown

        if isinstance(value, Secret):
            value = value.value
        if value is None or is_unknown(value):
            return
        kind = typ["$type"]
        if kind == "ObjectType":
            if isinstance(value, dict):
                self.object(value, typ.get("properties") or {}, typ.get("additionalProperties"), path)
        elif kind == "DiscriminatedObjectType":
            if isinstance(value, dict):
                self.discriminated(value, typ, path)
        elif kind == "ArrayType":
            if isinstance(value, list):
                low, high = typ.get("minLength"), typ.get("maxLength")
                if _outside(len(value), low, high):
                    self.report(path, f"has {len(value)} items; allowed {_range(low, high)}")
                for n, item in enumerate(value):
                    self.value(item, self.ref(typ["itemType"]), f"{path}[{n}]")
        elif kind == "StringType" and isinstance(value, str):
            low, high, pattern = typ.get("minLength"), typ.get("maxLength"), typ.get("pattern")
            if _outside(len(value), low, high):
                self.report(path, f"{value!r} is {len(value)} characters; allowed {_range(low, high)}")
            if pattern and re.search(pattern, value) is None:
                self.report(path, f"{value!r} does not match {pattern}")
        elif kind == "IntegerType" and isinstance(value, int | float) and not isinstance(value, bool):
            low, high = typ.get("minValue"), typ.get("maxValue")
            if _outside(value, low, high):
                shown = int(value) if float(value).is_integer() else value
                self.report(path, f"{shown} is out of range {_range(low, high)}")
        elif kind == "UnionType":
            options = [self.ref(e) for e in typ["elements"]]
            literals = [o["value"] for o in options if o["$type"] == "StringLiteralType"]
            # Only a closed enum (string literals only) binds. An enum with `modelAsString`
            # (literals plus a string) accepts any string in the published type: its list is
            # not exhaustive (vmSize lists no v5 size), so a value outside it is no violation.
            closed = len(literals) == len(options)
            if closed and isinstance(value, str) and value.lower() not in {str(v).lower() for v in literals}:
                self.report(path, f"{value!r} is not one of {', '.join(map(str, literals))}")
        elif kind == "StringLiteralType" and isinstance(value, str) and value.lower() != str(typ["value"]).lower():
            self.report(path, f"{value!r} must be {typ['value']!r}")

    def discriminated(self, value: dict[str, Any], typ: dict[str, Any], path: str) -> None:
        key = typ["discriminator"]
        given = value.get(key, value.get(_sdk_name(key)))
        element = next((e for name, e in typ["elements"].items() if str(given).lower() == name.lower()), None)
        props = dict(typ.get("baseProperties") or {})
        if element is None:
            if given is not None and typ.get("name") not in OPEN_DISCRIMINATORS:
                self.report(f"{path}.{key}", f"{given!r} is not one of {', '.join(typ['elements'])}")
            return
        props.update(self.ref(element).get("properties") or {})
        self.object(value, props, None, path)

    def object(
        self, value: dict[str, Any], props: dict[str, Any], additional: Any, path: str, skip: tuple[str, ...] = ()
    ) -> None:
        """`value` in the SDK's flattened shape against an object type's properties."""
        inner_ref = props.get("properties")
        inner = self.ref(inner_ref["type"]) if inner_ref else None
        inner_props = (inner or {}).get("properties") or {}
        by_sdk = {_normal(k): k for k in props}
        inner_by_sdk = {_normal(k): k for k in inner_props}
        moved: dict[str, Any] = {}
        for key, item in value.items():
            if key in skip:
                continue
            name = by_sdk.get(_normal(key))
            if name is not None and _normal(key) in inner_by_sdk and props[name].get("flags", 0) & READ_ONLY:
                # `type` of an extension: the resource's type is read-only, the handler's
                # type is in `properties`; the SDK input is the latter.
                name = None
            if name is not None and name != "properties":
                self.prop(item, props[name], f"{path}.{name}" if path else name)
            elif _normal(key) in inner_by_sdk:
                moved[inner_by_sdk[_normal(key)]] = item
            elif name == "properties" and isinstance(item, dict):
                moved.update(item)
            elif additional is not None:
                self.value(item, self.ref(additional), f"{path}.{key}" if path else key)
        for name, spec in props.items():
            if spec.get("flags", 0) & REQUIRED and not spec.get("flags", 0) & READ_ONLY:
                if name == "properties" and moved:
                    continue
                given = _normal(name) in {_normal(k) for k in value} or name in moved
                # At the top, `name` is a path parameter and `location` the provider's default.
                if not given and (path or name not in ("name", "location")):
                    self.report(f"{path}.{name}" if path else name, "is required")
        if inner is not None and (moved or (inner_ref or {}).get("flags", 0) & REQUIRED):
            prefix = f"{path}.properties" if path else "properties"
            self.object(moved, inner_props, inner.get("additionalProperties"), prefix)

    def prop(self, value: Any, spec: dict[str, Any], path: str) -> None:
        if spec.get("flags", 0) & READ_ONLY and not spec.get("flags", 0) & REQUIRED:
            from offline.engine import is_unknown

            if value is not None and not is_unknown(value):
                self.report(path, "is read-only (Azure sets it)")
            return
        self.value(value, self.ref(spec["type"]), path)


def _outside(n: float, low: float | None, high: float | None) -> bool:
    return (low is not None and n < low) or (high is not None and n > high)


def _range(low: float | None, high: float | None) -> str:
    return f"{low if low is not None else 'any'}-{high if high is not None else 'any'}"


@cache  # a few hundred property names, looked up ~600 times per VM-heavy plan
def _normal(name: str) -> str:
    """`odata.type` and `odataType`, `IPAddress` and `IpAddress`: the same property."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _sdk_name(name: str) -> str:
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def check_resource(token: str, urn: str, inputs: dict[str, Any]) -> list[TypeViolation] | None:
    """Violations of one resource's body, or None when its type is not vendored here."""
    spec = ARM_TYPES.get(token)
    version = api_version(token) if spec else None
    if spec is None or version is None:
        return None
    arm_type, path_params = spec
    path = data_file(arm_type, version)
    if not path.exists():
        return None
    data = _load(path)
    body = data["resources"].get(arm_type.lower())
    if body is None:
        return None
    checker = Checker(data["types"], urn)
    body_type = checker.ref(body)
    props = body_type.get("properties") or {}
    skip = ("resourceGroupName", *path_params)
    checker.object(inputs, props, None, "", skip=skip)
    # The resource's own name is a path parameter, but its rules (length, pattern) are the
    # body's `name` type: a storage account's 3-24 lowercase letters and digits, for one.
    own_name = inputs.get(path_params[-1]) if path_params[-1] != "resourceUri" else inputs.get("name")
    if "name" in props and isinstance(own_name, str):
        checker.value(own_name, checker.ref(props["name"]["type"]), "name")
    return checker.found


def check(run: Any) -> tuple[list[TypeViolation], list[str]]:
    """Every custom resource of a run: violations, and the Azure types not checked (no
    vendored data for them), so that the plan can say what it did not cover."""
    found: list[TypeViolation] = []
    unchecked: list[str] = []
    for r in run.resources:
        if not r.custom or not r.type.startswith("azure-native:"):
            continue
        result = check_resource(r.type, r.urn, r.inputs)
        if result is None:
            if r.type not in unchecked:
                unchecked.append(r.type)
            continue
        found.extend(result)
    return found, unchecked


def render(found: list[TypeViolation], unchecked: list[str]) -> str:
    lines = []
    if found:
        lines.append(f"Azure API type violations ({len(found)}):")
        lines += [f"  {v.urn.rsplit('::', 1)[-1]}: {v.path}: {v.message}" for v in found]
    else:
        lines.append("Azure API types: every request body conforms (offline/azure_types).")
    if unchecked:
        lines.append(f"  not checked (no vendored types): {', '.join(sorted(unchecked))}")
    return "\n".join(lines) + "\n"
