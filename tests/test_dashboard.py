"""The tier's portal dashboard (components/dashboard.py) and its offline picture
(offline/dashboard.py).

GIVEN `monitoring.enabled`, WHEN the program runs, THEN one dashboard charts the LB's data path
availability, health probe status per backend, SNAT ports (public frontend only), CPU and
memory of each VM or of the scale set, and lists the alert rules; its parts do not overlap,
its portal link is the `dashboardUrl` output, and the committed picture is current.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT, VM, main_lb, ok, run_stack

from offline import azure_types, dashboard, engine, plan

DASHBOARD = "azure-native:portal:Dashboard"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
ALERT = "azure-native:monitor:MetricAlert"
CHART = "Extension/HubsExtension/PartType/MonitorChartPart"
MARKDOWN = "Extension/HubsExtension/PartType/MarkdownPart"
ON = {"monitoring": {"enabled": True}}


def the_dashboard(run: engine.ProgramRun) -> engine.Registered:
    [found] = run.of_type(DASHBOARD)
    return found


def parts(board: engine.Registered) -> list[dict[str, Any]]:
    [lens] = board.inputs["properties"]["lenses"]
    assert lens["order"] == 0
    return lens["parts"]


def charts(board: engine.Registered) -> dict[str, dict[str, Any]]:
    """Each chart by title: its metrics as (name, resource ID) and its split dimension."""
    found: dict[str, dict[str, Any]] = {}
    for part in parts(board):
        meta = part["metadata"]
        if meta["type"] != CHART:
            continue
        [options] = [i for i in meta["inputs"] if i["name"] == "options"]
        chart = options["value"]["chart"]
        found[chart["title"]] = {
            "metrics": [(m["name"], m["resourceMetadata"]["id"]) for m in chart["metrics"]],
            "split": (chart.get("grouping") or {}).get("dimension"),
            "aggregations": {m["aggregationType"] for m in chart["metrics"]},
        }
    return found


def test_no_dashboard_without_monitoring() -> None:
    run = ok(run_stack("dev"))
    assert run.of_type(DASHBOARD) == []
    assert run.outputs.get("dashboardUrl") is None


def test_vm_tier_charts_the_lb_and_every_vm() -> None:
    run = ok(run_stack("prod", ON))
    board = the_dashboard(run)
    lb = main_lb(run).id
    # VM 1 first, as the component lists them (registration order is the engine's).
    vms = [vm.id for vm in sorted(run.of_type(VM), key=lambda r: r.name)]
    assert [vm.rsplit("/", 1)[-1][: len("web-vm-1")] for vm in vms] == ["web-vm-1", "web-vm-2", "web-vm-3"]
    assert charts(board) == {
        "Data path availability (%)": {"metrics": [("VipAvailability", lb)], "split": None, "aggregations": {4}},
        "Health probe status per backend (%)": {
            "metrics": [("DipAvailability", lb)],
            "split": "BackendIPAddress",
            "aggregations": {4},
        },
        "CPU (%)": {"metrics": [("Percentage CPU", v) for v in vms], "split": None, "aggregations": {4}},
        "Available memory (bytes)": {
            "metrics": [("Available Memory Bytes", v) for v in vms],
            "split": None,
            "aggregations": {4},
        },
        "SNAT ports per backend": {
            "metrics": [("UsedSnatPorts", lb), ("AllocatedSnatPorts", lb)],
            "split": "BackendIPAddress",
            "aggregations": {4},
        },
    }
    assert board.parent.endswith("lbvms:index:MultiVmLoadBalanced::web")
    assert board.name == "web-dashboard"
    assert board.inputs["tags"] == {"environment": "prod", "workload": "lb-vms", "hidden-title": "web tier health"}


def test_scale_set_is_charted_per_instance() -> None:
    run = ok(run_stack("dev", {**ON, "placement": "scaleSet"}))
    [vmss] = run.of_type(VMSS)
    found = charts(the_dashboard(run))
    assert found["CPU (%)"]["metrics"] == [("Percentage CPU", vmss.id)]
    assert found["Available memory (bytes)"]["metrics"] == [("Available Memory Bytes", vmss.id)]
    assert found["CPU (%)"]["split"] == found["Available memory (bytes)"]["split"] == "VMName"
    assert run.of_type(VM) == []


def test_internal_frontend_has_no_snat_chart() -> None:
    run = ok(run_stack("dev", {**ON, "frontendType": "internal"}))
    board = the_dashboard(run)
    assert "SNAT ports per backend" not in charts(board)
    assert sorted(charts(board)) == [
        "Available memory (bytes)",
        "CPU (%)",
        "Data path availability (%)",
        "Health probe status per backend (%)",
    ]
    # The alert rules take the SNAT chart's place: the grid keeps no hole on the left.
    [markdown] = [p for p in parts(board) if p["metadata"]["type"] == MARKDOWN]
    assert markdown["position"] == {"x": 0.0, "y": 8.0, "colSpan": 6.0, "rowSpan": 4.0}


def test_alert_rules_are_listed_with_links() -> None:
    run = ok(run_stack("prod", ON))
    [markdown] = [p for p in parts(the_dashboard(run)) if p["metadata"]["type"] == MARKDOWN]
    content = markdown["metadata"]["settings"]["content"]["settings"]["content"]
    alerts = run.of_type(ALERT)
    assert len(alerts) == 4
    assert content.splitlines()[:2] == ["| Severity | Rule | Fires when |", "|---|---|---|"]
    assert sorted(content.splitlines()[2:]) == sorted(
        f"| Sev{int(a.inputs['severity'])} | [{a.outputs['name']}](https://portal.azure.com/#@/resource{a.id}) "
        f"| {a.inputs['description']} |"
        for a in alerts
    )


@pytest.mark.parametrize(
    ("stack", "overrides", "covered"),
    [
        ("prod", ON, 12 * 12),
        ("dev", {**ON, "placement": "scaleSet"}, 12 * 12),
        # No SNAT chart: the bottom right is empty.
        ("dev", {**ON, "frontendType": "internal"}, 12 * 12 - 6 * 4),
    ],
)
def test_parts_do_not_overlap(stack: str, overrides: dict[str, Any], covered: int) -> None:
    cells: dict[tuple[int, int], int] = {}
    for n, part in enumerate(parts(the_dashboard(ok(run_stack(stack, overrides))))):
        p = part["position"]
        for x in range(int(p["x"]), int(p["x"] + p["colSpan"])):
            for y in range(int(p["y"]), int(p["y"] + p["rowSpan"])):
                assert (x, y) not in cells, f"parts {cells[(x, y)]} and {n} share cell {(x, y)}"
                cells[(x, y)] = n
    assert len(cells) == covered


def test_dashboard_url_output_links_the_dashboard() -> None:
    run = ok(run_stack("prod", ON))
    board = the_dashboard(run)
    assert board.id.startswith("/subscriptions/") and "/providers/Microsoft.Portal/dashboards/" in board.id
    assert run.outputs["dashboardUrl"] == f"https://portal.azure.com/#@/dashboard/arm{board.id}"


@pytest.mark.parametrize(
    "sets",
    [
        ["monitoring={enabled: true}"],
        ["monitoring={enabled: true}", "placement=scaleSet"],
        ["monitoring={enabled: true}", "frontendType=internal"],
    ],
)
def test_request_body_conforms(sets: list[str]) -> None:
    cfg, _ = plan.load_config("dev", sets, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg)
    assert result.error is None
    # The chart parts' `type` is open (offline/azure_types OPEN_DISCRIMINATORS says why).
    assert azure_types.check(result) == ([], [])


def test_picture_draws_each_part_from_the_inputs() -> None:
    run = ok(run_stack("prod", ON))
    svg = dashboard.render(the_dashboard(run).inputs)
    assert svg.count('fill="#ffffff"') == 6
    lb_name = main_lb(run).id.rsplit("/", 1)[-1]
    assert f"of loadBalancers/{lb_name}</text>" in svg
    for vm in run.of_type(VM):
        assert svg.count(f"of virtualMachines/{vm.id.rsplit('/', 1)[-1]}</text>") == 2  # CPU and memory
    assert "split by BackendIPAddress</text>" in svg
    assert ">web tier health</text>" in svg
    assert "12 x 12 grid units, 6 parts</text>" in svg


def test_committed_picture_is_current() -> None:
    """Redraw it with `python -m offline.dashboard --stack prod --set 'monitoring={enabled: true}'
    --out docs/dashboard-prod.svg` and commit it when this fails."""
    committed = (ROOT / "docs" / "dashboard-prod.svg").read_text()
    assert dashboard.picture("prod", ["monitoring={enabled: true}"]) == committed


def test_cli_writes_the_picture(tmp_path: Any) -> None:
    out = tmp_path / "d.svg"
    assert dashboard.main(["--stack", "prod", "--set", "monitoring={enabled: true}", "--out", str(out)]) == 0
    assert out.read_text() == (ROOT / "docs" / "dashboard-prod.svg").read_text()
    assert dashboard.main(["--stack", "prod", "--out", str(tmp_path / "none.svg")]) == 1
    assert not (tmp_path / "none.svg").exists()
