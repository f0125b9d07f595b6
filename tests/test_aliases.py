"""The component drops azure-native's versioned-type aliases from its children, and only those
(components/aliases.py says why that is safe and what it saves)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pulumi
from conftest import ok, run_stack

from components.aliases import VERSIONED_TYPE, is_versioned_type_alias
from offline import engine

NIC = "azure-native:network:NetworkInterface"

PROGRAM = textwrap.dedent(
    """
    import pulumi
    from pulumi_azure_native import network
    from components.aliases import drop_versioned_type_aliases

    class Tier(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__(
                "test:index:Tier", name, None,
                pulumi.ResourceOptions(transformations=[drop_versioned_type_aliases]),
            )
            child = pulumi.ResourceOptions(parent=self)
            network.NetworkInterface("child", resource_group_name="rg", opts=child)
            renamed = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name="old-name")])
            network.NetworkInterface("renamed", resource_group_name="rg", opts=renamed)

    network.NetworkInterface("top", resource_group_name="rg")
    Tier("tier")
    """
)


def _run(tmp_path: Path) -> dict[str, engine.Registered]:
    (tmp_path / "__main__.py").write_text(PROGRAM)
    run = ok(engine.run_program(tmp_path, project="t", stack="s", config={}))
    return {r.name: r for r in run.of_type(NIC)}


def test_the_sdk_adds_versioned_aliases_and_the_transformation_drops_only_those(tmp_path: Path) -> None:
    nics = _run(tmp_path)
    # Outside the component the SDK's own aliases go to the engine: one per API version.
    top = nics["top"].aliases
    assert len(top) >= 25
    assert all(VERSIONED_TYPE.match(a.removeprefix("type=")) for a in top)
    # Inside, none of them; a consumer's own alias (a rename) is kept as it was.
    assert nics["child"].aliases == []
    assert nics["renamed"].aliases == ["name=old-name"]


def test_dev_stack_children_send_no_versioned_type_alias() -> None:
    run = ok(run_stack("dev", overrides={"vmCount": 3}))
    children = [r for r in run.resources if r.parent.endswith("lbvms:index:MultiVmLoadBalanced::web")]
    assert len(children) == len(run.resources) - 1
    # The one alias left is a rename (the admin NAT rule's former scale-set name), not a type.
    assert [(r.name, r.aliases) for r in run.resources if r.aliases] == [("web-admin-nat", ["name=web-nat-instances"])]


def test_only_a_bare_versioned_type_alias_counts() -> None:
    assert is_versioned_type_alias(pulumi.Alias(type_="azure-native:network/v20230501:NetworkInterface"))
    assert is_versioned_type_alias(pulumi.Alias(type_="azure-native:network/v20150501preview:NetworkInterface"))
    # The current (unversioned) type, another provider, a rename or a URN string stay.
    assert not is_versioned_type_alias(pulumi.Alias(type_="azure-native:network:NetworkInterface"))
    assert not is_versioned_type_alias(pulumi.Alias(type_="azure:network/v20230501:NetworkInterface"))
    assert not is_versioned_type_alias(
        pulumi.Alias(type_="azure-native:network/v20230501:NetworkInterface", name="old")
    )
    assert not is_versioned_type_alias("urn:pulumi:s::p::azure-native:network/v20230501:NetworkInterface::nic")
