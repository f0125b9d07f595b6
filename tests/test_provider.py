"""Construct through the provider interface registers what direct Python construction does
(issue 15). In process: `LbvmsProvider.construct` with inputs shaped as the provider
receives them (camelCase, integers as floats), on the mock engine. The gRPC plugin-process
test is not written yet (see the README)."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from conftest import COMPONENT, SSH_KEY

from components import MultiVmLoadBalanced
from components.reader import INPUTS
from offline import engine
from provider.generate import plain
from provider.lbvms_provider import LbvmsProvider
from stack_config import args_from_config

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
        return engine._run(program, "lb-vms", "provider", {}, [], "westeurope", False)

    return contextvars.Context().run(go)


def _shape(run: engine.ProgramRun) -> list[tuple[str, str, str, Any]]:
    if run.error is not None:
        raise run.error
    return sorted((r.type, r.name, r.parent.rsplit("::", 1)[-1], repr(r.inputs)) for r in run.resources)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_construct_through_the_provider_registers_what_python_does(config: str) -> None:
    values = CONFIGS[config]
    direct = _run(lambda: MultiVmLoadBalanced("web", args_from_config(values)))
    inputs = as_provider_inputs(values)
    via = _run(lambda: LbvmsProvider().construct("web", COMPONENT, inputs, None))
    assert _shape(via) == _shape(direct)
    assert {r.type for r in direct.resources} >= {COMPONENT, "azure-native:network:LoadBalancer"}


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


def test_a_fractional_number_is_refused_not_truncated() -> None:
    from pulumi.errors import InputPropertiesError

    with pytest.raises(InputPropertiesError) as caught:
        LbvmsProvider().construct("web", COMPONENT, {"vmCount": 2.5, "sshPublicKey": SSH_KEY}, None)
    assert caught.value.errors == [{"property_path": "vmCount", "reason": "2.5 must be an integer"}]
