"""The change planner (`make plan --diff`) at its edges: the cases the golden changes of
tests/test_changes.py do not reach (issue 23 §3, survivors of `make mutate`).

GIVEN two plans (the dev stack's, edited; or a few resources written here, as any program's
plan would hold them), WHEN they are compared, THEN the steps, the VMs in rotation, the
problems and the printed text are exactly Pulumi's and Azure's behaviour as the planner
models it (offline/changes.py, whose docstring cites the sources).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from test_changes import SALT, by_name, change_of, edited, per_vm_nat_plan, plan_of, steps

from offline import changes

RG_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
NETWORK = RG_ID + "/providers/Microsoft.Network"
COMPUTE = RG_ID + "/providers/Microsoft.Compute"
NIC = "azure-native:network:NetworkInterface"
VMSS_VM = "azure-native:compute:VirtualMachineScaleSetVM"
VMSS_VM_RUN_COMMAND = "azure-native:compute:VirtualMachineScaleSetVMRunCommand"


def resource(
    rtype: str,
    name: str,
    inputs: dict[str, Any],
    rid: str | None = None,
    deps: Iterable[Mapping[str, Any]] = (),
    property_deps: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """One resource as `--json` writes it: its outputs echo its inputs (plus its ID), as the
    mock engine's do; `deps` and `property_deps` name other resources built here."""
    urn = f"urn:pulumi:dev::edges::{rtype}::{name}"
    outputs = {**inputs, **({"id": rid} if rid else {})}
    return {
        "urn": urn,
        "type": rtype,
        "name": name,
        "custom": True,
        "inputs": inputs,
        "outputs": outputs,
        "dependencies": [d["urn"] for d in deps],
        "propertyDependencies": {k: [d["urn"] for d in v] for k, v in (property_deps or {}).items()},
        **options,
    }


def ops(change: changes.Change) -> list[tuple[str, str, list[str]]]:
    return [(s.op, s.name, s.paths) for s in change.steps]


# ------------------------------------------------------------------ availability


def test_removing_every_vm_is_no_availability_problem() -> None:
    """With no VM after the change (of 0) there is nothing to keep in rotation: not unsafe."""
    change = changes.compare(plan_of(), {"resources": [], "secretSalt": SALT}, parallel=8)
    assert (change.min_in_rotation, change.of, change.problems, change.unsafe) == (0, 0, [], False)
    text = changes.render(change)
    assert "Availability: at least 0 of 0 in rotation during the change (with --parallel 8)\n" in text
    assert "Unsafe as one `pulumi up`" not in text


def test_deleting_the_load_balancer_leaves_no_vm_in_rotation() -> None:
    """The VMs stay but nothing sends them traffic: unsafe, though no step fails."""
    new = edited()
    new["resources"] = [r for r in new["resources"] if r["name"] not in ("web-lb", "web-admin-nat")]
    for i in (1, 2):
        by_name(new, f"web-nic-{i}")["inputs"]["ipConfigurations"][0].pop("loadBalancerBackendAddressPools")
    change = changes.compare(plan_of(), new, parallel=8)
    assert steps(change) == [
        ("update", "web-nic-1"),
        ("update", "web-nic-2"),
        ("delete", "web-admin-nat"),
        ("delete", "web-lb"),
    ]
    assert change.problems == []
    assert (change.min_in_rotation, change.of, change.unsafe) == (0, 2, True)
    assert change.availability_causes == ["web-lb: the load balancer is deleted"]
    assert change.timeline == {"before": 2, "during": 0, "after": 2}


def test_deleting_the_load_balancer_while_nics_stay_in_its_pool_is_a_problem() -> None:
    """Azure refuses to delete a load balancer whose backend pool a NIC still uses: the NICs hold
    `<lb id>/backendAddressPools/backend`, an ID under the LB's."""
    new = edited()
    new["resources"] = [r for r in new["resources"] if r["name"] not in ("web-lb", "web-admin-nat")]
    change = changes.compare(plan_of(), new, parallel=8)
    assert change.problems == [
        "web-lb is deleted while web-nic-1 still references it",
        "web-lb is deleted while web-nic-2 still references it",
    ]


def test_the_timeline_counts_the_scale_sets_instances_before_the_change() -> None:
    no_surge = ("placement=scaleSet", "scaleSet={minCount: 2, defaultCount: 4, rollingMaxSurge: false}")
    rolling = change_of(no_surge, (*no_surge, "vmSize=Standard_D4s_v5"))
    assert rolling.timeline == {"before": 4, "during": 3, "after": 4}
    # From the scale set back to VMs: its 2 instances before, none while the frontend IP is replaced.
    back = change_of(("placement=scaleSet",), ())
    assert back.timeline == {"before": 2, "during": 0, "after": 2}


def test_a_scale_set_replaced_create_first_keeps_its_instances_serving() -> None:
    old, new = edited("placement=scaleSet"), edited("placement=scaleSet")
    by_name(old, "web-vmss")["replacementTrigger"] = "model:one"
    by_name(new, "web-vmss")["replacementTrigger"] = "model:two"
    change = changes.compare(old, new, parallel=8)
    assert steps(change) == [
        ("create-replacement", "web-vmss"),
        ("update", "web-autoscale"),
        ("delete-replaced", "web-vmss"),
    ]
    assert (change.min_in_rotation, change.of, change.unsafe) == (2, 2, False)
    assert change.availability_causes == [
        "web-vmss: deleted at the end of the run; the load balancer may still send new flows to a deleted VM for up "
        "to 10 s (intervalInSeconds 5 x probeThreshold 2, web-lb probes[0])"
    ]
    # Delete-first, the old instances are gone before the new ones come.
    by_name(new, "web-vmss")["deleteBeforeReplace"] = True
    first = changes.compare(old, new, parallel=8)
    assert steps(first)[:2] == [("delete-replaced", "web-vmss"), ("create-replacement", "web-vmss")]
    assert (first.min_in_rotation, first.of) == (0, 2)
    assert first.availability_causes == ["web-vmss: replaced delete-first"]


def test_a_scale_set_capacity_the_plan_cannot_read_counts_no_instance() -> None:
    """A capacity unknown in preview (`output<string>`) is no count: none is invented, and a
    count of VMs is never negative."""
    old, new = plan_of("placement=scaleSet"), edited("placement=scaleSet")
    by_name(new, "web-vmss")["inputs"]["sku"]["capacity"] = changes.UNKNOWN_TEXT
    change = changes.compare(old, new, parallel=8)
    assert change.timeline == {"before": 2, "during": 2, "after": 0}
    assert (change.min_in_rotation, change.of) == (0, 0)
    assert change.drift == {"web-vmss": ["sku.capacity"]}  # ignore_changes: autoscale owns it


def test_without_a_probe_threshold_a_deleted_vm_gets_flows_until_the_probe_marks_it_down() -> None:
    old = edited("vmCount=3")
    del by_name(old, "web-lb")["inputs"]["probes"][0]["probeThreshold"]  # Azure's default applies
    change = changes.compare(old, plan_of(), parallel=8)
    assert change.availability_causes == [
        "web-vm-3: deleted at the end of the run; the load balancer may still send new flows to a deleted VM until "
        "the probe marks it down"
    ]


# ------------------------------------------------------------------ what changes


def test_a_secret_added_to_a_list_of_secrets_changes_the_list() -> None:
    """A list that grows differs as a whole; the new item's hash has no old item to compare with."""

    def vault(keys: int) -> dict[str, Any]:
        hashes = {f"keys[{i}]": changes.secret_hash(SALT, f"key-{i}") for i in range(keys)}
        inputs = {"keys": [changes.MASK] * keys}
        return {"resources": [resource("acme:index:Vault", "vault", inputs, secretHashes=hashes)], "secretSalt": SALT}

    assert ops(changes.compare(vault(1), vault(2), parallel=8)) == [("update", "vault", ["keys"])]


def test_a_replaced_resource_whose_id_is_one_path_segment_updates_what_holds_it() -> None:
    """Another provider's path-like ID (`/queue-7f3a`) is an ID too: replaced create-first, it
    gets a new one, so the input holding it changes."""

    def stack(size: int) -> dict[str, Any]:
        queue = resource("acme:index:Queue", "queue", {"size": size}, "/queue-7f3a", replaceOnChanges=["size"])
        worker = resource("acme:index:Worker", "worker", {"queue": "/queue-7f3a"}, "/worker-1", [queue])
        return {"resources": [queue, worker]}

    change = changes.compare(stack(1), stack(2), parallel=8)
    assert ops(change) == [
        ("create-replacement", "queue", ["size"]),
        ("update", "worker", ["queue"]),
        ("delete-replaced", "queue", []),
    ]


# ------------------------------------------------------------------ delete-first cascades


def public_ips(front_name: str) -> dict[str, Any]:
    """A frontend public IP with an explicit Azure name; an egress IP and the load balancer take
    their SKU from it."""

    def pip(name: str, azure_name: str, **more: Any) -> dict[str, Any]:
        inputs = {"resourceGroupName": "rg", "publicIpAddressName": azure_name, "sku": {"name": "Standard"}}
        return resource(changes.PIP, name, inputs, f"{NETWORK}/publicIPAddresses/{azure_name}", **more)

    front = pip("front-pip", front_name)
    egress = pip("egress-pip", "egress", deps=[front], property_deps={"sku": [front]})
    lb_inputs = {
        "resourceGroupName": "rg",
        "loadBalancerName": "lb",
        "sku": {"name": "Standard"},
        "frontendIPConfigurations": [{"name": "fe", "publicIPAddress": {"id": f"{NETWORK}/publicIPAddresses/pip-a"}}],
    }
    lb = resource(
        changes.LB,
        "lb",
        lb_inputs,
        f"{NETWORK}/loadBalancers/lb",
        [front],
        {"sku": [front], "frontendIPConfigurations": [front]},
    )
    return {"resources": [front, egress, lb]}


def test_a_public_ip_whose_sku_comes_from_a_delete_first_replacement_goes_with_it() -> None:
    """azure-native replaces a public IP on a new SKU, so the engine deletes it with the IP it
    takes the SKU from; a load balancer's SKU it updates (no replacement), so the LB stays."""
    change = changes.compare(public_ips("pip-a"), public_ips("pip-b"), parallel=8)
    assert steps(change) == [
        ("delete-replaced", "egress-pip"),
        ("delete-replaced", "front-pip"),
        ("create-replacement", "front-pip"),
        ("create-replacement", "egress-pip"),
        ("update", "lb"),  # its frontend's new public IP ID
    ]
    egress = next(s for s in change.resources.values() if s.name == "egress-pip")
    assert egress.reason == (
        "delete-first, with the resource it depends on; because sku depend(s) on front-pip, which is replaced "
        "delete-first (pulumi/pulumi step_generator.go calculateDependentReplacements)"
    )
    assert change.problems == [
        "front-pip is replaced delete-first while lb still references it; Azure refuses to delete a resource in use"
    ]


def scale_set_chain(mode: str) -> dict[str, Any]:
    """A scale set (replaced delete-first on its orchestration mode), one instance of it, and a
    run command on that instance, which takes the instance ID from it."""
    vmss_inputs = {"resourceGroupName": "rg", "vmScaleSetName": "vmss", "orchestrationMode": mode}
    vmss = resource(
        changes.VMSS,
        "vmss",
        vmss_inputs,
        f"{COMPUTE}/virtualMachineScaleSets/vmss",
        replaceOnChanges=["orchestrationMode"],
        deleteBeforeReplace=True,
    )
    instance_inputs = {"resourceGroupName": "rg", "vmScaleSetName": "vmss", "instanceId": "0"}
    instance_id = f"{COMPUTE}/virtualMachineScaleSets/vmss/virtualMachines/0"
    instance = resource(VMSS_VM, "vmss-0", instance_inputs, instance_id, [vmss], {"vmScaleSetName": [vmss]})
    command_inputs = {**instance_inputs, "runCommandName": "gate"}
    command = resource(
        VMSS_VM_RUN_COMMAND,
        "vmss-0-gate",
        command_inputs,
        f"{instance_id}/runCommands/gate",
        [instance],
        {"instanceId": [instance]},
    )
    return {"resources": [vmss, instance, command]}


def test_a_delete_first_replacement_also_takes_the_dependents_of_its_dependents() -> None:
    """calculateDependentReplacements follows the chain: the run command's instance ID comes
    from an instance that goes with the scale set, so it goes too, first."""
    change = changes.compare(scale_set_chain("Uniform"), scale_set_chain("Flexible"), parallel=8)
    assert steps(change) == [
        ("delete-replaced", "vmss-0-gate"),
        ("delete-replaced", "vmss-0"),
        ("delete-replaced", "vmss"),
        ("create-replacement", "vmss"),
        ("create-replacement", "vmss-0"),
        ("create-replacement", "vmss-0-gate"),
    ]
    assert change.problems == []


# ------------------------------------------------------------------ what Azure refuses


def vnet(name: str, space: str, subnet: str) -> dict[str, Any]:
    inputs = {
        "resourceGroupName": "rg",
        "virtualNetworkName": name,
        "addressSpace": {"addressPrefixes": [space]},
        "subnets": [{"name": "a", "addressPrefix": subnet}],
    }
    return resource(changes.VNET, name, inputs, f"{NETWORK}/virtualNetworks/{name}")


def nic(azure_name: str, network: dict[str, Any]) -> dict[str, Any]:
    inputs = {
        "resourceGroupName": "rg",
        "networkInterfaceName": azure_name,
        "ipConfigurations": [{"name": "ip", "subnet": {"id": f"{network['outputs']['id']}/subnets/a"}}],
    }
    deps = [network]
    return resource(NIC, "nic", inputs, f"{NETWORK}/networkInterfaces/{azure_name}", deps, {"ipConfigurations": deps})


def test_a_subnet_re_addressed_after_its_nic_is_replaced_into_another_vnet_is_no_problem() -> None:
    """The NIC (renamed: delete-first) is recreated in a new VNet before the old VNet's update
    runs, so the subnet is empty when it changes; with the NIC staying, Azure refuses."""
    old_net = vnet("vnet-old", "10.0.0.0/16", "10.0.1.0/24")
    new_net = vnet("vnet-new", "10.1.0.0/16", "10.1.1.0/24")
    re_addressed = vnet("vnet-old", "10.0.0.0/16", "10.0.1.0/25")
    old = {"resources": [old_net, nic("nic-a", old_net)]}
    moved = changes.compare(old, {"resources": [new_net, nic("nic-b", new_net), re_addressed]}, parallel=8)
    assert steps(moved) == [
        ("create", "vnet-new"),
        ("delete-replaced", "nic"),
        ("create-replacement", "nic"),
        ("update", "vnet-old"),
    ]
    assert moved.problems == []
    stays = changes.compare(old, {"resources": [re_addressed, nic("nic-a", old_net)]}, parallel=8)
    assert stays.problems == [
        "vnet-old: subnet a changes its address prefix 10.0.1.0/24 -> 10.0.1.0/25 while nic uses it; "
        + changes.SUBNET_IN_USE
    ]


def per_vm_nat_rules(vms: int, clashing: int) -> dict[str, Any]:
    """The per-VM NAT rules plan (tests/test_changes.py) with `vms` rules, of which the first
    `clashing` keep a port inside the new range; the others are moved clear of it."""
    data = per_vm_nat_plan(f"vmCount={vms}")
    for i in range(clashing + 1, vms + 1):
        by_name(data, f"web-nat-{i}")["inputs"]["frontendPort"] = 60000 + i
    return data


@pytest.mark.parametrize(
    ("vms", "clashing", "held", "names", "verb"),
    [
        (2, 1, "50001", "web-nat-1", "is"),
        (2, 2, "50001, 50002", "web-nat-1, web-nat-2", "are"),
        (3, 3, "50001-50003", "web-nat-1, web-nat-2, web-nat-3", "are"),
    ],
)
def test_a_nat_port_clash_names_the_ports_and_the_rules_it_waits_for(
    vms: int, clashing: int, held: str, names: str, verb: str
) -> None:
    change = changes.compare(per_vm_nat_rules(vms, clashing), plan_of(f"vmCount={vms}"), parallel=8)
    assert [p for p in change.problems if p.startswith("web-admin-nat")] == [
        f"web-admin-nat: its frontend ports 50001-50400 overlap port(s) {held} of {names} on the same frontend, "
        f"which {verb} deleted only at the end of the run (pulumi/pulumi deployment_executor.go performDeletes); "
        "Azure refuses overlapping inbound NAT rules. For this change give it ports clear of them (e.g. a range "
        "from 50101), or run two `pulumi up`s: first without it (the old rules go), then with it"
    ]
    assert change.recipe[1] == (
        f"#   a) for this change, give it frontend ports from 50101 on (clear of {held}), then `pulumi up`;"
    )


# ------------------------------------------------------------------ the text and the picture


def test_the_printed_change_lists_the_steps_in_the_order_pulumi_runs_them() -> None:
    text = changes.render(changes.compare(plan_of(), edited("vmCount=3"), parallel=8))
    steps_at = text.index("Steps, in the order Pulumi runs them:\n")
    assert text[steps_at : text.index("\nAvailability:")].splitlines() == [
        "Steps, in the order Pulumi runs them:",
        "    1. create             web-nic-3",
        "    2. create             web-vm-3",
        "    3. create             web-vm-3-gate",
    ]


def test_the_printed_change_ends_with_the_recipe_then_the_verdict() -> None:
    text = changes.render(changes.compare(per_vm_nat_rules(2, 2), plan_of(), parallel=8))
    recipe = text[text.index("\nRecipe:\n") :]
    lines = recipe.splitlines()
    assert lines[:5] == [
        "",
        "Recipe:",
        "  # web-admin-nat's NAT ports clash with rules deleted only at the end of the run. Either:",
        "  #   a) for this change, give it frontend ports from 50101 on (clear of 50001, 50002), then `pulumi up`;",
        "  #   b) two runs: `pulumi up` without the new rule (the old rules go), then `pulumi up` with it.",
    ]
    assert lines[-3].startswith("  pulumi up --replace 'urn:pulumi:dev::lb-vms::")
    assert lines[-2:] == [
        "",
        "Unsafe as one `pulumi up` (exit 4): Azure would refuse a step, or no VM stays in rotation; see above.",
    ]


def test_the_timeline_picture_draws_a_red_bar_where_no_vm_serves() -> None:
    change = change_of((), ("placement=zones",))  # the frontend's public IP is replaced
    font = "font-family='Segoe UI, Helvetica, Arial, sans-serif'"
    assert changes.timeline_svg(change, title="dev: VMs in rotation").splitlines() == [
        "<svg xmlns='http://www.w3.org/2000/svg' width='520' height='240' viewBox='0 0 520 240'>",
        "<rect width='520' height='240' fill='#ffffff'/>",
        f"<text x='16' y='24' {font} font-size='14' font-weight='bold'>dev: VMs in rotation</text>",
        f"<text x='16' y='42' {font} font-size='11' fill='#374151'>at least 0 of 2 in rotation (--parallel 8)</text>",
        "<line x1='16' y1='190' x2='504' y2='190' stroke='#9ca3af'/>",
        "<rect x='40' y='60' width='100' height='130' fill='#2563eb' rx='3'/>",
        f"<text x='90' y='54' {font} font-size='13' text-anchor='middle'>2</text>",
        f"<text x='90' y='208' {font} font-size='11' text-anchor='middle'>before</text>",
        "<rect x='200' y='190' width='100' height='0' fill='#dc2626' rx='3'/>",
        f"<text x='250' y='184' {font} font-size='13' text-anchor='middle'>0</text>",
        f"<text x='250' y='208' {font} font-size='11' text-anchor='middle'>during creates/updates</text>",
        "<rect x='360' y='60' width='100' height='130' fill='#2563eb' rx='3'/>",
        f"<text x='410' y='54' {font} font-size='13' text-anchor='middle'>2</text>",
        f"<text x='410' y='208' {font} font-size='11' text-anchor='middle'>after deletes</text>",
        "</svg>",
    ]


def test_the_timeline_picture_of_a_change_without_a_timeline_draws_empty_bars() -> None:
    """A `Change` built without a timeline (its default) draws three empty bars, none invented."""
    empty = changes.Change(
        resources={}, steps=[], problems=[], min_in_rotation=0, of=0, availability_causes=[], drift={}, recipe=[]
    )
    svg = changes.timeline_svg(empty)
    assert svg.count("height='0' fill='#2563eb'") == 3
    assert svg.count("text-anchor='middle'>0</text>") == 3
