"""The Windows admin password, also stored in an existing Key Vault (`keyVaultId`), so operators
read it from the vault (with its access control and audit log) instead of the stack.

The secret is the same Output the VMs get (profile.py `admin_password`): the configured
password, or the generated one. Azure checks at `pulumi up` that the vault exists and that
the deploying identity may set secrets in it ("Key Vault Secrets Officer" on an RBAC vault,
a `set` secret permission on an access-policy vault:
https://learn.microsoft.com/azure/key-vault/general/rbac-guide); nothing here can check it
offline.
"""

from __future__ import annotations

import re

import pulumi
from pulumi_azure_native import keyvault

from .settings import ConfigError, MultiVmLoadBalancedArgs

# Secret names: 1-127 letters, digits and dashes ("Objects, identifiers, and versioning",
# https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates).
_SECRET_NAME = re.compile(r"[0-9A-Za-z-]{1,127}")
_VAULT_ID = re.compile(
    r"(?i)/subscriptions/[^/]+/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.KeyVault/vaults/(?P<vault>[^/]+)"
)


def secret_name(name: str, prefix: str | None) -> str:
    """The vault secret that holds the admin password of component `name`: named by the name
    prefix when there is one, so that two stacks of one component name can share a vault."""
    return f"{prefix or name}-admin-password"


def vault_of(key_vault_id: str) -> tuple[str, str]:
    """(resource group, vault name) of a vault's resource ID (checked by the declaration)."""
    found = _VAULT_ID.fullmatch(key_vault_id.rstrip("/"))
    if found is None:
        raise ConfigError([f"keyVaultId: {key_vault_id!r} is not a Key Vault's resource ID"])
    return found["rg"], found["vault"]


def store_admin_password(
    name: str, args: MultiVmLoadBalancedArgs, password: pulumi.Output[str] | None, opts: pulumi.ResourceOptions
) -> keyvault.Secret | None:
    """The vault secret holding `password`, when `keyVaultId` is set and there is a password."""
    if args.key_vault_id is None or password is None:
        return None
    rg, vault = vault_of(args.key_vault_id)
    secret = secret_name(name, args.name_prefix)
    # The component name and the prefix (1-40 letters, digits or '-') always give a valid name;
    # checked here so that a change to either rule cannot send Azure a name it refuses.
    if not _SECRET_NAME.fullmatch(secret):
        raise ConfigError(
            [f"component name: {name!r} gives the Key Vault secret name {secret!r}, not 1-127 letters, digits or '-'"]
        )
    return keyvault.Secret(
        secret,
        resource_group_name=rg,
        vault_name=vault,
        secret_name=secret,
        properties=keyvault.SecretPropertiesArgs(
            value=pulumi.Output.secret(password),
            content_type=f"admin password of {name} VMs ({args.admin_username})",
        ),
        tags=args.tags,
        opts=opts,
    )
