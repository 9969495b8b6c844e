"""The cost of a delivery over pusher-js's HTTP fallbacks, against WebSockets.

One in-process server (``ServerThread`` on an in-process exchange), ``--clients``
pusher-js clients on one channel in one Node process, all on one transport;
``--messages`` events published at ``--rate`` per second. For each transport, in
the same run:

* server CPU µs per delivery: the CPU time of the server's thread (its event loop:
  fan-out, framing, HTTP) over the deliveries;
* bytes per delivery: what the server sent on its sockets (every ``socket.send``:
  frames, HTTP lines and response headers) over the deliveries;
* latency p50 / p99 ms: from just before the publish to pusher-js's event handler,
  same clock.

Run: ``python -m tests.benchmarks.http_fallback`` (Linux; Node.js; pusher-js in
``tests/interop/node``). It prints a table and never fails on a figure.
"""

import argparse
import json
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.messages import Message
from tests.server_harness import TEST_CONFIG, ServerThread

SCRIPT = Path(__file__).resolve().parent / "node" / "pusher_js_latency.mjs"
TRANSPORTS = ("ws", "xhr_streaming", "xhr_polling")


SENT = [0]
"""Bytes sent on sockets by this process so far (see :func:`count_sent_bytes`)."""


def count_sent_bytes() -> None:
    """Count what every ``socket.send`` of this process sends (Tornado's writes and the
    outlets' direct sends both go through it)."""
    send = socket.socket.send

    def counted(self: socket.socket, data: Any, *args: Any) -> int:
        sent = send(self, data, *args)
        SENT[0] += sent
        return sent

    socket.socket.send = counted  # type: ignore[method-assign]


def written_bytes() -> int:
    return SENT[0]


def thread_cpu(thread: threading.Thread) -> float:
    assert thread.ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(transport: str, clients: int, messages: int, rate: float) -> dict[str, Any]:
    exchange = InProcessExchange()
    server = ServerThread(TEST_CONFIG, lambda: InProcessBroker(exchange))
    loop_thread: threading.Thread = server._thread
    config = {
        "port": server.port,
        "key": TEST_CONFIG.key,
        "transport": transport,
        "clients": clients,
        "channel": "bench",
    }
    node = subprocess.Popen(
        ["node", str(SCRIPT), json.dumps(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert node.stdout is not None
        assert node.stdin is not None
        assert json.loads(node.stdout.readline()) == {"ready": True}
        time.sleep(1.0)  # the handshakes' last frames settle
        cpu, written = thread_cpu(loop_thread), written_bytes()
        pad = "x" * 40
        for n in range(messages):
            data = json.dumps({"seq": n, "t": int(time.time() * 1000), "pad": pad})
            exchange.send([Message(("bench",), "bench", data, None)])
            time.sleep(1 / rate)
        time.sleep(2.0)  # the last deliveries (a poll answers, a heartbeat is not due)
        cpu, written = thread_cpu(loop_thread) - cpu, written_bytes() - written
        node.stdin.write("report\n")
        node.stdin.flush()
        latencies = json.loads(node.stdout.readline())["latencies"]
    finally:
        node.wait(10)
        server.stop()
    deliveries = len(latencies)
    return {
        "transport": transport,
        "deliveries": deliveries,
        "expected": clients * messages,
        "cpu_us": 1e6 * cpu / deliveries,
        "bytes": written / deliveries,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    options = parser.parse_args()
    count_sent_bytes()
    rows = [
        measure(transport, options.clients, options.messages, options.rate)
        for transport in TRANSPORTS
    ]
    print(
        f"{options.clients} clients, {options.messages} messages at {options.rate:g}/s "
        "on one channel"
    )
    print("| transport | deliveries | server CPU µs/delivery | bytes/delivery | p50 / p99 ms |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['transport']} | {row['deliveries']}/{row['expected']} | "
            f"{row['cpu_us']:.1f} | {row['bytes']:.0f} | {row['p50']:.1f} / {row['p99']:.1f} |"
        )


if __name__ == "__main__":
    main()
