"""`keyVaultId`: the Windows admin password is also stored in an existing Key Vault, as the very
secret the VMs get. (The rule cases, a bad ID and Linux, are in tests/test_rules.py.)"""

from __future__ import annotations

from conftest import COMPONENT, PASSWORD, VM, ok, run_stack

from offline.engine import ProgramRun, Registered, Secret, plain

KV_SECRET = "azure-native:keyvault:Secret"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
KEY_VAULT_ID = (
    "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-secrets/providers/Microsoft.KeyVault"
    "/vaults/kv-web-prod"
)
SCALE_SET = {"placement": "scaleSet", "keyVaultId": KEY_VAULT_ID}


def the_secret(run: ProgramRun) -> Registered:
    [secret] = run.of_type(KV_SECRET)
    return secret


def test_the_password_goes_to_the_vault_parsed_from_the_id() -> None:
    run = ok(run_stack("prod", overrides={"keyVaultId": KEY_VAULT_ID}))
    [secret] = run.of_type(KV_SECRET)
    assert secret.name == "web-admin-password"
    assert secret.parent == run.one(COMPONENT).urn
    assert {k: v for k, v in secret.inputs.items() if k != "properties"} == {
        "resourceGroupName": "rg-secrets",
        "vaultName": "kv-web-prod",
        "secretName": "web-admin-password",
        "tags": {"environment": "prod", "workload": "lb-vms"},
    }
    # The value is the generated password the VMs get, and it is sent as a secret.
    assert isinstance(secret.inputs["properties"], Secret)
    generated = run.one(PASSWORD)
    assert generated.urn in secret.dependencies
    assert plain(secret.inputs["properties"]) == {
        "value": plain(generated.outputs["result"]),
        "contentType": "admin password of web VMs (azureuser)",
    }
    for vm in run.of_type(VM):
        assert plain(vm.inputs["osProfile"])["adminPassword"] == plain(generated.outputs["result"])
    # The stack exports where the secret is, in plain text (a URI, not the password).
    uri = run.outputs["adminPasswordSecretUri"]
    assert not isinstance(uri, Secret)
    assert uri == plain(secret.outputs["properties"])["secretUri"]
    assert isinstance(run.outputs["adminPassword"], Secret)


def test_a_configured_password_is_the_one_stored() -> None:
    run = ok(
        run_stack("prod", overrides={"keyVaultId": KEY_VAULT_ID}, secrets={"adminPassword": "Corr3ct-Horse-Battery"})
    )
    assert run.of_type(PASSWORD) == []
    secret = the_secret(run)
    assert isinstance(secret.inputs["properties"], Secret)
    assert plain(secret.inputs["properties"])["value"] == "Corr3ct-Horse-Battery"
    for vm in run.of_type(VM):
        assert plain(vm.inputs["osProfile"])["adminPassword"] == "Corr3ct-Horse-Battery"


def test_a_scale_set_stores_the_password_its_instances_get() -> None:
    run = ok(run_stack("prod", overrides=SCALE_SET, remove=("vmCount", "faultDomainCount")))
    [secret] = run.of_type(KV_SECRET)
    assert (secret.inputs["resourceGroupName"], secret.inputs["vaultName"]) == ("rg-secrets", "kv-web-prod")
    generated = run.one(PASSWORD)
    vmss = run.one(VMSS)
    os_profile = plain(vmss.inputs["virtualMachineProfile"])["osProfile"]
    assert os_profile["adminPassword"] == plain(generated.outputs["result"])
    assert plain(secret.inputs["properties"])["value"] == os_profile["adminPassword"]
    assert run.outputs["adminPasswordSecretUri"] == plain(secret.outputs["properties"])["secretUri"]


def test_without_a_vault_nothing_is_stored(prod: ProgramRun) -> None:
    assert prod.of_type(KV_SECRET) == []
    assert "adminPasswordSecretUri" not in prod.outputs
    assert isinstance(prod.outputs["adminPassword"], Secret)
