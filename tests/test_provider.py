"""The provider interface in process (issue 15): a bad argument is a per-property error, and
the schema marks the password secret. Also the helpers of tests/test_provider_grpc.py, which
checks that Construct through the real plugin process registers what direct Python
construction registers (inputs shaped as the provider receives them: camelCase, integers as
floats): URNs, parents, dependencies and inputs, secrets staying secret."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pulumi
import pytest
from conftest import COMPONENT, SSH_KEY, VM

from components import MultiVmLoadBalanced
from components.reader import INPUTS
from offline import engine
from provider.generate import plain
from provider.lbvms_provider import LbvmsProvider, args_from_inputs, package_schema
from stack_config import args_from_config

SUBNET_ID = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/app"

CONFIGS: dict[str, dict[str, Any]] = {
    "dev": {"sshPublicKey": SSH_KEY, "tags": '{"environment": "dev"}'},
    "prod": {
        "osType": "windows",
        "vmCount": "3",
        "vmSize": "Standard_D4s_v5",
        "osDiskType": "Premium_LRS",
        "faultDomainCount": "3",
        "dnsLabel": "lb-vms-prod-example",
        "adminSourcePrefixes": '["203.0.113.0/24"]',
    },
    "scaleSet": {"sshPublicKey": SSH_KEY, "placement": "scaleSet"},
}

#: The project and stack of the runs here (and of tests/test_provider_grpc.py's Construct
#: requests, so that URNs compare whole).
PROJECT, STACK = "lb-vms", "provider"

#: A Windows admin password a consumer passes (as a secret); meets Azure's rules.
WINDOWS_PASSWORD = "Correct-Horse-Battery-9"


def secret_input_config() -> dict[str, Any]:
    """Prod with the consumer's own admin password instead of a generated one."""
    return {**CONFIGS["prod"], "adminPassword": WINDOWS_PASSWORD}


def direct_run(config: dict[str, Any]) -> engine.ProgramRun:
    """Direct Python construction of the component from these settings."""
    secret = {"adminPassword"} & set(config)
    return _run(lambda: MultiVmLoadBalanced("web", args_from_config(config, secret_keys=secret)))


def as_provider_inputs(config: dict[str, str]) -> dict[str, Any]:
    """The same settings as a consumer's arguments arrive: native values, numbers as floats."""
    args = args_from_config(config)
    out: dict[str, Any] = {}
    for key in config:
        value = plain(getattr(args, INPUTS[key].field.name))
        out[key] = _floats(value)
    return out


def _floats(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    return value


def _run(program: Any) -> engine.ProgramRun:
    def go() -> engine.ProgramRun:
        return engine._run(program, PROJECT, STACK, {}, [], "westeurope", False)

    return contextvars.Context().run(go)


def test_a_bad_argument_is_a_per_property_error_without_traceback() -> None:
    from pulumi.errors import InputPropertiesError

    with pytest.raises(InputPropertiesError) as caught:
        LbvmsProvider().construct("web", COMPONENT, {"vmCount": 1.0, "placement": "Zones", "osType": "linux"}, None)
    assert caught.value.errors == [
        {
            "property_path": "vmCount",
            "reason": "1 must be an integer 2-200 (two for the availability-set SLA; Azure caps a set at 200)",
        },
        {
            "property_path": "sshPublicKey",
            "reason": "not set; Linux VMs allow SSH keys only: pass sshPublicKey "
            "(the contents of ~/.ssh/id_ed25519.pub)",
        },
    ]
    assert "Traceback" not in str(caught.value)


def vm_passwords(run: engine.ProgramRun) -> list[Any]:
    """Each VM's admin password as registered. The SDK sends a whole top-level input secret
    when any part of it is, so `osProfile` must be an `engine.Secret` (asserted here)."""
    profiles = [vm.inputs["osProfile"] for vm in run.of_type(VM)]
    assert all(isinstance(p, engine.Secret) for p in profiles), profiles
    return [p.value["adminPassword"] for p in profiles]


def secret_properties(kind: str) -> list[str]:
    """The component's schema properties marked `secret` (`inputProperties` or `properties`)."""
    resource = package_schema()["resources"][COMPONENT]
    return sorted(k for k, v in resource[kind].items() if v.get("secret"))


def test_the_schema_marks_the_password_secret_as_argument_and_as_output() -> None:
    # So a generated SDK wraps the argument in pulumi.secret and asks additionalSecretOutputs.
    assert secret_properties("inputProperties") == ["adminPassword"]
    assert secret_properties("properties") == ["adminPassword"]


def test_an_output_argument_reaches_the_component_as_it_came() -> None:
    """A consumer's subnet ID from another resource is an Output: the component takes it as is
    (and validates it when known), never a plain value read from it or nothing."""

    loop = asyncio.new_event_loop()  # an Output needs one, as under the engine
    asyncio.set_event_loop(loop)
    try:
        subnet = pulumi.Output.from_input(SUBNET_ID)
        args = args_from_inputs({"sshPublicKey": SSH_KEY, "subnetId": subnet}, "web")
        assert args.subnet_id is subnet
    finally:
        asyncio.set_event_loop(None)
        loop.close()
