"""`make bench` compares the plan with a program floor: the comparison only means something
while the floor registers the same resources as the dev stack, and while the bench's own plan
command runs."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import ROOT, run_stack

from offline import bench, engine, plan


@pytest.fixture(scope="module")
def settings() -> bench.Settings:
    return bench.load_settings(ROOT)


def test_the_floor_registers_the_dev_stacks_resources_type_for_type(settings: bench.Settings) -> None:
    assert settings.stack == "dev"
    dev = run_stack("dev")
    project = settings.floor_project()
    floor = engine.run_program(
        settings.floor, project=project, stack="bench", config={f"{project}:{settings.size_key}": "2"}
    )
    assert floor.error is None and dev.error is None

    def custom_types(run: engine.ProgramRun) -> Counter[str]:
        return Counter(r.type for r in run.resources if r.custom)

    assert custom_types(floor) == custom_types(dev)
    # Same shape below one component, as the bench program asserts at every size.
    assert len(floor.resources) == settings.floor_resources(2) == 9 + 3 * 2 == len(dev.resources)
    assert [r.type for r in floor.resources if not r.custom] == ["floor:index:Floor"]


def test_the_import_floor_touches_every_class_the_dev_stack_registers(settings: bench.Settings) -> None:
    # azure-native:<module>:<Type> is pulumi_azure_native.<module>.<Type>.
    registered = {
        (f"pulumi_azure_native.{r.type.split(':')[1]}", r.type.split(":")[2])
        for r in run_stack("dev").resources
        if r.custom and r.type.startswith("azure-native:")
    }
    touched = {(module, name) for module, names in settings.import_floor.items() for name in names}
    assert registered <= touched, registered - touched


def test_the_bench_plans_the_dev_stack_at_its_smallest_size(
    settings: bench.Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan command it times runs (the dev stack has no SSH key: the bench file passes
    `--throwaway-ssh-key`), at the size it says."""
    argv = bench.plan_argv(settings, settings.sizes[0])
    assert argv[-2:] == ["--set", f"vmCount={settings.sizes[0]}"]
    assert plan.main(argv) == 0
    assert capsys.readouterr() == ("", "")
    [(_, command)] = [(k, c) for k, c in bench.commands(settings).items() if k == ("plan", settings.sizes[0])]
    assert command[1:3] == ["-m", "offline.plan"] and command[3:] == argv


def test_per_unit_is_the_slope_between_two_sizes() -> None:
    assert bench.per_unit(2.0, 6.0, 2, 202) == 0.02
