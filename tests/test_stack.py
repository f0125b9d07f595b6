"""The real program on the mock engine: exact resources, wiring, security, outputs.

GIVEN a stack file (dev: Linux x2; prod: Windows x3), WHEN `__main__.py` runs, THEN the
recording mock holds exactly the architecture, wired as Azure needs it.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import (
    AVSET,
    COMPONENT,
    EXTENSION,
    GATE,
    IDENTITY,
    LB,
    NAT_RULE,
    NIC,
    NSG,
    PASSWORD,
    PIP,
    RG,
    SSH_KEY,
    VM,
    VNET,
    admin_nat_rule,
    ok,
    run_stack,
)

from offline.engine import SUBSCRIPTION_ID, ProgramRun, Secret, plain


def lb_id(run: ProgramRun) -> str:
    return run.one(LB).id


def nics(run: ProgramRun) -> list[Any]:
    return sorted(run.of_type(NIC), key=lambda r: r.name)


def vms(run: ProgramRun) -> list[Any]:
    return sorted(run.of_type(VM), key=lambda r: r.name)


def rules_by_name(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in run.one(NSG).inputs["securityRules"]}


# ------------------------------------------------------------------ resource counts


def test_dev_stack_registers_exactly_the_linux_architecture(dev: ProgramRun) -> None:
    assert dev.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        LB: 1,
        NAT_RULE: 1,
        IDENTITY: 1,
        AVSET: 1,
        NIC: 2,
        VM: 2,
        GATE: 2,
    }


def test_prod_stack_registers_exactly_the_windows_architecture(prod: ProgramRun) -> None:
    assert prod.counts() == {
        COMPONENT: 1,
        RG: 1,
        VNET: 1,
        NSG: 1,
        PIP: 1,
        LB: 1,
        NAT_RULE: 1,
        IDENTITY: 1,
        AVSET: 1,
        NIC: 3,
        VM: 3,
        EXTENSION: 3,
        GATE: 3,
        PASSWORD: 1,
    }


def test_every_resource_is_a_child_of_the_component(dev: ProgramRun) -> None:
    component = dev.one(COMPONENT)
    assert component.name == "web"
    for r in dev.resources:
        if r is not component:
            assert r.parent == component.urn, r.urn
            assert r.name.startswith("web-"), r.name


def test_every_azure_resource_carries_the_stack_tags(dev: ProgramRun) -> None:
    # NAT rules are sub-resources of the LB: Azure keeps no tags on them.
    azure = [r for r in dev.resources if r.type.startswith("azure-native:") and r.type != NAT_RULE]
    assert len(azure) == 13
    for r in azure:
        assert r.inputs["tags"] == {"environment": "dev", "workload": "lb-vms"}, r.name


def test_windows_extensions_carry_the_stack_tags_too(prod: ProgramRun) -> None:
    for r in prod.of_type(EXTENSION):
        assert r.inputs["tags"] == {"environment": "prod", "workload": "lb-vms"}, r.name


# ------------------------------------------------------------------ load balancer


def test_public_ip_and_load_balancer_are_standard_and_static(dev: ProgramRun) -> None:
    pip = dev.one(PIP).inputs
    assert pip["sku"] == {"name": "Standard", "tier": "Regional"}
    assert pip["publicIPAllocationMethod"] == "Static"
    lb = dev.one(LB).inputs
    assert lb["sku"] == {"name": "Standard", "tier": "Regional"}
    # Auto-named: its children refer to each other relatively, so nothing needs its name.
    assert "loadBalancerName" not in lb
    [frontend] = lb["frontendIPConfigurations"]
    assert frontend["publicIPAddress"]["id"] == dev.one(PIP).id


def test_relative_sub_resource_ids_name_the_load_balancers_own_children(dev: ProgramRun) -> None:
    lb = dev.one(LB)
    [rule] = lb.inputs["loadBalancingRules"]
    assert rule["frontendIPConfiguration"]["id"] == "$self/frontendIPConfigurations/frontend"
    assert rule["backendAddressPool"]["id"] == "$self/backendAddressPools/backend"
    assert rule["probe"]["id"] == "$self/probes/health"
    assert [p["name"] for p in lb.inputs["backendAddressPools"]] == ["backend"]
    assert [p["name"] for p in lb.inputs["probes"]] == ["health"]
    assert [p["name"] for p in lb.inputs["frontendIPConfigurations"]] == ["frontend"]
    # azure-native sends them under the LB's own ID, which Azure answers with.
    [answered] = lb.outputs["loadBalancingRules"]
    assert answered["backendAddressPool"]["id"] == f"{lb.id}/backendAddressPools/backend"
    assert answered["probe"]["id"] == lb.outputs["probes"][0]["id"] == f"{lb.id}/probes/health"


def test_default_rule_is_tcp_80_tied_to_the_http_probe(dev: ProgramRun) -> None:
    lb = dev.one(LB).inputs
    [rule] = lb["loadBalancingRules"]
    assert (rule["name"], rule["protocol"], rule["frontendPort"], rule["backendPort"]) == ("tcp-80", "Tcp", 80, 80)
    # An LB rule sharing its frontend with an outbound rule must not claim SNAT.
    assert rule["disableOutboundSnat"] is True
    [probe] = lb["probes"]
    assert probe == {
        "name": "health",
        "protocol": "Http",
        "port": 80,
        "requestPath": "/",
        "intervalInSeconds": 5,
        "probeThreshold": 2,
    }


def test_every_rule_uses_the_probe_when_there_are_several(dev: ProgramRun) -> None:
    run = ok(
        run_stack(
            overrides={
                "lbRules": [
                    {"frontendPort": 80, "backendPort": 80},
                    {"frontendPort": 443, "backendPort": 443, "protocol": "Tcp"},
                ]
            }
        )
    )
    rules = run.one(LB).inputs["loadBalancingRules"]
    assert [r["name"] for r in rules] == ["tcp-80", "tcp-443"]
    assert {r["probe"]["id"] for r in rules} == {"$self/probes/health"}
    web = [n for n in rules_by_name(run) if n.startswith("allow-web-")]
    assert web == ["allow-web-tcp-80", "allow-web-tcp-443"]


def test_tcp_probe_has_no_request_path() -> None:
    run = ok(run_stack(overrides={"probe": {"protocol": "Tcp", "port": 80}}))
    [probe] = run.one(LB).inputs["probes"]
    assert probe["protocol"] == "Tcp"
    assert "requestPath" not in probe


def test_outbound_rule_gives_the_pool_explicit_egress(dev: ProgramRun) -> None:
    [outbound] = dev.one(LB).inputs["outboundRules"]
    assert outbound["protocol"] == "All"
    assert outbound["backendAddressPool"]["id"] == "$self/backendAddressPools/backend"
    assert outbound["frontendIPConfigurations"] == [{"id": "$self/frontendIPConfigurations/frontend"}]
    # Idle flows are reset after 4 minutes, Azure's default, on both ends (TCP reset).
    assert (outbound["idleTimeoutInMinutes"], outbound["enableTcpReset"]) == (4, True)


def test_a_scale_sets_admin_endpoint_tells_how_to_find_an_instances_port() -> None:
    run = ok(run_stack(overrides={"placement": "scaleSet"}))
    out = run.outputs
    lb = run.one(LB).outputs["name"]
    assert out["adminEndpoints"] == [
        {
            "name": run.one("azure-native:compute:VirtualMachineScaleSet").outputs["name"],
            "host": out["publicIp"],
            "portRange": out["natPortRange"],
            "mapping": f"az network lb list-mapping --resource-group {out['resourceGroupName']} --name {lb} "
            "--backend-pool-name backend --request ip=<instance private ip>",
            "command": f"ssh -p <port> azureuser@{out['publicIp']}",
        }
    ]


def test_a_scale_set_without_admin_access_has_no_admin_endpoint() -> None:
    run = ok(run_stack(overrides={"placement": "scaleSet", "adminAccess": "none"}))
    assert run.outputs["adminEndpoints"] == []


def test_every_nic_is_in_the_backend_pool(prod: ProgramRun) -> None:
    pool = f"{lb_id(prod)}/backendAddressPools/backend"
    for nic in nics(prod):
        [cfg] = nic.inputs["ipConfigurations"]
        assert cfg["loadBalancerBackendAddressPools"] == [{"id": pool}], nic.name
        # One primary configuration, its address from the subnet's pool (a static one would
        # clash when a replacement NIC is created before the old one goes), no public IP.
        assert (cfg["name"], cfg["primary"], cfg["privateIPAllocationMethod"]) == ("ipconfig1", True, "Dynamic")
        assert "publicIPAddress" not in cfg


@pytest.mark.parametrize("stack,port", [("dev", 22), ("prod", 3389)])
def test_one_nat_rule_v2_maps_a_range_on_the_pool_to_the_admin_port(stack: str, port: int, request: Any) -> None:
    run: ProgramRun = request.getfixturevalue(stack)
    rule = admin_nat_rule(run)
    assert "inboundNatRules" not in run.one(LB).inputs  # never inline: see loadbalancer.py
    assert rule.name == "web-admin-nat"
    assert rule.inputs["loadBalancerName"] == run.one(LB).outputs["name"]
    assert rule.inputs["frontendIPConfiguration"] == {"id": f"{lb_id(run)}/frontendIPConfigurations/frontend"}
    assert rule.inputs["backendAddressPool"] == {"id": f"{lb_id(run)}/backendAddressPools/backend"}
    # 400 ports: twice the largest tier (old and new VMs are both in the pool while a change
    # replaces them), whatever this tier's vmCount, so scaling never resizes it.
    assert (
        rule.inputs["protocol"],
        rule.inputs["frontendPortRangeStart"],
        rule.inputs["frontendPortRangeEnd"],
        rule.inputs["backendPort"],
    ) == ("Tcp", 50001, 50400, port)
    # An idle SSH/RDP session gets a TCP reset after Azure's default 4 minutes, not a silent drop.
    assert (rule.inputs["idleTimeoutInMinutes"], rule.inputs["enableTcpReset"], rule.inputs["enableFloatingIP"]) == (
        4,
        True,
        False,
    )
    assert "frontendPort" not in rule.inputs
    for nic in nics(run):
        [cfg] = nic.inputs["ipConfigurations"]
        # V2: a VM reaches admin access by joining the pool; no NIC refers to a NAT rule.
        assert "loadBalancerInboundNatRules" not in cfg, nic.name
        assert rule.urn not in nic.dependencies


def test_nat_range_follows_nat_frontend_port_start() -> None:
    run = ok(run_stack(overrides={"natFrontendPortStart": 60000}))
    rule = admin_nat_rule(run)
    assert (rule.inputs["frontendPortRangeStart"], rule.inputs["frontendPortRangeEnd"]) == (60000, 60399)


# ------------------------------------------------------------------ network and security


def test_subnet_is_private_and_guarded_by_the_nsg(dev: ProgramRun) -> None:
    vnet = dev.one(VNET).inputs
    assert vnet["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16"]}
    [subnet] = vnet["subnets"]
    assert subnet["addressPrefix"] == "10.0.1.0/24"
    assert subnet["networkSecurityGroup"] == {"id": dev.one(NSG).id}
    assert subnet["defaultOutboundAccess"] is False


def test_no_nic_has_a_public_ip_and_the_only_public_ip_is_the_frontend(prod: ProgramRun) -> None:
    for nic in nics(prod):
        for cfg in nic.inputs["ipConfigurations"]:
            assert "publicIPAddress" not in cfg, nic.name
            assert cfg["subnet"]["id"] == f"{prod.one(VNET).id}/subnets/vms"
    assert len(prod.of_type(PIP)) == 1


def test_nsg_rules_by_default(dev: ProgramRun) -> None:
    rules = rules_by_name(dev)
    assert list(rules) == ["allow-azure-lb-probe", "allow-web-tcp-80", "deny-all-inbound"]
    probe = rules["allow-azure-lb-probe"]
    assert (probe["access"], probe["sourceAddressPrefix"], probe["destinationPortRange"]) == (
        "Allow",
        "AzureLoadBalancer",
        "80",
    )
    web = rules["allow-web-tcp-80"]
    assert (web["access"], web["sourceAddressPrefix"], web["protocol"], web["destinationPortRange"]) == (
        "Allow",
        "Internet",
        "Tcp",
        "80",
    )
    deny = rules["deny-all-inbound"]
    assert (deny["access"], deny["priority"], deny["sourceAddressPrefix"], deny["destinationPortRange"]) == (
        "Deny",
        4096,
        "*",
        "*",
    )
    assert all(r["direction"] == "Inbound" for r in rules.values())
    # The probe and web rules outrank the deny-all.
    assert probe["priority"] < web["priority"] < deny["priority"]


def test_admin_port_is_closed_to_everyone_by_default(dev: ProgramRun) -> None:
    allowed_22 = [
        r
        for r in dev.one(NSG).inputs["securityRules"]
        if r["access"] == "Allow" and r["destinationPortRange"] in ("22", "*")
    ]
    assert allowed_22 == []


def test_admin_port_opens_only_to_the_allow_list(prod: ProgramRun) -> None:
    rule = rules_by_name(prod)["allow-admin-from-allow-list"]
    assert rule["sourceAddressPrefixes"] == ["203.0.113.0/24"]
    assert rule["destinationPortRange"] == "3389"
    assert "sourceAddressPrefix" not in rule
    for r in prod.one(NSG).inputs["securityRules"]:
        if r["access"] == "Allow" and r["destinationPortRange"] in ("3389", "22", "*"):
            sources = [r.get("sourceAddressPrefix"), *r.get("sourceAddressPrefixes", [])]
            assert not {"*", "Internet", "0.0.0.0/0", "Any"} & set(sources), r["name"]


# ------------------------------------------------------------------ compute


def test_availability_set_is_aligned_and_holds_every_vm(prod: ProgramRun) -> None:
    avset = prod.one(AVSET)
    assert avset.inputs["sku"] == {"name": "Aligned"}
    assert (avset.inputs["platformFaultDomainCount"], avset.inputs["platformUpdateDomainCount"]) == (3, 5)
    for vm in vms(prod):
        assert vm.inputs["availabilitySet"] == {"id": avset.id}, vm.name


def test_the_vms_replacement_triggers_stay_what_deployed_stacks_hold(dev: ProgramRun) -> None:
    """Each VM's `replacement_trigger` is a digest of its model (compute.py `vm_model`). A new
    digest for the same config replaces every running VM on the next `pulumi up`, so a change
    to how it is computed must be deliberate: this pins the dev stack's values."""
    assert {vm.name: vm.replacement_trigger for vm in vms(dev)} == {
        "web-vm-1": "model:6e2f878431b7dc6a",
        "web-vm-2": "model:a2e010eb31d804f5",
    }


def test_vm_i_uses_nic_i(prod: ProgramRun) -> None:
    for i, (vm, nic) in enumerate(zip(vms(prod), nics(prod), strict=True), start=1):
        assert vm.name == f"web-vm-{i}"
        assert vm.inputs["networkProfile"]["networkInterfaces"] == [{"id": nic.id, "primary": True}]


def test_linux_vms_are_hardened(dev: ProgramRun) -> None:
    for i, vm in enumerate(vms(dev), start=1):
        inputs = plain(vm.inputs)
        os_profile = inputs["osProfile"]
        assert os_profile["computerName"] == f"web-vm-{i}"
        assert os_profile["adminUsername"] == "azureuser"
        assert "adminPassword" not in os_profile
        linux = os_profile["linuxConfiguration"]
        assert linux["disablePasswordAuthentication"] is True
        assert linux["ssh"]["publicKeys"] == [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": SSH_KEY}]
        assert linux["provisionVMAgent"] is True
        assert linux["patchSettings"]["patchMode"] == "AutomaticByPlatform"
        image = inputs["storageProfile"]["imageReference"]
        assert (image["publisher"], image["offer"], image["sku"]) == ("Canonical", "ubuntu-24_04-lts", "server")
        _assert_common_vm_hardening(inputs, "StandardSSD_LRS", "Standard_D2s_v5")


def test_windows_vms_are_hardened_and_named_within_15_characters(prod: ProgramRun) -> None:
    for i, vm in enumerate(vms(prod), start=1):
        inputs = plain(vm.inputs)
        os_profile = inputs["osProfile"]
        assert os_profile["computerName"] == f"web-{i}"
        assert len(os_profile["computerName"]) <= 15
        windows = os_profile["windowsConfiguration"]
        assert windows["enableAutomaticUpdates"] is True
        assert windows["patchSettings"]["patchMode"] == "AutomaticByPlatform"
        assert "linuxConfiguration" not in os_profile
        image = inputs["storageProfile"]["imageReference"]
        assert image["sku"] == "2025-datacenter-azure-edition"
        _assert_common_vm_hardening(inputs, "Premium_LRS", "Standard_D4s_v5")


def _assert_common_vm_hardening(inputs: dict[str, Any], disk: str, size: str) -> None:
    assert inputs["hardwareProfile"] == {"vmSize": size}
    os_disk = inputs["storageProfile"]["osDisk"]
    assert os_disk["createOption"] == "FromImage"
    assert os_disk["managedDisk"] == {"storageAccountType": disk}
    assert "vhd" not in os_disk  # unmanaged disks are retired
    assert inputs["diagnosticsProfile"] == {"bootDiagnostics": {"enabled": True}}
    assert inputs["securityProfile"] == {
        "securityType": "TrustedLaunch",
        "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
    }


def test_trusted_launch_can_be_turned_off_for_sizes_without_it() -> None:
    run = ok(run_stack(overrides={"trustedLaunch": False}))
    assert all("securityProfile" not in vm.inputs for vm in run.of_type(VM))


def test_windows_password_is_generated_secret_and_on_every_vm(prod: ProgramRun) -> None:
    generated = prod.one(PASSWORD)
    # 24 characters, two of each class (Azure wants 3 of 4), specials Azure and PowerShell accept.
    assert {k: generated.inputs[k] for k in generated.inputs if k != "keepers"} == {
        "length": 24,
        "special": True,
        "minLower": 2,
        "minUpper": 2,
        "minNumeric": 2,
        "minSpecial": 2,
        "overrideSpecial": "!#%*()-_=+[]{}:?",
    }
    for vm in vms(prod):
        # The whole osProfile is secret because it carries the password.
        assert isinstance(vm.inputs["osProfile"], Secret)
        assert generated.urn in vm.dependencies
        assert plain(vm.inputs["osProfile"])["adminPassword"] == plain(generated.outputs["result"])


def test_windows_password_from_secret_config_is_used_and_nothing_generated() -> None:
    run = ok(run_stack("prod", secrets={"adminPassword": "Corr3ct-Horse-Battery"}))
    assert run.of_type(PASSWORD) == []
    for vm in run.of_type(VM):
        assert isinstance(vm.inputs["osProfile"], Secret)
        assert plain(vm.inputs["osProfile"])["adminPassword"] == "Corr3ct-Horse-Battery"
    assert run.outputs["adminPassword"] == Secret("Corr3ct-Horse-Battery")


def test_vms_do_not_wait_on_each_other(prod: ProgramRun) -> None:
    """Independent resources are created in parallel: no chains between VMs or NICs."""
    per_vm = {r.urn for r in prod.resources if r.type in (VM, NIC)}
    nic_of = {n.name.rsplit("-", 1)[1]: n.urn for n in prod.of_type(NIC)}
    for nic in prod.of_type(NIC):
        assert not per_vm & set(nic.dependencies), nic.name
    for vm in prod.of_type(VM):
        assert per_vm & set(vm.dependencies) == {nic_of[vm.name.rsplit("-", 1)[1]]}, vm.name


# ------------------------------------------------------------------ outputs


def test_linux_outputs(dev: ProgramRun) -> None:
    out = dev.outputs
    assert set(out) == {
        "publicIp",
        "url",
        "adminEndpoints",
        "natPortRange",
        "vmNames",
        "privateIps",
        "resourceGroupName",
        "identityId",
        "identityPrincipalId",
    }
    assert out["identityId"] == dev.one(IDENTITY).id
    ip = dev.one(PIP).outputs["ipAddress"]
    lb_name = dev.one(LB).outputs["name"]
    assert out["publicIp"] == ip
    assert out["url"] == f"http://{ip}/"
    assert out["vmNames"] == [vm.outputs["name"] for vm in vms(dev)]
    # Each VM's private IP from its NIC, VM 1 first (the addresses are Azure's to choose).
    assert out["privateIps"] == [nic.outputs["ipConfigurations"][0]["privateIPAddress"] for nic in nics(dev)]
    assert out["resourceGroupName"] == dev.one(RG).outputs["name"]
    assert out["adminEndpoints"] == [
        {
            "name": f"web-vm-{i}",
            "host": ip,
            "portRange": "50001-50400",
            # The VM's own private IP, from its NIC: Azure tells its port of the range.
            "mapping": f"az network lb list-mapping --resource-group {out['resourceGroupName']} --name {lb_name} "
            f"--backend-pool-name backend --request ip={private} --query 'inboundNatRulePortMappings[0].frontendPort'",
            "command": f"ssh -p <port> azureuser@{ip}",
        }
        for i, private in enumerate(out["privateIps"], start=1)
    ]


def test_windows_outputs_use_the_dns_name_and_keep_the_password_secret(prod: ProgramRun) -> None:
    out = prod.outputs
    host = "lb-vms-prod-example.westeurope.cloudapp.azure.com"
    assert out["url"] == f"http://{host}/"
    third = out["adminEndpoints"][2]
    assert (third["name"], third["host"], third["portRange"], third["command"]) == (
        "web-vm-3",
        host,
        "50001-50400",
        f"mstsc /v:{host}:<port>",
    )
    assert third["mapping"].endswith(
        f"--request ip={out['privateIps'][2]} --query 'inboundNatRulePortMappings[0].frontendPort'"
    )
    assert isinstance(out["adminPassword"], Secret)
    assert plain(out["adminPassword"]) == plain(prod.one(PASSWORD).outputs["result"])


def test_existing_resource_group_is_used_and_none_created() -> None:
    run = ok(run_stack(overrides={"resourceGroupName": "rg-shared"}))
    assert run.of_type(RG) == []
    assert {r.inputs["resourceGroupName"] for r in run.of_type(VM) + run.of_type(LB)} == {"rg-shared"}
    # The NICs' pool, under the LB in the existing group (read, not created).
    pool = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-shared/providers/Microsoft.Network/loadBalancers/"
    for nic in run.of_type(NIC):
        [ref] = nic.inputs["ipConfigurations"][0]["loadBalancerBackendAddressPools"]
        assert ref == {"id": f"{pool}{run.one(LB).outputs['name']}/backendAddressPools/backend"}
    assert run.outputs["resourceGroupName"] == "rg-shared"
