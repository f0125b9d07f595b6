"""Azure truth, round 3 (issue 22): what the program sends, against Microsoft's docs and the
REST specs. Each test names its source.

1. Service tags go alone into the singular `sourceAddressPrefix`; the plural field takes
   addresses and CIDRs only (Network REST spec `SecurityRule`;
   `SecurityRuleParameterContainsUnsupportedValue`, hashicorp/terraform-provider-azurerm#5617).
3. A zone-spread internal tier needs zone-redundant egress: a Standard NAT gateway is zonal
   (https://learn.microsoft.com/azure/nat-gateway/nat-availability-zones), so it gets an
   outbound-only load balancer on a zone-redundant public IP
   (https://learn.microsoft.com/azure/load-balancer/outbound-rules).
4. MaxSurge adds a batch before it removes old instances: the subnet and the admin range hold
   maxCount plus one batch ("enough IP address quota and subnet space",
   https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-maxsurge).

(Item 2, the per-backend health alerts, is in tests/test_monitoring.py.)
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LB, NIC, NSG, PIP, ROOT, VNET, admin_nat_rule, dev_values, main_lb, ok, run_stack, single_problem

from components import ConfigError
from offline import policies
from offline.engine import ProgramRun
from stack_config import args_from_config

NAT_GATEWAY = "azure-native:network:NatGateway"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
WINDOWS = {"osType": "windows", "sshPublicKey": None}


def web_rules(run: ProgramRun) -> list[tuple[float, str, Any, Any]]:
    return [
        (r["priority"], r["name"], r.get("sourceAddressPrefix"), r.get("sourceAddressPrefixes"))
        for r in run.one(NSG).inputs["securityRules"]
        if r["name"].startswith("allow-web-")
    ]


# ------------------------------------------------------------------ 1. service tags


def test_each_service_tag_gets_its_own_rule_and_the_addresses_share_one() -> None:
    run = ok(
        run_stack(
            overrides={
                "webSourcePrefixes": ["AzureFrontDoor.Backend", "203.0.113.0/24", "Internet", "198.51.100.7"],
                "lbRules": [{"frontendPort": 80, "backendPort": 80}, {"frontendPort": 8080, "backendPort": 8080}],
            }
        )
    )
    addresses = ["203.0.113.0/24", "198.51.100.7"]
    assert web_rules(run) == [
        (200, "allow-web-tcp-80-azurefrontdoor.backend", "AzureFrontDoor.Backend", None),
        (201, "allow-web-tcp-80-internet", "Internet", None),
        (202, "allow-web-tcp-80-addresses", None, addresses),
        (203, "allow-web-tcp-8080-azurefrontdoor.backend", "AzureFrontDoor.Backend", None),
        (204, "allow-web-tcp-8080-internet", "Internet", None),
        (205, "allow-web-tcp-8080-addresses", None, addresses),
    ]
    ports = {r["name"]: r["destinationPortRange"] for r in run.one(NSG).inputs["securityRules"]}
    assert ports["allow-web-tcp-8080-internet"] == "8080" and ports["allow-web-tcp-80-addresses"] == "80"


def test_two_tags_make_two_singular_rules() -> None:
    run = ok(run_stack(overrides={"webSourcePrefixes": ["Internet", "VirtualNetwork"]}))
    assert web_rules(run) == [
        (200, "allow-web-tcp-80-internet", "Internet", None),
        (201, "allow-web-tcp-80-virtualnetwork", "VirtualNetwork", None),
    ]


@pytest.mark.parametrize(
    ("sources", "singular", "plural"),
    [
        (["Internet"], "Internet", None),
        (["203.0.113.7"], "203.0.113.7", None),
        (["10.0.0.0/8", "192.168.0.0/16"], None, ["10.0.0.0/8", "192.168.0.0/16"]),
    ],
    ids=["one tag", "one address", "two addresses"],
)
def test_one_source_group_keeps_the_single_rule_name_and_priority(
    sources: list[str], singular: str | None, plural: list[str] | None
) -> None:
    """A live stack with one kind of source sees no rename: the rule is `allow-web-<rule>` at 200."""
    assert web_rules(ok(run_stack(overrides={"webSourcePrefixes": sources}))) == [
        (200, "allow-web-tcp-80", singular, plural)
    ]


@pytest.mark.parametrize("spelling", ["ANY", "Any", " any ", "*"])
def test_any_in_any_case_is_refused(spelling: str) -> None:
    assert single_problem(webSourcePrefixes=[spelling]) == (
        f"webSourcePrefixes[0]: {spelling!r} must be an IPv4 address, a CIDR or a service tag (use Internet)"
    )


TWO_RULES = [{"frontendPort": 80, "backendPort": 80}, {"frontendPort": 8080, "backendPort": 8080}]


def test_the_web_band_holds_200_rules_and_no_more() -> None:
    tags = [f"Storage.Region{i}" for i in range(101)]
    args_from_config(dev_values(webSourcePrefixes=tags[:100], lbRules=TWO_RULES))  # 100 x 2 = 200: fits
    assert single_problem(webSourcePrefixes=tags, lbRules=TWO_RULES) == (
        "webSourcePrefixes: 101 source groups (one per service tag, one for all addresses) x 2 lbRules = 202 NSG "
        "rules, more than the 200 the web priority band (200-399) holds; use fewer service tags or rules"
    )
    with pytest.raises(ConfigError):
        args_from_config(dev_values(webSourcePrefixes=[*tags[:100], "203.0.113.7"], lbRules=TWO_RULES))


def test_the_web_band_edge_with_one_rule_is_200_groups() -> None:
    """One step past the edge: 200 groups (199 tags and the addresses) fit, 201 do not."""
    tags = [f"Storage.Region{i}" for i in range(200)]
    args_from_config(dev_values(webSourcePrefixes=[*tags[:199], "203.0.113.7"]))
    assert single_problem(webSourcePrefixes=[*tags, "203.0.113.7"]).startswith(
        "webSourcePrefixes: 201 source groups (one per service tag, one for all addresses) x 1 lbRules = 201 NSG rules"
    )


# ------------------------------------------------------------------ 3. zone-redundant egress


@pytest.fixture(scope="module")
def internal_zonal() -> ProgramRun:
    return ok(run_stack(overrides={"frontendType": "internal", "placement": "zones"}))


def test_a_zone_spread_internal_tier_gets_out_through_a_zone_redundant_egress_lb(internal_zonal: ProgramRun) -> None:
    run = internal_zonal
    assert run.of_type(NAT_GATEWAY) == []
    assert [s.get("natGateway") for s in run.one(VNET).inputs["subnets"]] == [None]
    egress = next(r for r in run.of_type(LB) if r.name == "web-egress-lb").inputs
    [pip] = run.of_type(PIP)
    assert (pip.name, pip.inputs["zones"], pip.inputs["sku"]["name"]) == ("web-egress-pip", ["1", "2", "3"], "Standard")
    assert egress["frontendIPConfigurations"] == [{"name": "egress", "publicIPAddress": {"id": pip.id}}]
    [outbound] = egress["outboundRules"]
    egress_lb = next(r for r in run.of_type(LB) if r.name == "web-egress-lb")
    lb_id = egress_lb.id
    # A relative ID, which azure-native makes the LB's own before sending it.
    assert outbound["backendAddressPool"] == {"id": "$self/backendAddressPools/egress"}
    assert outbound["frontendIPConfigurations"] == [{"id": "$self/frontendIPConfigurations/egress"}]
    [answered] = egress_lb.outputs["outboundRules"]
    assert answered["backendAddressPool"] == {"id": f"{lb_id}/backendAddressPools/egress"}
    assert outbound["protocol"] == "All"
    # Outbound only: nothing comes in through it.
    assert not {"loadBalancingRules", "inboundNatRules", "probes"} & set(egress)
    pools = {f"{main_lb(run).id}/backendAddressPools/backend", f"{lb_id}/backendAddressPools/egress"}
    for nic in run.of_type(NIC):
        assert {p["id"] for p in nic.inputs["ipConfigurations"][0]["loadBalancerBackendAddressPools"]} == pools


def test_the_policy_pack_sees_an_outbound_path_for_the_zonal_internal_tier(internal_zonal: ProgramRun) -> None:
    assert policies.check(internal_zonal, [policies.load_pack(ROOT / "policy")]) == []


def test_a_zonal_internal_scale_set_joins_both_pools() -> None:
    run = ok(run_stack(overrides={"frontendType": "internal", "placement": "scaleSet"}))
    [config] = run.one(VMSS).inputs["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
    pools = [p["id"] for p in config["ipConfigurations"][0]["loadBalancerBackendAddressPools"]]
    lbs = {r.name: r.id for r in run.of_type(LB)}
    assert pools == [
        f"{lbs['web-lb']}/backendAddressPools/backend",
        f"{lbs['web-egress-lb']}/backendAddressPools/egress",
    ]
    assert run.of_type(NAT_GATEWAY) == []


def test_an_internal_tier_in_one_zone_pins_its_egress_ip_there() -> None:
    run = ok(run_stack(overrides={"frontendType": "internal", "placement": "zones", "zones": ["2"]}))
    [pip] = run.of_type(PIP)
    assert pip.inputs["zones"] == ["2"]


def test_an_internal_tier_without_zones_keeps_its_nat_gateway() -> None:
    run = ok(run_stack(overrides={"frontendType": "internal"}))
    assert [lb.name for lb in run.of_type(LB)] == ["web-lb"]
    [gateway] = run.of_type(NAT_GATEWAY)
    assert run.one(VNET).inputs["subnets"][0]["natGateway"] == {"id": gateway.id}


def test_an_internal_tier_on_an_existing_subnet_uses_the_subnets_egress() -> None:
    subnet = "/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/app"
    run = ok(run_stack(overrides={"frontendType": "internal", "placement": "zones", "subnetId": subnet}))
    assert [lb.name for lb in run.of_type(LB)] == ["web-lb"] and run.of_type(NAT_GATEWAY) == []


# ------------------------------------------------------------------ 4. scale-set headroom


@pytest.mark.parametrize("os", [{}, WINDOWS], ids=["linux", "windows"])
def test_the_subnet_must_hold_max_count_plus_a_surge_batch(os: dict[str, Any]) -> None:
    assert single_problem(**os, placement="scaleSet", subnetPrefix="10.0.1.0/28") == (
        "subnetPrefix: '10.0.1.0/28' holds 11 VMs (Azure reserves 5 addresses) but the pool can hold 12 at once "
        "(scaleSet.maxCount 10 + a MaxSurge batch of 2); use a larger subnet"
    )


def test_without_max_surge_the_subnet_holds_max_count() -> None:
    args = args_from_config(
        dev_values(
            placement="scaleSet",
            subnetPrefix="10.0.1.0/28",
            scaleSet={"maxCount": 11, "rollingMaxSurge": False, "rollingBatchPercent": 20},
        )
    )
    assert args.pool_capacity == 11


def test_a_windows_scale_set_admin_range_maps_to_rdp() -> None:
    rule = admin_nat_rule(ok(run_stack(overrides={**WINDOWS, "placement": "scaleSet"})))
    assert (rule.inputs["frontendPortRangeStart"], rule.inputs["frontendPortRangeEnd"], rule.inputs["backendPort"]) == (
        50001,
        50400,
        3389,
    )


def test_the_picture_shows_the_egress_lb(internal_zonal: ProgramRun) -> None:
    from offline import diagram

    assert "+ web-egress-lb: outbound only" in diagram.render(internal_zonal)
