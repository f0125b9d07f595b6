"""Stable identities: scaling out adds resources and replaces none.

GIVEN a stack deployed at vmCount N, WHEN vmCount becomes N+1, THEN every existing
resource keeps its URN and its inputs (the load balancer too: the admin NAT rule is its own
resource; its port range is sized for the largest tier), and the new
resources are exactly VM N+1, its NIC, its health gate and (on Windows) its web-server
extension.
"""

from __future__ import annotations

import pytest
from conftest import ok, run_stack

from offline.engine import plain


@pytest.mark.parametrize(("stack", "before", "extra"), [("dev", 2, []), ("prod", 3, ["web-vm-4-web"])])
def test_scaling_out_adds_one_vm_nic_and_gate_and_changes_nothing_else(
    stack: str, before: int, extra: list[str]
) -> None:
    old = ok(run_stack(stack, overrides={"vmCount": before}))
    new = ok(run_stack(stack, overrides={"vmCount": before + 1}))
    old_by_urn = {r.urn: r for r in old.resources}
    new_by_urn = {r.urn: r for r in new.resources}

    added = sorted(urn.rsplit("::", 1)[1] for urn in set(new_by_urn) - set(old_by_urn))
    assert added == sorted([f"web-nic-{before + 1}", f"web-vm-{before + 1}", f"web-vm-{before + 1}-gate", *extra])
    assert set(old_by_urn) <= set(new_by_urn)

    changed = sorted(
        urn.rsplit("::", 1)[1] for urn, r in old_by_urn.items() if plain(r.inputs) != plain(new_by_urn[urn].inputs)
    )
    assert changed == []
