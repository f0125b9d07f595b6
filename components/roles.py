"""Role assignments of the component's identity (`roleAssignments`).

A role is a built-in role name, looked up offline in components/data/builtin-roles.json
(vendored from Azure's built-in roles page by scripts/vendor_builtin_roles.py), or a role
definition ID. Every form becomes the ID Azure stores and returns,
`/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>` with the
scope's subscription, so a refresh sees no difference. A bare GUID is accepted as Azure
Verified Modules accept it: their `roleDefinitionIdOrName` is a built-in name, an ID containing
`/providers/Microsoft.Authorization/roleDefinitions/`, or else a GUID passed to
`subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ...)`
(Azure/bicep-registry-modules, avm/res/*/main.bicep, `formattedRoleAssignments`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from functools import cache
from pathlib import Path

import pulumi
from pulumi_azure_native import authorization, managedidentity

from .identity import Identity
from .settings import MultiVmLoadBalancedArgs, RoleAssignment

TABLE = Path(__file__).resolve().parent / "data" / "builtin-roles.json"

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_DEFINITION_ID = re.compile(
    rf"(?i)(?:/subscriptions/{_GUID})?/providers/Microsoft\.Authorization/roleDefinitions/(?P<guid>{_GUID})"
)
_BARE_GUID = re.compile(rf"(?P<guid>{_GUID})")
_SUBSCRIPTION = re.compile(rf"(?i)/subscriptions/(?P<sub>{_GUID})")
_IDENTITY = re.compile(r"(?i)/subscriptions/[^/]+/resourceGroups/(?P<rg>[^/]+)/providers/[^/]+/[^/]+/(?P<name>[^/]+)")


@cache
def builtin_roles() -> dict[str, str]:
    """Built-in role name -> role definition GUID."""
    return dict(json.loads(TABLE.read_text(encoding="utf-8"))["roles"])


def _by_lower_name() -> dict[str, str]:
    return {name.lower(): guid for name, guid in builtin_roles().items()}


def role_guid(role: str) -> str | None:
    """The role definition GUID of a built-in name (any case) or a definition ID; None if unknown."""
    if m := _DEFINITION_ID.fullmatch(role) or _BARE_GUID.fullmatch(role):
        return m["guid"].lower()
    return _by_lower_name().get(role.strip().lower())


def role_problem(role: str) -> str | None:
    """Why `role` names no role (with the nearest built-in names), or None."""
    if role_guid(role) is not None:
        return None
    near = difflib.get_close_matches(role, list(builtin_roles()), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    return (
        f"is not a built-in role name (components/data/builtin-roles.json) nor a role definition ID "
        f"(/providers/Microsoft.Authorization/roleDefinitions/<guid>){hint}"
    )


def role_definition_id(a: RoleAssignment) -> str:
    """The full role definition ID, in the scope's subscription."""
    guid = role_guid(a.role)
    sub = _SUBSCRIPTION.match(a.scope)
    assert guid is not None and sub is not None, "checked by the rules before anything is built"
    return f"/subscriptions/{sub['sub'].lower()}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def assignment_key(a: RoleAssignment) -> str:
    """Stable part of the logical name: from the role's GUID and the scope, so adding,
    removing or reordering assignments never renames another."""
    text = f"{role_guid(a.role)}|{a.scope.lower().rstrip('/')}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _principal_id(
    identity: Identity, identity_id: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    if identity.principal_id is not None:
        return identity.principal_id

    # An identity passed in: its principal ID is read from Azure.
    def part(rid: str, key: str) -> str:
        m = _IDENTITY.match(rid)
        if m is None:
            raise ValueError(f"identityId {rid!r} is not a user-assigned identity's resource ID")
        return m[key]

    rid = pulumi.Output.from_input(identity_id)
    read = managedidentity.get_user_assigned_identity_output(
        resource_group_name=rid.apply(lambda r: part(r, "rg")),
        resource_name=rid.apply(lambda r: part(r, "name")),
        opts=pulumi.InvokeOutputOptions(parent=opts.parent),
    )
    return read.principal_id


def build_role_assignments(
    name: str, args: MultiVmLoadBalancedArgs, identity: Identity, opts: pulumi.ResourceOptions
) -> list[authorization.RoleAssignment]:
    if not args.role_assignments:
        return []
    assert args.identity_id is not None or identity.principal_id is not None
    principal = _principal_id(identity, args.identity_id or "", opts)
    return [
        authorization.RoleAssignment(
            f"{name}-role-{assignment_key(a)}",
            principal_id=principal,
            # A new identity takes a while to replicate in Entra ID; the type tells Azure not to
            # look it up, which avoids "PrincipalNotFound" (https://learn.microsoft.com/azure/
            # role-based-access-control/role-assignments-template#new-service-principal).
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=role_definition_id(a),
            scope=a.scope,
            # role_assignment_name is left out: Azure accepts only a GUID, and azure-native
            # auto-names it with a random UUID kept in state across updates (its `uuid`
            # auto-naming strategy, provider/pkg/provider/provider.go getDefaultName;
            # pulumi/pulumi-azure-native#582). A name derived here would need the principal ID,
            # an Output.
            opts=opts,
        )
        for a in args.role_assignments
    ]
