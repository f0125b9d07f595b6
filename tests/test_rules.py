"""Every rule in one table: GIVEN the dev stack with one bad key (or a few that meet in one
rule), WHEN its config is loaded (components/reader.py `load`), THEN exactly one problem, which
names that key, its value and what is allowed. The declared ranges' edges are generated from the
declaration in tests/test_edges.py; accepted values at the rules' edges sit beside the rules'
other tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import single_problem, ssh_ed25519_key, ssh_rsa_key

WINDOWS = {"osType": "windows", "sshPublicKey": None}
SUBNET_ID = "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/app"
GALLERY_IMAGE = "/subscriptions/0000/resourceGroups/rg-img/providers/Microsoft.Compute/galleries/gal/images/web"


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    return str(tmp_path / name)


Overrides = dict[str, Any] | Callable[[Path], dict[str, Any]]

# (test id, overrides of the dev stack (or a function of a temporary folder), expected words)
CASES: list[tuple[str, Overrides, str]] = [
    # Data disks
    (
        "two_data_disks_share_a_lun",
        {"dataDisks": [{"lun": 0, "sizeGb": 64}, {"lun": 0, "sizeGb": 128}]},
        "dataDisks[1].lun: 0 is already the LUN of dataDisks[0]",
    ),
    (
        "a_4_tib_data_disk_is_cached",
        {"dataDisks": [{"lun": 0, "sizeGb": 4096, "caching": "ReadOnly"}]},
        "dataDisks[0].caching: 'ReadOnly' is not supported for a disk of 4096 GiB; Azure caches disks under "
        "4096 GiB only: use None",
    ),
    ("a_data_disk_has_no_size", {"dataDisks": [{"lun": 0}]}, "dataDisks[0].sizeGb: is missing"),
    (
        "a_data_disk_type_is_unknown",
        {"dataDisks": [{"lun": 0, "sizeGb": 64, "type": "UltraSSD_LRS"}]},
        "dataDisks[0].type: 'UltraSSD_LRS' must be one of Standard_LRS, StandardSSD_LRS, Premium_LRS",
    ),
    # Name prefix: its pattern, and each name it gives within its type's length (naming.py)
    *(
        (
            f"name_prefix_{case}",
            {"namePrefix": value},
            f"namePrefix: {value!r} must be 1-40 lowercase letters, digits or '-', starting with a letter and "
            "ending with a letter or digit",
        )
        for case, value in (
            ("has_a_capital", "Web"),
            ("ends_with_a_dash", "web-"),
            ("starts_with_a_digit", "1web"),
            ("has_41_characters", "a" * 41),
            ("has_an_underscore", "web_prod"),
            ("is_empty", ""),
        )
    ),
    (
        "name_prefix_gives_a_16_character_windows_computer_name_at_vm_10",
        {**WINDOWS, "namePrefix": "a" * 13, "vmCount": 10},
        "namePrefix: 'aaaaaaaaaaaaa' gives the Windows computer name 'aaaaaaaaaaaaa-10', 16 characters; Azure "
        "allows 15 (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)",
    ),
    (
        "name_prefix_gives_a_10_character_windows_scale_set_computer_name_prefix",
        {**WINDOWS, "namePrefix": "a" * 10, "placement": "scaleSet"},
        "namePrefix: 'aaaaaaaaaa' gives the Windows computer name prefix (Azure appends 6 characters) "
        "'aaaaaaaaaa', 10 characters; Azure allows 9",
    ),
    (
        "name_prefix_gives_a_25_character_dashboard_name",
        {"namePrefix": "a" * 20, "monitoring": {"enabled": True}},
        "namePrefix: 'aaaaaaaaaaaaaaaaaaaa' gives the dashboard name 'dash-aaaaaaaaaaaaaaaaaaaa', 25 characters; "
        "Azure allows 24",
    ),
    (
        "guest_monitoring_without_the_workspace",
        {"monitoring": {"guest": True}},
        "monitoring.guest: is true, but monitoring.enabled is false; the agents would have no workspace",
    ),
    # Inputs, credentials and names
    ("os_type_is_unknown", {"osType": "solaris"}, "osType: 'solaris' must be one of linux, windows"),
    ("vm_count_is_one", {"vmCount": 1}, "vmCount: 1 must be an integer 2-200"),
    ("vm_count_is_over_200", {"vmCount": 201}, "vmCount: 201 must be an integer 2-200"),
    ("vm_count_is_not_a_number", {"vmCount": "two"}, "vmCount: 'two' must be an integer"),
    ("vm_size_is_empty", {"vmSize": ""}, "vmSize: '' must be an Azure VM size name"),
    ("admin_username_is_reserved", {"adminUsername": "Admin"}, "adminUsername: 'Admin' is reserved by Azure"),
    (
        "linux_admin_username_is_over_32_characters",
        {"adminUsername": "u" * 33},
        "adminUsername: '" + "u" * 33 + "' must be 1-32 characters on linux",
    ),
    (
        "windows_admin_username_is_over_20_characters",
        {**WINDOWS, "adminUsername": "u" * 21},
        "must be 1-20 characters on windows",
    ),
    ("admin_username_has_bad_characters", {"adminUsername": "bad name!"}, "adminUsername: 'bad name!' may contain"),
    ("ssh_key_is_missing_on_linux", {"sshPublicKey": None}, "sshPublicKey: not set; Linux VMs allow SSH keys only"),
    (
        "ssh_key_is_ecdsa",
        {"sshPublicKey": "ecdsa-sha2-nistp256 AAAAE2VjZHNh x"},
        "has type 'ecdsa-sha2-nistp256'; Azure accepts ssh-rsa (2048+ bits) or ssh-ed25519",
    ),
    ("ssh_rsa_key_is_1024_bits", {"sshPublicKey": ssh_rsa_key(1024)}, "is an ssh-rsa key of 1024 bits"),
    ("ssh_key_body_is_not_base64", {"sshPublicKey": "ssh-ed25519 not!base64"}, "is not valid base64"),
    (
        "ssh_key_body_does_not_match_its_type",
        {"sshPublicKey": "ssh-rsa " + ssh_ed25519_key().split()[1]},
        "does not match its key type",
    ),
    ("ssh_key_is_set_on_windows", {"osType": "windows"}, "sshPublicKey: is set, but Windows VMs use adminPassword"),
    (
        "admin_prefix_is_the_whole_internet",
        {"adminSourcePrefixes": ["0.0.0.0/0"]},
        "adminSourcePrefixes[0]: '0.0.0.0/0' would open the admin port to the whole Internet",
    ),
    (
        "admin_prefix_is_a_service_tag_for_everyone",
        {"adminSourcePrefixes": ["Internet"]},
        "adminSourcePrefixes[0]: 'Internet' would open the admin port",
    ),
    (
        "admin_prefix_is_not_an_address",
        {"adminSourcePrefixes": ["10.0.0.300"]},
        "adminSourcePrefixes[0]: '10.0.0.300' is not an IPv4 address or CIDR",
    ),
    (
        "admin_prefix_has_host_bits_set",
        {"adminSourcePrefixes": ["203.0.113.7/24"]},
        "'203.0.113.7/24' is not an IPv4 address or CIDR (203.0.113.7/24 has host bits set)",
    ),
    ("admin_prefix_is_ipv6", {"adminSourcePrefixes": ["2001:db8::/32"]}, "'2001:db8::/32' is IPv6"),
    (
        "admin_prefix_is_listed_twice",
        {"adminSourcePrefixes": ["203.0.113.7", "203.0.113.7/32"]},
        "adminSourcePrefixes[1]: '203.0.113.7/32' is listed twice",
    ),
    (
        "admin_prefixes_is_not_a_list",
        {"adminSourcePrefixes": "203.0.113.7"},
        "adminSourcePrefixes: '203.0.113.7' must be a list",
    ),
    ("nat_start_is_zero", {"natFrontendPortStart": 0}, "natFrontendPortStart: 0 must be an integer 1-65534"),
    (
        "nat_range_runs_past_65534",
        {"natFrontendPortStart": 65136},
        "natFrontendPortStart: 65136 + 400 ports (room for twice the 200 VMs a tier may have, so vmCount and "
        "placement never resize it) - 1 = 65535 is past 65534; use a start of at most 65135",
    ),
    (
        "nat_range_overlaps_a_rule_frontend_port",
        {"lbRules": [{"frontendPort": 50400, "backendPort": 80}]},
        "the NAT range 50001-50400 (room for twice the 200 VMs a tier may have, so vmCount and placement never "
        "resize it) overlaps the TCP frontend port(s) 50400 of lbRules",
    ),
    (
        "availability_set_cannot_surge_past_200_vms",
        {"vmCount": 101},
        "vmCount: 101 is more than 100 with placement availabilitySet: a change replaces each VM create-first, "
        "so the set would hold 202 VMs at once, past Azure's 200 per availability set; use at most 100, or "
        "placement zones or scaleSet",
    ),
    ("lb_rules_is_empty", {"lbRules": []}, "lbRules: [] must hold at least 1 item"),
    (
        "lb_rule_protocol_is_unknown",
        {"lbRules": [{"frontendPort": 80, "protocol": "Icmp"}]},
        "lbRules[0].protocol: 'Icmp' must be one of Tcp, Udp",
    ),
    (
        "lb_rule_frontend_port_is_zero",
        {"lbRules": [{"frontendPort": 0, "backendPort": 80}]},
        "lbRules[0].frontendPort: 0 must be an integer 1-65534",
    ),
    (
        "lb_rule_backend_port_is_too_high",
        {"lbRules": [{"frontendPort": 80, "backendPort": 70000}]},
        "lbRules[0].backendPort: 70000 must be an integer 1-65535",
    ),
    (
        "lb_rule_port_is_not_a_number",
        {"lbRules": [{"frontendPort": "http"}]},
        "lbRules[0].frontendPort: 'http' must be an integer",
    ),
    (
        "lb_rules_repeat_a_frontend_port",
        {"lbRules": [{"frontendPort": 80}, {"frontendPort": 80, "backendPort": 8080}]},
        "lbRules[1]: Tcp frontend port 80 is already used by lbRules[0]",
    ),
    (
        "lb_rules_repeat_a_backend_port",
        {"lbRules": [{"frontendPort": 80}, {"frontendPort": 8080, "backendPort": 80}]},
        "lbRules[1]: Tcp backend port 80 is already used by lbRules[0]",
    ),
    (
        "lb_rule_exposes_the_admin_port",
        {"lbRules": [{"frontendPort": 80}, {"frontendPort": 2222, "backendPort": 22}]},
        "lbRules[1].backendPort: 22 is the admin port",
    ),
    ("lb_rule_has_an_unknown_field", {"lbRules": [{"frontendPort": 80, "port": 80}]}, "lbRules[0].port: unknown field"),
    ("lb_rule_is_not_an_object", {"lbRules": [80]}, "lbRules[0]: 80 must be an object"),
    (
        "probe_protocol_is_unknown",
        {"probe": {"protocol": "Icmp"}},
        "probe.protocol: 'Icmp' must be one of Http, Https, Tcp",
    ),
    ("http_probe_uses_a_blocked_port", {"probe": {"port": 25}}, "probe.port: 25 is refused by Azure for Http probes"),
    (
        "http_probe_path_lacks_a_slash",
        {"probe": {"path": "health"}},
        "probe.path: 'health' must be `/` then letters, digits and `. _ ~ / -`",
    ),
    (
        "tcp_probe_has_a_path",
        {"probe": {"protocol": "Tcp", "path": "/"}},
        "probe.path: '/' is not allowed for Tcp probes",
    ),
    (
        "probe_interval_is_under_5_seconds",
        {"probe": {"intervalSeconds": 4}},
        "probe.intervalSeconds: 4 must be an integer 5-3600",
    ),
    ("probe_threshold_is_zero", {"probe": {"probeThreshold": 0}}, "probe.probeThreshold: 0 must be an integer 1-100"),
    (
        "probe_port_is_not_served",
        {"probe": {"port": 8080}},
        "probe.port: 8080 is not the backend port of any Tcp rule in lbRules (80)",
    ),
    ("probe_has_an_unknown_field", {"probe": {"timeout": 5}}, "probe.timeout: unknown field"),
    ("vnet_is_not_a_cidr", {"vnetAddressSpace": "10.0.0.0/33"}, "vnetAddressSpace: '10.0.0.0/33' is not an IPv4 CIDR"),
    (
        "vnet_is_larger_than_a_slash_8",
        {"vnetAddressSpace": "0.0.0.0/4", "subnetPrefix": "0.0.1.0/24"},
        "vnetAddressSpace: '0.0.0.0/4' must be a /8 to /29",
    ),
    (
        "subnet_is_outside_the_vnet",
        {"subnetPrefix": "10.1.0.0/24"},
        "subnetPrefix: '10.1.0.0/24' is not inside vnetAddressSpace '10.0.0.0/16'",
    ),
    (
        "subnet_is_too_small_for_the_vms",
        {"subnetPrefix": "10.0.1.0/28", "vmCount": 6},
        "subnetPrefix: '10.0.1.0/28' holds 11 VMs (Azure reserves 5 addresses) but the pool can hold 12 at once "
        "(twice vmCount 6, for old and new VMs during a replacement); use a larger subnet",
    ),
    (
        "subnet_is_smaller_than_a_slash_29",
        {"subnetPrefix": "10.0.1.0/30"},
        "subnetPrefix: '10.0.1.0/30' must be a /2 to /29",
    ),
    ("dns_label_has_bad_characters", {"dnsLabel": "Bad_Label"}, "dnsLabel: 'Bad_Label' must be 3-63 lowercase letters"),
    ("tag_value_is_not_a_string", {"tags": {"cost": 5}}, "tags: '{\"cost\":5}' values must be strings"),
    ("tag_name_has_a_forbidden_character", {"tags": {"a/b": "x"}}, "tags: name 'a/b' must be 1-512 characters"),
    ("resource_group_name_ends_with_a_period", {"resourceGroupName": "rg."}, "resourceGroupName: 'rg.' must be 1-90"),
    (
        "os_disk_type_is_unknown",
        {"osDiskType": "UltraSSD_LRS"},
        "osDiskType: 'UltraSSD_LRS' must be one of Standard_LRS",
    ),
    ("trusted_launch_is_not_a_boolean", {"trustedLaunch": "maybe"}, "trustedLaunch: 'maybe' must be true or false"),
    ("fault_domain_count_is_4", {"faultDomainCount": 4}, "faultDomainCount: 4 must be an integer 1-3"),
    ("update_domain_count_is_21", {"updateDomainCount": 21}, "updateDomainCount: 21 must be an integer 1-20"),
    ("a_key_is_misspelt", {"vmcount": 3}, "vmcount: not a setting of this project; did you mean vmCount?"),
    (
        "a_tag_value_is_257_characters",
        {"tags": {"a": "v" * 257}},
        "tags.a: '" + "v" * 257 + "' must be a string of at most 256",
    ),
    *(
        (
            f"an_http_probe_is_on_blocked_port_{port}",
            {"probe": {"port": port}, "lbRules": [{"frontendPort": 80, "backendPort": port}], "workload": "none"},
            f"probe.port: {port} is refused by Azure for Http probes (blocked: 19, 21, 25, 70, 110, 119, 143, 220, 993)",
        )
        # Azure's list (load-balancer-custom-probe-overview#probe-source-ip-address), written out.
        for port in (19, 21, 25, 70, 110, 119, 143, 220, 993)
    ),
    (
        "the_internal_frontend_ip_is_one_azure_reserves",
        {"frontendType": "internal", "frontendPrivateIp": "10.0.1.3"},
        "frontendPrivateIp: '10.0.1.3' must be a usable address of subnetPrefix '10.0.1.0/24' "
        "(Azure reserves the first four and the last)",
    ),
    # Admin and web access
    (
        "web_prefix_is_star",
        {"webSourcePrefixes": ["*"]},
        "webSourcePrefixes[0]: '*' must be an IPv4 address, a CIDR or a service tag",
    ),
    (
        "web_prefix_is_a_bad_address",
        {"webSourcePrefixes": ["10.0.0.300"]},
        "webSourcePrefixes[0]: '10.0.0.300' is not an IPv4 address or CIDR",
    ),
    (
        "web_prefix_is_not_a_tag",
        {"webSourcePrefixes": ["my office"]},
        "webSourcePrefixes[0]: 'my office' is neither an IPv4 address/CIDR nor a service tag",
    ),
    ("web_prefixes_are_empty", {"webSourcePrefixes": []}, "webSourcePrefixes: [] must hold at least 1 item"),
    (
        "web_prefix_is_listed_twice",
        {"webSourcePrefixes": ["Internet", "internet"]},
        "webSourcePrefixes[1]: 'internet' is listed twice",
    ),
    ("admin_access_is_unknown", {"adminAccess": "vpn"}, "adminAccess: 'vpn' must be one of nat, bastion, none"),
    (
        "bastion_subnet_is_smaller_than_a_slash_26",
        {"adminAccess": "bastion", "bastionSubnetPrefix": "10.0.2.0/27"},
        "bastionSubnetPrefix: '10.0.2.0/27' is too small; Azure Bastion needs a /26 or larger",
    ),
    (
        "bastion_subnet_is_outside_the_vnet",
        {"adminAccess": "bastion", "bastionSubnetPrefix": "10.9.0.0/26"},
        "bastionSubnetPrefix: '10.9.0.0/26' is not inside vnetAddressSpace '10.0.0.0/16'",
    ),
    (
        "bastion_subnet_overlaps_the_vm_subnet",
        {"adminAccess": "bastion", "bastionSubnetPrefix": "10.0.1.0/26"},
        "bastionSubnetPrefix: '10.0.1.0/26' overlaps subnetPrefix '10.0.1.0/24'",
    ),
    (
        "bastion_subnet_is_not_a_cidr",
        {"adminAccess": "bastion", "bastionSubnetPrefix": "bastion"},
        "bastionSubnetPrefix: 'bastion' is not an IPv4 CIDR",
    ),
    (
        "admin_prefixes_are_set_with_bastion",
        {"adminAccess": "bastion", "adminSourcePrefixes": ["203.0.113.7"]},
        "adminSourcePrefixes: is set, but adminAccess is bastion",
    ),
    (
        "admin_prefixes_are_set_with_none",
        {"adminAccess": "none", "adminSourcePrefixes": ["203.0.113.7"]},
        "adminSourcePrefixes: is set, but adminAccess is none",
    ),
    (
        "encryption_at_host_is_not_a_boolean",
        {"encryptionAtHost": "yes"},
        "encryptionAtHost: 'yes' must be true or false",
    ),
    # Frontend, existing subnet and resource group
    (
        "frontend_type_is_unknown",
        {"frontendType": "private"},
        "frontendType: 'private' must be one of public, internal",
    ),
    (
        "private_ip_is_set_on_a_public_frontend",
        {"frontendPrivateIp": "10.0.1.10"},
        "frontendPrivateIp: '10.0.1.10' is only used with frontendType internal",
    ),
    (
        "private_ip_is_not_an_address",
        {"frontendType": "internal", "frontendPrivateIp": "10.0.1"},
        "frontendPrivateIp: '10.0.1' is not an IPv4 address",
    ),
    (
        "private_ip_is_outside_the_subnet",
        {"frontendType": "internal", "frontendPrivateIp": "10.0.2.10"},
        "frontendPrivateIp: '10.0.2.10' must be a usable address of subnetPrefix '10.0.1.0/24'",
    ),
    (
        "private_ip_is_one_azure_reserves",
        {"frontendType": "internal", "frontendPrivateIp": "10.0.1.1"},
        "frontendPrivateIp: '10.0.1.1' must be a usable address",
    ),
    (
        "dns_label_is_set_on_an_internal_frontend",
        {"frontendType": "internal", "dnsLabel": "myapp"},
        "dnsLabel: 'myapp' needs a public IP; an internal frontend has none",
    ),
    (
        "subnet_id_is_not_a_subnet_id",
        {"subnetId": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/z"},
        "subnetId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/z' must be a subnet resource ID",
    ),
    (
        "bastion_is_asked_for_on_an_existing_subnet",
        {"subnetId": SUBNET_ID, "adminAccess": "bastion"},
        "adminAccess: 'bastion' needs an AzureBastionSubnet in a VNet this component creates",
    ),
    # Placement and scale set
    (
        "placement_is_unknown",
        {"placement": "cluster"},
        "placement: 'cluster' must be one of availabilitySet, zones, scaleSet",
    ),
    ("a_zone_does_not_exist", {"placement": "zones", "zones": ["1", "4"]}, "zones[1]: '4' must be one of 1, 2, 3"),
    ("a_zone_is_listed_twice", {"placement": "zones", "zones": ["1", "1"]}, "zones[1]: '1' is listed twice"),
    (
        "zones_are_empty_for_zonal_vms",
        {"placement": "zones", "zones": []},
        "zones: [] needs at least one zone with placement zones",
    ),
    (
        "zones_are_set_for_an_availability_set",
        {"zones": ["1"]},
        "zones: ['1'] is used only with placement zones or scaleSet",
    ),
    (
        "scale_set_settings_are_set_for_vms",
        {"scaleSet": {"maxCount": 20}},
        "scaleSet: is set, but placement is not scaleSet",
    ),
    (
        "vm_count_is_set_for_a_scale_set",
        {"placement": "scaleSet", "vmCount": 5},
        "vmCount: 5 is not used with placement scaleSet; set scaleSet.defaultCount",
    ),
    (
        "update_domains_are_set_for_zones",
        {"placement": "zones", "updateDomainCount": 10},
        "updateDomainCount: 10 is used only with placement availabilitySet",
    ),
    (
        "fault_domains_are_set_for_zones",
        {"placement": "zones", "faultDomainCount": 3},
        "faultDomainCount: 3 is not used when zones spread the VMs",
    ),
    (
        "min_count_exceeds_default_count",
        {"placement": "scaleSet", "scaleSet": {"minCount": 5, "defaultCount": 3}},
        "scaleSet: minCount 5 <= defaultCount 3 <= maxCount 10 does not hold",
    ),
    (
        "max_count_exceeds_1000",
        {"placement": "scaleSet", "scaleSet": {"maxCount": 1001}},
        "scaleSet.maxCount: 1001 must be an integer 2-1000",
    ),
    (
        "min_count_is_one",
        {"placement": "scaleSet", "scaleSet": {"minCount": 1}},
        "scaleSet.minCount: 1 must be an integer 2-1000",
    ),
    (
        "scale_in_is_not_below_scale_out",
        {"placement": "scaleSet", "scaleSet": {"scaleInCpuPercent": 80}},
        "scaleSet.scaleInCpuPercent: 80 must be below scaleOutCpuPercent 70",
    ),
    (
        "scale_out_is_over_100",
        {"placement": "scaleSet", "scaleSet": {"scaleOutCpuPercent": 120}},
        "scaleSet.scaleOutCpuPercent: 120 must be an integer 1-100",
    ),
    (
        "cooldown_is_zero",
        {"placement": "scaleSet", "scaleSet": {"cooldownMinutes": 0}},
        "scaleSet.cooldownMinutes: 0 must be an integer 1-10080",
    ),
    (
        "scale_set_field_is_unknown",
        {"placement": "scaleSet", "scaleSet": {"max": 5}},
        "scaleSet.max: unknown field; allowed: minCount, maxCount",
    ),
    (
        "scale_set_count_is_not_a_number",
        {"placement": "scaleSet", "scaleSet": {"maxCount": "many"}},
        "scaleSet.maxCount: 'many' must be an integer",
    ),
    (
        "nat_range_cannot_hold_max_count",
        {
            "placement": "scaleSet",
            "natFrontendPortStart": 64400,
            "scaleSet": {"maxCount": 1000},
            "subnetPrefix": "10.0.0.0/20",
        },
        "natFrontendPortStart: 64400 + 1200 ports (scaleSet.maxCount 1000 + a MaxSurge batch of 200) - 1 = 65599 is "
        "past 65534; use a start of at most 64335",
    ),
    (
        "subnet_cannot_hold_max_count",
        {"placement": "scaleSet", "subnetPrefix": "10.0.1.0/28", "scaleSet": {"maxCount": 10}},
        "subnetPrefix: '10.0.1.0/28' holds 11 VMs (Azure reserves 5 addresses) but the pool can hold 12 at once "
        "(scaleSet.maxCount 10 + a MaxSurge batch of 2); use a larger subnet",
    ),
    (
        "rolling_batch_is_under_5_percent",
        {"placement": "scaleSet", "scaleSet": {"rollingBatchPercent": 4}},
        "scaleSet.rollingBatchPercent: 4 must be an integer 5-100",
    ),
    (
        "rolling_max_unhealthy_is_over_100",
        {"placement": "scaleSet", "scaleSet": {"rollingMaxUnhealthyPercent": 101}},
        "scaleSet.rollingMaxUnhealthyPercent: 101 must be an integer 5-100",
    ),
    (
        "rolling_max_unhealthy_upgraded_is_negative",
        {"placement": "scaleSet", "scaleSet": {"rollingMaxUnhealthyUpgradedPercent": -1}},
        "scaleSet.rollingMaxUnhealthyUpgradedPercent: -1 must be an integer 0-100",
    ),
    (
        "rolling_pause_is_over_an_hour",
        {"placement": "scaleSet", "scaleSet": {"rollingPauseMinutes": 61}},
        "scaleSet.rollingPauseMinutes: 61 must be an integer 0-60",
    ),
    (
        "rolling_max_surge_is_not_a_boolean",
        {"placement": "scaleSet", "scaleSet": {"rollingMaxSurge": "sometimes"}},
        "scaleSet.rollingMaxSurge: 'sometimes' must be true or false",
    ),
    (
        "a_rolling_batch_holds_every_instance_without_surge",
        {"placement": "scaleSet", "scaleSet": {"rollingBatchPercent": 60, "rollingMaxSurge": False}},
        "scaleSet.rollingBatchPercent: 60 upgrades all 2 instances (minCount) in one batch without rollingMaxSurge, "
        "taking the service down; use at most 50 or set rollingMaxSurge: true",
    ),
    # Monitoring
    (
        "an_email_is_malformed",
        {"monitoring": {"enabled": True, "alertEmails": ["ops-at-example.com"]}},
        "monitoring.alertEmails[0]: 'ops-at-example.com' must be an e-mail address",
    ),
    (
        "an_email_is_listed_twice",
        {"monitoring": {"enabled": True, "alertEmails": ["a@example.com", "A@example.com"]}},
        "monitoring.alertEmails[1]: 'A@example.com' is listed twice",
    ),
    (
        "retention_is_under_30_days",
        {"monitoring": {"enabled": True, "retentionDays": 7}},
        "monitoring.retentionDays: 7 must be an integer 30-730",
    ),
    (
        "retention_is_over_730_days",
        {"monitoring": {"enabled": True, "retentionDays": 731}},
        "monitoring.retentionDays: 731 must be an integer 30-730",
    ),
    (
        "emails_are_set_with_monitoring_off",
        {"monitoring": {"alertEmails": ["ops@example.com"]}},
        "monitoring.alertEmails: is set, but monitoring.enabled is false",
    ),
    (
        "enabled_is_not_a_boolean",
        {"monitoring": {"enabled": "sometimes"}},
        "monitoring.enabled: 'sometimes' must be true or false",
    ),
    (
        "emails_are_not_a_list",
        {"monitoring": {"enabled": True, "alertEmails": "ops@example.com"}},
        "monitoring.alertEmails: 'ops@example.com' must be a list",
    ),
    (
        "a_field_is_unknown",
        {"monitoring": {"enabled": True, "sms": ["+1555"]}},
        "monitoring.sms: unknown field; allowed: enabled, alertEmails, retentionDays",
    ),
    # Workload and its file
    (
        "workload_is_unknown",
        lambda t: {"workload": "apache"},
        "workload: 'apache' must be one of nginx, iis, none, custom",
    ),
    (
        "iis_is_chosen_on_linux",
        lambda t: {"workload": "iis"},
        "workload: 'iis' runs on windows only; on linux use nginx",
    ),
    ("nginx_is_chosen_on_windows", lambda t: {**WINDOWS, "workload": "nginx"}, "workload: 'nginx' runs on linux only"),
    ("custom_has_no_file", lambda t: {"workload": "custom"}, "workloadFile: not set; workload custom needs"),
    (
        "custom_file_does_not_exist",
        lambda t: {"workload": "custom", "workloadFile": "nope.yaml"},
        "workloadFile: 'nope.yaml' does not exist",
    ),
    (
        "linux_file_is_not_cloud_init",
        lambda t: {"workload": "custom", "workloadFile": write(t, "a.yaml", "packages: [x]\n")},
        "is not a cloud-init file for linux",
    ),
    (
        "windows_file_is_a_cloud_init_file",
        lambda t: {**WINDOWS, "workload": "custom", "workloadFile": write(t, "a.yaml", "#cloud-config\n")},
        "is not a PowerShell script (.ps1) for windows",
    ),
    (
        "linux_file_is_over_the_custom_data_limit",
        lambda t: {"workload": "custom", "workloadFile": write(t, "big.sh", "#!/bin/sh\n" + "#" * 65535)},
        "bytes; Azure's customData holds at most 65535",
    ),
    (
        "windows_script_is_too_long_for_a_command_line",
        lambda t: {**WINDOWS, "workload": "custom", "workloadFile": write(t, "big.ps1", "#" * 4000)},
        "-character command line; Windows allows 8191",
    ),
    (
        "workload_file_is_set_without_custom",
        lambda t: {"workloadFile": "app.yaml"},
        "workloadFile: 'app.yaml' is used only with workload custom",
    ),
    (
        "built_in_server_gets_an_https_probe",
        lambda t: {"probe": {"protocol": "Https", "port": 80}},
        "probe.protocol: 'Https' needs a TLS server",
    ),
    (
        "built_in_server_is_probed_off_port_80",
        lambda t: {"lbRules": [{"frontendPort": 80, "backendPort": 8080}], "probe": {"port": 8080}},
        "probe.port: 8080 is not served by workload nginx, which listens on port 80",
    ),
    (
        "probe_path_could_break_the_scripts",
        lambda t: {"probe": {"path": "/x';reboot;'"}},
        "probe.path: \"/x';reboot;'\" must be `/` then letters, digits and `. _ ~ / -`",
    ),
    # roleAssignments
    (
        "role_name_is_unknown",
        {
            "roleAssignments": [
                {"role": "Key Vault Secret User", "scope": "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"}
            ]
        },
        "roleAssignments[0].role: 'Key Vault Secret User' is not a built-in role name (components/data/builtin-roles.json)"
        " nor a role definition ID (/providers/Microsoft.Authorization/roleDefinitions/<guid>); did you mean "
        "'Key Vault Secrets User'",
    ),
    (
        "role_scope_is_not_a_resource_id",
        {"roleAssignments": [{"role": "Reader", "scope": "rg-app"}]},
        "roleAssignments[0].scope: 'rg-app' must be an Azure resource ID: /subscriptions/<guid>",
    ),
    (
        "role_assignment_is_repeated",
        {
            "roleAssignments": [
                {
                    "role": "Reader",
                    "scope": "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-app",
                },
                {
                    "role": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
                    "scope": "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/RG-APP",
                },
            ]
        },
        "roleAssignments[1]: role '/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-"
        "f606fba81ae7' at scope '/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/RG-APP' repeats "
        "roleAssignments[0]",
    ),
    # Key Vault (keyVaultId)
    (
        "key_vault_id_is_not_a_vault",
        {**WINDOWS, "keyVaultId": SUBNET_ID},
        f"keyVaultId: {SUBNET_ID!r} must be a Key Vault's resource ID",
    ),
    (
        "key_vault_name_is_too_long",
        {
            **WINDOWS,
            "keyVaultId": "/subscriptions/0000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/" + "k" * 25,
        },
        "must be a Key Vault's resource ID",
    ),
    (
        "key_vault_name_is_too_short",
        {**WINDOWS, "keyVaultId": "/subscriptions/0000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv"},
        "keyVaultId: '/subscriptions/0000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv' must be a Key "
        "Vault's resource ID",
    ),
    (
        "key_vault_name_has_two_dashes",
        {
            **WINDOWS,
            "keyVaultId": "/subscriptions/0000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv--web",
        },
        "no '--'",
    ),
    (
        "key_vault_id_on_linux",
        {"keyVaultId": "/subscriptions/0000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-web"},
        "keyVaultId: there is no admin password to store on Linux (SSH keys only); remove keyVaultId",
    ),
    # Image
    (
        "image_is_both_marketplace_and_gallery",
        {"image": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "id": GALLERY_IMAGE}},
        "image: publisher, offer, sku and id are both set; give a marketplace image (publisher, offer, sku) or a "
        "gallery image (id), not both",
    ),
    (
        "image_is_neither",
        {"image": {"version": "latest"}},
        "image: publisher, offer, sku missing; give a marketplace image (publisher, offer, sku) or a gallery image (id)",
    ),
    (
        "image_lacks_a_sku",
        {"image": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts"}},
        "image: sku missing; give a marketplace image",
    ),
    (
        "image_id_is_a_managed_image",
        {"image": {"id": "/subscriptions/0000/resourceGroups/rg-img/providers/Microsoft.Compute/images/web"}},
        "image.id: '/subscriptions/0000/resourceGroups/rg-img/providers/Microsoft.Compute/images/web' must be a "
        "gallery image version ID",
    ),
    (
        "image_version_is_not_major_minor_build",
        {"image": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "24.04"}},
        "image.version: '24.04' must be `latest` or Major.Minor.Build",
    ),
    (
        "image_version_is_given_with_a_gallery_id",
        {"image": {"id": GALLERY_IMAGE, "version": "1.0.0"}},
        "image.version: is for marketplace images; a gallery image's version is in its id",
    ),
    (
        "image_is_gen1_with_trusted_launch",
        {"image": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server-gen1"}},
        "image.sku: 'server-gen1' is a generation 1 image; Trusted Launch needs a Gen2 image (or set "
        "trustedLaunch: false)",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), [c[1:] for c in CASES], ids=[f"fails when {c[0]}" for c in CASES])
def test_fails_when(overrides: Overrides, expected: str, tmp_path: Path) -> None:
    values = overrides(tmp_path) if callable(overrides) else overrides
    assert expected in single_problem(**values)
