"""`make bench` compares the plan with a program floor: the comparison only means something
while the floor registers the same resources as the dev stack."""

from __future__ import annotations

from collections import Counter

from conftest import ROOT, run_stack

from offline import bench, engine


def test_the_floor_registers_the_dev_stacks_resources_type_for_type() -> None:
    dev = run_stack("dev")
    floor = engine.run_program(
        ROOT / "offline" / "floor", project="floor", stack="bench", config={"floor:vmCount": "2"}
    )
    assert floor.error is None and dev.error is None

    def custom_types(run: engine.ProgramRun) -> Counter[str]:
        return Counter(r.type for r in run.resources if r.custom)

    assert custom_types(floor) == custom_types(dev)
    # Same shape below one component, as the bench program asserts at every size.
    assert len(floor.resources) == 9 + 3 * 2 == len(dev.resources)
    assert [r.type for r in floor.resources if not r.custom] == ["floor:index:Floor"]


def test_per_vm_is_the_slope_between_two_sizes() -> None:
    assert bench.per_vm(2.0, 6.0, 2, 202) == 0.02
