"""Fixture: a program that reads what exists already: a resource group and a public IP by
name, the caller's identity, and a storage account (which needs an answer file offline)."""

import pulumi
from pulumi_azure_native import authorization, network, resources, storage

client = authorization.get_client_config()
rg = resources.get_resource_group(resource_group_name="shared-rg")
ip = network.get_public_ip_address(resource_group_name="shared-rg", public_ip_address_name="shared-pip")
account = storage.get_storage_account_output(resource_group_name="shared-rg", account_name="shareddata")

vnet = network.VirtualNetwork(
    "reader-vnet",
    resource_group_name=rg.name,
    location=rg.location,
    address_space=network.AddressSpaceArgs(address_prefixes=["10.9.0.0/16"]),
)
pulumi.export("tenant", client.tenant_id)
pulumi.export("sharedIp", ip.ip_address)
pulumi.export("sharedIpName", ip.name)
pulumi.export("blob", account.primary_endpoints.blob)
