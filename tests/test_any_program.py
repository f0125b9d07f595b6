"""`make plan DIR=path` on Pulumi programs written elsewhere (tests/data/programs/).

GIVEN a program with other providers' resources, read invokes, optional properties left out
or provider-computed outputs read, WHEN the offline plan runs it, THEN it plans it as
`pulumi preview` would (unknowns stay unknown), prints and draws every resource, and never
fails with a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT

from offline import engine, plan

PROGRAMS = ROOT / "tests" / "data" / "programs"


def run_plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = plan.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_rule_without_probe_and_port_ranges_are_printed_and_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svg = tmp_path / "edge.svg"
    code, out, err = run_plan(
        capsys, "--dir", str(PROGRAMS / "lb-no-probe"), "--svg", str(svg), "--policy-pack", str(ROOT / "policy")
    )
    assert (code, err) == (0, "")
    assert "rule udp-53: Udp 53 -> 53 pool=pool probe=NONE" in out
    assert " 100 Allow Udp 10.0.0.0/8,192.168.0.0/16 -> port 53,5353  (allow-dns)" in out
    # Reported by the policy pack, as `pulumi preview --policy-pack` would: not a crash.
    assert "[mandatory] lb-rule-has-probe: edge-lb: Load-balancing rule 'udp-53' has no health probe" in out
    assert "Note: sshPublicKey" not in out  # this program takes no SSH key
    picture = svg.read_text()
    assert "rule udp-53: Udp 53 -&gt; 53" in picture and "Load balancer edge-lb (Standard)" in picture


def test_provider_computed_outputs_are_unknown_and_other_providers_are_planned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svg = tmp_path / "data.svg"
    code, out, err = run_plan(capsys, "--dir", str(PROGRAMS / "storage-random"), "--svg", str(svg))
    assert (code, err) == (0, "")
    # The endpoints only Azure knows: the apply on them did not run, as in `pulumi preview`.
    assert '  blobEndpoint: "output<string>"' in out
    assert '  containerUrl: "output<string>"' in out
    assert "Resources: 5 to create" in out
    for kind in [
        "azure-native:resources:ResourceGroup  data-rg",
        "azure-native:storage:StorageAccount  data  accountName=",
        "azure-native:storage:BlobContainer  logs  accountName=",
        "random:index/randomPet:RandomPet  pet  length=2",
        "random:index/randomString:RandomString  suffix  length=8 special=False upper=False",
    ]:
        assert kind in out
    # The made-up random pet name is marked as a stand-in wherever it shows.
    assert re.search(r'^  petName: "[^"]+"  \*$', out, flags=re.MULTILINE), out
    picture = svg.read_text()
    assert "Other resources (not laid out in the picture)" in picture
    for line in ["azure-native:storage:StorageAccount  data", "random:index/randomPet:RandomPet  pet"]:
        assert line in picture


def test_read_invokes_with_an_answer_file(capsys: pytest.CaptureFixture[str]) -> None:
    folder = PROGRAMS / "read-invokes"
    code, out, err = run_plan(capsys, "--dir", str(folder), "--invoke-answers", str(folder / "answers.yaml"))
    assert (code, err) == (0, "")
    assert '  blob: "https://shareddata.blob.core.windows.net/"' in out
    assert '  sharedIp: "203.0.113.7"' in out
    assert '  sharedIpName: "shared-pip"' in out
    assert "Invokes (4):" in out
    assert (
        '  azure-native:network:getPublicIPAddress(publicIpAddressName="shared-pip", '
        'resourceGroupName="shared-rg"): answers file'
    ) in out
    assert "  azure-native:authorization:getClientConfig(): built in (placeholder identity)" in out
    assert '  azure-native:resources:getResourceGroup(resourceGroupName="shared-rg"): arguments' in out


def test_read_invokes_without_answers_say_what_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_plan(capsys, "--dir", str(PROGRAMS / "read-invokes"))
    assert (code, out) == (2, "")
    assert err.startswith("error: 'NoneType' object has no attribute 'blob'\n")
    assert "answered only from their arguments (id, name, type)" in err
    assert "  azure-native:storage:getStorageAccount:\n    args:\n      accountName: shareddata\n" in err
    assert "Traceback" not in err


def _program(tmp_path: Path, body: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: scratch\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  azure-native:location: westeurope\n")
    (tmp_path / "__main__.py").write_text(body)
    return tmp_path


def test_an_invoke_with_no_answer_is_reported_with_its_token_and_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _program(
        tmp_path,
        "import pulumi\n"
        "thing = pulumi.runtime.invoke('example:index:getThing', {'name': 'x', 'size': 3})\n"
        "pulumi.export('thing', thing.value)\n",
    )
    code, out, err = run_plan(capsys, "--dir", str(folder))
    assert (code, out) == (2, "")
    assert err == (
        "error: 1 invoke(s) have no offline answer (`pulumi preview` reads them from Azure). "
        "Answer them in a YAML file and pass --invoke-answers FILE, for example:\n"
        "  example:index:getThing:\n"
        "    args:\n"
        "      name: x\n"
        "      size: 3\n"
        "    result:\n"
        "      <outputName>: <value>\n"
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text("example:index:getThing:\n  args: {size: 3}\n  result: {colour: blue}\n")
    code, out, err = run_plan(capsys, "--dir", str(folder), "--invoke-answers", str(answers))
    assert (code, err) == (0, "")
    assert '  thing: {"colour": "blue"}' in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1,\n", "line 2 not valid YAML (expected the node content, but found '<stream end>')"),
        ("- 1\n", "must be a mapping of invoke token to answer"),
        ("tok:\n  result: 3\n", "tok: must be an object with a `result:` object (and optional `args:`)"),
        ("tok:\n  result: {}\n  extra: 1\n", "tok: only `args:` (an object) and `result:` are allowed"),
    ],
)
def test_a_broken_answer_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(text)
    code, out, err = run_plan(capsys, "--dir", str(PROGRAMS / "lb-no-probe"), "--invoke-answers", str(answers))
    assert (code, out) == (2, "")
    assert err == f"error: --invoke-answers {answers}: {message}\n"


def test_unknown_outputs_mode_prints_what_pulumi_preview_prints(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_plan(capsys, "--unknown-outputs", "--throwaway-ssh-key", "sshPublicKey")
    assert (code, err) == (0, "")
    assert "sku=Standard Static ip=output<string>" in out
    assert '  publicIp: "output<string>"' in out
    assert "*" not in out.split("Outputs:")[1]  # nothing made up, so nothing marked


def test_the_default_plan_marks_every_stand_in(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(capsys, "--throwaway-ssh-key", "sshPublicKey")
    assert code == 0
    # The address is the mock's invention: whatever it is, it is marked wherever it shows.
    found = re.search(r'^  publicIp: "([0-9.]+)"  \*$', out, flags=re.MULTILINE)
    assert found is not None, out
    assert f"sku=Standard Static ip={found.group(1)}*" in out
    assert "* a stand-in for a value Azure assigns at creation" in out


def test_marking_matches_whole_values_only() -> None:
    mark = plan._marker({"10.0.1.4"})
    assert mark("private 10.0.1.4 and 10.0.1.40, 110.0.1.4") == "private 10.0.1.4* and 10.0.1.40, 110.0.1.4"


@pytest.mark.parametrize(
    "kind",
    ["LoadBalancer", "VirtualMachine", "VirtualNetwork", "MetricAlert", "BastionHost"],
)
def test_details_never_fail_on_a_resource_without_optional_properties(kind: str) -> None:
    record = engine.Registered(
        urn=f"urn:pulumi:dev::p::azure-native:x:{kind}::r",
        type=f"azure-native:x:{kind}",
        name="r",
        custom=True,
        parent="",
        dependencies=[],
        property_dependencies={},
        inputs={"resourceGroupName": "rg", "tags": {"a": "b"}},
    )
    assert plan.details(record) == ["resourceGroupName=rg (+ tags)"]


def test_a_failed_run_leaves_nothing_for_the_next_one(capsys: pytest.CaptureFixture[str]) -> None:
    """A program that failed with output tasks pending (on its now closed event loop) used to
    make the next run in the same process fail with "Event loop is closed"."""
    folder = PROGRAMS / "read-invokes"
    assert run_plan(capsys, "--dir", str(folder))[0] == 2
    code, _, err = run_plan(capsys, "--dir", str(folder), "--invoke-answers", str(folder / "answers.yaml"))
    assert (code, err) == (0, "")


def test_reads_of_existing_resources_are_listed_with_only_their_id_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vnet_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/shared"
    folder = _program(
        tmp_path,
        "import pulumi\n"
        "from pulumi_azure_native import network\n"
        f"vnet = network.VirtualNetwork.get('existing', {vnet_id!r})\n"
        "network.NetworkSecurityGroup('n', resource_group_name='rg')\n"
        "pulumi.export('vnetName', vnet.name)\n"
        "pulumi.export('prefixes', vnet.address_space.apply(lambda a: a.address_prefixes))\n",
    )
    code, out, err = run_plan(capsys, "--dir", str(folder))
    assert (code, err) == (0, "")
    assert "Resources: 1 to create" in out
    assert f"  >- azure-native:network:VirtualNetwork  existing  id={vnet_id}" in out
    assert '  vnetName: "shared"' in out
    assert '  prefixes: "output<string>"' in out


def test_a_project_main_pointing_elsewhere_is_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _program(tmp_path, "raise SystemExit('not this one')\n")
    (folder / "Pulumi.yaml").write_text("name: scratch\nruntime: python\nmain: src/\n")
    (folder / "src").mkdir()
    (folder / "src" / "__main__.py").write_text("import pulumi\npulumi.export('where', 'src')\n")
    code, out, err = run_plan(capsys, "--dir", str(folder))
    assert (code, err) == (0, "")
    assert '  where: "src"' in out


def test_the_json_plan_records_invokes_and_type_violations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = PROGRAMS / "read-invokes"
    target = tmp_path / "plan.json"
    argv = ["--dir", str(folder), "--invoke-answers", str(folder / "answers.yaml"), "--json", str(target), "--quiet"]
    assert run_plan(capsys, *argv) == (0, "", "")
    data = json.loads(target.read_text())
    assert data["azureTypeViolations"] == []
    assert data["reads"] == []
    # Sorted: an `_output` invoke runs when its inputs resolve, not in program order.
    assert sorted(data["invokes"], key=lambda c: c["token"]) == [
        {
            "token": "azure-native:authorization:getClientConfig",
            "args": {},
            "answeredBy": "built in (placeholder identity)",
        },
        {
            "token": "azure-native:network:getPublicIPAddress",
            "args": {"publicIpAddressName": "shared-pip", "resourceGroupName": "shared-rg"},
            "answeredBy": "answers file",
        },
        {
            "token": "azure-native:resources:getResourceGroup",
            "args": {"resourceGroupName": "shared-rg"},
            "answeredBy": "arguments (location assumed the stack's)",
        },
        {
            "token": "azure-native:storage:getStorageAccount",
            "args": {"accountName": "shareddata", "resourceGroupName": "shared-rg"},
            "answeredBy": "answers file",
        },
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import sys\nsys.exit('no such region')\n", "error: no such region\n"),
        ("raise ValueError('bad input')\n", "error: bad input\n"),
        (
            "import pulumi\npulumi.Config().require('missing')\n",
            "error: Missing required configuration variable 'scratch:missing'\n",
        ),
    ],
)
def test_a_failing_program_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    code, out, err = run_plan(capsys, "--dir", str(_program(tmp_path, body)))
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert "Traceback" not in err
