"""The `lbvms` component package: `MultiVmLoadBalanced` for every Pulumi language.

Pulumi's analyzer infers the schema from `MultiVmLoadBalanced.__init__`'s `args` annotation
(the generated TypedDicts in provider/args.py) and from the component's output annotations.
The type token stays `lbvms:index:MultiVmLoadBalanced`, the Python component's own.

What pulumi 3.272 does at run time, verified in its source and handled here:

- `ComponentProvider.map_inputs` (provider/experimental/component.py) turns enum strings
  into members with `Enum(value)`, which is case-sensitive and fails with the SDK's own
  message; it converts integers with `int()`, so `3.5` becomes 3 silently. Our provider reads
  the raw inputs with the same reader as stack config instead (components/reader.py): any
  capitalisation of an enum value, `3.0` read as 3 but `3.5` refused, every problem named.
- Inputs are the keys the caller set: `rpc.deserialize_properties` drops explicit nulls,
  so a null reads as "unset" (the default), as it does in stack config.
- A secret, or a value that depends on another resource, arrives as an `Output`
  (`ProviderServicer._select_value`, provider/server.py). Inputs declared
  `pulumi.Input[...]` take it; the others need a plain value and say so.
- An exception in the component's `__init__` is wrapped in `ComponentInitError` and the
  consumer sees it with a Python traceback (`ProviderServicer.Construct`), while an
  `InputPropertiesError` becomes a per-property INVALID_ARGUMENT status that the CLI shows
  under each property. `construct` below validates first and raises the latter, so a bad
  argument reads like a bad argument, not a crash. `component_provider_host` has no hook for
  this (provider/experimental/host.py), so `serve` does its few lines with this provider.
- The analyzer has no way to mark a property secret (provider/experimental/analyzer.py
  never sets `secret`). The schema's `secret: true` is what makes a generated SDK wrap a
  secret argument in `pulumi.secret(...)` before it reaches the engine (so the component's
  own inputs are encrypted in the consumer's state) and ask `additionalSecretOutputs` for a
  secret output (pulumi/pulumi pkg/codegen/nodejs/gen.go, `prop.Secret`). `LbvmsProvider`
  adds it: to every input declared secret, and to `SECRET_OUTPUTS`.
"""

# No `from __future__ import annotations`: the analyzer reads `__init__`'s annotations
# unevaluated and fails on strings (verified: AttributeError 'str' object has no attribute
# '__mro__' in analyzer.analyze_type, pulumi 3.272).
import json
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyErrorDetails
from pulumi.provider import ConstructResult
from pulumi.provider.experimental.component import ComponentProvider

from components import __version__
from components.multi_vm_lb import MultiVmLoadBalanced as _Component
from components.reader import INPUTS, load
from components.settings import ConfigError, MultiVmLoadBalancedArgs
from provider.args import MultiVmLoadBalancedArgs as Inputs

PACKAGE = "lbvms"
VERSION = __version__
COMPONENT = "MultiVmLoadBalanced"
#: Outputs that carry a secret: the admin password is the consumer's own secret or generated.
SECRET_OUTPUTS = ("adminPassword",)


def args_from_inputs(inputs: Mapping[str, Any], name: str) -> MultiVmLoadBalancedArgs:
    """A consumer's arguments (schema names, as the provider receives them) -> args.
    Raises one `ConfigError` naming every problem, worded for component arguments."""
    return load(inputs, "argument", name, caller=f"{PACKAGE}:index:{COMPONENT}")


class MultiVmLoadBalanced(_Component):
    """The Azure reference architecture "Run load-balanced VMs for scalability and
    availability" as one component: a resource group (or an existing one), a VNet and subnet
    (or an existing subnet) with an NSG, a Standard load balancer with a public or internal
    frontend, and N VMs (availability set or zones) or a Flexible scale set with autoscale.
    Every argument is validated before anything is created."""

    def __init__(self, name: str, args: Inputs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, args_from_inputs(dict(args), name), opts)


class LbvmsProvider(ComponentProvider):
    """`ComponentProvider` that validates a consumer's arguments like stack config."""

    def __init__(self) -> None:
        super().__init__([MultiVmLoadBalanced], PACKAGE, version=VERSION)
        self.schema = _mark_secrets(self.schema or "{}")

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: pulumi.Inputs,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        self.validate_resource_type(PACKAGE, resource_type)
        try:
            args = args_from_inputs(inputs, name)
        except ConfigError as err:
            details: list[InputPropertyErrorDetails] = [
                {"property_path": p.split(": ", 1)[0], "reason": p.split(": ", 1)[-1]} for p in err.problems
            ]
            raise InputPropertiesError(str(err), details) from None
        component = _Component(name, args, options)
        return ConstructResult(component.urn, self.get_state(component, self._component_defs[COMPONENT]))


def _mark_secrets(schema: str) -> str:
    """The inferred schema with `secret: true` on the secret inputs and outputs."""
    spec = json.loads(schema)
    resource = spec["resources"][f"{PACKAGE}:index:{COMPONENT}"]
    for key, declared in INPUTS.items():
        if declared.setting.secret:
            resource["inputProperties"][key]["secret"] = True
    for key in SECRET_OUTPUTS:
        resource["properties"][key]["secret"] = True
    return json.dumps(spec)


def package_schema() -> dict[str, Any]:
    """The schema the plugin answers GetSchema with (as a dict)."""
    return json.loads(LbvmsProvider().schema or "{}")


def serve(argv: list[str]) -> None:
    """Run the plugin: what `component_provider_host(..., name="lbvms")` does, with our provider."""
    from pulumi.provider import main

    main(LbvmsProvider(), argv)
