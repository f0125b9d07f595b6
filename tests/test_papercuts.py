"""Papercuts of the offline plan (`make plan`): `--set` paths, bare `--json`/`--diff` names in
build/, the tree marked by a `--diff`, the n-tier picture, one line for a program written for
another SDK version, and the exit code spelled out at the end of a failed run.

GIVEN the plan run as a user runs it, WHEN one of these comes up, THEN it behaves as the
Pulumi CLI would (or as the issue asks) and says so in one place.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
from conftest import NSG, ROOT

from offline import diagram, plan

THROWAWAY = ("--throwaway-ssh-key", "sshPublicKey")
EXAMPLE = ROOT / "examples" / "n-tier"


def _project(folder: Path, program: str, stack: str = "config:\n  azure-native:location: westeurope\n") -> Path:
    """A small project: Pulumi.yaml, Pulumi.dev.yaml and its program."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: scratch\nruntime: python\n")
    (folder / "Pulumi.dev.yaml").write_text(stack)
    (folder / "__main__.py").write_text(program)
    return folder


def _values(root: Path, *sets: str, secrets: tuple[str, ...] = ()) -> dict[str, str]:
    cfg, _ = plan.load_config("dev", sets, secrets, root=root)
    return cfg.values


# ------------------------------------------------------------------ 1. --set with a path

STACK_WITH_OBJECTS = (
    "config:\n"
    "  azure-native:location: westeurope\n"
    "  scratch:monitoring:\n"
    "    enabled: false\n"
    "    email: ops@example.com\n"
    "  scratch:adminSourcePrefixes:\n"
    "    - 198.51.100.1/32\n"
    "    - 198.51.100.2/32\n"
)


def test_set_path_merges_into_the_stack_files_value(tmp_path: Path) -> None:
    root = _project(tmp_path, "", STACK_WITH_OBJECTS)
    values = _values(root, "monitoring.enabled=true", "adminSourcePrefixes[0]=203.0.113.7/32")
    # The other monitoring key stays; `true` is a boolean, as `pulumi config set --path` stores it.
    assert json.loads(values["scratch:monitoring"]) == {"email": "ops@example.com", "enabled": True}
    assert json.loads(values["scratch:adminSourcePrefixes"]) == ["203.0.113.7/32", "198.51.100.2/32"]


def test_set_path_creates_objects_and_lists_and_types_values_as_the_cli(tmp_path: Path) -> None:
    root = _project(tmp_path, "", STACK_WITH_OBJECTS)
    values = _values(
        root,
        "scaleSet.minCount=3",
        "scaleSet.zip=0123",
        "scaleSet.answer=yes",
        "scaleSet.rules[0].port=-8",
        "adminSourcePrefixes[2]=203.0.113.9/32",
        'scaleSet["a.b"]=false',
    )
    # config/map.go adjustObjectValue: true/false and integers typed; a leading 0 stays text; no YAML.
    assert json.loads(values["scratch:scaleSet"]) == {
        "minCount": 3,
        "zip": "0123",
        "answer": "yes",
        "rules": [{"port": -8}],
        "a.b": False,
    }
    # The index one past the end appends.
    assert json.loads(values["scratch:adminSourcePrefixes"])[2] == "203.0.113.9/32"


def test_a_key_without_a_path_is_still_a_yaml_value(tmp_path: Path) -> None:
    root = _project(tmp_path, "", STACK_WITH_OBJECTS)
    assert _values(root, "monitoring={enabled: true}")["scratch:monitoring"] == '{"enabled":true}'


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "adminSourcePrefixes[5]=x",
            "error: --set adminSourcePrefixes[5]: array index out of range (the list has 2 item(s))\n",
        ),
        (
            "monitoring[0]=x",
            "error: --set monitoring[0]: the value at [0] is inside an object, not a list\n",
        ),
        (
            "[0]=x",
            "error: --set '[0]=x': invalid config key path '[0]': the first segment must be a key name\n",
        ),
    ],
)
def test_a_path_that_does_not_fit_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], item: str, message: str
) -> None:
    root = _project(tmp_path, "raise SystemExit('never run')\n", STACK_WITH_OBJECTS)
    assert plan.main(["--dir", str(root), "--set", item]) == 2
    assert capsys.readouterr().err == message


def test_secret_with_a_path_keeps_the_rest_and_makes_the_key_secret(tmp_path: Path) -> None:
    root = _project(tmp_path, "", STACK_WITH_OBJECTS)
    cfg, _ = plan.load_config("dev", (), ("monitoring.webhook=https://hook.example/s3cr3t",), root=root)
    assert json.loads(cfg.values["scratch:monitoring"]) == {
        "email": "ops@example.com",
        "enabled": False,
        "webhook": "https://hook.example/s3cr3t",
    }
    assert cfg.secret_keys == {"scratch:monitoring"}


def test_set_path_reaches_the_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The project's own stack: the first admin source replaced, the NSG admits exactly it."""
    out = tmp_path / "plan.json"
    argv = [*THROWAWAY, "--quiet", "--set", "adminSourcePrefixes[0]=203.0.113.7/32", "--json", str(out)]
    assert plan.main(argv) == 0
    [nsg] = [r for r in json.loads(out.read_text())["resources"] if r["type"] == NSG]
    admin = [r for r in nsg["inputs"]["securityRules"] if r["destinationPortRange"] == "22"]
    assert [r.get("sourceAddressPrefixes") or [r["sourceAddressPrefix"]] for r in admin] == [["203.0.113.7/32"]]


# ------------------------------------------------------------------ 2. bare names in build/

ONE_GROUP = (
    "import pulumi\nfrom pulumi_azure_native import resources\n\n"
    "config = pulumi.Config()\n"
    "resources.ResourceGroup('rg', tags={'v': config.get('v') or '1'})\n"
)


def test_bare_json_and_diff_names_mean_the_projects_build_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "project", ONE_GROUP)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert plan.main(["--dir", str(root), "--json", "old.json"]) == 0
    assert f"\nWrote {root / 'build' / 'old.json'}\n" in capsys.readouterr().out
    assert (root / "build" / "old.json").is_file()
    assert list(elsewhere.iterdir()) == []
    assert plan.main(["--dir", str(root), "--set", "v=2", "--diff", "old.json"]) == 0
    assert "  update   azure-native:resources:ResourceGroup  rg  [tags.v]" in capsys.readouterr().out


def test_a_path_with_a_folder_is_taken_as_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "project", ONE_GROUP)
    monkeypatch.chdir(tmp_path)
    assert plan.main(["--dir", str(root), "--quiet", "--json", "./here.json"]) == 0
    assert (tmp_path / "here.json").is_file() and not (root / "build").exists()
    # A bare name is build/'s, even where the working directory has such a file.
    assert plan.main(["--dir", str(root), "--quiet", "--diff", "here.json"]) == 2
    assert capsys.readouterr().err == (
        f"error: --diff here.json: no {root / 'build' / 'here.json'} (a bare file name is read from the "
        "project's build/ folder, where --json here.json writes it; ./here.json reads the working directory's)\n"
    )
    assert plan.main(["--dir", str(root), "--quiet", "--diff", "./here.json"]) == 0


# ------------------------------------------------------------------ 3. the tree after --diff

GROUPS = (
    "import pulumi\nfrom pulumi_azure_native import resources\n\n"
    "config = pulumi.Config()\n"
    "resources.ResourceGroup('keep')\n"
    "resources.ResourceGroup('tagged', tags={'v': config.get('tag') or '1'})\n"
    "resources.ResourceGroup('moved', resource_group_name=config.get('rgName') or 'rg-a')\n"
    "for i in range(config.get_int('n') or 2):\n"
    "    resources.ResourceGroup(f'extra-{i}')\n"
    "if config.get_bool('more'):\n"
    "    resources.ResourceGroup('new')\n"
)


def test_the_tree_marks_each_resource_by_its_step_and_the_summary_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, GROUPS)
    old = tmp_path / "old.json"
    assert plan.main(["--dir", str(root), "--quiet", "--json", str(old)]) == 0
    sets = ["--set", "tag=2", "--set", "rgName=rg-b", "--set", "n=1", "--set", "more=true"]
    assert plan.main(["--dir", str(root), *sets, "--diff", str(old)]) == 0
    out = capsys.readouterr().out
    tree = re.findall(r"^(.{3}) [├└]─ azure-native:resources:ResourceGroup  (\S+)", out, flags=re.MULTILINE)
    assert sorted(tree, key=lambda t: t[1]) == [
        ("   ", "extra-0"),
        ("  -", "extra-1"),
        ("   ", "keep"),
        (" +-", "moved"),
        ("  +", "new"),
        ("  ~", "tagged"),
    ]
    assert "  - └─ azure-native:resources:ResourceGroup  extra-1  (only in the old plan)\n" in out
    assert "    pulumi:pulumi:Stack  scratch-dev\n" in out
    assert "\nResources: 1 to create, 1 to update, 1 to replace, 1 to delete, 2 unchanged\n" in out


def test_without_diff_every_resource_is_to_create(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--dir", str(_project(tmp_path, GROUPS))]) == 0
    out = capsys.readouterr().out
    assert "  + pulumi:pulumi:Stack  scratch-dev\n" in out
    assert "\nResources: 5 to create\n" in out


# ------------------------------------------------------------------ 4. the n-tier picture


def test_n_tier_picture_draws_the_examples_own_network_once() -> None:
    cfg, _ = plan.load_config("dev", root=EXAMPLE, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg, root=EXAMPLE)
    assert result.error is None
    texts = [unescape(t) for t in re.findall(r"<text [^>]*>([^<]*)</text>", diagram.render(result))]
    # One VNet box ("VNet clients" is the internal frontend's caller).
    assert [t for t in texts if t.startswith("VNet ") and t != "VNet clients"] == ["VNet ntier-vnet  10.20.0.0/16"]
    assert "Resource group ntier-rg (westeurope)" in texts
    web, app = (
        texts.index("Subnet web 10.20.1.0/24 (no default outbound)"),
        texts.index("Subnet app 10.20.2.0/24 (no default outbound)"),
    )
    # Each subnet with its users, its own NSG and rules; the NAT gateway on the app subnet only.
    assert texts[web + 1 : app] == [
        "VMs of component web",
        "NSG ntier-web-subnet-nsg on the subnet:",
        "  100 Allow AzureLoadBalancer -> 80",
        "  200 Allow Internet -> 80",
        "  4096 Deny * -> *",
    ]
    [nat_pip] = [r for r in result.resources if r.name == "ntier-natgw-pip"]
    nat_ip = nat_pip.outputs["ipAddress"]
    assert texts[app + 1 : app + 7] == [
        "VMs of component app",
        "NSG ntier-app-subnet-nsg on the subnet:",
        "  100 Allow AzureLoadBalancer -> 80",
        "  200 Allow 10.20.1.0/24 -> 80",
        "  4096 Deny * -> *",
        f"NAT gateway ntier-natgw (Standard): egress via public IP ntier-natgw-pip {nat_ip}",
    ]
    # Each tier in its subnet of that VNet, not a VNet of its own.
    assert "Subnet app 10.20.2.0/24 of VNet ntier-vnet (above, NAT gateway)" in texts
    assert "Subnet web 10.20.1.0/24 of VNet ntier-vnet (above)" in texts
    assert "VNet (not this component's)" not in texts


# ------------------------------------------------------------------ 5. a program for another SDK version


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "from pulumi_azure_native.network.v20230201 import LoadBalancer\n",
            1,
            "No module named 'pulumi_azure_native.network.v20230201'",
        ),
        (
            "import pulumi_azure_native as azure_native\n\nazure_native.network.v20230201.LoadBalancer('lb')\n",
            3,
            "module 'pulumi_azure_native.network' has no attribute 'v20230201'",
        ),
        (
            "from pulumi_azure_native import network\n\n"
            "network.LoadBalancer('lb', resource_group_name='rg', frontend_ip_configuration=[])\n",
            3,
            "LoadBalancer._internal_init() got an unexpected keyword argument 'frontend_ip_configuration'",
        ),
    ],
)
def test_a_program_for_another_sdk_version_fails_with_its_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, line: int, message: str
) -> None:
    root = _project(tmp_path, body)
    assert plan.main(["--dir", str(root)]) == 2
    out, err = capsys.readouterr()
    version = plan._version("pulumi_azure_native")
    assert (out, err) == (
        "",
        f"error: {root / '__main__.py'}:{line}: {message} (pulumi-azure-native {version} is installed; "
        "is the program written for another major version?)\n",
    )


def test_a_code_error_in_a_module_of_the_program_names_that_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, "import helper\n\nhelper.build()\n")
    (root / "helper.py").write_text("def build():\n    return undefined_name\n")
    assert plan.main(["--dir", str(root)]) == 2
    assert capsys.readouterr().err == f"error: {root / 'helper.py'}:2: name 'undefined_name' is not defined\n"


# ------------------------------------------------------------------ 6. the exit code, spelled out


def test_a_failed_run_ends_with_its_exit_code_on_stderr(tmp_path: Path) -> None:
    root = _project(tmp_path, "raise SystemExit('never run')\n")
    done = subprocess.run(
        [sys.executable, "-m", "offline.plan", "--dir", str(root), "--stack", "nosuch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == "plan: exit 2 (bad config, file or program)"
    assert done.stderr.startswith(f"error: no stack file Pulumi.nosuch.yaml in {root}; stacks here: dev\n")
