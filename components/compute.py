"""The VMs: an availability set, and per VM a private NIC, a hardened VM and its health gate."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import compute, network

from . import gate, workload
from .naming import availability_set_suffix, azure_name, computer_name, machine_part

# HOTPATCH_SKUS, IMAGES and Image are re-exported: the image table is the machine's
# (profile.py), and tests swap an image through `compute.IMAGES`, the same dict.
from .profile import HOTPATCH_SKUS as HOTPATCH_SKUS
from .profile import IMAGES as IMAGES
from .profile import Image as Image
from .profile import Machine, admin_password, machine, vm_profile
from .settings import MultiVmLoadBalancedArgs


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


def vm_model(name: str, index: int, args: MultiVmLoadBalancedArgs, m: Machine) -> dict[str, object]:
    """Everything that makes VM `index` what it is, except its tags and its password (see
    `replacement_trigger`): a change to any of it replaces the VM (and its NIC) create-first.
    `m` is the tier's machine (profile.py), with its bootstrap read once for every VM."""
    zones = args.vm_zones
    model: dict[str, object] = {
        "osType": m.os_type,
        # The default images' entry as it always was (a given marketplace image reads the same
        # way); a gallery image by its ID.
        "image": [m.image.id] if m.image.id else [m.image.publisher, m.image.offer, m.image.sku, m.image.version],
        "vmSize": args.vm_size,
        "osDiskType": m.os_disk.storage_account_type,
        "trustedLaunch": m.trusted_launch,
        "encryptionAtHost": m.encryption_at_host,
        "computerName": computer_name(name, args.name_prefix, index, m.os_type),
        "adminUsername": m.admin_username,
        "sshPublicKey": m.ssh_public_key,
        # The Linux customData or the Windows extension's script, whole.
        "bootstrap": hashlib.sha256(m.bootstrap.encode()).hexdigest() if m.bootstrap else None,
        "zone": zones[(index - 1) % len(zones)] if zones else None,
        # Joining another availability set needs a new VM (joins only at creation).
        "availabilitySet": None if zones else [args.fault_domain_count, args.update_domain_count],
    }
    if m.data_disks:  # only then, so that every existing VM keeps its digest (and is not replaced)
        model["dataDisks"] = [[d.lun, d.size_gb, d.type.value, d.caching.value] for d in m.data_disks]
    return model


def replacement_trigger(name: str, index: int, args: MultiVmLoadBalancedArgs, m: Machine) -> pulumi.Input[str]:
    """The VM's `replacement_trigger`: a digest of `vm_model`, and of the admin password on
    Windows (Azure does not change a password through the VM model, so a new one needs a new
    VM). With the password it is a secret Output: Pulumi compares secrets by value
    (pulumi/pulumi#21142) and stores this one encrypted, and it holds a digest, never the
    password."""
    digest = hashlib.sha256(json.dumps(vm_model(name, index, args, m), sort_keys=True).encode()).hexdigest()[:16]
    if m.admin_password is None:
        return f"model:{digest}"
    return pulumi.Output.secret(m.admin_password).apply(
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
            # With a prefix, the name holds the domain counts whose change replaces the set.
            availability_set_name=azure_name(args.name_prefix, "availabilitySet", *availability_set_suffix(args)),
            resource_group_name=resource_group_name,
            # Managed disks need the Aligned SKU (the API default, Classic, is for VHDs).
            sku=compute.SkuArgs(name="Aligned"),
            platform_fault_domain_count=args.fault_domain_count,
            platform_update_domain_count=args.update_domain_count,
            tags=args.tags,
            # Create-only (availability-set-overview): a new set, which the VMs (whose
            # model holds these counts) move to create-first; the old set goes after them.
            # Create-first with a prefix too: the name holds the counts (naming.py).
            opts=pulumi.ResourceOptions.merge(
                opts,
                pulumi.ResourceOptions(
                    replace_on_changes=["platformFaultDomainCount", "platformUpdateDomainCount", "sku"],
                    delete_before_replace=False,
                ),
            ),
        )
    )
    password = admin_password(name, args, opts)
    m = machine(args, identity_id, password)
    gated = gate.needed(args)

    nics: list[network.NetworkInterface] = []
    vms: list[compute.VirtualMachine] = []
    extensions: list[compute.VirtualMachineExtension] = []
    gates: list[compute.VirtualMachineRunCommandByVirtualMachine] = []
    for i in range(1, args.vm_count + 1):
        trigger = replacement_trigger(name, i, args, m)
        p = args.name_prefix
        profile = vm_profile(
            m,
            computer_name(name, p, i, m.os_type),
            os_disk_name=machine_part(p, "osDisk", i, trigger),
            data_disk_names={
                d.lun: disk
                for d in m.data_disks
                if (disk := machine_part(p, "dataDisk", i, trigger, d.lun)) is not None
            },
        )
        # A replacement creates the new VM and NIC beside the old ones: explicit names carry
        # the generation tag (naming.py), and `delete_before_replace=False` keeps them
        # create-first even though azure-native would delete an explicitly named resource first
        # (the user's choice overrides the provider's: pulumi/pulumi
        # pkg/resource/deploy/step_generator.go `generateStepsFromDiff`).
        roll = pulumi.ResourceOptions(replacement_trigger=trigger, delete_before_replace=False)
        nic = network.NetworkInterface(
            f"{name}-nic-{i}",
            network_interface_name=machine_part(p, "networkInterface", i, trigger),
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
            opts=pulumi.ResourceOptions.merge(opts, roll),
        )
        vm = compute.VirtualMachine(
            f"{name}-vm-{i}",
            vm_name=machine_part(p, "virtualMachine", i, trigger),
            resource_group_name=resource_group_name,
            availability_set=compute.SubResourceArgs(id=avset.id) if avset else None,
            # VM i always lands in the same zone, whatever vmCount becomes.
            zones=[zones[(i - 1) % len(zones)]] if zones else None,
            hardware_profile=compute.HardwareProfileArgs(vm_size=args.vm_size),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True)]
            ),
            os_profile=profile.os_profile,
            storage_profile=profile.storage_profile,
            security_profile=profile.security_profile,
            identity=profile.identity,
            diagnostics_profile=profile.diagnostics_profile,
            tags=args.tags,
            # Immutable: see this function's docstring.
            opts=pulumi.ResourceOptions.merge(opts, roll),
        )
        nics.append(nic)
        vms.append(vm)
        after: list[pulumi.Resource] = []
        if m.extension is not None:
            extension = compute.VirtualMachineExtension(
                f"{name}-vm-{i}-web",
                resource_group_name=resource_group_name,
                # The VM's Azure name (a path parameter): a new VM gets a new extension.
                vm_name=vm.name,
                vm_extension_name=workload.EXTENSION_NAME,
                **m.extension,
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
