"""Three ``gateway serve`` replicas (two workers each) behind HAProxy, sharing Redis (idempotency store, event
stream, rate limits), in front of the reference services on sockets. Under a bounded load of page queries,
idempotent mutations and an open subscription, one replica is SIGKILLed, restarted, then another is SIGTERMed.

Counts, not times: every mutation is applied exactly once (the account service's inbox says so), the resuming
subscriber receives every event once, in order, and the only failed requests are those the crash caught before
HAProxy marked the replica DOWN (none started after it); the drain (``GATEWAY_DRAIN_SECONDS``) costs none. The
crash's failures are printed: that window is bounded by the check interval (``fall 2`` x ``INTER_MS``, plus
``timeout check`` for a replica that stopped answering).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.balancer_clients import Outcome, Subscriber, mutate, read_pages, subscribe
from tests.balancer_support import HAPROXY_MISSING, HAProxy, Replica, free_port, haproxy_binary
from tests.idempotency_support import REDIS_URL_BASE, own_redis_prefix
from tests.processes import bearer, gateway_process_env, reference_services
from tests.route_operations import ROUTES, USER_OF, document, variable_sets

pytestmark = [pytest.mark.socket, pytest.mark.redis]

REDIS_DB = 11  # this module's own database; keys carry a per-run prefix too (the rate limiter's cannot)
INTER_MS = 500
WORKERS = 2
PAGE_READERS = 4
LOAD_SECONDS = 1.5  # load before, between and after the faults
DRAIN_SECONDS = 2.5  # > fall 2 x INTER_MS plus a slow check under load
# (route, persona): committed route operations as the personas that open them.
PAGES = [
    ("/workloads", "member"),
    ("/storage", "tenant-admin"),
    ("/account", "member"),
    ("/workloads/{id}", "project-admin"),
    ("/access", "tenant-admin"),
]


@dataclass
class Timeline:
    """When each fault happened and when HAProxy noticed (monotonic seconds)."""

    marks: dict[str, float] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    """A key prefix of this run's own in ``REDIS_DB`` (its keys deleted afterwards)."""
    with own_redis_prefix(REDIS_DB, "test-lb") as prefix:
        yield prefix


def replica_env(services: dict[str, str], data_dir: Path, prefix: str) -> dict[str, str]:
    redis_url = f"{REDIS_URL_BASE}/{REDIS_DB}"
    return gateway_process_env(
        **services,
        GATEWAY_DATA_DIR=str(data_dir),
        GATEWAY_IDEMPOTENCY_STORE=redis_url,
        GATEWAY_IDEMPOTENCY_KEY_PREFIX=f"{prefix}:idempotency:",
        GATEWAY_IDEMPOTENCY_LEASE_SECONDS="1",  # a killed replica's in-progress key lapses quickly
        GATEWAY_EVENTS=redis_url,
        GATEWAY_EVENTS_PREFIX=f"{prefix}:events",
        GATEWAY_EVENTS_LEASE_SECONDS="1",
        # Shared buckets far above this load: the limiter runs on every request without refusing any.
        GATEWAY_RATE_LIMIT="2000/s burst 4000",
        GATEWAY_RATE_LIMIT_STORE=redis_url,
        GATEWAY_SHUTDOWN_TIMEOUT="10",
        # SIGTERM turns /readyz 503 first: HAProxy's checks (fall 2 x INTER_MS) take the replica out before it
        # stops accepting (gateway.drain).
        GATEWAY_DRAIN_SECONDS=str(DRAIN_SECONDS),
        GATEWAY_LOG_LEVEL="warning",
    )


def page_requests(tokens: dict[str, dict[str, str]]) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """(label, JSON body, headers) of each page request the readers cycle through."""
    requests = []
    for route, persona in PAGES:
        entry = ROUTES[route]
        for variables in variable_sets(route, persona)[:2]:
            body = {"query": document(entry), "operationName": entry["operation"], "variables": variables}
            requests.append((f"{route} as {persona}", body, tokens[USER_OF[persona]]))
    return requests


async def wait_status(balancer: HAProxy, name: str, status: str, timeline: Timeline, mark: str) -> None:
    """Poll the admin socket until ``name`` has ``status``; mark when first seen (bounded)."""
    deadline = time.monotonic() + 30
    while balancer.states().get(name) != status:
        assert time.monotonic() < deadline, f"{name} never became {status}: {balancer.states()}"
        await asyncio.sleep(0.02)
    timeline.mark(mark)


async def faults(balancer: HAProxy, replicas: list[Replica], timeline: Timeline, subscriber: Subscriber) -> None:
    """SIGKILL the subscriber's replica, restart it, then SIGTERM the one the subscriber resumed on; load runs in
    between."""
    by_name = {r.name: r for r in replicas}
    await asyncio.sleep(LOAD_SECONDS)
    killed = by_name[subscriber.replica]
    timeline.mark("kill")
    killed.kill()
    await wait_status(balancer, killed.name, "DOWN", timeline, "killed_down")
    await asyncio.sleep(LOAD_SECONDS)
    killed.start()
    await asyncio.to_thread(killed.wait_ready)
    await wait_status(balancer, killed.name, "UP", timeline, "restarted_up")
    await asyncio.sleep(LOAD_SECONDS)
    drained = by_name[subscriber.replica]
    assert drained is not killed
    timeline.names.update(killed=killed.name, drained=drained.name)
    timeline.mark("term")
    drained.terminate()
    await wait_status(balancer, drained.name, "DOWN", timeline, "drained_down")
    assert drained.popen is not None
    try:
        code = await asyncio.to_thread(drained.popen.wait, 30)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{drained.name} still running 30 s after SIGTERM:\n{drained.log_tail()}") from None
    timeline.mark("drained_exit")
    assert code == 0, f"{drained.name} exited {code} after SIGTERM:\n{drained.log_tail()}"
    # It left the pool while still serving (draining), not because it had gone.
    assert timeline.marks["drained_down"] < timeline.marks["drained_exit"]
    await asyncio.sleep(LOAD_SECONDS)


def inbox_titles(services: dict[str, str], user: str) -> Counter[str]:
    """Titles of the load's notifications in ``user``'s inbox, straight from the account service."""
    found = httpx.get(
        f"{services['GATEWAY_ACCOUNT_URL']}/v1/notifications", params={"user_id": user, "limit": "1000"}, timeout=10
    ).json()["items"]
    return Counter(n["title"] for n in found if n["title"].startswith("lb-"))


def report(log: list[Outcome], timeline: Timeline) -> tuple[list[Outcome], list[Outcome]]:
    """Print the failures around each fault: those of the drain, and those that no fault window explains (both
    must be empty). A kill's window runs from the SIGKILL (requests in flight then included) to the DOWN mark;
    a drain's from the SIGTERM to the replica's exit."""
    marks = timeline.marks
    failed = [o for o in log if not o.ok]
    waits = sum(o.detail == "in progress" for o in log)
    print(
        f"\nload balancer fault run: {len(log)} requests, {len(failed)} failed, {waits} mutation retries told to wait "
        f"(key in progress); checks every {INTER_MS} ms, fall 2, drain {DRAIN_SECONDS} s"
    )
    killed = [o for o in failed if o.finished >= marks["kill"] and o.started < marks["killed_down"]]
    drained = [o for o in failed if o.finished >= marks["term"] and o.started < marks["drained_exit"]]
    for fault, down, found in (("SIGKILL", "killed_down", killed), ("SIGTERM", "drained_down", drained)):
        start = marks["kill" if fault == "SIGKILL" else "term"]
        print(f"  {fault}: marked DOWN {1000 * (marks[down] - start):.0f} ms after the signal; {len(found)} failed")
        for o in found:
            print(f"    started {1000 * (o.started - start):+.0f} ms: {o.kind}: {o.detail[:160]} {o.replica}")
    unexplained = [o for o in failed if o not in killed and o not in drained]
    for o in unexplained:
        print(f"  OUTSIDE THE FAULT WINDOWS {o.kind}: {o.detail[:200]} {o.replica}")
    return drained, unexplained


async def test_replicas_behind_haproxy_survive_a_crash_a_restart_and_a_drain(
    redis_prefix: str, tmp_path_factory: pytest.TempPathFactory
):
    if haproxy_binary() is None:
        pytest.skip(HAPROXY_MISSING)
    work_dir = tmp_path_factory.mktemp("balancer")
    with reference_services() as services:
        data_dir = work_dir / "gateway-data"
        data_dir.mkdir()
        env = replica_env(services, data_dir, redis_prefix)
        users = {USER_OF[persona] for _, persona in PAGES} | {"u-marco"}
        tokens = {user: await asyncio.to_thread(bearer, env, user) for user in users}
        replicas = [Replica(f"gw{n}", free_port(), env, WORKERS, work_dir) for n in (1, 2, 3)]
        balancer = HAProxy(replicas, work_dir, inter_ms=INTER_MS)
        try:
            for r in replicas:
                r.start()
            for r in replicas:
                await asyncio.to_thread(r.wait_ready)
            await asyncio.to_thread(balancer.start)
            await run_load(balancer, replicas, services, tokens)
        finally:
            balancer.stop()
            for r in replicas:
                r.stop()


async def run_load(
    balancer: HAProxy, replicas: list[Replica], services: dict[str, str], tokens: dict[str, dict[str, str]]
) -> None:
    log: list[Outcome] = []
    sent: list[str] = []
    timeline, subscriber = Timeline(), Subscriber()
    stop, done = asyncio.Event(), asyncio.Event()
    marco_token = tokens["u-marco"]["authorization"].removeprefix("Bearer ")
    listening = asyncio.create_task(subscribe(balancer.address, marco_token, subscriber, done, sent))
    await asyncio.wait_for(subscriber.ready.wait(), 20)
    requests = page_requests(tokens)
    limits = httpx.Limits(max_connections=PAGE_READERS + 2)
    async with httpx.AsyncClient(timeout=15, limits=limits) as http:
        load = [
            *(read_pages(http, balancer.url, requests, n, stop, log) for n in range(PAGE_READERS)),
            mutate(http, balancer.url, tokens["u-marco"], stop, log, sent),
        ]
        loaders = [asyncio.create_task(task) for task in load]
        try:
            await faults(balancer, replicas, timeline, subscriber)
        finally:
            stop.set()
            await asyncio.gather(*loaders)
    done.set()
    try:
        await asyncio.wait_for(listening, 20)
    except TimeoutError:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        raise AssertionError(f"the subscriber received {len(subscriber.titles)} of {len(sent)} events") from None

    drained, unexplained = report(log, timeline)
    drain = timeline.marks["drained_exit"] - timeline.marks["term"]
    print(f"  {timeline.names['drained']} exited {1000 * drain:.0f} ms after SIGTERM")
    print(f"  subscriber: {len(subscriber.titles)} events, reconnected {len(subscriber.reconnects)} times")
    assert sent and len(log) > 100, (len(sent), len(log))
    # No mutation applied twice or lost: the inbox holds each sent title once, and nothing else of the run.
    assert inbox_titles(services, "u-marco") == Counter(sent)
    # No event missed or repeated by the resuming subscriber, in the order they were sent.
    assert subscriber.titles == sent
    assert len(set(subscriber.event_ids)) == len(subscriber.event_ids)
    assert len(subscriber.reconnects) >= 2, subscriber.reconnects  # dropped by the crash and by the drain
    # Nothing failed but requests caught by the crash before HAProxy marked the replica DOWN; the drain cost none.
    assert unexplained == []
    assert drained == []
    # Every replica took load (roundrobin), the restarted one too.
    served = Counter(o.replica for o in log if o.ok and o.started >= timeline.marks["restarted_up"])
    assert timeline.names["killed"] in served and len(served) == 3, served
