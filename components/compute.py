"""The VMs: an availability set, and per VM a private NIC, a hardened VM and its health gate."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
import pulumi_random as random
from pulumi_azure_native import compute, network

from . import gate, workload
from .settings import MultiVmLoadBalancedArgs


@dataclass(frozen=True)
class Image:
    publisher: str
    offer: str
    sku: str


# Both are Gen2 images (required by Trusted Launch) on Azure's list of images that
# support automatic guest patching (patchMode AutomaticByPlatform).
IMAGES: dict[str, Image] = {
    "linux": Image("Canonical", "ubuntu-24_04-lts", "server"),
    "windows": Image("MicrosoftWindowsServer", "WindowsServer", "2025-datacenter-azure-edition"),
}


def computer_name(name: str, index: int, os_type: str) -> str:
    """Host name of VM `index`. Windows allows 15 characters, so the prefix is cut to 11
    (`<11>-<3 digits>`); the result never depends on vmCount, only on the index."""
    if os_type == "windows":
        return f"{name[:11]}-{index}"
    return f"{name}-vm-{index}"


@dataclass
class Compute:
    #: None with zones: a VM cannot be in an availability set and a zone at once.
    availability_set: compute.AvailabilitySet | None
    nics: list[network.NetworkInterface]
    vms: list[compute.VirtualMachine]
    #: The Windows web-server bootstrap, one per VM (empty on Linux or with workload none).
    extensions: list[compute.VirtualMachineExtension]
    #: The health gate of each VM (empty with workload none): see gate.py.
    gates: list[compute.VirtualMachineRunCommandByVirtualMachine]
    #: The Windows admin password (secret); None on Linux.
    admin_password: pulumi.Output[str] | None


def admin_password(name: str, args: MultiVmLoadBalancedArgs, opts: pulumi.ResourceOptions) -> pulumi.Output[str] | None:
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


def windows_configuration() -> compute.WindowsConfigurationArgs:
    return compute.WindowsConfigurationArgs(
        provision_vm_agent=True,
        # AutomaticByPlatform on Windows also needs automatic updates on.
        enable_automatic_updates=True,
        patch_settings=compute.PatchSettingsArgs(
            patch_mode="AutomaticByPlatform",
            assessment_mode="AutomaticByPlatform",
            enable_hotpatching=True if IMAGES["windows"].sku in HOTPATCH_SKUS else None,
        ),
    )


def linux_configuration(args: MultiVmLoadBalancedArgs) -> compute.LinuxConfigurationArgs:
    return compute.LinuxConfigurationArgs(
        disable_password_authentication=True,
        ssh=compute.SshConfigurationArgs(
            public_keys=[
                compute.SshPublicKeyArgs(
                    path=f"/home/{args.admin_username}/.ssh/authorized_keys",
                    key_data=(args.ssh_public_key or "").strip(),
                )
            ]
        ),
        provision_vm_agent=True,
        patch_settings=compute.LinuxPatchSettingsArgs(
            patch_mode="AutomaticByPlatform", assessment_mode="AutomaticByPlatform"
        ),
    )


def _os_profile(
    name: str,
    index: int,
    args: MultiVmLoadBalancedArgs,
    password: pulumi.Output[str] | None,
    user_data: str | None,
) -> compute.OSProfileArgs:
    if args.os_type == "windows":
        return compute.OSProfileArgs(
            computer_name=computer_name(name, index, "windows"),
            admin_username=args.admin_username,
            admin_password=password,
            windows_configuration=windows_configuration(),
        )
    return compute.OSProfileArgs(
        computer_name=computer_name(name, index, "linux"),
        admin_username=args.admin_username,
        # cloud-init reads customData at first boot; Azure cannot change it afterwards.
        custom_data=workload.custom_data(user_data) if user_data else None,
        linux_configuration=linux_configuration(args),
    )


def security_profile(args: MultiVmLoadBalancedArgs) -> compute.SecurityProfileArgs | None:
    if not args.trusted_launch and not args.encryption_at_host:
        return None
    return compute.SecurityProfileArgs(
        security_type="TrustedLaunch" if args.trusted_launch else None,
        uefi_settings=(
            compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True) if args.trusted_launch else None
        ),
        # Opt-in: Azure fails the deployment unless the subscription registered the
        # Microsoft.Compute/EncryptionAtHost feature.
        encryption_at_host=True if args.encryption_at_host else None,
    )


def vm_model(name: str, index: int, args: MultiVmLoadBalancedArgs, boot: str | None) -> dict[str, object]:
    """Everything that makes VM `index` what it is, except its tags and its password (see
    `replacement_trigger`): a change to any of it replaces the VM (and its NIC) create-first.
    `boot` is the bootstrap (`workload.bootstrap_for`), read once for every VM."""
    image = IMAGES[args.os_type]
    zones = args.vm_zones
    return {
        "osType": args.os_type,
        "image": [image.publisher, image.offer, image.sku, "latest"],
        "vmSize": args.vm_size,
        "osDiskType": args.os_disk_type,
        "trustedLaunch": args.trusted_launch,
        "encryptionAtHost": args.encryption_at_host,
        "computerName": computer_name(name, index, args.os_type),
        "adminUsername": args.admin_username,
        "sshPublicKey": (args.ssh_public_key or "").strip() if args.os_type == "linux" else None,
        # The Linux customData or the Windows extension's script, whole.
        "bootstrap": hashlib.sha256(boot.encode()).hexdigest() if boot else None,
        "zone": zones[(index - 1) % len(zones)] if zones else None,
        # Joining another availability set needs a new VM (joins only at creation).
        "availabilitySet": None if zones else [args.fault_domain_count, args.update_domain_count],
    }


def replacement_trigger(
    name: str, index: int, args: MultiVmLoadBalancedArgs, boot: str | None, password: pulumi.Output[str] | None
) -> pulumi.Input[str]:
    """The VM's `replacement_trigger`: a digest of `vm_model`, and of the admin password on
    Windows (Azure does not change a password through the VM model, so a new one needs a new
    VM). With the password it is a secret Output: Pulumi compares secrets by value
    (pulumi/pulumi#21142) and stores this one encrypted, and it holds a digest, never the
    password."""
    digest = hashlib.sha256(json.dumps(vm_model(name, index, args, boot), sort_keys=True).encode()).hexdigest()[:16]
    if password is None:
        return f"model:{digest}"
    return pulumi.Output.secret(password).apply(
        lambda p: f"model:{digest};password:{hashlib.sha256(('lbvms-admin-password:' + p).encode()).hexdigest()[:16]}"
    )


def build_compute(
    name: str,
    args: MultiVmLoadBalancedArgs,
    resource_group_name: pulumi.Input[str],
    subnet_id: pulumi.Input[str],
    backend_pool_ids: list[pulumi.Output[str]],
    nic_nsg_id: pulumi.Input[str] | None,
    identity_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> Compute:
    """The VMs, immutable: only tags change a VM in place. Any other change to what a VM is
    (image, size, OS disk type, security profile, encryption at host, bootstrap, admin user or
    password, zone, availability set) replaces it *create-first* through its
    `replacement_trigger`, together with its NIC, so:

    - the new VM has a new NIC of its own (a NIC serves one VM, and Azure may hold a deleted
      VM's NIC for it for 180 s: NicReservedForAnotherVm), joins the pool (and, through the
      pool, the admin NAT rule V2) and passes its health gate (gate.py) while the old VM
      still serves;
    - Pulumi deletes the old VM and NIC only after every create and update of the run has
      finished (pulumi/pulumi deployment_executor.go `performDeletes`), so plain `pulumi up`
      rolls every VM health-first, with no recipe. A replacement caused by the program
      (replacement_trigger) creates first; so does one azure-native forces on an auto-named
      resource (provider/pkg/provider/provider.go `Diff`: delete-before-replace only without
      the `__createBeforeDelete` flag of a random auto-name), which VMs and NICs are.

    Why a trigger and not `replace_on_changes` on each property: the bootstrap (customData,
    the Windows script) and the password are not all VM inputs Pulumi can compare, and one
    digest of the whole model says in the change plan that the VM's model changed. The NIC
    carries the same trigger, so the pair is replaced together.
    """
    zones = args.vm_zones
    # A VM cannot be in an availability set and a zone at once: zones replace the set.
    avset = (
        None
        if zones
        else compute.AvailabilitySet(
            f"{name}-avset",
            resource_group_name=resource_group_name,
            # Managed disks need the Aligned SKU (the API default, Classic, is for VHDs).
            sku=compute.SkuArgs(name="Aligned"),
            platform_fault_domain_count=args.fault_domain_count,
            platform_update_domain_count=args.update_domain_count,
            tags=args.tags,
            # Create-only (availability-set-overview): a new set, which the VMs (whose
            # model holds these counts) move to create-first; the old set goes after them.
            opts=pulumi.ResourceOptions.merge(
                opts,
                pulumi.ResourceOptions(
                    replace_on_changes=["platformFaultDomainCount", "platformUpdateDomainCount", "sku"]
                ),
            ),
        )
    )
    password = admin_password(name, args, opts)
    image = IMAGES[args.os_type]
    boot = workload.bootstrap_for(args)
    user_data = boot if args.os_type == "linux" else None
    script = boot if args.os_type == "windows" else None
    gated = gate.needed(args)

    nics: list[network.NetworkInterface] = []
    vms: list[compute.VirtualMachine] = []
    extensions: list[compute.VirtualMachineExtension] = []
    gates: list[compute.VirtualMachineRunCommandByVirtualMachine] = []
    for i in range(1, args.vm_count + 1):
        trigger = replacement_trigger(name, i, args, boot, password)
        nic = network.NetworkInterface(
            f"{name}-nic-{i}",
            resource_group_name=resource_group_name,
            ip_configurations=[
                network.NetworkInterfaceIPConfigurationArgs(
                    name="ipconfig1",
                    primary=True,
                    subnet=network.SubnetArgs(id=subnet_id),
                    private_ip_allocation_method="Dynamic",
                    # No public IP: inbound comes through the LB only; admin access too,
                    # through the pool's NAT rule V2 (no per-NIC NAT rule).
                    # The LB's pool, and the egress LB's for a zone-spread internal tier.
                    load_balancer_backend_address_pools=[
                        network.BackendAddressPoolArgs(id=p) for p in backend_pool_ids
                    ],
                )
            ],
            # On a subnet we do not own, the NSG guards each NIC instead of the subnet.
            network_security_group=network.NetworkSecurityGroupArgs(id=nic_nsg_id) if nic_nsg_id else None,
            tags=args.tags,
            # Replaced with its VM (same trigger): the new VM never shares the old one's NIC.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(replacement_trigger=trigger)),
        )
        vm = compute.VirtualMachine(
            f"{name}-vm-{i}",
            resource_group_name=resource_group_name,
            availability_set=compute.SubResourceArgs(id=avset.id) if avset else None,
            # VM i always lands in the same zone, whatever vmCount becomes.
            zones=[zones[(i - 1) % len(zones)]] if zones else None,
            hardware_profile=compute.HardwareProfileArgs(vm_size=args.vm_size),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True)]
            ),
            os_profile=_os_profile(name, i, args, password, user_data),
            storage_profile=compute.StorageProfileArgs(
                image_reference=compute.ImageReferenceArgs(
                    publisher=image.publisher,
                    offer=image.offer,
                    sku=image.sku,
                    version="latest",
                ),
                os_disk=compute.OSDiskArgs(
                    create_option="FromImage",
                    caching=compute.CachingTypes.READ_WRITE,
                    managed_disk=compute.ManagedDiskParametersArgs(storage_account_type=args.os_disk_type),
                    # The disk is not a Pulumi resource: let Azure remove it with the VM.
                    delete_option="Delete",
                ),
            ),
            security_profile=security_profile(args),
            # Workloads reach Azure services without secrets; see identity.py for why it is
            # the tier's user-assigned identity and not a system-assigned one.
            identity=compute.VirtualMachineIdentityArgs(
                type=compute.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[identity_id]
            ),
            # Managed boot diagnostics: no storage account to create or secure.
            diagnostics_profile=compute.DiagnosticsProfileArgs(
                boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)
            ),
            tags=args.tags,
            # Immutable: see this function's docstring.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(replacement_trigger=trigger)),
        )
        nics.append(nic)
        vms.append(vm)
        after: list[pulumi.Resource] = []
        if script is not None:
            extension = compute.VirtualMachineExtension(
                f"{name}-vm-{i}-web",
                resource_group_name=resource_group_name,
                # The VM's Azure name (a path parameter): a new VM gets a new extension.
                vm_name=vm.name,
                vm_extension_name=workload.EXTENSION_NAME,
                **workload.extension_fields(script),
                tags=args.tags,
                opts=opts,
            )
            extensions.append(extension)
            after.append(extension)
        if gated:
            gates.append(gate.build_gate(name, i, args, resource_group_name, vm, after, opts))
    return Compute(
        availability_set=avset, nics=nics, vms=vms, extensions=extensions, gates=gates, admin_password=password
    )
