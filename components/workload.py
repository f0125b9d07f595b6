"""The software on each VM that answers the health probe: nginx via cloud-init on Linux,
IIS via the CustomScriptExtension on Windows, or the user's own file, or nothing.

The built-in bootstrap files live under `components/bootstrap/` so they can be read,
linted and validated as files. They do not depend on the probe: both answer HTTP 200 at every
path, so changing the probe's path never replaces a VM and never fails one that is running.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

# PyYAML comes with the pulumi SDK (its install_requires); cloud-init itself parses with it.
import yaml

if TYPE_CHECKING:  # annotations only: at run time this renderer imports nothing of the declaration
    from .settings import MultiVmLoadBalancedArgs

BOOTSTRAP_DIR = Path(__file__).resolve().parent / "bootstrap"
NGINX_CLOUD_INIT = BOOTSTRAP_DIR / "nginx-cloud-init.yaml"
IIS_SCRIPT = BOOTSTRAP_DIR / "iis.ps1"

BUILT_IN = {"nginx": "linux", "iis": "windows"}
DEFAULT_FOR_OS = {"linux": "nginx", "windows": "iis"}

#: Azure's limit on customData, decoded.
CUSTOM_DATA_MAX_BYTES = 65535
#: Windows' limit on a command line, which carries the encoded script.
COMMAND_LINE_MAX = 8191
POWERSHELL = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "

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
