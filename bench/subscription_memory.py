"""``python -m bench.subscription_memory``: does a worker give back the memory of closed subscriptions?

Starts the reference services (``bench.processes.Stack``, no gateway) and one gateway worker on loopback,
run by this module (``--serve``) so it can trace its own allocations: ``tracemalloc`` from start-up, and on
SIGUSR1 it writes its RSS and top allocations (by line, and the growth since the first snapshot) to a file.
Then ``--cycles`` times: open ``--subscriptions / --cycles`` websocket connections with one
``notificationAdded`` subscription each, wait until the gateway counts them, close them all, wait until it
counts none, and print the worker's RSS (``VmRSS``). At the end: the top allocations still growing.

Bounded: at most ``--subscriptions`` sockets in all, 100 opened at a time; each wait has a deadline.
tracemalloc makes the worker slower and bigger (its own bookkeeping is not in the figures it prints, but
is in RSS): ``--no-tracemalloc`` for RSS alone. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx

from bench.processes import Stack, free_port_range
from bench.subscriptions import IDLE_USER, active_subscriptions, open_many, rss_mb

HOST = "127.0.0.1"


def gateway_env() -> dict[str, str]:
    return {
        "GATEWAY_SUBSCRIPTION_QUEUE_SIZE": "1000",
        "GATEWAY_LOG_LEVEL": "warning",
        "GATEWAY_METRICS": "1",
        "GATEWAY_EVENTS": "memory",
        "GATEWAY_RATE_LIMIT": "off",
    }


# --- the gateway worker (``--serve``) -------------------------------------------------------------------


def _report(path: Path, first: list[tracemalloc.Snapshot], trim: bool) -> None:
    gc.collect()
    entry: dict[str, Any] = {"rss_mb": round(rss_mb(os.getpid()), 1), "gc_objects": len(gc.get_objects())}
    if trim:  # glibc: give free heap pages back to the system; what RSS then drops by was the allocator's
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        entry["rss_after_trim_mb"] = round(rss_mb(os.getpid()), 1)
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [
                tracemalloc.Filter(False, tracemalloc.__file__),
                tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            ]
        )
        traced, peak = tracemalloc.get_traced_memory()
        entry["traced_mb"] = round(traced / 2**20, 1)
        entry["traced_peak_mb"] = round(peak / 2**20, 1)
        entry["top"] = [
            f"{stat.size / 1024:9.1f} KiB {stat.count:7d} blocks  {stat.traceback}"
            for stat in snapshot.statistics("lineno")[:10]
        ]
        if first:
            entry["growth"] = [
                f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {stat.traceback}"
                for stat in snapshot.compare_to(first[0], "lineno")[:10]
            ]
        else:
            first.append(snapshot)
    path.write_text(json.dumps(entry))


def serve(port: int, report: Path, trace: bool, trim: bool) -> int:
    import uvicorn

    if trace:
        tracemalloc.start(1)
    from gateway.app import create_app
    from gateway.heap import freeze_startup_heap
    from gateway.settings import Settings

    app = create_app(Settings.from_env(host=HOST, port=port, workers=1))
    freeze_startup_heap()
    first: list[tracemalloc.Snapshot] = []
    signal.signal(signal.SIGUSR1, lambda *_: _report(report, first, trim))
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)
    return 0


# --- the driver ---------------------------------------------------------------------------------------------


async def _until(check: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _snapshot(pid: int, report: Path) -> dict[str, Any]:
    report.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    await _until(report.exists, "the worker's memory report", 60.0)
    await asyncio.sleep(0.2)  # written in one call; let it land
    result: dict[str, Any] = json.loads(report.read_text())
    return result


async def drive(stack: Stack, gateway: subprocess.Popen[bytes], url: str, report: Path, options: Any) -> None:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    token = stack.token_for(IDLE_USER)
    per_cycle = options.subscriptions // options.cycles
    warm = await open_many(ws_url, token, 5, 1)  # one-off costs (imports, caches) before the baseline
    await _until(lambda: active_subscriptions(url) >= 5, "warm-up subscriptions")
    await asyncio.gather(*(ws.close() for ws in warm), return_exceptions=True)
    await _until(lambda: active_subscriptions(url) == 0, "warm-up closes")
    baseline = await _snapshot(gateway.pid, report)
    print(f"baseline: RSS {baseline['rss_mb']} MiB, traced {baseline.get('traced_mb', '-')} MiB", flush=True)
    last: dict[str, Any] = baseline
    for cycle in range(1, options.cycles + 1):
        connections = await open_many(ws_url, token, per_cycle, 1)
        await _until(lambda: active_subscriptions(url) >= per_cycle, f"{per_cycle} subscriptions")
        peak = rss_mb(gateway.pid)
        await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)
        await _until(lambda: active_subscriptions(url) == 0, "every subscription closed")
        last = await _snapshot(gateway.pid, report)
        print(
            f"cycle {cycle:2d}: {per_cycle} opened and closed; RSS open {peak:6.1f} MiB, closed {last['rss_mb']:6.1f} "
            f"MiB ({last['rss_mb'] - baseline['rss_mb']:+.1f}); traced {last.get('traced_mb', '-')} MiB; "
            f"gc objects {last['gc_objects']} ({last['gc_objects'] - baseline['gc_objects']:+d})"
            + (f"; after malloc_trim {last['rss_after_trim_mb']:6.1f} MiB" if "rss_after_trim_mb" in last else ""),
            flush=True,
        )
    for title, key in (("top allocations after the last cycle", "top"), ("growth since the baseline", "growth")):
        if key in last:
            print(title + ":")
            for line in last[key]:
                print("  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.subscription_memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--subscriptions", type=int, default=2000, help="opened and closed in all")
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument(
        "--malloc-trim", action="store_true", help="after each cycle, malloc_trim(0) in the worker and report RSS again"
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.serve:
        return serve(options.serve, options.report, not options.no_tracemalloc, options.malloc_trim)
    with Stack(latency_ms=0.0, workers=1, with_gateway=False) as stack, tempfile.TemporaryDirectory() as scratch:
        port = free_port_range(1)
        report = Path(scratch) / "report.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        env.update(stack.gateway_settings_env(), **gateway_env())
        argv_serve = [sys.executable, "-m", "bench.subscription_memory", "--serve", str(port), "--report", str(report)]
        if options.no_tracemalloc:
            argv_serve.append("--no-tracemalloc")
        if options.malloc_trim:
            argv_serve.append("--malloc-trim")
        log = (Path(scratch) / "gateway.log").open("wb")
        gateway = subprocess.Popen(argv_serve, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if gateway.poll() is not None:
                    raise RuntimeError((Path(scratch) / "gateway.log").read_text()[-2000:])
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the gateway did not start")
                time.sleep(0.1)
            asyncio.run(asyncio.wait_for(drive(stack, gateway, url, report, options), timeout=900))
        finally:
            gateway.terminate()
            try:
                gateway.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gateway.kill()
                gateway.wait()
            log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
