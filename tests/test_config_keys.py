"""`config_keys`: the one helper that reads the Pulumi SDK's own config store, pinned on the
installed SDK.

GIVEN config set the ways a Python program receives it (the language host's `set_all_config`
from the CLI's `PULUMI_CONFIG`, or that variable alone), WHEN the helper lists a namespace,
THEN it returns exactly the keys set there with their values and secretness; and the SDK it
was pinned on is one requirements.txt allows.
"""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Callable
from importlib.metadata import version
from typing import TypeVar

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.version import Version
from pulumi import runtime

from config_keys import namespace_config, set_keys

T = TypeVar("T")

CONFIG = {
    "proj:vmCount": "3",
    "proj:tags": '{"env":"dev"}',
    "proj:adminPassword": "S3cret-Passw0rd!",
    "other:vmCount": "9",
    "azure-native:location": "westeurope",
    "projx:stray": "not proj's",
}
SECRET_KEYS = ["proj:adminPassword", "other:vmCount"]


def fresh(body: Callable[[], T]) -> T:
    """Run `body` in a fresh context: the SDK keeps its config in context variables."""
    return contextvars.Context().run(body)


def test_values_secrets_and_only_the_namespace_asked_for() -> None:
    def body() -> tuple[dict[str, str], set[str]]:
        runtime.set_all_config(CONFIG, SECRET_KEYS)
        return namespace_config("proj")

    values, secret = fresh(body)
    assert values == {"vmCount": "3", "tags": '{"env":"dev"}', "adminPassword": "S3cret-Passw0rd!"}
    assert secret == {"adminPassword"}


def test_a_namespace_nothing_sets_is_empty() -> None:
    def body() -> tuple[dict[str, str], set[str]]:
        runtime.set_all_config(CONFIG, SECRET_KEYS)
        return namespace_config("unused")

    assert fresh(body) == ({}, set())


def test_keys_from_the_environment_as_the_cli_passes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI hands a program its config as JSON in PULUMI_CONFIG (and the secret keys in
    PULUMI_CONFIG_SECRET_KEYS); the language host copies both into the store before the
    program runs (sdk/python/cmd/pulumi-language-python-exec)."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(CONFIG))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(SECRET_KEYS))

    def as_the_language_host_runs_it() -> tuple[dict[str, str], set[str]]:
        runtime.set_all_config(runtime.get_config_env(), runtime.get_config_secret_keys_env())
        return namespace_config("proj")

    values, secret = fresh(as_the_language_host_runs_it)
    assert values == {"vmCount": "3", "tags": '{"env":"dev"}', "adminPassword": "S3cret-Passw0rd!"}
    assert secret == {"adminPassword"}

    # The variable alone (nothing copied into the store): the keys and values still count.
    def from_the_variable_only() -> tuple[set[str], tuple[dict[str, str], set[str]]]:
        return set_keys(), namespace_config("other")

    keys, (other, other_secret) = fresh(from_the_variable_only)
    assert keys == set(CONFIG)
    assert (other, other_secret) == ({"vmCount": "9"}, set())  # secretness lives in the store only


def test_the_store_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `pulumi.Config.get` reads it (pulumi/runtime/config.py `get_config`)."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"proj:vmCount": "5", "proj:osType": "linux"}))

    def body() -> tuple[dict[str, str], set[str]]:
        runtime.set_all_config({"proj:vmCount": "3"}, [])
        return namespace_config("proj")

    assert fresh(body) == ({"vmCount": "3", "osType": "linux"}, set())


def test_the_installed_sdk_is_one_requirements_txt_allows() -> None:
    """The helper is pinned on the installed SDK: the pin holds for the range the project asks for."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    [line] = [line for line in lines if re.match(r"pulumi\s*[<>=!~]", line)]
    requirement = Requirement(line.split("#", 1)[0].strip())
    installed = Version(version("pulumi"))
    assert requirement.name == "pulumi"
    assert installed in requirement.specifier, (installed, requirement.specifier)
