"""The software on each VM that answers the health probe: nginx via cloud-init on Linux,
IIS via the CustomScriptExtension on Windows, or the user's own file, or nothing.

The built-in bootstrap files live under `components/bootstrap/` so they can be read,
linted and validated as files. They do not depend on the probe: both answer HTTP 200 at every
path, so changing the probe's path never replaces a VM and never fails one that is running.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

# PyYAML comes with the pulumi SDK (its install_requires); cloud-init itself parses with it.
import yaml

if TYPE_CHECKING:  # settings imports this module; the type is only for annotations
    from .settings import MultiVmLoadBalancedArgs

BOOTSTRAP_DIR = Path(__file__).resolve().parent / "bootstrap"
NGINX_CLOUD_INIT = BOOTSTRAP_DIR / "nginx-cloud-init.yaml"
IIS_SCRIPT = BOOTSTRAP_DIR / "iis.ps1"

WORKLOADS: tuple[str, ...] = ("nginx", "iis", "none", "custom")
BUILT_IN = {"nginx": "linux", "iis": "windows"}
DEFAULT_FOR_OS = {"linux": "nginx", "windows": "iis"}

#: Azure's limit on customData, decoded.
CUSTOM_DATA_MAX_BYTES = 65535
#: Windows' limit on a command line, which carries the encoded script.
COMMAND_LINE_MAX = 8191
POWERSHELL = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "

# What the health gate's scripts (gate.py) may receive as the probe path: it lands inside
# shell and PowerShell single quotes, so nothing that could end a quote or start an expansion.
SAFE_PROBE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")

# CustomScriptExtension for Windows: current handler, minor versions upgraded by Azure.
EXTENSION_PUBLISHER = "Microsoft.Compute"
EXTENSION_TYPE = "CustomScriptExtension"
EXTENSION_VERSION = "1.10"
#: Azure name of that extension on each VM or scale set.
EXTENSION_NAME = "install-web-server"


def effective(workload: str | None, os_type: str) -> str:
    """The workload in force: the OS default when none is chosen."""
    return workload if workload is not None else DEFAULT_FOR_OS.get(os_type, "none")


def bootstrap_text(os_type: str, workload: str, custom_file: str | None) -> str | None:
    """What runs at first boot: the cloud-init file of a Linux VM's customData, or the
    PowerShell script the CustomScriptExtension runs on Windows; None for none."""
    if workload in BUILT_IN and BUILT_IN[workload] == os_type:
        return (NGINX_CLOUD_INIT if workload == "nginx" else IIS_SCRIPT).read_text(encoding="utf-8")
    if workload == "custom" and custom_file:
        return Path(custom_file).read_text(encoding="utf-8")
    return None


def bootstrap_for(args: MultiVmLoadBalancedArgs) -> str | None:
    """What runs at first boot for these args: the OS default or the chosen workload."""
    return bootstrap_text(args.os_type, effective(args.workload, args.os_type), args.workload_file)


def encoded_command(script: str) -> str:
    """A command line that runs `script` as is: PowerShell's -EncodedCommand takes the
    script as base64 of UTF-16LE, so no quoting can break it."""
    return POWERSHELL + base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def extension_fields(script: str) -> dict[str, Any]:
    """The Windows web-server extension, the same on a VM and in a scale set's model: the
    CustomScriptExtension running `script`. No secret in the script, so plain settings
    (visible in the portal)."""
    return {
        "publisher": EXTENSION_PUBLISHER,
        "type": EXTENSION_TYPE,
        "type_handler_version": EXTENSION_VERSION,
        "auto_upgrade_minor_version": True,
        "settings": {"commandToExecute": encoded_command(script)},
    }


def custom_data(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def problems(
    workload: str | None,
    workload_file: str | None,
    os_type: str,
    probe_protocol: str,
    probe_port: int,
    probe_path: str | None,
) -> list[str]:
    """Every problem with the workload keys, reported under their config names."""
    found: list[str] = []
    if workload is not None and workload not in WORKLOADS:
        return [f"workload: {workload!r} must be one of {', '.join(WORKLOADS)}"]
    chosen = effective(workload, os_type)
    if chosen in BUILT_IN and BUILT_IN[chosen] != os_type:
        found.append(
            f"workload: {chosen!r} runs on {BUILT_IN[chosen]} only; on {os_type} use "
            f"{DEFAULT_FOR_OS[os_type]}, custom or none"
        )
    if chosen in BUILT_IN:
        if probe_protocol == "Https":
            found.append(
                f"probe.protocol: 'Https' needs a TLS server, and workload {chosen} serves plain HTTP; "
                "use an Http or Tcp probe, or workload custom/none"
            )
        elif probe_port != 80:
            found.append(
                f"probe.port: {probe_port} is not served by workload {chosen}, which listens on port 80; "
                "probe port 80, or use workload custom/none"
            )
    if chosen != "custom":
        if workload_file is not None:
            found.append(
                f"workloadFile: {workload_file!r} is used only with workload custom; remove it or set workload: custom"
            )
        return found
    if not workload_file:
        return [
            *found,
            "workloadFile: not set; workload custom needs the path of your cloud-init file (linux) "
            "or .ps1 script (windows)",
        ]
    path = Path(workload_file)
    if path.is_dir():
        return [*found, f"workloadFile: {workload_file!r} is a folder; give the path of a file in it"]
    if not path.is_file():
        return [*found, f"workloadFile: {workload_file!r} does not exist (paths are relative to the project directory)"]
    text, unreadable = read_text(path)
    if unreadable:
        return [*found, f"workloadFile: {workload_file!r} {unreadable}"]
    if os_type == "linux" and (broken := cloud_config_problem(text)):
        found.append(f"workloadFile: {workload_file!r} {broken}")
    first = text.lstrip().split("\n", 1)[0]
    if os_type == "linux":
        if not (first.startswith("#cloud-config") or first.startswith("#!")):
            found.append(
                f"workloadFile: {workload_file!r} is not a cloud-init file for linux: its first line must be "
                "'#cloud-config' or a '#!' script"
            )
        size = len(text.encode("utf-8"))
        if size > CUSTOM_DATA_MAX_BYTES:
            found.append(
                f"workloadFile: {workload_file!r} is {size} bytes; Azure's customData holds at most "
                f"{CUSTOM_DATA_MAX_BYTES}"
            )
    elif os_type == "windows":
        if path.suffix.lower() != ".ps1" or first.startswith("#cloud-config") or first.startswith("#!"):
            found.append(f"workloadFile: {workload_file!r} is not a PowerShell script (.ps1) for windows")
        length = len(encoded_command(text))
        if length > COMMAND_LINE_MAX:
            found.append(
                f"workloadFile: {workload_file!r} makes a {length}-character command line; Windows allows "
                f"{COMMAND_LINE_MAX} (keep the script under about {(COMMAND_LINE_MAX - len(POWERSHELL)) * 3 // 8} "
                "characters, or have it download the rest)"
            )
    return found


def read_text(path: Path) -> tuple[str, str | None]:
    """The file's text, or why it cannot be the bootstrap: cloud-init and PowerShell read
    UTF-8, and customData is sent as the file's UTF-8 bytes."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return "", f"cannot be read: {err.strerror}"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        return "", f"is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); save it as UTF-8"


def cloud_config_problem(text: str) -> str | None:
    """Why a `#cloud-config` file would be dropped by cloud-init, or None. cloud-init parses
    it with PyYAML's safe_load (cloudinit/util.py load_yaml) and requires a mapping, and it
    skips a file it cannot read without failing the VM, so the mistake is caught here."""
    if not text.lstrip().startswith("#cloud-config"):
        return None  # a `#!` script, or not cloud-init at all (reported elsewhere)
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}: " if mark else ""
        return f"is not valid cloud-config YAML: {where}{' '.join(p for p in (err.context, err.problem) if p)}"
    except yaml.YAMLError as err:
        return f"is not valid cloud-config YAML: {err}"
    if data is not None and not isinstance(data, dict):
        return "is not valid cloud-config: its YAML must be a mapping of modules (packages:, write_files:, ...)"
    return None


def probe_path_problem(path: str | None) -> str | None:
    if path is not None and not SAFE_PROBE_PATH.match(path):
        return (
            f"probe.path: {path!r} may contain only letters, digits and . _ ~ / - "
            "(it is written into the VMs' bootstrap scripts)"
        )
    return None
