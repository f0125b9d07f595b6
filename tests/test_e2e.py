"""The end-to-end availability test's logic (e2e/run.py) without Azure or the Pulumi CLI: a fake
stack and a fake load balancer (`World`), a fake clock (no test sleeps), and once the real
program on the mock engine. What the real run adds (Azure, the CLI) is not run here."""

from __future__ import annotations

import base64
import email.message
import threading
import urllib.error
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SSH_KEY, VM

from e2e import run as e2e
from offline import engine

URL = "http://192.0.2.10/"
REFUSED = "ConnectionRefusedError: [Errno 111] Connection refused"


class FakeClock:
    """Time moves only when the request loop sleeps between requests."""

    def __init__(self) -> None:
        self._t = 1000.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._t += seconds


class World:
    """A fake tier behind a fake load balancer: VMs 1..count answer in turn with their page,
    except those not (yet) answering; `fail_next` requests fail first."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.count = 0
        self.version: dict[int, str | None] = {}
        self.calls = 0
        self.fail_next = 0
        #: VM index -> the call from which it answers (absent: from the start).
        self.answers_from: dict[int, int] = {}
        #: Operations, and the first answer of each host, in order.
        self.log: list[tuple[Any, ...]] = []
        #: The threads that sent requests, one entry per run of consecutive requests.
        self.threads: list[threading.Thread] = []

    def probe(self, url: str, timeout: float) -> e2e.Answer:
        assert (url, timeout) == (URL, 5.0)
        with self.cond:
            self.calls += 1
            thread = threading.current_thread()
            if not self.threads or self.threads[-1] is not thread:
                self.threads.append(thread)
            self.cond.notify_all()
            if self.fail_next:
                self.fail_next -= 1
                return e2e.Answer(ok=False, error=REFUSED)
            up = [i for i in range(1, self.count + 1) if self.calls >= self.answers_from.get(i, 0)]
            if not up:
                return e2e.Answer(ok=False, error="HTTP 502")
            i = up[self.calls % len(up)]
            host = f"web-vm-{i}"
            if ("answered", host) not in self.log:
                self.log.append(("answered", host))
            return e2e.Answer(ok=True, host=host, version=self.version.get(i))

    def wait_calls(self, n: int) -> None:
        """Block (never long: the loop runs on a fake clock) until `n` more requests went out."""
        with self.cond:
            target = self.calls + n
            assert self.cond.wait_for(lambda: self.calls >= target, timeout=10)


class FakeStack:
    """`StackLike` on a `World`: `up` applies the config to it, after (but for the first up)
    as many requests as there are VMs. `during_up[n]` runs in the n-th `up` (1-based) before
    it applies anything; `raise_on_up[n]` is raised by it."""

    name = "e2e-test"

    def __init__(self, world: World) -> None:
        self.world = world
        self.config: dict[str, str] = {}
        self.ups = 0
        self.during_up: dict[int, Any] = {}
        self.raise_on_up: dict[int, BaseException] = {}
        self.destroy_error: BaseException | None = None

    def set_config(self, key: str, value: str) -> None:
        self.world.log.append(("set", key, value))
        self.config[key] = value

    def up(self) -> None:
        self.ups += 1
        self.world.log.append(("up",))
        if self.ups in self.during_up:
            self.during_up[self.ups]()
        if self.ups in self.raise_on_up:
            raise self.raise_on_up[self.ups]
        if self.ups > 1:  # an up takes a while: every VM answers once under the old config first
            self.world.wait_calls(self.world.count)
        with self.world.cond:
            self.world.count = int(self.config["lb-vms:vmCount"])
            new = "2" if self.config.get("lb-vms:workload") == "custom" else None
            self.world.version = {i: new for i in range(1, self.world.count + 1)}

    def outputs(self) -> Mapping[str, Any]:
        return {"url": URL, "vmNames": [f"web-vm-{i}abc" for i in range(1, self.world.count + 1)]}

    def destroy(self) -> None:
        self.world.log.append(("destroy",))
        if self.destroy_error is not None:
            raise self.destroy_error

    def remove(self) -> None:
        self.world.log.append(("remove",))


SETTINGS = e2e.Settings(location="westeurope", ssh_public_key=SSH_KEY, converge_timeout=60.0, settle=1.0)


def execute(
    stack: e2e.StackLike, probe: e2e.Probe, settings: e2e.Settings = SETTINGS
) -> tuple[int, e2e.Run, list[str]]:
    printed: list[str] = []
    run = e2e.Run(stack, settings, probe, FakeClock(), out=printed.append)
    code = run.run()
    # Every request loop has stopped when the run returns, whatever happened.
    assert not [t for t in threading.enumerate() if t.name == e2e.RequestLoop.THREAD_NAME]
    return code, run, printed


def ops(world: World) -> list[tuple[Any, ...]]:
    return [entry for entry in world.log if entry[0] != "answered"]


DEPLOY_CONFIG = [
    ("set", "azure-native:location", "westeurope"),
    ("set", "lb-vms:vmCount", "2"),
    ("set", "lb-vms:sshPublicKey", SSH_KEY),
    ("set", "lb-vms:adminAccess", "none"),
]
SEQUENCE = [
    *DEPLOY_CONFIG,
    ("up",),
    ("set", "lb-vms:vmCount", "3"),
    ("up",),
    ("set", "lb-vms:vmCount", "2"),
    ("up",),
    ("set", "lb-vms:workload", "custom"),
    ("set", "lb-vms:workloadFile", "e2e/app-v2.yaml"),
    ("up",),
    ("destroy",),
    ("remove",),
]


def test_a_clean_run_applies_the_changes_in_order_passes_and_destroys() -> None:
    world = World()
    code, run, printed = execute(FakeStack(world), world.probe)
    assert code == 0
    assert ops(world) == SEQUENCE
    steps = run.verdict.steps
    assert [(s.name, s.judged, s.completed, s.failures) for s in steps] == [
        ("deploy", False, True, 0),
        ("scale out", True, True, 0),
        ("scale in", True, True, 0),
        ("bootstrap change", True, True, 0),
    ]
    assert [s.hosts for s in steps] == [
        ["web-vm-1", "web-vm-2"],
        ["web-vm-1", "web-vm-2", "web-vm-3"],
        ["web-vm-1", "web-vm-2", "web-vm-3"],  # VM 3 answered before the scale in's up
        ["web-vm-1", "web-vm-2"],
    ]
    # The bootstrap step ended only once both VMs served version 2.
    bootstrap = steps[3]
    assert {v for _, v in bootstrap.last_seen} == {None, "2"}
    assert all(bootstrap.answered_since(h, "2", 0) for h in ("web-vm-1", "web-vm-2"))
    # Each step settled: at least settle / interval requests after converging.
    assert all(s.requests >= 4 for s in steps)
    total = sum(s.requests for s in steps[1:])
    assert printed[-1] == f"PASS: 3 of 3 changes, {total} requests, 0 failed"


def test_each_step_has_its_own_loop_and_it_stops_before_the_next() -> None:
    world = World()
    code, _, _ = execute(FakeStack(world), world.probe)
    assert code == 0
    # One thread per step (deploy and three changes), each one's requests in one block: a
    # loop never sent a request once the next had started, nor after the run.
    assert len(world.threads) == 4
    assert len(set(map(id, world.threads))) == 4
    assert not any(t.is_alive() for t in world.threads)


def test_failures_during_one_change_are_counted_exactly_and_fail_the_run() -> None:
    world = World()
    stack = FakeStack(world)

    def three_refused() -> None:  # the scale in (the 3rd up): 3 requests refused, then served
        with world.cond:
            world.fail_next = 3
        world.wait_calls(5)

    stack.during_up[3] = three_refused
    code, run, printed = execute(stack, world.probe)
    assert code == 1
    assert ops(world) == SEQUENCE  # the run went on, and cleaned up
    by_name = {s.name: s for s in run.verdict.steps}
    assert [(n, s.failures) for n, s in by_name.items()] == [
        ("deploy", 0),
        ("scale out", 0),
        ("scale in", 3),
        ("bootstrap change", 0),
    ]
    # From the first refused request to the next served one: 3 intervals of 0.25 s.
    assert by_name["scale in"].longest_outage == 0.75
    assert by_name["scale out"].longest_outage == 0.0
    row = next(line for line in printed[-2].splitlines() if line.startswith("scale in"))
    assert row.split()[2:5] == [str(by_name["scale in"].requests), "3", "0.75"]
    assert row.endswith("FAILED")
    assert f"  scale in: 3 x {REFUSED}" in printed[-2].splitlines()
    judged = list(by_name.values())[1:]
    assert printed[-1] == f"FAIL: 3 of 3 changes, {sum(s.requests for s in judged)} requests, 3 failed"


def test_failures_while_deploying_are_a_warm_up_not_a_verdict() -> None:
    world = World()
    world.fail_next = 4  # the first requests after the deploy: the probe is still warming up
    code, run, _ = execute(FakeStack(world), world.probe)
    assert code == 0
    assert [s.failures for s in run.verdict.steps] == [4, 0, 0, 0]


def test_the_deploy_waits_until_every_vm_has_answered() -> None:
    world = World()
    world.answers_from = {2: 40}  # VM 2 answers from the 40th request on
    code, run, _ = execute(FakeStack(world), world.probe)
    assert code == 0
    log = world.log
    # The scale out starts only after VM 2 answered through the load balancer.
    assert log.index(("answered", "web-vm-2")) < log.index(("set", "lb-vms:vmCount", "3"))
    assert run.verdict.steps[0].requests >= 40


def test_a_vm_that_never_answers_times_out_and_the_stack_is_still_destroyed() -> None:
    world = World()
    world.answers_from = {3: 10**9}  # VM 3 is created but never answers
    code, run, printed = execute(FakeStack(world), world.probe)
    assert code == 1
    assert ops(world) == [*SEQUENCE[:7], ("destroy",), ("remove",)]
    assert run.verdict.error == (
        "E2EError: scale out: timed out waiting for web-vm-1, web-vm-2, web-vm-3 to answer within 60 s "
        "(answered: web-vm-1, web-vm-2)"
    )
    scale_out = run.verdict.steps[1]
    assert (scale_out.completed, scale_out.failures) == (False, 0)
    # At least the 60 s after the up, at one request per 0.25 s.
    assert scale_out.requests >= 240
    assert next(line for line in printed[-2].splitlines() if line.startswith("scale out")).endswith("incomplete")
    assert printed[-1].startswith("FAIL: 1 of 3 changes")


def test_the_bootstrap_change_waits_for_the_new_version_on_every_vm() -> None:
    world = World()
    stack = FakeStack(world)
    real_up = stack.up

    def vm_2_keeps_the_old_page() -> None:
        real_up()
        if stack.ups == 4:
            world.version[2] = None

    stack.up = vm_2_keeps_the_old_page
    code, run, _ = execute(stack, world.probe)
    assert code == 1
    assert run.verdict.error == (
        "E2EError: bootstrap change: timed out waiting for web-vm-1, web-vm-2 to answer with version 2 "
        "within 60 s (answered: web-vm-1, web-vm-1 (version 2), web-vm-2)"
    )
    assert ops(world)[-2:] == [("destroy",), ("remove",)]


def test_a_failing_up_stops_the_run_and_destroys() -> None:
    world = World()
    stack = FakeStack(world)
    stack.raise_on_up[2] = RuntimeError("code: 255, stderr: quota exceeded")
    code, run, printed = execute(stack, world.probe)
    assert code == 1
    assert ops(world) == [*SEQUENCE[:7], ("destroy",), ("remove",)]
    assert run.verdict.error == "RuntimeError: code: 255, stderr: quota exceeded"
    assert printed[-1].startswith("FAIL: 1 of 3 changes") and printed[-1].endswith("quota exceeded")


def test_a_failing_first_deploy_destroys_what_it_created() -> None:
    world = World()
    stack = FakeStack(world)
    stack.raise_on_up[1] = RuntimeError("up failed")
    code, run, _ = execute(stack, world.probe)
    assert code == 1
    assert ops(world) == [*DEPLOY_CONFIG, ("up",), ("destroy",), ("remove",)]
    assert run.verdict.steps == []


def test_an_interrupt_destroys_then_exits_130() -> None:
    world = World()
    stack = FakeStack(world)
    stack.raise_on_up[3] = KeyboardInterrupt()
    code, run, _ = execute(stack, world.probe)
    assert code == 130
    assert ops(world) == [*SEQUENCE[:9], ("destroy",), ("remove",)]
    assert run.verdict.error == "interrupted"


def test_a_failing_destroy_says_how_to_clean_up_and_fails_the_run() -> None:
    world = World()
    stack = FakeStack(world)
    stack.destroy_error = RuntimeError("lock held")
    code, _, printed = execute(stack, world.probe)
    assert code == 1  # every change passed, but resources may be left
    assert ops(world)[-2:] == [("up",), ("destroy",)]  # not removed: it still has resources
    assert (
        f"==> Clean-up of e2e-test failed (RuntimeError: lock held); clean up by hand: "
        f"pulumi destroy --yes --stack e2e-test --cwd {ROOT} && pulumi stack rm --yes --stack e2e-test --cwd {ROOT}"
    ) in printed


def test_keep_leaves_the_stack_and_says_how_to_remove_it() -> None:
    world = World()
    settings = e2e.Settings(**{**SETTINGS.__dict__, "keep": True})
    code, _, printed = execute(FakeStack(world), world.probe, settings)
    assert code == 0
    assert ops(world) == SEQUENCE[:-2]
    assert any(line.startswith("==> Kept e2e-test (--keep); remove it with: pulumi destroy") for line in printed)


def test_a_probe_that_raises_is_a_failed_request_not_a_dead_loop() -> None:
    world = World()
    calls = 0

    def flaky(url: str, timeout: float) -> e2e.Answer:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise TimeoutError("timed out")
        return world.probe(url, timeout)

    code, run, _ = execute(FakeStack(world), flaky)
    assert code == 0
    assert run.verdict.steps[0].errors == {"TimeoutError: timed out": 1}


def test_extra_config_goes_after_the_tests_own_keys_and_names_the_hosts() -> None:
    world = World()
    settings = e2e.Settings(**{**SETTINGS.__dict__, "extra": {"vmSize": "Standard_B2s", "namePrefix": "web-vm"}})
    stack = FakeStack(world)
    # namePrefix `web-vm` names the hosts `web-vm-<i>` as the World serves them.
    code, _, _ = execute(stack, world.probe, settings)
    assert code == 0
    assert ops(world)[: len(DEPLOY_CONFIG) + 2] == [
        *DEPLOY_CONFIG,
        ("set", "lb-vms:vmSize", "Standard_B2s"),
        ("set", "lb-vms:namePrefix", "web-vm"),
    ]
    assert e2e.expected_hosts(2, {"lb-vms:namePrefix": "app"}) == ["app-1", "app-2"]
    assert e2e.expected_hosts(3, {}) == ["web-vm-1", "web-vm-2", "web-vm-3"]


def test_check_extra_refuses_what_the_test_cannot_measure() -> None:
    assert e2e.check_extra({"vmSize": "Standard_B2s", "placement": "zones"}) == []
    assert e2e.check_extra(
        {
            "vmCount": "5",
            "lb-vms:workload": "iis",
            "osType": "windows",
            "placement": "scaleSet",
            "frontendType": "internal",
        }
    ) == [
        "vmCount: set by the test itself",
        "lb-vms:workload: set by the test itself",
        "osType: the test is Linux only (its bootstrap change is a cloud-init file)",
        "placement: scaleSet has no vmCount or vmNames; the test covers availabilitySet and zones",
        "frontendType: the test reaches `url` from where it runs, so it needs the public frontend",
    ]


def test_config_from_the_command_line_and_the_environment() -> None:
    assert e2e.parse_sets(["vmSize=Standard_B2s", 'tags={"a": "b=c"}']) == {
        "vmSize": "Standard_B2s",
        "tags": '{"a": "b=c"}',
    }
    with pytest.raises(e2e.E2EError, match="--set 'vmSize': expected KEY=VALUE"):
        e2e.parse_sets(["vmSize"])
    assert e2e.extra_from_env('{"vmSize": "Standard_B2s", "zones": ["1", "2"]}') == {
        "vmSize": "Standard_B2s",
        "zones": '["1", "2"]',
    }
    assert e2e.extra_from_env(None) == {}
    with pytest.raises(e2e.E2EError, match="E2E_CONFIG: expected a JSON object"):
        e2e.extra_from_env('["vmSize"]')


def test_main_refuses_a_run_without_a_region(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ARM_LOCATION", raising=False)
    with pytest.raises(SystemExit) as exited:
        e2e.main([])
    assert exited.value.code == 2
    assert "--location (or ARM_LOCATION) is required" in capsys.readouterr().err


# The page: what the VMs serve, run as the VM runs it ------------------------------------------


def rendered_page(cloud_init: Path, tmp_path: Path, host: str) -> str:
    """Run the cloud-init file's page writer with `hostname` answering `host`, into tmp_path."""
    import subprocess

    doc = yaml.safe_load(cloud_init.read_text(encoding="utf-8"))
    [writer] = [f for f in doc["write_files"] if f["path"] == "/usr/local/sbin/lbvms-write-page"]
    page = tmp_path / "index.html"
    script = writer["content"].replace("/var/www/html/index.html", str(page))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "hostname").write_text(f"#!/bin/sh\necho {host}\n", encoding="utf-8")
    (bin_dir / "hostname").chmod(0o755)
    subprocess.run(["sh", "-c", script], check=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    return page.read_text(encoding="utf-8")


def test_the_built_in_nginx_page_names_the_vm_and_no_version(tmp_path: Path) -> None:
    page = rendered_page(ROOT / "components/bootstrap/nginx-cloud-init.yaml", tmp_path, "web-vm-1")
    assert e2e.parse_page(page) == ("web-vm-1", None)


def test_the_changed_bootstrap_page_names_the_vm_and_version_2(tmp_path: Path) -> None:
    page = rendered_page(ROOT / e2e.NEW_BOOTSTRAP, tmp_path, "web-vm-2")
    assert e2e.parse_page(page) == ("web-vm-2", e2e.NEW_VERSION)


class FakeResponse:
    def __init__(self, status: int, body: bytes) -> None:
        self.status, self._body = status, body

    def read(self, limit: int) -> bytes:
        return self._body[:limit]

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_http_probe_counts_only_200_as_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, dict[str, str], float]] = []
    outcome: list[Any] = []

    def urlopen(request: Any, timeout: float) -> FakeResponse:
        seen.append((request.full_url, dict(request.header_items()), timeout))
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    monkeypatch.setattr(e2e.urllib.request, "urlopen", urlopen)
    outcome[:] = [FakeResponse(200, b"<h1>web-vm-2</h1><p>lbvms-e2e version 2</p>")]
    assert e2e.http_probe(URL, 5.0) == e2e.Answer(ok=True, host="web-vm-2", version="2")
    assert seen == [(URL, {"Connection": "close", "User-agent": "lbvms-e2e"}, 5.0)]
    outcome[:] = [FakeResponse(204, b"")]
    assert e2e.http_probe(URL, 5.0) == e2e.Answer(ok=False, error="HTTP 204")
    outcome[:] = [urllib.error.HTTPError(URL, 502, "Bad Gateway", email.message.Message(), None)]
    assert e2e.http_probe(URL, 5.0) == e2e.Answer(ok=False, error="HTTP 502")
    outcome[:] = [urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))]
    assert e2e.http_probe(URL, 5.0) == e2e.Answer(ok=False, error=REFUSED)
    outcome[:] = [TimeoutError("timed out")]
    assert e2e.http_probe(URL, 5.0) == e2e.Answer(ok=False, error="TimeoutError: timed out")


# The real program on the mock engine ------------------------------------------------------------


class EngineStack:
    """`StackLike` on this project's `__main__.py` on the mock engine: every config the run
    sets goes through the program's validation, and its outputs and VMs are the program's."""

    name = "e2e-engine"

    def __init__(self, pages: Path) -> None:
        self.config: dict[str, str] = {}
        self.run: engine.ProgramRun | None = None
        self.log: list[tuple[Any, ...]] = []
        self.lock = threading.Lock()
        self.calls = 0
        self._pages = pages
        self.rendered: dict[tuple[str, str], str] = {}

    def set_config(self, key: str, value: str) -> None:
        self.config[key] = value

    def up(self) -> None:
        run = engine.run_program(ROOT, project="lb-vms", stack=self.name, config=dict(self.config))
        if run.error is not None:
            raise run.error
        with self.lock:
            self.run = run
        self.log.append(("up", self.config["lb-vms:vmCount"], len(run.of_type(VM))))

    def outputs(self) -> Mapping[str, Any]:
        assert self.run is not None
        return self.run.outputs

    def destroy(self) -> None:
        self.log.append(("destroy",))

    def remove(self) -> None:
        self.log.append(("remove",))

    def probe(self, url: str, timeout: float) -> e2e.Answer:
        """The VMs of the last `up` answer in turn with the page their own customData writes
        on a host named by their own osProfile.computerName."""
        with self.lock:
            assert self.run is not None and url == self.run.outputs["url"]
            vms = self.run.of_type(VM)
            self.calls += 1
            profile = vms[self.calls % len(vms)].inputs["osProfile"]
            key = (profile["customData"], profile["computerName"])
            if key not in self.rendered:
                cloud_init = self._pages / f"cloud-init-{len(self.rendered)}.yaml"
                cloud_init.write_bytes(base64.b64decode(profile["customData"]))
                self.rendered[key] = rendered_page(cloud_init, self._pages, profile["computerName"])
            host, version = e2e.parse_page(self.rendered[key])
        return e2e.Answer(ok=True, host=host, version=version)


def test_the_run_on_the_real_program_converges_at_every_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # workloadFile is relative to the project directory, where the CLI runs the program.
    monkeypatch.chdir(ROOT)
    stack = EngineStack(tmp_path)
    printed: list[str] = []
    code = e2e.Run(stack, SETTINGS, stack.probe, FakeClock(), out=printed.append).run()
    assert code == 0, printed
    assert stack.log == [("up", "2", 2), ("up", "3", 3), ("up", "2", 2), ("up", "2", 2), ("destroy",), ("remove",)]
    assert stack.config["lb-vms:workloadFile"] == "e2e/app-v2.yaml"
    # Five pages: VMs 1-3 with the built-in bootstrap, VMs 1-2 with the new one.
    pages = [e2e.parse_page(page) for page in stack.rendered.values()]
    assert sorted(pages, key=lambda p: (p[0], p[1] or "")) == [
        ("web-vm-1", None),
        ("web-vm-1", "2"),
        ("web-vm-2", None),
        ("web-vm-2", "2"),
        ("web-vm-3", None),
    ]
