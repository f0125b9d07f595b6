"""Stable identities: scaling out adds resources and replaces none.

GIVEN a stack deployed at vmCount N, WHEN vmCount becomes N+1, THEN every existing
resource keeps its URN and its inputs (only the load balancer, which holds the NAT
rules inline, changes), and the new resources are exactly VM N+1, its NIC and (on
Windows) its web-server extension.
"""

from __future__ import annotations

import pytest
from conftest import LB, ok, run_stack

from offline.engine import plain


@pytest.mark.parametrize(("stack", "before", "extra"), [("dev", 2, []), ("prod", 3, ["web-vm-4-web"])])
def test_scaling_out_adds_one_vm_and_nic_and_changes_only_the_load_balancer(
    stack: str, before: int, extra: list[str]
) -> None:
    old = ok(run_stack(stack, overrides={"vmCount": before}))
    new = ok(run_stack(stack, overrides={"vmCount": before + 1}))
    old_by_urn = {r.urn: r for r in old.resources}
    new_by_urn = {r.urn: r for r in new.resources}

    added = sorted(urn.rsplit("::", 1)[1] for urn in set(new_by_urn) - set(old_by_urn))
    assert added == sorted([f"web-nic-{before + 1}", f"web-vm-{before + 1}", *extra])
    assert set(old_by_urn) <= set(new_by_urn)

    changed = sorted(
        urn.rsplit("::", 1)[1] for urn, r in old_by_urn.items() if plain(r.inputs) != plain(new_by_urn[urn].inputs)
    )
    assert changed == ["web-lb"]
    # ... and the load balancer only gained VM N+1's NAT rule.
    old_lb, new_lb = plain(old.one(LB).inputs), plain(new.one(LB).inputs)
    assert new_lb["inboundNatRules"][:-1] == old_lb["inboundNatRules"]
    assert new_lb["inboundNatRules"][-1]["name"] == f"admin-vm-{before + 1}"
    assert {k: v for k, v in new_lb.items() if k != "inboundNatRules"} == {
        k: v for k, v in old_lb.items() if k != "inboundNatRules"
    }
