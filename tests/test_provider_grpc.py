"""The real `lbvms` plugin process, spoken to over loopback gRPC as the Pulumi engine does
(issue 15): GetSchema answers the committed provider/schema.json, and Construct registers
exactly what direct Python construction registers (dev, prod, scale set), secrets staying
secret both ways.

How the engine runs a Python component plugin (pulumi-language-python's `RunPlugin`,
sdk/python/cmd/pulumi-language-python/main.go in pulumi/pulumi): `python <plugin dir>
<engine address> ...`, running the directory's `__main__.py`. The plugin serves the
ResourceProvider service on 127.0.0.1 and prints its port on stdout (`pulumi.provider.main`,
pulumi/provider/server.py). A Construct request carries the resource monitor's address
(`monitorEndpoint`); the plugin registers the component and its children there. Here the
monitor is offline/engine.py's recording monitor, served over gRPC by this test, so both
sides of every registration cross a real process boundary and the real wire format.

What this cannot show: the Pulumi CLI itself (plugin install, `pulumi package add`, SDK
generation) and the engine's handling of the remote component; no CLI exists here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from conftest import COMPONENT, PASSWORD, ROOT
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    errors_pb2,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
    status_pb2,
)
from test_provider import (
    CONFIGS,
    PROJECT,
    STACK,
    WINDOWS_PASSWORD,
    as_provider_inputs,
    direct_run,
    secret_input_config,
    secret_properties,
    vm_passwords,
)

from offline import engine

STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
#: Long enough for the plugin to import the SDKs and analyze the component on a loaded machine.
STARTUP_SECONDS = 60


class _Monitor(engine.RecordingMonitor):
    """The recording monitor, naming URNs for this test's stack: it answers from gRPC
    worker threads, where the SDK's per-context settings (project, stack) are not set."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


class MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    """ResourceMonitor over gRPC, backed by a fresh recording monitor per Construct case.
    The SDK calls the monitor from several threads at once; one lock keeps the record whole."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.monitor = _Monitor(engine.RecordingMocks())

    def reset(self) -> _Monitor:
        with self.lock:
            self.monitor = _Monitor(engine.RecordingMocks())
            return self.monitor

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return self.monitor.GetDeploymentInfo(request)

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        # MockMonitor answers with a plain object; the wire needs the message.
        answer: Any = self.monitor.SupportsFeature(request)
        return resource_pb2.SupportsFeatureResponse(hasSupport=bool(answer.hasSupport))

    def RegisterResource(self, request: Any, context: Any) -> Any:
        with self.lock:
            return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        with self.lock:
            return self.monitor.RegisterResourceOutputs(request)

    def Invoke(self, request: Any, context: Any) -> Any:
        with self.lock:
            return self.monitor.Invoke(request)

    def RegisterPackage(self, request: Any, context: Any) -> Any:
        return self.monitor.RegisterPackage(request)

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


class EngineServicer(engine_pb2_grpc.EngineServicer):
    """The engine's host service: the plugin's `pulumi.log` calls land here."""

    def __init__(self) -> None:
        self.logs: list[tuple[int, str]] = []
        self.root = ""

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.root)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self.root = request.urn
        return engine_pb2.SetRootResourceResponse()


@dataclass
class Plugin:
    """The running plugin and the test's side of the wire."""

    provider: Any  # provider_pb2_grpc.ResourceProviderStub
    monitor: MonitorServicer
    engine: EngineServicer
    monitor_address: str
    process: subprocess.Popen[bytes]
    stderr: Path


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plugin]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    monitor, host = MonitorServicer(), EngineServicer()
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    engine_pb2_grpc.add_EngineServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    address = f"127.0.0.1:{port}"

    stderr = tmp_path_factory.mktemp("plugin") / "stderr.log"
    with stderr.open("wb") as err:
        # As RunPlugin does: the plugin directory, then the engine address; cwd the plugin.
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "provider"), address],
            cwd=ROOT / "provider",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    channel = None
    try:
        plugin_port = _read_port(process, stderr)
        channel = grpc.insecure_channel(f"127.0.0.1:{plugin_port}")
        grpc.channel_ready_future(channel).result(timeout=STARTUP_SECONDS)
        yield Plugin(provider_pb2_grpc.ResourceProviderStub(channel), monitor, host, address, process, stderr)
    finally:
        if channel is not None:
            channel.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        server.stop(grace=None)


def _read_port(process: subprocess.Popen[bytes], stderr: Path) -> int:
    """The first stdout line is the port (`pulumi.provider.main`); anything else is a failure."""
    stdout = process.stdout
    assert stdout is not None
    lines: list[bytes] = []
    # A thread, so that a plugin that hangs before printing fails the test instead of blocking it.
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(STARTUP_SECONDS)
    line = lines[0].strip() if lines else b""
    if not line.isdigit():
        process.kill()
        process.wait()
        pytest.fail(f"the plugin printed no port (stdout {line!r}); its stderr:\n{stderr.read_text()}")
    return int(line)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """Inputs on the wire: a Struct, secrets in the SDK's wrapped form, numbers as doubles."""
    out = struct_pb2.Struct()
    out.update(values)
    return out


def _secret(value: Any) -> dict[str, Any]:
    return {engine.SECRET_SIG: engine.SECRET_VALUE, "value": value}


@dataclass
class Constructed:
    run: engine.ProgramRun
    #: The Construct response's state, secrets as `engine.Secret`.
    state: dict[str, Any]
    urn: str


def construct(plugin: Plugin, inputs: dict[str, Any]) -> Constructed:
    """One Construct call as the engine makes it, against a fresh recording monitor."""
    monitor = plugin.monitor.reset()
    request = provider_pb2.ConstructRequest(
        project=PROJECT,
        stack=STACK,
        organization="organization",
        dryRun=False,
        parallel=4,
        monitorEndpoint=plugin.monitor_address,
        type=COMPONENT,
        name="web",
        parent=STACK_URN,
        inputs=_struct(inputs),
    )
    response = plugin.provider.Construct(request, timeout=STARTUP_SECONDS)
    resources = [monitor.recording.resources[u] for u in monitor.order]
    state = engine.reveal_secrets(rpc.deserialize_properties(response.state))
    return Constructed(engine.ProgramRun(resources, {}), state, response.urn)


def registrations(run: engine.ProgramRun) -> list[tuple[Any, ...]]:
    """What each registration asked for: type, name, URN, parent, dependencies (per
    property too) and inputs, secrets compared as `engine.Secret` (their values included)."""
    if run.error is not None:
        raise run.error
    return sorted(
        (
            (
                r.type,
                r.name,
                r.urn,
                r.parent,
                sorted(r.dependencies),
                {k: sorted(v) for k, v in r.property_dependencies.items()},
                r.inputs,
            )
            for r in run.resources
        ),
        key=lambda row: row[2],
    )


def test_the_plugin_process_answers_get_schema_with_the_committed_schema(plugin: Plugin) -> None:
    answer = plugin.provider.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=STARTUP_SECONDS)
    committed = json.loads((ROOT / "provider" / "schema.json").read_text())
    assert json.loads(answer.schema) == committed
    info = plugin.provider.GetPluginInfo(empty_pb2.Empty(), timeout=STARTUP_SECONDS)
    assert info.version == committed["version"]


def test_the_plugin_accepts_secrets_and_resources_when_configured(plugin: Plugin) -> None:
    # The engine's Configure before any Construct: without acceptSecrets it would strip them.
    answer = plugin.provider.Configure(provider_pb2.ConfigureRequest(), timeout=STARTUP_SECONDS)
    assert (answer.acceptSecrets, answer.acceptResources, answer.acceptOutputs) == (True, True, True)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_construct_over_grpc_registers_what_python_does(plugin: Plugin, config: str) -> None:
    values = CONFIGS[config]
    direct = direct_run(values)
    via = construct(plugin, as_provider_inputs(values))
    assert registrations(via.run) == registrations(direct)
    assert len(via.run.resources) == len(direct.resources) >= 10
    component = via.run.one(COMPONENT)
    assert (via.urn, component.parent) == (component.urn, STACK_URN)
    assert [m for s, m in plugin.engine.logs if s >= engine_pb2.WARNING] == []


def test_a_secret_password_stays_secret_through_the_plugin(plugin: Plugin) -> None:
    values = secret_input_config()
    inputs = {**as_provider_inputs(CONFIGS["prod"]), "adminPassword": _secret(WINDOWS_PASSWORD)}
    via = construct(plugin, inputs)
    direct = direct_run(values)
    assert registrations(via.run) == registrations(direct)
    assert vm_passwords(via.run) == [WINDOWS_PASSWORD] * 3
    assert via.run.of_type(PASSWORD) == []
    assert via.state["adminPassword"] == engine.Secret(WINDOWS_PASSWORD)
    assert WINDOWS_PASSWORD not in repr(via.state)


def test_a_generated_password_stays_secret_through_the_plugin(plugin: Plugin) -> None:
    via = construct(plugin, as_provider_inputs(CONFIGS["prod"]))
    generated = via.run.one(PASSWORD).outputs["result"]
    assert isinstance(generated, engine.Secret)
    assert vm_passwords(via.run) == [generated.value] * 3
    assert via.state["adminPassword"] == generated
    # Exactly the outputs the schema calls secret are secret; the others a consumer can print.
    assert sorted(k for k, v in via.state.items() if isinstance(v, engine.Secret)) == secret_properties("properties")
    assert isinstance(via.state["url"], str)


def test_a_bad_argument_comes_back_as_per_property_errors(plugin: Plugin) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        construct(plugin, {"vmCount": 2.5, "sshPublicKey": CONFIGS["dev"]["sshPublicKey"]})
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Traceback" not in error.details()
    details = dict(error.trailing_metadata())["grpc-status-details-bin"]
    status = status_pb2.Status.FromString(details)
    problems = errors_pb2.InputPropertiesError()
    assert status.details[0].Unpack(problems)
    assert [(e.property_path, e.reason) for e in problems.errors] == [("vmCount", "2.5 must be an integer")]
    assert plugin.monitor.monitor.order == []
