"""The benchmark harness works end to end on one page (figures exist; speed is not checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import Options, format_report, run, save

pytestmark = pytest.mark.socket


async def test_bench_measures_the_workloads_page_with_both_executors(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    options = Options(
        duration=1.0,
        serial_duration=0.5,
        warmup=0.2,
        concurrency=2,
        workers=2,
        latency_ms=5,
        pages=("workloads",),
        baseline=False,
        output=output,
    )

    results = await run(options)

    page = results["pages"]["workloads"]
    assert sorted(page) == ["compiled", "standard"]  # one gateway per GATEWAY_EXECUTOR, same run
    for figures in page.values():
        serial, concurrent = figures["serial"], figures["concurrent"]
        assert serial["requests"] > 0 and concurrent["requests"] > 0
        assert serial["errors"] == 0 and concurrent["errors"] == 0, (
            serial["error_samples"] + concurrent["error_samples"]
        )
        assert concurrent["rps"] > 0 and concurrent["concurrency"] == 2
        assert sum(concurrent["connections_per_worker"]) == 2  # both connections found in the workers' sockets
        assert 0 < serial["p50_ms"] <= serial["p95_ms"] <= serial["p99_ms"]
        calls = figures["backend_calls"]
        assert calls["queries"] == serial["requests"]
        assert calls["per_resource"].get("workloads /v1/workloads") == 1
        assert calls["total"] == pytest.approx(sum(calls["per_resource"].values()), abs=0.05)
        shape = figures["shape"]
        assert shape["hops"] == 2 and shape["errors"] == 0
        assert shape["fields"] > 50 * 40  # 50 rows of some 60 fields each
        assert shape["backend_calls"] == pytest.approx(calls["total"])  # counted in-process = seen over HTTP
        assert figures["gateway_cpu_us_per_field"] > 0
    for memory in results["memory_mb"].values():
        assert len(memory["gateway_workers"]) == 2 and all(rss > 10 for rss in memory["gateway_workers"])
        assert memory["services"] > 10
    assert "--pages workloads" in results["command"]
    save(results, output)
    assert json.loads(output.read_text())["pages"]["workloads"]["standard"]["backend_calls"] == calls
    report = format_report(results)
    assert "GATEWAY_EXECUTOR=compiled" in report and "GATEWAY_EXECUTOR=standard" in report
    assert "gateway CPU per field, us" in report and "2 hop(s)" in report
    for started in results["processes"].values():
        assert all(_gone(pid) for pid in [started["services"], started["gateway"], *started["gateway_workers"]])


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" in status  # a zombie awaiting its (dead) parent's reaping is gone too
