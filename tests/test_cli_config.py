"""Config read as the Pulumi CLI reads it (offline/stackfile.py), and broken files.

GIVEN a project and stack file written by a user, WHEN the offline plan reads them, THEN
values, types and errors are the CLI's (yaml.v3 scalars, declared types checked first with
the CLI's wording, defaults of object keys), and a broken file is one clear error naming the
file (and line) with exit code 2, never a traceback.

Projects are written to temporary folders: the repository's Pulumi.yaml config block is
generated elsewhere, and these rules hold for any project.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, single_problem

from offline import plan, stackfile

PROJECT = """\
name: demo
runtime: python
config:
  vmCount:
    type: integer
    default: 2
  trustedLaunch:
    type: boolean
    default: true
  osType:
    type: string
    default: linux
  zones:
    type: array
    items:
      type: string
    default: ["1", "2", "3"]
  probe:
    type: object
    default: {protocol: Http, port: 80, path: /}
  lbRules:
    type: array
    items:
      type: object
    default: [{frontendPort: 80, backendPort: 80, protocol: Tcp}]
"""


def project(tmp_path: Path, stack_text: str, project_text: str = PROJECT, stack: str = "dev") -> Path:
    (tmp_path / "Pulumi.yaml").write_text(project_text)
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(stack_text)
    return tmp_path


def load(tmp_path: Path, stack_text: str, project_text: str = PROJECT, **kwargs: object) -> stackfile.StackConfig:
    return stackfile.load(project(tmp_path, stack_text, project_text), "dev", **kwargs)  # type: ignore[arg-type]


def error_of(tmp_path: Path, stack_text: str, project_text: str = PROJECT, **kwargs: object) -> str:
    with pytest.raises(stackfile.StackFileError) as caught:
        load(tmp_path, stack_text, project_text, **kwargs)
    return str(caught.value)


# ------------------------------------------------------------------ YAML as yaml.v3


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("True", True),
        ("FALSE", False),
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", 5),
        ("017", 15),  # yaml.v3 keeps YAML 1.1 octals for compatibility (resolve.go)
        ("1_000", 1000),
        ("1.5", 1.5),
        ("~", None),
        ("Null", None),
        ("'yes'", "yes"),
        ('"3"', "3"),
        ("12:30", "12:30"),  # YAML 1.1 sexagesimal (750) is gone in yaml.v3
    ],
)
def test_scalars_resolve_as_yaml_v3_does(text: str, value: object) -> None:
    assert stackfile.parse_yaml(f"key: {text}\n") == {"key": value}


def test_yes_is_passed_to_the_program_as_the_string_yes(tmp_path: Path) -> None:
    cfg = load(tmp_path, "config:\n  osType: yes\n  demo:undeclared: on\n  trustedLaunch: True\n")
    assert cfg.values["demo:osType"] == "yes"
    assert cfg.values["demo:undeclared"] == "on"
    assert cfg.values["demo:trustedLaunch"] == "true"


def test_a_key_written_twice_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    message = error_of(tmp_path, "config:\n  demo:vmCount: 2\n  demo:osType: linux\n  demo:vmCount: 3\n")
    assert message == (
        f"{tmp_path / 'Pulumi.dev.yaml'}: yaml: unmarshal errors:\n"
        '  line 4: mapping key "demo:vmCount" already defined at line 2'
    )


def test_a_key_written_twice_on_one_line_is_an_error_too() -> None:
    with pytest.raises(stackfile.StackFileError, match='line 1: mapping key "a" already defined at line 1'):
        stackfile.parse_yaml("{a: 1, 'a': 2}\n")


def test_a_key_without_value_is_an_empty_string_with_the_cli_warning(tmp_path: Path) -> None:
    cfg = load(tmp_path, "config:\n  demo:osType:\n  demo:other: ~\n")
    assert cfg.values["demo:osType"] == "" and cfg.values["demo:other"] == ""
    assert cfg.warnings == [
        'No value for configuration keys "demo:osType" and "demo:other". This is currently treated as an '
        'empty string `""`, but will be treated as `null` in a future version of pulumi.\n'
        'Set the values to `""` to avoid this warning.'
    ]


def test_lists_and_objects_reach_the_program_as_compact_json(tmp_path: Path) -> None:
    cfg = load(tmp_path, "config:\n  demo:probe: {port: 8080, protocol: Tcp}\n  demo:zones: ['2']\n")
    assert cfg.values["demo:probe"] == '{"port":8080,"protocol":"Tcp"}'
    assert cfg.values["demo:zones"] == '["2"]'


# ------------------------------------------------------------------ declared types, the CLI's words


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("zones: [1, 2]", "Stack 'dev' with configuration key 'zones' must be of type 'array<string>'"),
        ("vmCount: abc", "Stack 'dev' with configuration key 'vmCount' must be of type 'integer'"),
        ("vmCount: 2.5", "Stack 'dev' with configuration key 'vmCount' must be of type 'integer'"),
        ("vmCount:", "Stack 'dev' with configuration key 'vmCount' must be of type 'integer'"),  # "" is no integer
        ("trustedLaunch: yes", "Stack 'dev' with configuration key 'trustedLaunch' must be of type 'boolean'"),
        ("probe: 80", "Stack 'dev' with configuration key 'probe' must be of type 'object'"),
        ("lbRules: [443]", "Stack 'dev' with configuration key 'lbRules' must be of type 'array<object>'"),
    ],
)
def test_declared_types_are_checked_with_the_cli_wording(tmp_path: Path, line: str, message: str) -> None:
    assert error_of(tmp_path, f"config:\n  azure-native:location: westeurope\n  demo:{line}\n") == (
        f"{message}\n  (the value in {tmp_path / 'Pulumi.dev.yaml'} line 3)"
    )


def test_a_set_value_of_the_wrong_type_names_the_flag(tmp_path: Path) -> None:
    message = error_of(tmp_path, "config: {}\n", overrides={"vmCount": "abc"})
    assert message == (
        "Stack 'dev' with configuration key 'vmCount' must be of type 'integer'\n  (the value given by --set vmCount)"
    )


def test_declared_types_are_checked_before_the_program_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI stops before the program starts, so the program's own errors do not show."""
    code = plan.main(["--quiet", "--set", "trustedLaunch=yes", "--set", "osType=bogus"])
    assert (code, capsys.readouterr().err) == (
        2,
        "error: Stack 'dev' with configuration key 'trustedLaunch' must be of type 'boolean'\n"
        "  (the value given by --set trustedLaunch)\n",
    )


def test_a_secret_declared_key_must_be_set_as_a_secret(tmp_path: Path) -> None:
    text = PROJECT + "  adminPassword:\n    type: string\n    secret: true\n    default: ''\n"
    assert error_of(tmp_path, "config:\n  demo:adminPassword: plain\n", text) == (
        "Stack 'dev' with configuration key 'adminPassword' must be encrypted as it's secret"
    )
    assert load(tmp_path, "config: {}\n", text, secret_overrides={"adminPassword": "S3cret-value"}).secret_keys == {
        "demo:adminPassword"
    }


def test_values_of_the_declared_types_pass_as_text(tmp_path: Path) -> None:
    cfg = load(
        tmp_path,
        "config:\n  demo:vmCount: '3'\n  demo:trustedLaunch: 'false'\n"
        "  demo:lbRules: [{frontendPort: 443, backendPort: 8443}]\n",
    )
    assert cfg.values["demo:vmCount"] == "3"
    assert cfg.values["demo:trustedLaunch"] == "false"
    assert json.loads(cfg.values["demo:lbRules"]) == [{"frontendPort": 443, "backendPort": 8443}]


def test_object_keys_take_their_declared_defaults(tmp_path: Path) -> None:
    cfg = load(tmp_path, "config: {}\n")
    assert json.loads(cfg.values["demo:probe"]) == {"protocol": "Http", "port": 80, "path": "/"}
    assert json.loads(cfg.values["demo:lbRules"]) == [{"frontendPort": 80, "backendPort": 80, "protocol": "Tcp"}]
    assert cfg.values["demo:vmCount"] == "2" and cfg.values["demo:trustedLaunch"] == "true"


def test_the_first_bad_key_in_key_order_is_reported(tmp_path: Path) -> None:
    message = error_of(tmp_path, "config:\n  demo:zones: [1]\n  demo:vmCount: x\n")
    assert message.startswith("Stack 'dev' with configuration key 'vmCount' must be of type 'integer'")


def test_declared_keys_without_default_are_required(tmp_path: Path) -> None:
    text = PROJECT + "  sshPublicKey:\n    type: string\n  adminUsername:\n    type: string\n"
    assert error_of(tmp_path, "config: {}\n", text) == (
        "Stack 'dev' is missing configuration values 'adminUsername' and 'sshPublicKey'"
    )
    assert error_of(tmp_path, "config:\n  demo:adminUsername: me\n", text) == (
        "Stack 'dev' is missing configuration value 'sshPublicKey'"
    )


@pytest.mark.parametrize(
    ("decl", "message"),
    [
        ("  zones2:\n    type: array\n", "The configuration key 'zones2' declares an array but does not specify "),
        ("  n:\n    type: integer\n    default: two\n", "The default value specified for configuration key 'n' "),
        ("  azure-native:location:\n    type: string\n", "Configuration key 'azure-native:location' is not namespaced"),
        ("  n:\n    type: number\n", "config.n.type: 'number' is not one of string, integer, boolean, array, object"),
    ],
)
def test_bad_declarations_are_the_cli_errors(tmp_path: Path, decl: str, message: str) -> None:
    assert error_of(tmp_path, "config: {}\n", PROJECT + decl).startswith(
        f"could not unmarshal '{tmp_path / 'Pulumi.yaml'}': {message}"
    )


# ------------------------------------------------------------------ azure-native:location


def program_dir(tmp_path: Path, stack_text: str) -> Path:
    """This project's program and Pulumi.yaml in `tmp_path`, with the given dev stack file."""
    for name in ("__main__.py", "components", "stack_config.py"):
        (tmp_path / name).symlink_to(ROOT / name)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_text)
    return tmp_path


def test_a_missing_location_is_the_providers_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = program_dir(tmp_path, "config:\n  lb-vms:vmCount: 2\n")
    assert plan.main(["--dir", str(where), "--quiet", "--throwaway-ssh-key", "sshPublicKey"]) == 2
    assert capsys.readouterr().err == (
        "error: azure-native:resources:ResourceGroup resource 'web-rg' has a problem: missing required property "
        "'location'. Either set it explicitly or configure it with 'pulumi config set azure-native:location <value>'.\n"
    )


def test_an_existing_resource_group_needs_no_location(tmp_path: Path) -> None:
    where = program_dir(tmp_path, "config:\n  lb-vms:resourceGroupName: existing-rg\n")
    assert plan.main(["--dir", str(where), "--quiet", "--throwaway-ssh-key", "sshPublicKey"]) == 0


# ------------------------------------------------------------------ broken files: one line, exit 2


def run_plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = plan.main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("project_text", "stack_text", "message"),
    [
        (
            PROJECT,
            "config:\n  demo:vmCount: [2\n",
            "{dir}/Pulumi.dev.yaml: invalid YAML file: yaml: line 3: while parsing a flow sequence "
            "expected ',' or ']', but got '<stream end>'",
        ),
        (
            PROJECT,
            "config:\n  demo:osType: linux\n   bad: indent\n",
            "{dir}/Pulumi.dev.yaml: invalid YAML file: yaml: line 3: mapping values are not allowed here",
        ),
        (
            PROJECT,
            "- a\n- b\n",
            "{dir}/Pulumi.dev.yaml: expected a mapping with a `config:` key, not a list or a scalar",
        ),
        (
            PROJECT,
            "config:\n  - a\n",
            "{dir}/Pulumi.dev.yaml line 1: config: must be a mapping of keys to values, not a list",
        ),
        (
            "- name: demo\n",
            "config: {}\n",
            "could not validate '{dir}/Pulumi.yaml': expected project to be an object, was a list",
        ),
        (
            "runtime: python\n",
            "config: {}\n",
            "could not validate '{dir}/Pulumi.yaml': project is missing a 'name' attribute",
        ),
        (
            "name: demo\nconfig: [a]\n",
            "config: {}\n",
            "{dir}/Pulumi.yaml line 2: config: must be a mapping of keys to declarations",
        ),
    ],
)
def test_broken_files_are_one_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], project_text: str, stack_text: str, message: str
) -> None:
    project(tmp_path, stack_text, project_text)
    code, err = run_plan(capsys, "--dir", str(tmp_path), "--quiet")
    assert (code, err) == (2, "error: " + message.format(dir=tmp_path) + "\n")


def test_a_stack_file_that_is_not_utf8_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, "")
    (tmp_path / "Pulumi.dev.yaml").write_bytes(b"config:\n  demo:osType: caf\xe9\n")
    code, err = run_plan(capsys, "--dir", str(tmp_path), "--quiet")
    assert (code, err) == (
        2,
        f"error: {tmp_path / 'Pulumi.dev.yaml'} line 2: not UTF-8 text (byte 0xe9 at offset 26)\n",
    )


def test_json_into_a_missing_folder_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "plan.json"
    code, err = run_plan(capsys, "--json", str(target), "--quiet")
    assert (code, err) == (2, f"error: --json {target}: the folder {target.parent} does not exist\n")
    code, err = run_plan(capsys, "--json", str(tmp_path), "--quiet")
    assert (code, err) == (2, f"error: --json {tmp_path}: is a folder; give a file name\n")


def test_a_set_value_that_is_not_yaml_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_plan(capsys, "--set", "lbRules=[{frontendPort: 443}", "--quiet")
    assert code == 2
    assert err.startswith("error: --set 'lbRules=[{frontendPort: 443}': not a YAML value (")


# ------------------------------------------------------------------ workloadFile


def test_a_workload_file_that_is_a_folder(tmp_path: Path) -> None:
    assert single_problem(workload="custom", workloadFile=str(tmp_path)) == (
        f"workloadFile: {str(tmp_path)!r} is a folder; give the path of a file in it"
    )


def test_a_workload_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_bytes(b"#cloud-config\npackages: [caf\xe9]\n")
    assert single_problem(workload="custom", workloadFile=str(path)) == (
        f"workloadFile: {str(path)!r} is not UTF-8 text (byte 0xe9 at offset 28); save it as UTF-8"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            "#cloud-config\npackages: [nginx\nruncmd: []\n",
            "is not valid cloud-config YAML: line 3: while parsing a flow sequence expected ',' or ']', but got ':'",
        ),
        ("#cloud-config\n- nginx\n", "is not valid cloud-config: its YAML must be a mapping of modules"),
    ],
)
def test_a_broken_cloud_config_is_named_with_its_line(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    assert single_problem(workload="custom", workloadFile=str(path)).startswith(f"workloadFile: {str(path)!r} {why}")


def test_a_broken_workload_file_fails_the_plan_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "app.yaml"
    path.write_bytes(b"#cloud-config\n\xff\n")
    code, err = run_plan(capsys, "--set", "workload=custom", "--set", f"workloadFile={path}", "--quiet")
    assert code == 2
    assert f"workloadFile: {str(path)!r} is not UTF-8 text" in err and "Traceback" not in err
