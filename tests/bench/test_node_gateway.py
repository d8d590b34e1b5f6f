"""The comparison with Hive Gateway + GraphQL Mesh runs end to end on the same rows (counts, never times)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bench.node_gateway import Options, count_fields, format_report, run, workload_ids
from bench.node_tools import NodeToolsError, node_tools


def test_fields_are_counted_with_objects_and_json_scalars_once() -> None:
    data = {"a": 1, "b": {"c": None, "d": [{"e": 1}, {"e": 2}]}, "gpu": {"model": "x", "count": 2}}

    assert count_fields(data) == 7  # a, b, c, d, e, e, gpu


def test_workload_ids_read_the_gateways_global_ids_and_the_mesh_items() -> None:
    global_id = base64.b64encode(b"Workload:wl-0007").decode()
    ours = {"data": {"workloads": {"edges": [{"node": {"id": global_id}}]}}}
    theirs = {"data": {"workloads_v1_workloads": {"items": [{"id": "wl-0007"}]}}}

    assert workload_ids("gateway", ours) == workload_ids("mesh", theirs) == ["wl-0007"]


@pytest.mark.socket
async def test_both_gateways_serve_the_same_50_workloads_without_errors(tmp_path: Path) -> None:
    try:
        node_tools(install=False)
    except NodeToolsError as error:
        pytest.skip(
            f"needs Node.js >= 20 and the pinned bench/node packages (`make bench-node` installs them): {error}"
        )
    options = Options(
        duration=1.0, serial_duration=0.5, warmup=0.2, concurrency=2, latency_ms=5, install=False, output=tmp_path / "n"
    )

    results = await run(options)

    gateway, mesh = results["sides"]["gateway"], results["sides"]["mesh"]
    assert len(gateway["workload_ids"]) == 50 and len(set(gateway["workload_ids"])) == 50
    assert mesh["workload_ids"] == gateway["workload_ids"] and results["same_rows"]
    for side in (gateway, mesh):
        assert side["serial"]["requests"] > 0 and side["concurrent"]["requests"] > 0
        assert side["serial"]["errors"] == side["concurrent"]["errors"] == side["graphql_errors"] == 0, (
            side["serial"]["error_samples"] + side["concurrent"]["error_samples"]
        )
        assert side["backend_calls"]["reports"] == side["serial"]["requests"]  # every response counted its calls
        assert side["processes"] >= 3  # a parent and two workers
        assert side["fields"] > 50 * 20
    # At most one backend call per resource per request on both sides: the Mesh side's row fields are batched too
    # (the gateway may answer some resources from a cache of its own, hence "at most").
    assert gateway["backend_calls"]["per_resource"]["workloads /v1/workloads"] == 1.0
    assert max(gateway["backend_calls"]["per_resource"].values()) == 1.0
    assert mesh["backend_calls"]["per_resource"] == {
        "GET /v1/billing-accounts": 1.0,
        "GET /v1/mounts": 1.0,
        "GET /v1/nodes": 1.0,
        "GET /v1/projects": 1.0,
        "GET /v1/workload-metrics": 1.0,
        "GET /v1/workloads": 1.0,
    }
    assert "same workload ids in the same order: yes" in format_report(results)
    for pids in results["pids"].values():
        assert all(_gone(pid) for pid in pids)


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" in status


def test_a_failed_install_says_why_and_the_command_exits_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import bench.node_gateway
    import bench.node_tools

    node_dir = tmp_path / "node"  # a copy of bench/node with nothing installed, and no npm to install with
    node_dir.mkdir()
    for name in ("package.json", "package-lock.json"):
        (node_dir / name).write_bytes((bench.node_tools.NODE_DIR / name).read_bytes())
    monkeypatch.setattr(bench.node_tools, "NODE_DIR", node_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(bench.node_tools.shutil, "which", lambda _name: None)

    with pytest.raises(NodeToolsError, match="npm is not installed"):
        node_tools()
    assert bench.node_gateway.main(["--output", str(tmp_path / "out.json")]) == 3
    assert not (tmp_path / "out.json").exists()
