"""End-to-end availability test on Azure, driven by Pulumi's Automation API (`make e2e`).

    python -m e2e --location westeurope [--keep] [--set KEY=VALUE ...]

What it does, on a throw-away stack `e2e-<random>` of this project (its own Pulumi.yaml and
`__main__.py`, a stack created for the run and never an existing one):

1. deploy two Linux VMs (`vmCount: 2`, `adminAccess: none`, an SSH key made for the run whose
   private half is thrown away), then wait until every VM has answered through the load
   balancer (`url`): the built-in nginx page names the VM that answered (`<h1>web-vm-1</h1>`);
2. three changes, each while a request loop sends GET `url` every `--interval` seconds in a
   background thread and counts the requests, the failed ones (not HTTP 200, time-outs,
   connection errors), the longest outage and the VMs that answered:
   - scale out to 3 (done when VM 3 has answered),
   - scale in to 2 (done when VMs 1 and 2 have answered after `pulumi up`),
   - a bootstrap change (`workload: custom`, e2e/app-v2.yaml, whose page also says
     "lbvms-e2e version 2"; done when every VM has served version 2 after `pulumi up`),
   each followed by `--settle` seconds more of requests;
3. print the verdict, a table per step, and exit 0 only when every change had zero failed
   requests: the availability promise of the README (create-first replacement, health gates);
4. destroy the stack and remove it, also after a failure, a time-out or Ctrl-C (SIGTERM too);
   when that fails it prints the commands to clean up by hand.

What it needs: the Pulumi CLI (v3.187.0 or later, for Pulumi.yaml's object keys) logged in to a
backend (`pulumi login`, or `pulumi login --local`), Azure credentials the azure-native
provider accepts (`az login`, or ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID/
ARM_SUBSCRIPTION_ID), a sandbox subscription with quota for 3 Standard_D2s_v5 VMs (or
`--set vmSize=...`), `ssh-keygen` (or E2E_SSH_PUBLIC_KEY), and outbound HTTP to the frontend.
It costs what 2-3 small VMs, a Standard load balancer and a public IP cost for about 30-40
minutes (cents to a dollar or two), and takes that long.

Options by environment: ARM_LOCATION (the region, when --location is not given),
E2E_SSH_PUBLIC_KEY (instead of a generated key), E2E_CONFIG (a JSON object of more project keys,
as --set: `{"vmSize": "Standard_B2s"}`). Linux, `availabilitySet` or `zones` placement, public
frontend only: the test reads `vmNames` and the nginx page, and reaches `url` from here.

Not run here: this repository is built without Azure and without the Pulumi CLI. Its logic
(the sequence of config changes and ups, the request loop, the verdict, the cleanup) is tested
in tests/test_e2e.py against a fake stack and fake probe and clock, and against the real
program on the mock engine (offline/engine.py); the real run is for anyone with a subscription.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from components.naming import computer_name
from stack_config import COMPONENT_NAME

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "lb-vms"
#: The bootstrap of the change step, relative to the project directory (how the program reads
#: `workloadFile`), and the version its page announces.
NEW_BOOTSTRAP = "e2e/app-v2.yaml"
NEW_VERSION = "2"
#: The keys the test sets itself: a `--set` of one of them would change what is measured.
OWN_KEYS = ("vmCount", "workload", "workloadFile", "sshPublicKey", "adminAccess")

_H1 = re.compile(r"<h1>([^<]+)</h1>")
_VERSION = re.compile(r"lbvms-e2e version ([^<\s]+)")


class E2EError(Exception):
    """A step could not be completed (a time-out, an output missing): the run fails."""


# The pieces the tests replace ---------------------------------------------------------------


class StackLike(Protocol):
    """What the test does with a stack: the Automation API's `Stack` behind `AutomationStack`,
    a fake in the tests."""

    @property
    def name(self) -> str: ...

    def set_config(self, key: str, value: str) -> None: ...

    def up(self) -> None: ...

    def outputs(self) -> Mapping[str, Any]: ...

    def destroy(self) -> None: ...

    def remove(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Answer:
    """One request through the load balancer: `ok` only for HTTP 200; `host` and `version`
    from the page (`parse_page`); `error` says why it failed."""

    ok: bool
    host: str | None = None
    version: str | None = None
    error: str | None = None


Probe = Callable[[str, float], Answer]


def parse_page(body: str) -> tuple[str | None, str | None]:
    """The VM that served a page (its `<h1>`, the host name) and the bootstrap version it
    announces (None for the built-in page, which announces none)."""
    host = _H1.search(body)
    version = _VERSION.search(body)
    return (host.group(1).strip() if host else None, version.group(1) if version else None)


def http_probe(url: str, timeout: float) -> Answer:
    """GET `url` on a new connection (`Connection: close`), so that the load balancer's
    5-tuple hash spreads the requests over the VMs as it would spread users."""
    request = urllib.request.Request(url, headers={"Connection": "close", "User-Agent": "lbvms-e2e"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(65536).decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as err:
        return Answer(ok=False, error=f"HTTP {err.code}")
    except (OSError, ValueError) as err:  # URLError, time-outs, resets are OSErrors
        reason = getattr(err, "reason", err)
        return Answer(ok=False, error=f"{type(reason).__name__}: {reason}")
    if status != 200:
        return Answer(ok=False, error=f"HTTP {status}")
    host, version = parse_page(body)
    return Answer(ok=True, host=host, version=version)


# The request loop ---------------------------------------------------------------------------


@dataclass
class StepStats:
    """What the request loop saw during one step."""

    name: str
    judged: bool
    requests: int = 0
    failures: int = 0
    longest_outage: float = 0.0
    #: When each (host, version) answered last, on the loop's clock.
    last_seen: dict[tuple[str, str | None], float] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    #: Every VM answered as expected and the settle time passed.
    completed: bool = False
    _outage_start: float | None = None

    def record(self, started: float, answer: Answer) -> None:
        self.requests += 1
        if not answer.ok:
            self.failures += 1
            self.errors[answer.error or "failed"] += 1
            if self._outage_start is None:
                self._outage_start = started
            return
        # An outage lasts from the first failed request to the next one answered.
        self._end_outage(started)
        if answer.host is not None:
            self.last_seen[(answer.host, answer.version)] = started

    def close(self, now: float) -> None:
        """At the end of the step: an outage still under way lasts until now."""
        self._end_outage(now)

    def _end_outage(self, at: float) -> None:
        if self._outage_start is not None:
            self.longest_outage = max(self.longest_outage, at - self._outage_start)
            self._outage_start = None

    @property
    def hosts(self) -> list[str]:
        return sorted({host for host, _ in self.last_seen})

    def answered_since(self, host: str, version: str | None, since: float) -> bool:
        return self.last_seen.get((host, version), float("-inf")) >= since


def seen(stats: StepStats) -> str:
    """Who answered with which version, for a time-out's message."""
    pairs = sorted(stats.last_seen, key=lambda p: (p[0], p[1] or ""))
    return ", ".join(f"{h}" + (f" (version {v})" if v else "") for h, v in pairs) or "none"


class RequestLoop:
    """GET `url` every `interval` seconds in a background thread, into a `StepStats`; the
    main thread waits on it (`wait_for`) while a change is applied."""

    THREAD_NAME = "e2e-request-loop"

    def __init__(
        self, stats: StepStats, url: str, probe: Probe, clock: Clock, interval: float, request_timeout: float
    ) -> None:
        self.stats = stats
        self._url = url
        self._probe = probe
        self._clock = clock
        self._interval = interval
        self._request_timeout = request_timeout
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=self.THREAD_NAME, daemon=True)

    def start(self) -> RequestLoop:
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
            started = self._clock.now()
            try:
                answer = self._probe(self._url, self._request_timeout)
            except Exception as err:  # a broken probe is a failed request, never a dead loop
                answer = Answer(ok=False, error=f"{type(err).__name__}: {err}")
            with self._cond:
                self.stats.record(started, answer)
                self._cond.notify_all()
            self._clock.sleep(self._interval)

    def wait_for(self, done: Callable[[StepStats], bool], deadline: float, what: Callable[[StepStats], str]) -> None:
        """Return once `done(stats)` holds; E2EError at `deadline` (on the loop's clock, which
        the loop reads at every request)."""
        with self._cond:
            while not done(self.stats):
                if self._clock.now() >= deadline:
                    raise E2EError(f"{self.stats.name}: timed out waiting for {what(self.stats)}")
                if not self._thread.is_alive():
                    raise E2EError(f"{self.stats.name}: the request loop stopped")
                # Woken by every request; the real-time bound only guards a hung probe.
                self._cond.wait(timeout=1.0)

    def stop(self) -> StepStats:
        with self._cond:
            self._stopping = True
        if self._thread.is_alive():
            self._thread.join()
        self.stats.close(self._clock.now())
        return self.stats


# The run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change under load: the project keys it sets, and what the tier serves after it."""

    name: str
    config: Mapping[str, str]
    vm_count: int
    #: The version every VM must announce when the change is done (None: the built-in page).
    version: str | None


INITIAL_COUNT = 2
CHANGES = (
    Change("scale out", {"vmCount": "3"}, 3, None),
    Change("scale in", {"vmCount": "2"}, 2, None),
    Change("bootstrap change", {"workload": "custom", "workloadFile": NEW_BOOTSTRAP}, 2, NEW_VERSION),
)


@dataclass(frozen=True)
class Settings:
    location: str
    ssh_public_key: str
    #: More project keys (`vmSize`, `placement`, ...) or full keys (`azure-native:...`).
    extra: Mapping[str, str] = field(default_factory=dict)
    keep: bool = False
    interval: float = 0.25
    request_timeout: float = 5.0
    #: How long after `pulumi up` every VM has to answer as the step expects.
    converge_timeout: float = 900.0
    #: Requests go on this long after a change has converged.
    settle: float = 30.0


def initial_config(settings: Settings) -> dict[str, str]:
    """Every key the deploy sets, as full keys, in the order it sets them."""
    config = {
        "azure-native:location": settings.location,
        f"{PROJECT}:vmCount": str(INITIAL_COUNT),
        f"{PROJECT}:sshPublicKey": settings.ssh_public_key,
        # The test needs no admin path: no NAT port on the public IP.
        f"{PROJECT}:adminAccess": "none",
    }
    for key, value in settings.extra.items():
        config[key if ":" in key else f"{PROJECT}:{key}"] = value
    return config


def check_extra(extra: Mapping[str, str]) -> list[str]:
    """Problems with the extra keys: the test's own keys, and what it cannot measure."""
    found = [f"{k}: set by the test itself" for k in extra if k.removeprefix(f"{PROJECT}:") in OWN_KEYS]
    plain = {k.removeprefix(f"{PROJECT}:"): v for k, v in extra.items()}
    if plain.get("osType", "linux") != "linux":
        found.append("osType: the test is Linux only (its bootstrap change is a cloud-init file)")
    if plain.get("placement") == "scaleSet":
        found.append("placement: scaleSet has no vmCount or vmNames; the test covers availabilitySet and zones")
    if plain.get("frontendType", "public") != "public":
        found.append("frontendType: the test reaches `url` from where it runs, so it needs the public frontend")
    return found


def expected_hosts(count: int, extra: Mapping[str, str]) -> list[str]:
    """The host names VMs 1..count put on their pages, by the program's own naming."""
    prefix = extra.get("namePrefix", extra.get(f"{PROJECT}:namePrefix"))
    return [computer_name(COMPONENT_NAME, prefix, i, "linux") for i in range(1, count + 1)]


@dataclass
class Verdict:
    steps: list[StepStats] = field(default_factory=list)
    error: str | None = None

    @property
    def judged(self) -> list[StepStats]:
        return [s for s in self.steps if s.judged]

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and len(self.judged) == len(CHANGES)
            and all(s.completed and s.failures == 0 for s in self.judged)
        )

    def table(self) -> str:
        rows = [("step", "requests", "failed", "longest outage", "VMs answered", "result")]
        for s in self.steps:
            if s.failures and s.judged:
                result = "FAILED"
            elif not s.completed:
                result = "incomplete"
            else:
                result = "ok" if s.judged else "warm-up"
            outage = f"{s.longest_outage:.2f} s"
            rows.append((s.name, str(s.requests), str(s.failures), outage, ", ".join(s.hosts) or "-", result))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(
                c.rjust(w) if 1 <= i <= 3 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
            for r in rows
        ]
        for s in self.steps:
            for error, n in s.errors.most_common(3):
                lines.append(f"  {s.name}: {n} x {error}")
        return "\n".join(lines)

    def summary(self) -> str:
        requests = sum(s.requests for s in self.judged)
        failures = sum(s.failures for s in self.judged)
        figures = f"{len(self.judged)} of {len(CHANGES)} changes, {requests} requests, {failures} failed"
        if self.passed:
            return f"PASS: {figures}"
        return f"FAIL: {figures}" + (f"; {self.error}" if self.error else "")


class Run:
    """One end-to-end run against `stack`; `run()` is the whole of it."""

    def __init__(
        self, stack: StackLike, settings: Settings, probe: Probe, clock: Clock, out: Callable[[str], None] = print
    ) -> None:
        self.stack = stack
        self.settings = settings
        self.probe = probe
        self.clock = clock
        self.out = out
        self.verdict = Verdict()

    def run(self) -> int:
        """Deploy, change under load, destroy (always, unless `keep`); the exit code: 0 only
        when every change ran with zero failed requests, 130 after an interrupt."""
        interrupted = False
        try:
            self._deploy_and_change()
        except KeyboardInterrupt:
            interrupted = True
            self.verdict.error = "interrupted"
        except Exception as err:
            self.verdict.error = f"{type(err).__name__}: {err}"
        finally:
            cleaned = self._clean_up()
        self.out("")
        self.out(self.verdict.table())
        self.out(self.verdict.summary())
        if interrupted:
            return 130
        return 0 if self.verdict.passed and cleaned else 1

    def _deploy_and_change(self) -> None:
        s = self.stack
        self.out(f"==> Deploying {s.name}: {INITIAL_COUNT} VMs in {self.settings.location}")
        for key, value in initial_config(self.settings).items():
            s.set_config(key, value)
        s.up()
        url, _ = self._outputs(INITIAL_COUNT)
        self._step(StepStats("deploy", judged=False), url, None)
        for change in CHANGES:
            self._step(StepStats(change.name, judged=True), url, change)

    def _step(self, stats: StepStats, url: str, change: Change | None) -> None:
        """Run the request loop while `change` is applied (None: the deploy, already up) until
        every VM has answered as the change expects after `pulumi up`, then `settle` seconds
        more; the loop stops whatever happens."""
        self.verdict.steps.append(stats)
        count, version = (change.vm_count, change.version) if change else (INITIAL_COUNT, None)
        loop = RequestLoop(stats, url, self.probe, self.clock, self.settings.interval, self.settings.request_timeout)
        loop.start()
        try:
            if change is not None:
                self.out(f"==> {change.name}: {', '.join(f'{k}={v}' for k, v in change.config.items())}")
                for key, value in change.config.items():
                    self.stack.set_config(f"{PROJECT}:{key}", value)
                self.stack.up()
                url_after, _ = self._outputs(count)
                if url_after != url:
                    raise E2EError(f"{change.name}: url changed from {url} to {url_after}")
            hosts = expected_hosts(count, self.settings.extra)
            applied = self.clock.now()
            what = f"{', '.join(hosts)} to answer" + (f" with version {version}" if version else "")
            self.out(f"==> {stats.name}: waiting for {what}")
            loop.wait_for(
                lambda st: all(st.answered_since(h, version, applied) for h in hosts),
                applied + self.settings.converge_timeout,
                lambda st: f"{what} within {self.settings.converge_timeout:.0f} s (answered: {seen(st)})",
            )
            settled = self.clock.now() + self.settings.settle
            loop.wait_for(lambda _: self.clock.now() >= settled, float("inf"), lambda _: "settling")
            stats.completed = True
        finally:
            loop.stop()
        self.out(f"==> {stats.name}: {stats.requests} requests, {stats.failures} failed")

    def _outputs(self, count: int) -> tuple[str, list[str]]:
        """The stack's `url` and `vmNames`, after checking it has `count` VMs."""
        outputs = self.stack.outputs()
        url, names = outputs.get("url"), outputs.get("vmNames")
        if not isinstance(url, str) or not isinstance(names, list):
            raise E2EError(f"the stack has no url or vmNames output (outputs: {sorted(outputs)})")
        if len(names) != count:
            raise E2EError(f"vmNames has {len(names)} VMs, expected {count}: {names}")
        return url, names

    def _clean_up(self) -> bool:
        """Destroy and remove the stack (unless `keep`); False, with the commands to do it by
        hand, when that fails. Runs after any failure, so it must not raise."""
        name = self.stack.name
        by_hand = (
            f"pulumi destroy --yes --stack {name} --cwd {ROOT} && pulumi stack rm --yes --stack {name} --cwd {ROOT}"
        )
        if self.settings.keep:
            self.out(f"==> Kept {name} (--keep); remove it with: {by_hand}")
            return True
        self.out(f"==> Destroying {name}")
        try:
            self.stack.destroy()
            self.stack.remove()
        except BaseException as err:  # Ctrl-C during destroy too: say what is left
            self.out(f"==> Clean-up of {name} failed ({type(err).__name__}: {err}); clean up by hand: {by_hand}")
            return False
        return True


# The Automation API --------------------------------------------------------------------------


class AutomationStack:
    """`StackLike` on a Pulumi Automation API stack of this project (a local program
    workspace on the repository: its Pulumi.yaml, `__main__.py` and .venv)."""

    def __init__(self, name: str, work_dir: Path = ROOT) -> None:
        from pulumi import automation as auto  # the CLI-driven part, only for a real run

        self._auto = auto
        # create_stack, not create_or_select: the run destroys its stack, so it must be new.
        self._stack = auto.create_stack(stack_name=name, work_dir=str(work_dir))

    @property
    def name(self) -> str:
        return self._stack.name

    def set_config(self, key: str, value: str) -> None:
        secret = key.endswith(":sshPublicKey")  # not a secret, but nobody's business either
        self._stack.set_config(key, self._auto.ConfigValue(value, secret=secret))

    def up(self) -> None:
        self._stack.up(on_output=print, color="never")

    def outputs(self) -> Mapping[str, Any]:
        return {key: output.value for key, output in self._stack.outputs().items()}

    def destroy(self) -> None:
        self._stack.destroy(on_output=print, color="never")

    def remove(self) -> None:
        self._stack.workspace.remove_stack(self._stack.name)


def generate_ssh_key() -> str:
    """An ed25519 public key made for the run; its private half is deleted with the temporary
    folder (the test needs no login, and `adminAccess: none` opens no admin path)."""
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lbvms-e2e", "-f", str(key)], check=True)
        return key.with_suffix(".pub").read_text(encoding="utf-8").strip()


def parse_sets(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise E2EError(f"--set {item!r}: expected KEY=VALUE")
        out[key] = value
    return out


def extra_from_env(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise E2EError(f"E2E_CONFIG: not JSON ({err})") from None
    if not isinstance(data, dict):
        raise E2EError("E2E_CONFIG: expected a JSON object of project keys")
    # Lists and objects go to the CLI as JSON, as `pulumi config set` takes them.
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (a cancelled CI job) cleans up as Ctrl-C does


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--location", default=os.environ.get("ARM_LOCATION"), help="Azure region (or ARM_LOCATION)")
    parser.add_argument("--keep", action="store_true", help="do not destroy the stack at the end")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="more config")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between requests (0.25)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for a change to converge (900)")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds of requests after convergence (30)")
    args = parser.parse_args(argv)
    if not args.location:
        parser.error("--location (or ARM_LOCATION) is required")
    try:
        extra = {**extra_from_env(os.environ.get("E2E_CONFIG")), **parse_sets(args.sets)}
    except E2EError as err:
        parser.error(str(err))
    if problems := check_extra(extra):
        parser.error("; ".join(problems))
    settings = Settings(
        location=args.location,
        ssh_public_key=os.environ.get("E2E_SSH_PUBLIC_KEY") or generate_ssh_key(),
        extra=extra,
        keep=args.keep,
        interval=args.interval,
        converge_timeout=args.timeout,
        settle=args.settle,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    name = f"e2e-{secrets.token_hex(3)}"
    try:
        stack = AutomationStack(name)
    except Exception as err:  # no CLI, not logged in: nothing was created
        print(f"Could not create stack {name}: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    return Run(stack, settings, http_probe, RealClock()).run()
