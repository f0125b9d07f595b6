"""`image`: GIVEN the dev (or prod) stack with an image, WHEN the program runs, THEN every VM (or
the scale set's model) is created from exactly that image reference, and a change of image
changes every VM's replacement trigger. Without `image`, the OS's default image is sent as
before. The rules' refusals are in tests/test_rules.py CASES."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ok, run_stack
from test_placement import vms

from offline.engine import ProgramRun, plain

VMSS = "azure-native:compute:VirtualMachineScaleSet"
GALLERY = "/subscriptions/0000/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/gal/images/web"
MINIMAL = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "minimal"}
PINNED = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "24.04.202411030"}


def references(run: ProgramRun) -> list[dict[str, Any]]:
    """The imageReference of every VM, or of the scale set's model."""
    if run.of_type(VMSS):
        return [plain(run.one(VMSS).inputs["virtualMachineProfile"])["storageProfile"]["imageReference"]]
    return [plain(vm.inputs["storageProfile"]["imageReference"]) for vm in vms(run)]


def triggers(run: ProgramRun) -> list[Any]:
    return [vm.replacement_trigger for vm in vms(run)]


PLACEMENTS = {
    "availabilitySet": {},
    "zones": {"placement": "zones", "vmCount": 3},
    "scaleSet": {"placement": "scaleSet"},
}


@pytest.mark.parametrize(("placement", "count"), [("availabilitySet", 2), ("zones", 3), ("scaleSet", 1)])
def test_a_marketplace_image_is_sent_as_given_with_version_latest(placement: str, count: int) -> None:
    run = ok(run_stack(overrides={**PLACEMENTS[placement], "image": MINIMAL}))
    assert references(run) == [{**MINIMAL, "version": "latest"}] * count


@pytest.mark.parametrize("placement", ["availabilitySet", "scaleSet"])
def test_a_pinned_marketplace_version_is_sent(placement: str) -> None:
    run = ok(run_stack(overrides={**PLACEMENTS[placement], "image": PINNED}))
    assert references(run)[0] == PINNED


@pytest.mark.parametrize(
    "image_id", [GALLERY + "/versions/1.2.0", GALLERY], ids=["image version ID", "image definition ID"]
)
@pytest.mark.parametrize("placement", ["availabilitySet", "scaleSet"])
def test_a_gallery_image_is_sent_by_its_id_alone(placement: str, image_id: str) -> None:
    run = ok(run_stack(overrides={**PLACEMENTS[placement], "image": {"id": image_id}}))
    refs = references(run)
    assert refs == [{"id": image_id}] * len(refs)


@pytest.mark.parametrize("placement", ["availabilitySet", "scaleSet"])
def test_without_image_the_default_reference_is_sent_as_before(placement: str) -> None:
    run = ok(run_stack(overrides=PLACEMENTS[placement]))
    refs = references(run)
    default = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
    assert refs == [default] * len(refs)


def test_the_default_image_given_explicitly_changes_no_trigger() -> None:
    # The digest of a given marketplace image reads as the default's did: setting the very
    # image the stack already runs replaces nothing.
    default = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server"}
    assert triggers(ok(run_stack(overrides={"image": default}))) == triggers(ok(run_stack()))


@pytest.mark.parametrize(
    "image",
    [MINIMAL, PINNED, {"id": GALLERY}, {"id": GALLERY + "/versions/1.2.0"}],
    ids=["another sku", "a pinned version", "a gallery definition", "a gallery version"],
)
def test_a_changed_image_changes_every_vm_trigger(image: dict[str, str]) -> None:
    before = triggers(ok(run_stack()))
    after = triggers(ok(run_stack(overrides={"image": image})))
    assert len(after) == len(before) == 2
    assert all(isinstance(t, str) and t.startswith("model:") for t in before + after)
    assert all(a != b for a, b in zip(after, before, strict=True))


def test_gallery_version_and_definition_have_different_triggers() -> None:
    definition = triggers(ok(run_stack(overrides={"image": {"id": GALLERY}})))
    version = triggers(ok(run_stack(overrides={"image": {"id": GALLERY + "/versions/1.2.0"}})))
    assert all(a != b for a, b in zip(definition, version, strict=True))


def patch_settings(run: ProgramRun) -> list[dict[str, Any]]:
    return [plain(vm.inputs)["osProfile"]["windowsConfiguration"]["patchSettings"] for vm in vms(run)]


@pytest.mark.parametrize(
    ("image", "hotpatch"),
    [
        ({"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-g2"}, False),
        (
            {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2025-datacenter-azure-edition"},
            True,
        ),
        ({"publisher": "contoso", "offer": "hardened", "sku": "2025-datacenter-azure-edition"}, False),
        ({"id": GALLERY}, False),
    ],
    ids=["a Windows SKU without hotpatch", "a hotpatch SKU", "another publisher", "a gallery image"],
)
def test_hotpatching_is_sent_only_for_microsofts_hotpatch_skus(image: dict[str, str], hotpatch: bool) -> None:
    run = ok(run_stack("prod", overrides={"image": image}, secrets={"adminPassword": "Correct-Horse-9-Battery"}))
    expected: dict[str, Any] = {"patchMode": "AutomaticByPlatform", "assessmentMode": "AutomaticByPlatform"}
    if hotpatch:
        expected["enableHotpatching"] = True
    assert patch_settings(run) == [expected] * 3
