"""``python -m bench.subscriptions``: fan-out latency and memory of live updates (subscriptions).

Starts the reference services and a one-worker gateway on loopback (``bench.processes.Stack``), then:

- **fan-out latency**: ``--subscribers`` websocket connections each subscribe to ``notificationAdded`` for the
  same user; ``--events`` notifications are created one after another on the account service (as another
  service would); for each (event, subscriber) the time from just before the create call to the moment the
  subscriber has the message. Reported as p50/p95/max over every delivery, and over the slowest subscriber
  of each event (when the whole fan-out was done).
- **memory per 1,000 idle subscriptions**: the gateway's RSS (``VmRSS``) before and after opening ``--idle``
  subscriptions that receive nothing, scaled to 1,000; once with one subscription per connection (a browser
  tab each) and once with ``--per-connection`` subscriptions sharing a connection. Each measurement runs on a
  fresh gateway, so one does not reuse the other's freed memory.

Figures are printed and written to ``bench/results/subscriptions.json``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.load import percentile
from bench.processes import Stack

RESULTS = Path(__file__).resolve().parent / "results" / "subscriptions.json"
ADDED = "subscription { notificationAdded { notification { title } } }"
FANOUT_USER, IDLE_USER = "u-marco", "u-sam"


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) of a process in MiB."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def active_subscriptions(gateway_url: str) -> float:
    """``gateway_subscriptions_active`` from the gateway's /metrics."""
    with urllib.request.urlopen(f"{gateway_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(r"^gateway_subscriptions_active (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


async def open_connection(ws_url: str, token: str, subscriptions: int) -> ClientConnection:
    """A connection for the bearer of ``token`` with ``subscriptions`` notificationAdded subscriptions."""
    ws = await connect(
        ws_url,
        subprotocols=["graphql-transport-ws"],
        proxy=None,
        compression=None,
        open_timeout=30,
        ping_interval=None,
        max_queue=None,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    for number in range(subscriptions):
        await ws.send(json.dumps({"type": "subscribe", "id": str(number), "payload": {"query": ADDED}}))
    return ws


async def open_many(ws_url: str, token: str, connections: int, per_connection: int) -> list[ClientConnection]:
    """Open connections in batches (no connect storm)."""
    opened: list[ClientConnection] = []
    for start in range(0, connections, 100):
        batch = range(start, min(start + 100, connections))
        opened.extend(await asyncio.gather(*(open_connection(ws_url, token, per_connection) for _ in batch)))
    return opened


async def wait_for_subscriptions(gateway_url: str, expected: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while active_subscriptions(gateway_url) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {active_subscriptions(gateway_url):.0f} of {expected} subscriptions registered")
        await asyncio.sleep(0.2)


async def create_notification(account_url: str, title: str) -> None:
    body = json.dumps(
        {"user_id": FANOUT_USER, "tenant_id": "t-acme", "category": "system", "severity": "info", "title": title}
    ).encode()
    request = urllib.request.Request(
        f"{account_url}/v1/notifications", data=body, method="POST", headers={"content-type": "application/json"}
    )
    await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read())


async def fanout(stack: Stack, subscribers: int, events: int) -> dict[str, Any]:
    """Latency from creating a notification to its delivery on each of ``subscribers`` connections."""
    ws_url = stack.gateway_url.replace("http://", "ws://") + "/graphql"
    connections = await open_many(ws_url, stack.token_for(FANOUT_USER), subscribers, 1)
    await wait_for_subscriptions(stack.gateway_url, subscribers)
    received: dict[str, list[float]] = defaultdict(list)

    async def read(ws: ClientConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "next":
                title = message["payload"]["data"]["notificationAdded"]["notification"]["title"]
                received[title].append(time.perf_counter())

    readers = [asyncio.create_task(read(ws)) for ws in connections]
    sent: dict[str, float] = {}
    for number in range(events):
        title = f"bench-{number}"
        sent[title] = time.perf_counter()
        await create_notification(stack.backend_urls["GATEWAY_ACCOUNT_URL"], title)
        deadline = time.monotonic() + 30
        while len(received[title]) < subscribers and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)
    deliveries = [(t - sent[title]) * 1000 for title, times in received.items() for t in times]
    slowest = [(max(times) - sent[title]) * 1000 for title, times in received.items() if times]
    missing = subscribers * events - len(deliveries)
    return {
        "subscribers": subscribers,
        "events": events,
        "deliveries": len(deliveries),
        "missing": missing,
        "delivery_ms": summary(deliveries),
        "whole_fanout_ms": summary(slowest),
    }


def summary(values: list[float]) -> dict[str, float | None]:
    """p50, p95 and max of milliseconds."""
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95), "max": max(values, default=None)}


async def idle_memory(stack: Stack, subscriptions: int, per_connection: int) -> dict[str, Any]:
    """The gateway's RSS growth for ``subscriptions`` idle subscriptions, per 1,000."""
    assert stack.gateway is not None
    ws_url = stack.gateway_url.replace("http://", "ws://") + "/graphql"
    token = stack.token_for(IDLE_USER)
    warm = await open_many(ws_url, token, 1, 1)  # the first connection pays one-off costs (imports, caches)
    await wait_for_subscriptions(stack.gateway_url, 1)
    await asyncio.sleep(1.0)
    before = rss_mb(stack.gateway.pid)
    connections = await open_many(ws_url, token, subscriptions // per_connection, per_connection)
    await wait_for_subscriptions(stack.gateway_url, 1 + subscriptions)
    await asyncio.sleep(1.0)
    after = rss_mb(stack.gateway.pid)
    await asyncio.gather(*(ws.close() for ws in [*warm, *connections]), return_exceptions=True)
    return {
        "subscriptions": subscriptions,
        "per_connection": per_connection,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "mb_per_1000": round((after - before) * 1000 / subscriptions, 2),
    }


def stack(events_bus: str) -> Stack:
    env = {
        "GATEWAY_SUBSCRIPTION_QUEUE_SIZE": "1000",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_METRICS": "1",
        "GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION": "100",
        "GATEWAY_EVENTS": events_bus,
        "GATEWAY_EVENTS_PREFIX": f"bench-events-{time.time_ns()}",
        "GATEWAY_RATE_LIMIT": "off",
    }
    return Stack(latency_ms=0.0, workers=1, gateway_env=env)


async def run(options: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "command": "python -m bench.subscriptions " + " ".join(sys.argv[1:]),
        "events_bus": options.events_bus,
    }
    with stack(options.events_bus) as running:
        results["fanout"] = await fanout(running, options.subscribers, options.events)
    for per_connection in (1, options.per_connection):
        with stack(options.events_bus) as running:
            results[f"idle_{per_connection}_per_connection"] = await idle_memory(running, options.idle, per_connection)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.subscriptions", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=100, help="connections receiving each event")
    parser.add_argument("--events", type=int, default=50, help="notifications created, one after another")
    parser.add_argument("--idle", type=int, default=1000, help="idle subscriptions for the memory figure")
    parser.add_argument("--per-connection", type=int, default=20, help="subscriptions per connection, 2nd memory run")
    parser.add_argument("--events-bus", default="memory", help="GATEWAY_EVENTS for the gateway (memory or redis://)")
    options = parser.parse_args(argv)
    results = asyncio.run(run(options))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    fan = results["fanout"]
    print(f"fan-out to {fan['subscribers']} subscribers, {fan['events']} events ({fan['missing']} deliveries missing):")
    for name in ("delivery_ms", "whole_fanout_ms"):
        figures = fan[name]
        print(f"  {name:16} p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f}  max {figures['max']:7.1f}")
    for key, memory in results.items():
        if key.startswith("idle_"):
            print(
                f"idle, {memory['per_connection']:>2} per connection: {memory['mb_per_1000']:.2f} MiB RSS per 1,000 "
                f"subscriptions ({memory['rss_before_mb']} -> {memory['rss_after_mb']} MiB "
                f"for {memory['subscriptions']})"
            )
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
