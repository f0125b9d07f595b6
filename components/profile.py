"""The machine, built once for single VMs and for the scale set: image, OS disk, admin user and
how it signs in, bootstrap, identity, Trusted Launch, encryption at host and boot diagnostics.

`machine()` derives one neutral description from the args; `vm_profile()` and
`scale_set_profile()` turn it into the azure-native args of a `VirtualMachine` and of a
`VirtualMachineScaleSet`. The API shares some types between the two (image reference, Linux
and Windows configuration, security and diagnostics profiles) and has a scale-set flavour of
the others (OS profile, storage profile, OS disk, managed disk, identity, extensions), which is
all the adapters differ by. Host and disk names come from naming.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_random as random
from pulumi_azure_native import compute

from . import workload
from .settings import DataDisk, MultiVmLoadBalancedArgs

#: The newest version of the image when a VM or instance is created.
IMAGE_VERSION = "latest"


@dataclass(frozen=True)
class Image:
    """A marketplace image by its names, or an Azure Compute Gallery image by its `id`."""

    publisher: str | None
    offer: str | None
    sku: str | None
    version: str = IMAGE_VERSION
    #: A gallery image version ID, or an image definition ID (its latest version).
    id: str | None = None


# Both are Gen2 images (required by Trusted Launch) on Azure's list of images that
# support automatic guest patching (patchMode AutomaticByPlatform).
IMAGES: dict[str, Image] = {
    "linux": Image("Canonical", "ubuntu-24_04-lts", "server"),
    "windows": Image("MicrosoftWindowsServer", "WindowsServer", "2025-datacenter-azure-edition"),
}
# Hotpatch-capable images (the list in
# https://learn.microsoft.com/azure/virtual-machines/automatic-vm-guest-patching#supported-os-images
# and https://learn.microsoft.com/windows-server/get-started/hotpatch). On them Azure refuses a
# scale set with AutomaticByPlatform patching unless hotpatching is on: "'EnableHotpatching'
# must be set to 'true' on Virtual Machine Scale Sets running Hotpatch-compatible images"
# (quoted in hashicorp/terraform-provider-azurerm#24335). Single VMs accept it too, with
# the same preconditions (provisionVMAgent true, patchMode AutomaticByPlatform: Compute REST
# spec, PatchSettings.enableHotpatching), and it means fewer reboots, so both placements
# set it. Whether a single VM *requires* it is not documented; it is set either way.
HOTPATCH_SKUS = frozenset(
    {
        "2022-datacenter-azure-edition-core",
        "2022-datacenter-azure-edition-core-smalldisk",
        "2022-datacenter-azure-edition-hotpatch",
        "2022-datacenter-azure-edition-hotpatch-smalldisk",
        "2025-datacenter-azure-edition",
        "2025-datacenter-azure-edition-smalldisk",
        "2025-datacenter-azure-edition-core",
        "2025-datacenter-azure-edition-core-smalldisk",
    }
)


@dataclass(frozen=True)
class OsDisk:
    #: The managed disk's SKU (osDiskType).
    storage_account_type: str
    caching: compute.CachingTypes = compute.CachingTypes.READ_WRITE
    # The disk is not a Pulumi resource: let Azure remove it with the VM or instance.
    delete_option: str = "Delete"
    create_option: str = "FromImage"


@dataclass(frozen=True)
class Machine:
    """What every VM or instance of a tier is, in neither resource's API shape."""

    os_type: str
    image: Image
    os_disk: OsDisk
    admin_username: str
    #: Windows only (a secret); None on Linux, which signs in with `ssh_public_key` only.
    admin_password: pulumi.Output[str] | None
    #: Linux only: the one authorized key; None on Windows.
    ssh_public_key: str | None
    #: What runs at first boot (`workload.bootstrap_for`), whole: the model digest reads it.
    bootstrap: str | None
    #: The bootstrap as Linux customData (base64), or None.
    custom_data: str | None
    #: The Windows web-server extension (`workload.extension_fields`), or None.
    extension: dict[str, Any] | None
    #: User-assigned identities: workloads reach Azure services without secrets (identity.py
    #: says why not a system-assigned one).
    identity_ids: tuple[pulumi.Input[str], ...]
    trusted_launch: bool
    encryption_at_host: bool
    #: Empty managed data disks, created and deleted with the machine.
    data_disks: tuple[DataDisk, ...] = ()
    #: Patched in a `maintenance` window (Azure Update Manager) rather than when Azure chooses.
    user_schedule: bool = False
    # Managed boot diagnostics: no storage account to create or secure.
    boot_diagnostics: bool = True


def admin_password(name: str, args: MultiVmLoadBalancedArgs, opts: pulumi.ResourceOptions) -> pulumi.Output[str] | None:
    """The Windows admin password: the configured one, or one generated once for the tier."""
    if args.os_type != "windows":
        return None
    if args.admin_password is not None:
        return pulumi.Output.secret(args.admin_password)
    generated = random.RandomPassword(
        f"{name}-admin-password",
        length=24,
        special=True,
        # Azure wants 3 of 4 character classes; ask for all four.
        min_lower=2,
        min_upper=2,
        min_numeric=2,
        min_special=2,
        override_special="!#%*()-_=+[]{}:?",
        opts=opts,
    )
    # RandomPassword already marks `result` secret; wrapping says so where it is used too.
    return pulumi.Output.secret(generated.result)


def image_of(args: MultiVmLoadBalancedArgs) -> Image:
    """The configured image (rules.py checked it is one kind), or the OS's default."""
    given = args.image
    if given is None:
        return IMAGES[args.os_type]
    if given.id is not None:
        return Image(None, None, None, id=given.id)
    return Image(given.publisher, given.offer, given.sku, given.version)


def machine(
    args: MultiVmLoadBalancedArgs, identity_id: pulumi.Input[str], password: pulumi.Output[str] | None
) -> Machine:
    """The machine these args describe; `password` is `admin_password`'s."""
    windows = args.os_type == "windows"
    boot = workload.bootstrap_for(args)
    return Machine(
        os_type=args.os_type,
        image=image_of(args),
        os_disk=OsDisk(storage_account_type=args.os_disk_type),
        admin_username=args.admin_username,
        admin_password=password,
        ssh_public_key=None if windows else (args.ssh_public_key or "").strip(),
        bootstrap=boot,
        # cloud-init reads customData at first boot; Azure cannot change it afterwards.
        custom_data=workload.custom_data(boot) if boot and not windows else None,
        extension=workload.extension_fields(boot) if boot is not None and windows else None,
        identity_ids=(identity_id,),
        trusted_launch=args.trusted_launch,
        encryption_at_host=args.encryption_at_host,
        data_disks=tuple(args.data_disks),
        user_schedule=args.maintenance is not None,
    )


# ------------------------------------------------------------------ shared API types


def image_reference(m: Machine) -> compute.ImageReferenceArgs:
    if m.image.id is not None:
        # `id` is a gallery image in the caller's subscription (the Compute REST spec,
        # ImageReference: sharedGalleryImageId and communityGalleryImageId are for galleries
        # shared to it from elsewhere).
        return compute.ImageReferenceArgs(id=m.image.id)
    return compute.ImageReferenceArgs(
        publisher=m.image.publisher, offer=m.image.offer, sku=m.image.sku, version=m.image.version
    )


def hotpatch_capable(image: Image) -> bool:
    """One of Microsoft's hotpatch images (HOTPATCH_SKUS); a gallery image or another
    publisher's SKU is not known to be, and `enableHotpatching` on an image without hotpatch
    support fails the deployment."""
    return image.publisher == "MicrosoftWindowsServer" and image.sku in HOTPATCH_SKUS


# A `maintenance` window needs the VMs at AutomaticByPlatform with
# bypassPlatformSafetyChecksOnUserSchedule true ("Customer Managed Schedules"): without the flag
# Azure runs no schedule on them. Without a window the flag stays unset, so Azure keeps patching
# them itself (automatic VM guest patching), exactly as before:
# https://learn.microsoft.com/azure/update-manager/prerequsite-for-schedule-patching
# The VM's own rebootSetting is not set: it is for the platform's patch runs, which the flag
# turns off; the window carries its own (maintenance.py). A patch-settings change updates the VM
# in place: it is not part of the model digest (compute.py `vm_model`).


def windows_configuration(m: Machine) -> compute.WindowsConfigurationArgs:
    return compute.WindowsConfigurationArgs(
        provision_vm_agent=True,
        # AutomaticByPlatform on Windows also needs automatic updates on.
        enable_automatic_updates=True,
        patch_settings=compute.PatchSettingsArgs(
            patch_mode="AutomaticByPlatform",
            assessment_mode="AutomaticByPlatform",
            enable_hotpatching=True if hotpatch_capable(m.image) else None,
            automatic_by_platform_settings=(
                compute.WindowsVMGuestPatchAutomaticByPlatformSettingsArgs(
                    bypass_platform_safety_checks_on_user_schedule=True
                )
                if m.user_schedule
                else None
            ),
        ),
    )


def linux_configuration(m: Machine) -> compute.LinuxConfigurationArgs:
    return compute.LinuxConfigurationArgs(
        disable_password_authentication=True,
        ssh=compute.SshConfigurationArgs(
            public_keys=[
                compute.SshPublicKeyArgs(
                    path=f"/home/{m.admin_username}/.ssh/authorized_keys", key_data=m.ssh_public_key or ""
                )
            ]
        ),
        provision_vm_agent=True,
        patch_settings=compute.LinuxPatchSettingsArgs(
            patch_mode="AutomaticByPlatform",
            assessment_mode="AutomaticByPlatform",
            automatic_by_platform_settings=(
                compute.LinuxVMGuestPatchAutomaticByPlatformSettingsArgs(
                    bypass_platform_safety_checks_on_user_schedule=True
                )
                if m.user_schedule
                else None
            ),
        ),
    )


def security_profile(m: Machine) -> compute.SecurityProfileArgs | None:
    if not m.trusted_launch and not m.encryption_at_host:
        return None
    return compute.SecurityProfileArgs(
        security_type="TrustedLaunch" if m.trusted_launch else None,
        uefi_settings=(
            compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True) if m.trusted_launch else None
        ),
        # Opt-in: Azure fails the deployment unless the subscription registered the
        # Microsoft.Compute/EncryptionAtHost feature.
        encryption_at_host=True if m.encryption_at_host else None,
    )


def diagnostics_profile(m: Machine) -> compute.DiagnosticsProfileArgs:
    return compute.DiagnosticsProfileArgs(boot_diagnostics=compute.BootDiagnosticsArgs(enabled=m.boot_diagnostics))


def data_disk_fields(d: DataDisk) -> dict[str, Any]:
    """A data disk as both resource types take it, but for its managed-disk type (each has its own)."""
    return {
        "lun": d.lun,
        "create_option": compute.DiskCreateOptionTypes.EMPTY,
        "disk_size_gb": d.size_gb,
        "caching": compute.CachingTypes(d.caching.value),
        # Not Pulumi resources: Azure creates them with the machine and removes them with it.
        "delete_option": compute.DiskDeleteOptionTypes.DELETE,
    }


# ------------------------------------------------------------------ adapter: VirtualMachine


@dataclass(frozen=True)
class VmProfile:
    """A `compute.VirtualMachine`'s machine inputs; its web-server extension is a resource of
    its own, built from `Machine.extension`."""

    os_profile: compute.OSProfileArgs
    storage_profile: compute.StorageProfileArgs
    security_profile: compute.SecurityProfileArgs | None
    identity: compute.VirtualMachineIdentityArgs
    diagnostics_profile: compute.DiagnosticsProfileArgs


def vm_profile(
    m: Machine,
    computer_name: str,
    os_disk_name: pulumi.Input[str] | None = None,
    data_disk_names: Mapping[int, pulumi.Input[str]] | None = None,
) -> VmProfile:
    """Disk names (by LUN for data disks) come from the name prefix, else Azure names them."""
    windows = m.os_type == "windows"
    return VmProfile(
        os_profile=compute.OSProfileArgs(
            computer_name=computer_name,
            admin_username=m.admin_username,
            admin_password=m.admin_password,
            custom_data=m.custom_data,
            windows_configuration=windows_configuration(m) if windows else None,
            linux_configuration=None if windows else linux_configuration(m),
        ),
        storage_profile=compute.StorageProfileArgs(
            image_reference=image_reference(m),
            os_disk=compute.OSDiskArgs(
                name=os_disk_name,
                create_option=m.os_disk.create_option,
                caching=m.os_disk.caching,
                managed_disk=compute.ManagedDiskParametersArgs(storage_account_type=m.os_disk.storage_account_type),
                delete_option=m.os_disk.delete_option,
            ),
            data_disks=[
                compute.DataDiskArgs(
                    **data_disk_fields(d),
                    name=(data_disk_names or {}).get(d.lun),
                    managed_disk=compute.ManagedDiskParametersArgs(storage_account_type=d.type.value),
                )
                for d in m.data_disks
            ]
            or None,
        ),
        security_profile=security_profile(m),
        identity=compute.VirtualMachineIdentityArgs(
            type=compute.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=list(m.identity_ids)
        ),
        diagnostics_profile=diagnostics_profile(m),
    )


# ------------------------------------------------------------------ adapter: VirtualMachineScaleSet


@dataclass(frozen=True)
class ScaleSetProfile:
    """A `compute.VirtualMachineScaleSet`'s machine inputs: `identity` is the scale set's,
    the rest goes into its `virtualMachineProfile`."""

    os_profile: compute.VirtualMachineScaleSetOSProfileArgs
    storage_profile: compute.VirtualMachineScaleSetStorageProfileArgs
    security_profile: compute.SecurityProfileArgs | None
    diagnostics_profile: compute.DiagnosticsProfileArgs
    #: The web-server extension, or nothing (the health extension is the scale set's own).
    extensions: list[compute.VirtualMachineScaleSetExtensionArgs]
    identity: compute.VirtualMachineScaleSetIdentityArgs


def scale_set_profile(m: Machine, computer_name_prefix: str) -> ScaleSetProfile:
    windows = m.os_type == "windows"
    return ScaleSetProfile(
        os_profile=compute.VirtualMachineScaleSetOSProfileArgs(
            computer_name_prefix=computer_name_prefix,
            admin_username=m.admin_username,
            admin_password=m.admin_password,
            custom_data=m.custom_data,
            windows_configuration=windows_configuration(m) if windows else None,
            linux_configuration=None if windows else linux_configuration(m),
        ),
        storage_profile=compute.VirtualMachineScaleSetStorageProfileArgs(
            image_reference=image_reference(m),
            os_disk=compute.VirtualMachineScaleSetOSDiskArgs(
                create_option=m.os_disk.create_option,
                caching=m.os_disk.caching,
                managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                    storage_account_type=m.os_disk.storage_account_type
                ),
                delete_option=m.os_disk.delete_option,
            ),
            data_disks=[
                compute.VirtualMachineScaleSetDataDiskArgs(
                    **data_disk_fields(d),
                    managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                        storage_account_type=d.type.value
                    ),
                )
                for d in m.data_disks
            ]
            or None,
        ),
        security_profile=security_profile(m),
        diagnostics_profile=diagnostics_profile(m),
        extensions=(
            [compute.VirtualMachineScaleSetExtensionArgs(name=workload.EXTENSION_NAME, **m.extension)]
            if m.extension is not None
            else []
        ),
        identity=compute.VirtualMachineScaleSetIdentityArgs(
            type=compute.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=list(m.identity_ids)
        ),
    )
