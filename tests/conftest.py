"""Helpers shared by the tests: run a stack of the real program on the mock engine."""

from __future__ import annotations

import base64
import copy
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from offline import engine, stackfile

# The suite runs ~170 programs in one process; the SDK's many small allocations would start
# a (nearly fruitless) collection every few properties: the same GC setup as `make plan`.
engine.gc_for_a_one_shot_process()

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "lb-vms"

# Pulumi types, short.
COMPONENT = "lbvms:index:MultiVmLoadBalanced"
RG = "azure-native:resources:ResourceGroup"
VNET = "azure-native:network:VirtualNetwork"
NSG = "azure-native:network:NetworkSecurityGroup"
PIP = "azure-native:network:PublicIPAddress"
LB = "azure-native:network:LoadBalancer"
NIC = "azure-native:network:NetworkInterface"
AVSET = "azure-native:compute:AvailabilitySet"
VM = "azure-native:compute:VirtualMachine"
EXTENSION = "azure-native:compute:VirtualMachineExtension"
PASSWORD = "random:index/randomPassword:RandomPassword"
NAT_RULE = "azure-native:network:InboundNatRule"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
GATE = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine"


def nat_rules(run: engine.ProgramRun) -> dict[str, engine.Registered]:
    """The admin NAT rules (their own resources, not inline on the LB) by Azure name."""
    return {r.inputs["inboundNatRuleName"]: r for r in run.of_type(NAT_RULE)}


def main_lb(run: engine.ProgramRun, component: str = "web") -> engine.Registered:
    """The component's load balancer (a zone-spread internal tier also has an egress one)."""
    [lb] = [r for r in run.of_type(LB) if r.name == f"{component}-lb"]
    return lb


def admin_nat_rule(run: engine.ProgramRun) -> engine.Registered:
    """The one admin NAT rule (V2) of every placement, after checking it is the only one."""
    rules = nat_rules(run)
    assert list(rules) == ["admin"], list(rules)
    return rules["admin"]


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def ssh_rsa_key(bits: int) -> str:
    """A syntactically valid ssh-rsa public key whose modulus has `bits` bits."""
    modulus = (1 << (bits - 1)) | 1
    body = (
        _ssh_string(b"ssh-rsa")
        + _ssh_string(b"\x01\x00\x01")
        + _ssh_string(b"\x00" + modulus.to_bytes(bits // 8, "big"))
    )
    return "ssh-rsa " + base64.b64encode(body).decode() + " test@example"


def ssh_ed25519_key() -> str:
    body = _ssh_string(b"ssh-ed25519") + _ssh_string(bytes(range(32)))
    return "ssh-ed25519 " + base64.b64encode(body).decode() + " test@example"


SSH_KEY = ssh_ed25519_key()


def dev_values(**overrides: Any) -> dict[str, Any]:
    """The dev stack's project values (no namespace), with a test SSH key and overrides.
    An override of None removes the key."""
    cfg = stackfile.load(ROOT, "dev", overrides={"sshPublicKey": SSH_KEY})
    prefix = f"{PROJECT}:"
    values: dict[str, Any] = {k[len(prefix) :]: v for k, v in cfg.values.items() if k.startswith(prefix)}
    for k, v in overrides.items():
        if v is None:
            values.pop(k, None)
        else:
            values[k] = stackfile.to_cli_string(v)
    return values


def single_problem(**overrides: Any) -> str:
    """The one problem the dev stack's config has with `overrides` (fails if not exactly one)."""
    from components import ConfigError
    from stack_config import args_from_config

    with pytest.raises(ConfigError) as caught:
        args_from_config(dev_values(**overrides))
    problems = caught.value.problems
    assert len(problems) == 1, problems
    return problems[0]


#: Program runs by config, for the whole session: many tests read the same stack, and a
#: run is deterministic for a given config (the engine's IDs and addresses derive from
#: names). Each caller gets its own deep copy, so a test that edits what it got cannot
#: change what another test reads.
_RUNS: dict[str, engine.ProgramRun] = {}


def run_stack(
    stack: str = "dev",
    overrides: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    remove: tuple[str, ...] = (),
) -> engine.ProgramRun:
    """Run `__main__.py` for `Pulumi.<stack>.yaml` (plus overrides) on the mock engine."""
    base = {"sshPublicKey": SSH_KEY} if stack == "dev" else {}
    cfg = stackfile.load(ROOT, stack, overrides={**base, **(overrides or {})}, secret_overrides=secrets)
    for key in remove:
        cfg.values.pop(f"{PROJECT}:{key}", None)
    key = json.dumps([stack, cfg.values, sorted(cfg.secret_keys)], sort_keys=True)
    if key not in _RUNS:
        _RUNS[key] = engine.run_program(
            ROOT, project=cfg.project, stack=stack, config=cfg.values, secret_keys=cfg.secret_keys
        )
    run = _RUNS[key]
    # The error is shared as it is (an exception does not deep-copy faithfully).
    return engine.ProgramRun(copy.deepcopy(run.resources), copy.deepcopy(run.outputs), run.error)


def ok(run: engine.ProgramRun) -> engine.ProgramRun:
    if run.error is not None:
        raise run.error
    return run


@pytest.fixture(scope="module")
def dev() -> engine.ProgramRun:
    return ok(run_stack("dev"))


@pytest.fixture(scope="module")
def prod() -> engine.ProgramRun:
    return ok(run_stack("prod"))
