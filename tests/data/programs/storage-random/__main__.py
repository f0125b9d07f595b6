"""Fixture: another provider's resources (random) and an Azure resource whose outputs only
Azure computes (a storage account's endpoints), read by the program in an apply."""

import pulumi
import pulumi_random as random
from pulumi_azure_native import resources, storage

suffix = random.RandomString("suffix", length=8, special=False, upper=False)
pet = random.RandomPet("pet", length=2)
rg = resources.ResourceGroup("data-rg")
account = storage.StorageAccount(
    "data",
    resource_group_name=rg.name,
    account_name=suffix.result.apply(lambda s: f"data{s}"),
    sku=storage.SkuArgs(name="Standard_ZRS"),
    kind="StorageV2",
    minimum_tls_version="TLS1_2",
    allow_blob_public_access=False,
)
container = storage.BlobContainer(
    "logs",
    resource_group_name=rg.name,
    account_name=account.name,
    public_access=storage.PublicAccess.NONE,
)

# Only Azure knows the endpoints; `pulumi preview` leaves them unknown and skips this apply.
pulumi.export("blobEndpoint", account.primary_endpoints.apply(lambda e: e.blob))
pulumi.export("containerUrl", pulumi.Output.concat(account.primary_endpoints.blob, container.name))
pulumi.export("petName", pet.id)
