"""Patch windows (`maintenance`): an Azure Update Manager maintenance configuration (scope
`InGuestPatch`) assigned to every VM, and the checks of the window that rules.py registers.

What Azure requires, and where it says so:

- Scheduled patching needs every VM at patch mode `AutomaticByPlatform` with
  `automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule: true` ("Customer Managed
  Schedules"); without the flag a VM with a schedule is not patched at all ("prerequisites for
  schedule patch aren't met"), and with the flag but no schedule it is not patched either:
  https://learn.microsoft.com/azure/update-manager/prerequsite-for-schedule-patching
  (profile.py sets the flag only with a window, so without one Azure keeps patching the VMs
  itself, off-peak and availability-first, as before).
- The guest scope's window: 1 hour 30 minutes to 3 hours 55 minutes, repeating at least every
  6 hours, starting at least 15 minutes after the schedule is created:
  https://learn.microsoft.com/azure/virtual-machines/maintenance-configurations#guest
- `recurEvery`, `startDateTime` (yyyy-MM-dd HH:mm) and `timeZone` (a Windows time zone ID, as
  `[System.TimeZoneInfo]::GetSystemTimeZones()` lists them): the maintenance REST spec
  (MaintenanceWindow), quoted in
  https://learn.microsoft.com/azure/update-manager/manage-vms-programmatically#create-a-maintenance-configuration-schedule
- Classifications: Linux `Critical, Security, Other`; Windows `Critical, Security,
  UpdateRollup, FeaturePack, ServicePack, Definition, Tools, Updates` (the same page, and the
  REST spec's InputLinuxParameters / InputWindowsParameters).
- Virtual Machine Scale Sets are not supported by Update Manager ("use Automatic upgrades"):
  https://learn.microsoft.com/azure/update-manager/unsupported-workloads , so a window with
  placement scaleSet is refused (rules.py) rather than assigned to the scale set.
- An availability set's VMs are patched within update-domain boundaries, one update domain at
  a time, never all at once:
  https://learn.microsoft.com/azure/update-manager/scheduled-patching#scheduled-patching-in-an-availability-set
"""

from __future__ import annotations

import re
from datetime import datetime

import pulumi
from pulumi_azure_native import compute, maintenance

from .naming import azure_name
from .settings import MaintenanceWindow, MultiVmLoadBalancedArgs

#: The guest scope's shortest and longest window, in minutes (maintenance-configurations#guest).
MIN_WINDOW_MINUTES = 90
MAX_WINDOW_MINUTES = 3 * 60 + 55

#: Update classifications Azure accepts per OS (REST spec InputLinuxParameters and
#: InputWindowsParameters `classificationsToInclude`; manage-vms-programmatically).
CLASSIFICATIONS: dict[str, tuple[str, ...]] = {
    "linux": ("Critical", "Security", "Other"),
    "windows": (
        "Critical",
        "Security",
        "UpdateRollup",
        "FeaturePack",
        "ServicePack",
        "Definition",
        "Tools",
        "Updates",
    ),
}

#: Windows time zone IDs: the `type` attributes of Unicode CLDR's
#: common/supplemental/windowsZones.xml (the table tzlocal 5.3.1 ships as
#: `tzlocal.windows_tz.win_tz`), which maps every zone Windows' TimeZoneInfo lists. Kept here
#: rather than as a dependency: the table is data, and changes when Windows adds a zone.
WINDOWS_TIME_ZONES = frozenset(
    {
        "AUS Central Standard Time",
        "AUS Eastern Standard Time",
        "Afghanistan Standard Time",
        "Alaskan Standard Time",
        "Aleutian Standard Time",
        "Altai Standard Time",
        "Arab Standard Time",
        "Arabian Standard Time",
        "Arabic Standard Time",
        "Argentina Standard Time",
        "Astrakhan Standard Time",
        "Atlantic Standard Time",
        "Aus Central W. Standard Time",
        "Azerbaijan Standard Time",
        "Azores Standard Time",
        "Bahia Standard Time",
        "Bangladesh Standard Time",
        "Belarus Standard Time",
        "Bougainville Standard Time",
        "Canada Central Standard Time",
        "Cape Verde Standard Time",
        "Caucasus Standard Time",
        "Cen. Australia Standard Time",
        "Central America Standard Time",
        "Central Asia Standard Time",
        "Central Brazilian Standard Time",
        "Central Europe Standard Time",
        "Central European Standard Time",
        "Central Pacific Standard Time",
        "Central Standard Time",
        "Central Standard Time (Mexico)",
        "Chatham Islands Standard Time",
        "China Standard Time",
        "Cuba Standard Time",
        "Dateline Standard Time",
        "E. Africa Standard Time",
        "E. Australia Standard Time",
        "E. Europe Standard Time",
        "E. South America Standard Time",
        "Easter Island Standard Time",
        "Eastern Standard Time",
        "Eastern Standard Time (Mexico)",
        "Egypt Standard Time",
        "Ekaterinburg Standard Time",
        "FLE Standard Time",
        "Fiji Standard Time",
        "GMT Standard Time",
        "GTB Standard Time",
        "Georgian Standard Time",
        "Greenland Standard Time",
        "Greenwich Standard Time",
        "Haiti Standard Time",
        "Hawaiian Standard Time",
        "India Standard Time",
        "Iran Standard Time",
        "Israel Standard Time",
        "Jordan Standard Time",
        "Kaliningrad Standard Time",
        "Korea Standard Time",
        "Libya Standard Time",
        "Line Islands Standard Time",
        "Lord Howe Standard Time",
        "Magadan Standard Time",
        "Magallanes Standard Time",
        "Marquesas Standard Time",
        "Mauritius Standard Time",
        "Middle East Standard Time",
        "Montevideo Standard Time",
        "Morocco Standard Time",
        "Mountain Standard Time",
        "Mountain Standard Time (Mexico)",
        "Myanmar Standard Time",
        "N. Central Asia Standard Time",
        "Namibia Standard Time",
        "Nepal Standard Time",
        "New Zealand Standard Time",
        "Newfoundland Standard Time",
        "Norfolk Standard Time",
        "North Asia East Standard Time",
        "North Asia Standard Time",
        "North Korea Standard Time",
        "Omsk Standard Time",
        "Pacific SA Standard Time",
        "Pacific Standard Time",
        "Pacific Standard Time (Mexico)",
        "Pakistan Standard Time",
        "Paraguay Standard Time",
        "Qyzylorda Standard Time",
        "Romance Standard Time",
        "Russia Time Zone 10",
        "Russia Time Zone 11",
        "Russia Time Zone 3",
        "Russian Standard Time",
        "SA Eastern Standard Time",
        "SA Pacific Standard Time",
        "SA Western Standard Time",
        "SE Asia Standard Time",
        "Saint Pierre Standard Time",
        "Sakhalin Standard Time",
        "Samoa Standard Time",
        "Sao Tome Standard Time",
        "Saratov Standard Time",
        "Singapore Standard Time",
        "South Africa Standard Time",
        "South Sudan Standard Time",
        "Sri Lanka Standard Time",
        "Sudan Standard Time",
        "Syria Standard Time",
        "Taipei Standard Time",
        "Tasmania Standard Time",
        "Tocantins Standard Time",
        "Tokyo Standard Time",
        "Tomsk Standard Time",
        "Tonga Standard Time",
        "Transbaikal Standard Time",
        "Turkey Standard Time",
        "Turks And Caicos Standard Time",
        "US Eastern Standard Time",
        "US Mountain Standard Time",
        "UTC",
        "UTC+12",
        "UTC+13",
        "UTC-02",
        "UTC-08",
        "UTC-09",
        "UTC-11",
        "Ulaanbaatar Standard Time",
        "Venezuela Standard Time",
        "Vladivostok Standard Time",
        "Volgograd Standard Time",
        "W. Australia Standard Time",
        "W. Central Africa Standard Time",
        "W. Europe Standard Time",
        "W. Mongolia Standard Time",
        "West Asia Standard Time",
        "West Bank Standard Time",
        "West Pacific Standard Time",
        "Yakutsk Standard Time",
        "Yukon Standard Time",
    }
)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = "|".join(_WEEKDAYS)
# The REST spec's grammar (MaintenanceWindow.recurEvery): `[n]Day(s)`, `[n]Week(s) [days]`,
# `[n]Month(s) [day<n>,...]` or `[n]Month(s) <First..Fourth|Last> <weekday> [Offset<-6..6>]`.
# Azure reads it without regard to case (its own CLI example is `20days`), and its examples
# separate weekdays and month days with "," or ", ".
_DAILY = re.compile(r"(?i)(\d+)?days?")
_WEEKLY = re.compile(rf"(?i)(\d+)?weeks?(?: ((?:{_WEEKDAY})(?:, ?(?:{_WEEKDAY}))*))?")
_MONTH_DAYS = re.compile(r"(?i)(\d+)?months?(?: (day\d+(?:, ?day\d+)*))?")
_MONTH_WEEKDAY = re.compile(rf"(?i)(\d+)?months? (first|second|third|fourth|last) ({_WEEKDAY})(?: offset([+-]?\d+))?")
_HOURLY = re.compile(r"(?i)(\d+)?hours?")

RECURRENCE_FORMS = (
    "Day, <n>Days, Week [<weekdays>], <n>Weeks [<weekdays>], Month [day<n>,...], <n>Months [day<n>,...] "
    "or Month <First|Second|Third|Fourth|Last> <weekday> [Offset<-6..6>] (weekdays Monday-Sunday, "
    "comma-separated)"
)


def _frequency_problem(count: str | None) -> str | None:
    return "has a frequency of 0; use 1 or more" if count is not None and int(count) == 0 else None


def recurrence_problem(recur: str) -> str | None:
    """Why Azure would refuse `recurEvery` for an in-guest patch window, or None."""
    if m := _DAILY.fullmatch(recur):
        return _frequency_problem(m[1])
    if m := _WEEKLY.fullmatch(recur):
        if why := _frequency_problem(m[1]):
            return why
        days = [d.strip().lower() for d in (m[2] or "").split(",") if d.strip()]
        if len(set(days)) != len(days):
            return "lists a weekday twice"
        return None
    if m := _MONTH_DAYS.fullmatch(recur):
        if why := _frequency_problem(m[1]):
            return why
        numbers = [int(d.strip()[3:]) for d in (m[2] or "").split(",") if d.strip()]
        if any(not 1 <= n <= 31 for n in numbers):
            return "has a month day outside day1-day31"
        if len(set(numbers)) != len(numbers):
            return "lists a month day twice"
        return None
    if m := _MONTH_WEEKDAY.fullmatch(recur):
        if why := _frequency_problem(m[1]):
            return why
        if m[4] is not None and not -6 <= int(m[4]) <= 6:
            return f"has Offset{m[4]}; the offset is -6 to 6 days"
        return None
    if _HOURLY.fullmatch(recur):
        # The REST spec documents daily, weekly and monthly schedules only, and the guest scope
        # repeats no more often than every 6 hours (maintenance-configurations#guest).
        return f"is an hourly schedule; an in-guest patch window recurs by {RECURRENCE_FORMS}"
    return f"must be {RECURRENCE_FORMS}"


def duration_minutes(duration: str) -> int | None:
    """`HH:mm` in minutes, or None if the minutes are not 00-59."""
    hours, minutes = (int(p) for p in duration.split(":"))
    return hours * 60 + minutes if minutes < 60 else None


def window_problems(w: MaintenanceWindow) -> list[str]:
    """Every way the window breaks Azure's rules for the guest scope (the field declarations
    already checked the shapes: `yyyy-MM-dd HH:mm`, `HH:mm`, the enums)."""
    problems: list[str] = []
    try:
        datetime.strptime(w.start_date_time, "%Y-%m-%d %H:%M")
    except ValueError:
        problems.append(
            f"maintenance.startDateTime: {w.start_date_time!r} is not a date and time of the calendar "
            "(yyyy-MM-dd HH:mm, hours 00-23)"
        )
    minutes = duration_minutes(w.duration)
    if minutes is None or not MIN_WINDOW_MINUTES <= minutes <= MAX_WINDOW_MINUTES:
        problems.append(
            f"maintenance.duration: {w.duration!r} must be 01:30 to 03:55 (HH:mm): Azure's range for an in-guest "
            "patch window (https://learn.microsoft.com/azure/virtual-machines/maintenance-configurations#guest)"
        )
    if why := recurrence_problem(w.recur_every):
        problems.append(f"maintenance.recurEvery: {w.recur_every!r} {why}")
    if w.time_zone not in WINDOWS_TIME_ZONES:
        spelled = next((z for z in sorted(WINDOWS_TIME_ZONES) if z.lower() == w.time_zone.lower()), None)
        hint = (
            f"; did you mean {spelled!r}?" if spelled else " (UTC, W. Europe Standard Time, Pacific Standard Time, ...)"
        )
        problems.append(f"maintenance.timeZone: {w.time_zone!r} is not a Windows time zone ID{hint}")
    return problems


def classification_problems(w: MaintenanceWindow, os_type: str) -> list[str]:
    allowed = CLASSIFICATIONS[os_type]
    os_name = "Windows" if os_type == "windows" else "Linux"
    return [
        f"maintenance.classifications[{i}]: {c!r} is not a {os_name} update classification; "
        f"{os_name} has {', '.join(allowed)}"
        for i, c in enumerate(w.classifications)
        if c not in allowed
    ]


def build_maintenance(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    vms: list[compute.VirtualMachine],
    scale_set: compute.VirtualMachineScaleSet | None,
    opts: pulumi.ResourceOptions,
) -> maintenance.MaintenanceConfiguration | None:
    """The window and one assignment per VM, or None without `maintenance`. A scale set gets
    none: Update Manager does not support scale sets (rules.py refuses the pair)."""
    w = args.maintenance
    if w is None or scale_set is not None:
        return None
    classifications = [str(c) for c in w.classifications]
    windows = args.os_type == "windows"
    config = maintenance.MaintenanceConfiguration(
        f"{name}-patch-window",
        resource_name_=azure_name(args.name_prefix, "maintenanceConfiguration"),
        resource_group_name=resource_group_name,
        maintenance_scope=maintenance.MaintenanceScope.IN_GUEST_PATCH,
        # "User": Update Manager installs the patches this configuration selects, in its window
        # (manage-vms-programmatically#create-a-maintenance-configuration-schedule).
        extension_properties={"InGuestPatchMode": "User"},
        visibility=maintenance.Visibility.CUSTOM,
        start_date_time=w.start_date_time,
        duration=w.duration,
        recur_every=w.recur_every,
        time_zone=w.time_zone,
        # One OS per tier: only its parameters (the API: "For Linux machines, do not pass this
        # property" of windowsParameters, and the reverse).
        install_patches=maintenance.InputPatchConfigurationArgs(
            reboot_setting=str(w.reboot),
            windows_parameters=(
                maintenance.InputWindowsParametersArgs(classifications_to_include=classifications) if windows else None
            ),
            linux_parameters=(
                None if windows else maintenance.InputLinuxParametersArgs(classifications_to_include=classifications)
            ),
        ),
        tags=args.tags,
        opts=opts,
    )
    for i, vm in enumerate(vms, start=1):
        # An extension resource of the VM, by its Azure name: a replaced VM (a new name) gets a
        # new assignment, created beside the old one like the VM itself.
        maintenance.ConfigurationAssignment(
            f"{name}-vm-{i}-patch-window",
            resource_group_name=resource_group_name,
            provider_name="Microsoft.Compute",
            resource_type="virtualMachines",
            resource_name_=vm.name,
            maintenance_configuration_id=config.id,
            location=vm.location,
            opts=opts,
        )
    return config
