"""Patch windows (`maintenance`): Azure Update Manager schedules the VMs' patches.

GIVEN a window (or none), WHEN the program runs, THEN there is one maintenance configuration of
scope InGuestPatch with the window as given and the OS's classifications, one assignment per
VM wired to that VM and to the configuration, the VMs carry the flag Update Manager requires
(and nothing new without a window), enabling a window updates the VMs in place, the requests
conform to Microsoft's API types, and the rules refuse what Azure would, at both edges.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import VM, dev_values, ok, run_stack, single_problem
from test_changes import change_of, steps

from components import ConfigError
from offline import azure_types, plan
from offline.engine import ProgramRun, Registered, Secret

CONFIG = "azure-native:maintenance:MaintenanceConfiguration"
ASSIGNMENT = "azure-native:maintenance:ConfigurationAssignment"
START = "2026-12-05 22:00"
WINDOWS = {"osType": "windows", "sshPublicKey": None}
AUTOMATIC = {"patchMode": "AutomaticByPlatform", "assessmentMode": "AutomaticByPlatform"}
USER_SCHEDULE = {"automaticByPlatformSettings": {"bypassPlatformSafetyChecksOnUserSchedule": True}}


def window(**fields: Any) -> dict[str, Any]:
    return {"startDateTime": START, **fields}


@pytest.fixture(scope="module")
def linux() -> ProgramRun:
    return ok(
        run_stack(
            overrides={
                "maintenance": window(
                    duration="02:00",
                    recurEvery="Month Second Tuesday Offset4",
                    timeZone="W. Europe Standard Time",
                    reboot="AlwaysReboot",
                    classifications=["Critical", "Security", "Other"],
                )
            }
        )
    )


@pytest.fixture(scope="module")
def windows() -> ProgramRun:
    # prod: three Windows VMs in an availability set over three fault domains.
    return ok(
        run_stack(
            "prod",
            overrides={"maintenance": window(classifications=["Critical", "Security", "UpdateRollup", "Definition"])},
        )
    )


def azure_name(r: Registered) -> str:
    return r.id.rsplit("/", 1)[1]


def os_profile(vm: Registered) -> dict[str, Any]:
    """The VM's osProfile (a secret on Windows: it carries the admin password)."""
    profile = vm.inputs["osProfile"]
    return profile.value if isinstance(profile, Secret) else profile


def patch_settings(vm: Registered) -> dict[str, Any]:
    profile = os_profile(vm)
    return (profile.get("linuxConfiguration") or profile["windowsConfiguration"])["patchSettings"]


# --------------------------------------------------------------------------- resources


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_without_a_window_nothing_changes(stack: str) -> None:
    run = ok(run_stack(stack))
    assert run.of_type(CONFIG) == []
    assert run.of_type(ASSIGNMENT) == []
    hotpatch = {"enableHotpatching": True} if stack == "prod" else {}
    assert [patch_settings(vm) for vm in run.of_type(VM)] == [{**AUTOMATIC, **hotpatch}] * len(run.of_type(VM))


def test_one_in_guest_configuration_holds_the_window_as_given(linux: ProgramRun) -> None:
    config = linux.one(CONFIG)
    assert config.name == "web-patch-window"
    [vm, _] = linux.of_type(VM)
    assert config.inputs == {
        "resourceGroupName": vm.inputs["resourceGroupName"],
        "maintenanceScope": "InGuestPatch",
        "extensionProperties": {"InGuestPatchMode": "User"},
        "visibility": "Custom",
        "startDateTime": START,
        "duration": "02:00",
        "recurEvery": "Month Second Tuesday Offset4",
        "timeZone": "W. Europe Standard Time",
        "installPatches": {
            "rebootSetting": "AlwaysReboot",
            "linuxParameters": {"classificationsToInclude": ["Critical", "Security", "Other"]},
        },
        "tags": {"environment": "dev", "workload": "lb-vms"},
    }


def test_the_defaults_are_the_longest_window_on_saturdays_in_utc() -> None:
    config = ok(run_stack(overrides={"maintenance": window()})).one(CONFIG)
    assert {k: config.inputs[k] for k in ("duration", "recurEvery", "timeZone", "installPatches")} == {
        "duration": "03:55",
        "recurEvery": "Week Saturday",
        "timeZone": "UTC",
        "installPatches": {
            "rebootSetting": "IfRequired",
            "linuxParameters": {"classificationsToInclude": ["Critical", "Security"]},
        },
    }


@pytest.mark.parametrize("fixture", ["linux", "windows"])
def test_every_vm_is_assigned_the_window(fixture: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(fixture)
    config = run.one(CONFIG)
    vms = run.of_type(VM)
    assignments = {a.name: a for a in run.of_type(ASSIGNMENT)}
    assert sorted(assignments) == sorted(f"{vm.name}-patch-window" for vm in vms)
    assert len(vms) == (2 if fixture == "linux" else 3)
    for vm in vms:
        a = assignments[f"{vm.name}-patch-window"]
        assert a.inputs == {
            "resourceGroupName": vm.inputs["resourceGroupName"],
            "providerName": "Microsoft.Compute",
            "resourceType": "virtualMachines",
            "resourceName": azure_name(vm),
            "maintenanceConfigurationId": config.id,
            "location": "westeurope",
        }
        # An extension resource of that VM.
        assert a.id.startswith(vm.id + "/providers/Microsoft.Maintenance/configurationAssignments/")


def test_vms_with_a_window_are_on_customer_managed_schedules(linux: ProgramRun, windows: ProgramRun) -> None:
    assert [patch_settings(vm) for vm in linux.of_type(VM)] == [{**AUTOMATIC, **USER_SCHEDULE}] * 2
    # Windows keeps hotpatching (2025 Azure Edition) and automatic updates, which AutomaticByPlatform needs.
    for vm in windows.of_type(VM):
        config = os_profile(vm)["windowsConfiguration"]
        assert config["enableAutomaticUpdates"] is True
        assert config["patchSettings"] == {**AUTOMATIC, "enableHotpatching": True, **USER_SCHEDULE}


def test_a_windows_window_installs_windows_classifications_only(windows: ProgramRun) -> None:
    assert windows.one(CONFIG).inputs["installPatches"] == {
        "rebootSetting": "IfRequired",
        "windowsParameters": {"classificationsToInclude": ["Critical", "Security", "UpdateRollup", "Definition"]},
    }


@pytest.mark.parametrize(
    ("stack", "sets"),
    [
        ("dev", [f"maintenance={{startDateTime: '{START}', recurEvery: 'Month day1,day15', reboot: NeverReboot}}"]),
        ("dev", [f"maintenance={{startDateTime: '{START}'}}", "placement=zones", "namePrefix=web-prod"]),
        ("prod", [f"maintenance={{startDateTime: '{START}', classifications: [Critical, Security, Updates]}}"]),
    ],
)
def test_a_window_conforms_to_the_api_types(stack: str, sets: list[str]) -> None:
    cfg, _ = plan.load_config(stack, sets, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg)
    assert result.error is None
    assert len(result.of_type(ASSIGNMENT)) == len(result.of_type(VM)) > 0
    assert azure_types.check(result) == ([], [])


# --------------------------------------------------------------------------- change plans

WINDOW = f"maintenance={{startDateTime: '{START}'}}"
PATCH_FLAG = ["osProfile.linuxConfiguration.patchSettings.automaticByPlatformSettings"]


def test_enabling_a_window_updates_the_vms_in_place() -> None:
    change = change_of((), (WINDOW,))
    assert steps(change) == [
        ("update", "web-vm-1"),
        ("update", "web-vm-2"),
        ("create", "web-patch-window"),
        ("create", "web-vm-1-patch-window"),
        ("create", "web-vm-2-patch-window"),
    ]
    assert [s.paths for s in change.steps[:2]] == [PATCH_FLAG, PATCH_FLAG]
    assert (change.min_in_rotation, change.of, change.problems, change.recipe) == (2, 2, [], [])


def test_removing_a_window_updates_the_vms_and_deletes_it() -> None:
    change = change_of((WINDOW,), ())
    assert steps(change) == [
        ("update", "web-vm-1"),
        ("update", "web-vm-2"),
        ("delete", "web-vm-2-patch-window"),
        ("delete", "web-vm-1-patch-window"),
        ("delete", "web-patch-window"),
    ]
    assert (change.min_in_rotation, change.problems) == (2, [])


def test_changing_the_window_touches_only_the_configuration() -> None:
    change = change_of((WINDOW,), (f"maintenance={{startDateTime: '{START}', duration: '02:00'}}",))
    assert steps(change) == [("update", "web-patch-window")]


def test_a_replaced_vm_takes_its_window_along() -> None:
    change = change_of((WINDOW,), (WINDOW, "vmSize=Standard_D4s_v5"))
    moved = [(op, n) for op, n in steps(change) if n.endswith("-patch-window")]
    assert moved == [
        ("delete-replaced", "web-vm-1-patch-window"),
        ("create-replacement", "web-vm-1-patch-window"),
        ("delete-replaced", "web-vm-2-patch-window"),
        ("create-replacement", "web-vm-2-patch-window"),
    ]
    assert [s.paths for s in change.steps if s.name.endswith("-patch-window")] == [["resourceName"]] * 4
    assert (change.min_in_rotation, change.of) == (2, 2)


# --------------------------------------------------------------------------- rules


def accepted(**overrides: Any) -> None:
    from stack_config import args_from_config

    try:
        args_from_config(dev_values(**overrides))
    except ConfigError as e:
        raise AssertionError(e.problems) from e


@pytest.mark.parametrize(
    "fields",
    [
        {"duration": "01:30"},
        {"duration": "03:55"},
        {"startDateTime": "2028-02-29 00:00"},
        {"startDateTime": "2026-12-31 23:59"},
        {"recurEvery": "Day"},
        {"recurEvery": "1Day"},
        {"recurEvery": "3Days"},
        {"recurEvery": "20days"},
        {"recurEvery": "Week"},
        {"recurEvery": "2Weeks"},
        {"recurEvery": "Week Saturday,Sunday"},
        {"recurEvery": "Week Monday, Friday"},
        {"recurEvery": "Month"},
        {"recurEvery": "2Months"},
        {"recurEvery": "Month day1"},
        {"recurEvery": "Month day23,day24"},
        {"recurEvery": "Month day31"},
        {"recurEvery": "Month Last Sunday"},
        {"recurEvery": "Month First Monday Offset-6"},
        {"recurEvery": "Month Third Sunday Offset6"},
        {"timeZone": "W. Europe Standard Time"},
        {"timeZone": "UTC-11"},
        {"timeZone": "Cen. Australia Standard Time"},
        {"classifications": ["Other"]},
    ],
)
def test_windows_azure_accepts_are_accepted(fields: dict[str, Any]) -> None:
    accepted(maintenance=window(**fields))


def test_windows_classifications_are_accepted_on_windows() -> None:
    every = ["Critical", "Security", "UpdateRollup", "FeaturePack", "ServicePack", "Definition", "Tools", "Updates"]
    accepted(**WINDOWS, maintenance=window(classifications=every))


GUEST = "https://learn.microsoft.com/azure/virtual-machines/maintenance-configurations#guest"
RANGE = f"must be 01:30 to 03:55 (HH:mm): Azure's range for an in-guest patch window ({GUEST})"
FORMS = (
    "Day, <n>Days, Week [<weekdays>], <n>Weeks [<weekdays>], Month [day<n>,...], <n>Months [day<n>,...] or "
    "Month <First|Second|Third|Fourth|Last> <weekday> [Offset<-6..6>] (weekdays Monday-Sunday, comma-separated)"
)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"maintenance": window(duration="01:29")}, f"maintenance.duration: '01:29' {RANGE}"),
        ({"maintenance": window(duration="03:56")}, f"maintenance.duration: '03:56' {RANGE}"),
        ({"maintenance": window(duration="01:60")}, f"maintenance.duration: '01:60' {RANGE}"),
        (
            {"maintenance": window(startDateTime="2026-02-29 22:00")},
            "maintenance.startDateTime: '2026-02-29 22:00' is not a date and time of the calendar "
            "(yyyy-MM-dd HH:mm, hours 00-23)",
        ),
        (
            {"maintenance": window(startDateTime="2026-12-05 24:00")},
            "maintenance.startDateTime: '2026-12-05 24:00' is not a date and time of the calendar "
            "(yyyy-MM-dd HH:mm, hours 00-23)",
        ),
        (
            {"maintenance": window(startDateTime="2026-12-5 22:00")},
            "maintenance.startDateTime: '2026-12-5 22:00' must be a date and time, yyyy-MM-dd HH:mm",
        ),
        ({"maintenance": window(recurEvery="Weekly")}, f"maintenance.recurEvery: 'Weekly' must be {FORMS}"),
        ({"maintenance": window(recurEvery="Week Sat")}, f"maintenance.recurEvery: 'Week Sat' must be {FORMS}"),
        (
            {"maintenance": window(recurEvery="6Hours")},
            f"maintenance.recurEvery: '6Hours' is an hourly schedule; an in-guest patch window recurs by {FORMS}",
        ),
        (
            {"maintenance": window(recurEvery="0Days")},
            "maintenance.recurEvery: '0Days' has a frequency of 0; use 1 or more",
        ),
        (
            {"maintenance": window(recurEvery="Week Saturday,saturday")},
            "maintenance.recurEvery: 'Week Saturday,saturday' lists a weekday twice",
        ),
        (
            {"maintenance": window(recurEvery="Month day32")},
            "maintenance.recurEvery: 'Month day32' has a month day outside day1-day31",
        ),
        (
            {"maintenance": window(recurEvery="Month day0")},
            "maintenance.recurEvery: 'Month day0' has a month day outside day1-day31",
        ),
        (
            {"maintenance": window(recurEvery="Month Last Sunday Offset7")},
            "maintenance.recurEvery: 'Month Last Sunday Offset7' has Offset7; the offset is -6 to 6 days",
        ),
        (
            {"maintenance": window(recurEvery="Month First Monday Offset-7")},
            "maintenance.recurEvery: 'Month First Monday Offset-7' has Offset-7; the offset is -6 to 6 days",
        ),
        (
            {"maintenance": window(recurEvery="Month Fifth Monday")},
            f"maintenance.recurEvery: 'Month Fifth Monday' must be {FORMS}",
        ),
        (
            {"maintenance": window(timeZone="Europe/Berlin")},
            "maintenance.timeZone: 'Europe/Berlin' is not a Windows time zone ID "
            "(UTC, W. Europe Standard Time, Pacific Standard Time, ...)",
        ),
        (
            {"maintenance": window(timeZone="w. europe standard time")},
            "maintenance.timeZone: 'w. europe standard time' is not a Windows time zone ID; "
            "did you mean 'W. Europe Standard Time'?",
        ),
        (
            {"maintenance": window(classifications=["Critical", "Tools"])},
            "maintenance.classifications[1]: 'Tools' is not a Linux update classification; "
            "Linux has Critical, Security, Other",
        ),
        (
            {**WINDOWS, "maintenance": window(classifications=["Other"])},
            "maintenance.classifications[0]: 'Other' is not a Windows update classification; "
            "Windows has Critical, Security, UpdateRollup, FeaturePack, ServicePack, Definition, Tools, Updates",
        ),
        (
            {"maintenance": window(reboot="Sometimes")},
            "maintenance.reboot: 'Sometimes' must be one of IfRequired, NeverReboot, AlwaysReboot",
        ),
        (
            {"maintenance": window(), "placement": "scaleSet"},
            "maintenance: is set, but Azure Update Manager does not patch Virtual Machine Scale Sets "
            "(https://learn.microsoft.com/azure/update-manager/unsupported-workloads); remove it (the scale set's "
            "instances keep automatic guest patching), or use placement availabilitySet or zones",
        ),
    ],
)
def test_windows_azure_refuses_are_refused(overrides: dict[str, Any], problem: str) -> None:
    assert single_problem(**overrides) == problem


def test_every_problem_of_a_window_is_reported_at_once() -> None:
    from stack_config import args_from_config

    bad = window(duration="04:00", recurEvery="Hourly", timeZone="CET", classifications=["Tools"])
    with pytest.raises(ConfigError) as caught:
        args_from_config(dev_values(maintenance=bad))
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "maintenance.duration",
        "maintenance.recurEvery",
        "maintenance.timeZone",
        "maintenance.classifications[0]",
    ]
