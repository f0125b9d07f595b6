"""`roleAssignments`: GIVEN the dev stack with roles granted to the component's identity, WHEN
the program runs on the mock engine, THEN one `authorization.RoleAssignment` per item, wired to
the identity's principal, with the full role definition ID and the scope as given."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ROOT, SSH_KEY, ok, run_stack

from components.roles import builtin_roles
from offline import engine, stackfile

SUB = "0b1f6471-1bf0-4dda-aec3-111122223333"
RG_SCOPE = f"/subscriptions/{SUB}/resourceGroups/rg-app"
KV_SCOPE = f"{RG_SCOPE}/providers/Microsoft.KeyVault/vaults/kv-app"
# Azure's documented GUIDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
GIVEN_IDENTITY = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web"
)
GIVEN_PRINCIPAL = "9d3c0f5e-0000-4000-8000-00000000abcd"

ASSIGNMENTS = [
    {"role": "Reader", "scope": RG_SCOPE},
    {"role": f"/providers/Microsoft.Authorization/roleDefinitions/{KV_SECRETS_USER}", "scope": KV_SCOPE},
]


def definition(guid: str) -> str:
    return f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def run_with_identity(overrides: dict[str, Any]) -> engine.ProgramRun:
    """The dev stack with an `identityId`, its principal ID answered as Azure would."""
    cfg = stackfile.load(ROOT, "dev", overrides={"sshPublicKey": SSH_KEY, "identityId": GIVEN_IDENTITY, **overrides})
    answers = {
        "azure-native:managedidentity:getUserAssignedIdentity": [
            {
                "args": {"resourceGroupName": "rg-ids", "resourceName": "id-web"},
                "result": {"principalId": GIVEN_PRINCIPAL, "id": GIVEN_IDENTITY, "name": "id-web"},
            }
        ]
    }
    return ok(
        engine.run_program(
            ROOT, project=cfg.project, stack="dev", config=cfg.values, secret_keys=cfg.secret_keys, answers=answers
        )
    )


def test_builtin_table_has_azures_documented_guids() -> None:
    roles = builtin_roles()
    assert roles["Reader"] == READER
    assert roles["Contributor"] == CONTRIBUTOR


@pytest.mark.parametrize("placement", ["availabilitySet", "scaleSet"])
def test_created_identity_gets_each_role(placement: str) -> None:
    run = ok(run_stack("dev", {"placement": placement, "roleAssignments": ASSIGNMENTS}))
    principal = run.one(IDENTITY).outputs["principalId"]
    got = run.of_type(ROLE_ASSIGNMENT)
    assert len(got) == 2
    by_scope = {r.inputs["scope"]: r.inputs for r in got}
    assert set(by_scope) == {RG_SCOPE, KV_SCOPE}
    assert by_scope[RG_SCOPE]["roleDefinitionId"] == definition(READER)
    assert by_scope[KV_SCOPE]["roleDefinitionId"] == definition(KV_SECRETS_USER)
    for inputs in by_scope.values():
        assert inputs["principalId"] == principal
        assert inputs["principalType"] == "ServicePrincipal"
        assert "roleAssignmentName" not in inputs
    component = next(r for r in run.resources if r.type.endswith("MultiVmLoadBalanced"))
    assert all(r.parent == component.urn for r in got)


@pytest.mark.parametrize("placement", ["availabilitySet", "scaleSet"])
def test_given_identity_gets_each_role_with_its_read_principal(placement: str) -> None:
    run = run_with_identity({"placement": placement, "roleAssignments": ASSIGNMENTS})
    assert run.of_type(IDENTITY) == []
    got = run.of_type(ROLE_ASSIGNMENT)
    assert len(got) == 2
    assert {r.inputs["principalId"] for r in got} == {GIVEN_PRINCIPAL}
    assert {r.inputs["roleDefinitionId"] for r in got} == {definition(READER), definition(KV_SECRETS_USER)}


def test_no_role_assignments_by_default() -> None:
    assert ok(run_stack("dev")).of_type(ROLE_ASSIGNMENT) == []


def test_logical_names_stay_when_an_assignment_is_added_first() -> None:
    first = ok(run_stack("dev", {"roleAssignments": ASSIGNMENTS}))
    added = [{"role": "Contributor", "scope": RG_SCOPE}, *ASSIGNMENTS]
    second = ok(run_stack("dev", {"roleAssignments": added}))
    names = {r.name: r.inputs["roleDefinitionId"] for r in first.of_type(ROLE_ASSIGNMENT)}
    names2 = {r.name: r.inputs["roleDefinitionId"] for r in second.of_type(ROLE_ASSIGNMENT)}
    assert len(names) == 2 and len(names2) == 3
    assert {k: names2[k] for k in names} == names
    assert all(n.startswith("web-role-") for n in names2)
    assert json.dumps(sorted(names2.values())) == json.dumps(
        sorted([definition(CONTRIBUTOR), definition(READER), definition(KV_SECRETS_USER)])
    )


def test_role_assignments_conform_to_the_azure_api_types() -> None:
    from offline import azure_types

    run = ok(run_stack("dev", {"roleAssignments": ASSIGNMENTS}))
    found, unchecked = azure_types.check(run)
    assert found == []
    assert ROLE_ASSIGNMENT not in unchecked


@pytest.mark.parametrize(
    "role",
    [
        "Key Vault Secrets User",
        "key vault secrets user",
        KV_SECRETS_USER,
        f"/providers/Microsoft.Authorization/roleDefinitions/{KV_SECRETS_USER}",
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{KV_SECRETS_USER.upper()}",
    ],
)
def test_every_form_of_a_role_becomes_the_id_azure_returns(role: str) -> None:
    from components.roles import role_definition_id
    from components.settings import RoleAssignment

    assert role_definition_id(RoleAssignment(role=role, scope=KV_SCOPE)) == definition(KV_SECRETS_USER)
