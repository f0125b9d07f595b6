"""The health gate and the web servers it waits for, run for real where this machine can.

GIVEN a VM's gate script (components/gate.py, bootstrap/health-gate.sh) and the built-in nginx
site, WHEN they run here against a local server, THEN the gate passes only when the probe's
port and path answer HTTP 200 (or a TCP connect), fails naming the VM and what did not answer,
waits for cloud-init, and nginx answers the page with 200 at every path (so moving the probe
never fails a running VM). The Windows script is checked as text only (no PowerShell here).
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXTENSION, GATE, VM, ok, run_stack

from components import gate
from components.settings import HealthProbe, MultiVmLoadBalancedArgs, OsType, ProbeProtocol
from components.workload import NGINX_CLOUD_INIT
from offline.engine import ProgramRun, plain

needs_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("sh", "bash", "curl", "timeout")), reason="needs sh, bash, curl and timeout"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(http.server.BaseHTTPRequestHandler):
    ok_paths: set[str] = set()

    def do_GET(self) -> None:
        self.send_response(200 if self.path in self.ok_paths else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web() -> Iterator[tuple[int, type[Server]]]:
    handler = type("Handler", (Server,), {"ok_paths": set()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], handler
    server.shutdown()


def run_gate(
    probe: HealthProbe, tmp_path: Path, boot: int = 3, cloud_init: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The Linux gate as the VM runs it, with a short boot budget and no settle wait (the two
    timing lines of the rendered script), and `cloud_init` as the cloud-init on PATH."""
    text = gate.script(MultiVmLoadBalancedArgs(probe=probe), "web-vm-1")
    text = text.replace(f"boot_seconds='{gate.BOOT_SECONDS}'", f"boot_seconds='{boot}'")
    text = text.replace(
        f"settle_seconds='{gate.settle_seconds(MultiVmLoadBalancedArgs(probe=probe))}'", "settle_seconds='0'"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    # Only the tools the script uses, so the machine's own cloud-init is not found.
    for tool in ("sh", "bash", "curl", "timeout", "date", "sleep", "tr", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or tool)
    if cloud_init is not None:
        stub = bin_dir / "cloud-init"
        stub.write_text(f"#!/bin/sh\n{cloud_init}\n")
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    script = tmp_path / "gate.sh"
    script.write_text(text)
    return subprocess.run(
        ["sh", str(script)], capture_output=True, text=True, env={"PATH": str(bin_dir)}, timeout=60, check=False
    )


# ------------------------------------------------------------------ the gate script, run


@needs_tools
def test_gate_passes_when_the_probe_path_answers_200(web: tuple[int, type[Server]], tmp_path: Path) -> None:
    port, handler = web
    handler.ok_paths.add("/healthz")
    result = run_gate(HealthProbe(port=port, path="/healthz"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"web-vm-1: http://127.0.0.1:{port}/healthz (HTTP 200) answers; in rotation after 0 s of probes"
    )


@needs_tools
def test_gate_fails_naming_the_vm_and_the_url_when_the_path_is_not_served(
    web: tuple[int, type[Server]], tmp_path: Path
) -> None:
    port, handler = web
    handler.ok_paths.add("/")  # the server runs, but not at the probe's path (404)
    started = time.monotonic()
    result = run_gate(HealthProbe(port=port, path="/healthz"), tmp_path, boot=2)
    assert result.returncode == 1
    assert result.stderr.strip() == f"web-vm-1: http://127.0.0.1:{port}/healthz (HTTP 200) did not answer within 2 s"
    assert time.monotonic() - started < 15


@needs_tools
def test_tcp_gate_needs_a_listener(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert run_gate(HealthProbe(protocol=ProbeProtocol.TCP, port=port, path=None), tmp_path).returncode == 0
    closed = free_port()
    result = run_gate(HealthProbe(protocol=ProbeProtocol.TCP, port=closed, path=None), tmp_path / "again", boot=1)
    assert result.returncode == 1
    assert result.stderr.strip() == f"web-vm-1: TCP port {closed} did not answer within 1 s"


@needs_tools
@pytest.mark.parametrize(
    ("stub", "expected"),
    [
        (
            '[ "$1" = status ] && [ "$2" = --long ] && echo "status: error"; exit 1',
            "web-vm-1: cloud-init failed: status: error",
        ),
        ("sleep 30", "web-vm-1: cloud-init did not finish within 1 s"),
    ],
    ids=["cloud-init failed", "cloud-init still running"],
)
def test_gate_fails_when_cloud_init_does_not_finish(
    stub: str, expected: str, web: tuple[int, type[Server]], tmp_path: Path
) -> None:
    port, handler = web
    handler.ok_paths.add("/")  # the server answers: only cloud-init can fail the gate here
    (tmp_path / "t").mkdir()
    result = run_gate(HealthProbe(port=port), tmp_path / "t", boot=1, cloud_init=stub)
    assert result.returncode == 1
    assert result.stderr.strip() == expected


@needs_tools
def test_gate_waits_for_cloud_init_that_finishes(web: tuple[int, type[Server]], tmp_path: Path) -> None:
    port, handler = web
    handler.ok_paths.add("/")
    assert run_gate(HealthProbe(port=port), tmp_path, cloud_init="exit 0").returncode == 0


# ------------------------------------------------------------------ the gate's settings


def test_gate_waits_the_probe_interval_times_its_threshold_after_the_vm_answers() -> None:
    args = MultiVmLoadBalancedArgs(probe=HealthProbe(interval_seconds=15, probe_threshold=3))
    assert gate.settle_seconds(args) == 45
    assert gate.timeout_seconds(args) == gate.BOOT_SECONDS + 45 + 60
    assert "settle_seconds='45'" in gate.script(args, "web-vm-1").splitlines()


def test_windows_gate_checks_the_same_url_and_fails_naming_the_vm() -> None:
    args = MultiVmLoadBalancedArgs(os_type=OsType.WINDOWS, probe=HealthProbe(path="/ready"))
    text = gate.script(args, "web-vm-2")
    lines = text.splitlines()
    assert "$vm = 'web-vm-2'" in lines and "$path = '/ready'" in lines and "$port = [int]'80'" in lines
    assert "'__" not in text  # every mark filled in


# ------------------------------------------------------------------ the gate resources


def gates(run: ProgramRun) -> list[Any]:
    return sorted(run.of_type(GATE), key=lambda r: r.name)


@pytest.mark.parametrize(("stack", "count"), [("dev", 2), ("prod", 3)])
def test_each_vm_gets_a_blocking_gate_that_fails_the_deployment(stack: str, count: int) -> None:
    run = ok(run_stack(stack))
    vms = sorted(run.of_type(VM), key=lambda r: r.name)
    assert [g.name for g in gates(run)] == [f"web-vm-{i}-gate" for i in range(1, count + 1)]
    for g, vm in zip(gates(run), vms, strict=True):
        i = g.inputs
        assert i["vmName"] == vm.outputs["name"]  # its own VM, by the VM's Azure name
        assert (i["runCommandName"], i["asyncExecution"], i["treatFailureAsDeploymentFailure"]) == (
            "health-gate",
            False,
            True,
        )
        assert i["timeoutInSeconds"] == gate.BOOT_SECONDS + 5 * 2 + 60
        assert (
            f"vm='{vm.name}'" in i["source"]["script"].splitlines()
            or f"$vm = '{vm.name}'" in i["source"]["script"].splitlines()
        )
        assert vm.urn in g.dependencies


def test_windows_gate_runs_after_the_web_server_extension(prod: ProgramRun) -> None:
    extensions = {e.name: e for e in prod.of_type(EXTENSION)}
    for g in gates(prod):
        assert extensions[g.name.replace("-gate", "-web")].urn in g.dependencies


def test_workload_none_has_no_gate_because_nothing_answers_yet() -> None:
    assert ok(run_stack(overrides={"workload": "none"})).of_type(GATE) == []


def test_custom_workload_is_gated_on_the_probe_too(tmp_path: Path) -> None:
    own = tmp_path / "app.yaml"
    own.write_text("#cloud-config\npackages:\n  - apache2\n")
    run = ok(run_stack(overrides={"workload": "custom", "workloadFile": str(own)}))
    assert len(run.of_type(GATE)) == 2


# ------------------------------------------------------------------ nginx answers every path


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="needs nginx")
@pytest.mark.parametrize("path", ["/", "/healthz", "/health/ready", "/a/b/c.html"])
def test_built_in_nginx_site_answers_the_page_with_200_at_every_path(path: str, tmp_path: Path) -> None:
    """The site file the cloud-init writes, served by a real nginx (root and port moved to
    this test's folder and a free port): any probe path gets the page and 200."""
    files = {f["path"]: f["content"] for f in yaml.safe_load(NGINX_CLOUD_INIT.read_text())["write_files"]}
    site = files["/etc/nginx/sites-available/default"]
    root = tmp_path / "html"
    root.mkdir()
    (root / "index.html").write_text("<h1>web-vm-1</h1>\n")
    port = free_port()
    site = site.replace("root /var/www/html;", f"root {root};").replace("listen 80 ", f"listen 127.0.0.1:{port} ")
    site = site.replace("listen [::]:80 default_server;\n", "")
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; daemon off; user root;\n"
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path}; "
        f"fastcgi_temp_path {tmp_path}; uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path};\n{site}\n}}\n"
    )
    os.chmod(tmp_path, 0o755)
    nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        out = subprocess.run(
            ["curl", "-s", "-w", "\n%{http_code}", f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out == "<h1>web-vm-1</h1>\n\n200"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def test_the_bootstraps_do_not_depend_on_the_probe() -> None:
    """A probe path change replaces no VM: the rendered bootstraps are the same."""
    for stack in ("dev", "prod"):
        a = ok(run_stack(stack))
        b = ok(run_stack(stack, overrides={"probe": {"protocol": "Http", "port": 80, "path": "/healthz"}}))
        assert [plain(v.inputs)["osProfile"].get("customData") for v in a.of_type(VM)] == [
            plain(v.inputs)["osProfile"].get("customData") for v in b.of_type(VM)
        ]
        assert [e.inputs["settings"] for e in a.of_type(EXTENSION)] == [
            e.inputs["settings"] for e in b.of_type(EXTENSION)
        ]
