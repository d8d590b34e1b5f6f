"""Workload list and detail through HTTP against the ASGI app."""

from __future__ import annotations

from tests.support import GatewayHarness

WORKLOADS_PAGE = """
query WorkloadsPage($first: Int!) {
  workloads(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name kind status ageSeconds
      cost { hourly { amount currency } accrued { amount } billing }
      node { id hostname gpuModel }
      project { id name }
      primaryAction { kind enabled reason }
      actions { kind enabled reason }
      suggestedNextSteps { title route }
      tabs { storage { mounts { mountPath readOnly bucket { id name } } } }
    } }
  }
}
"""


async def test_workloads_page_returns_rows_of_every_kind(harness: GatewayHarness) -> None:
    body = await harness.query(WORKLOADS_PAGE, {"first": 50})
    assert "errors" not in body
    connection = body["data"]["workloads"]
    rows = [edge["node"] for edge in connection["edges"]]
    assert len(rows) == 50
    assert connection["totalCount"] == 64
    assert connection["pageInfo"]["hasNextPage"] is True
    assert {row["kind"] for row in rows} == {"COMPUTE", "JUPYTER", "VLLM", "TRAINING"}
    running = [row for row in rows if row["status"] == "RUNNING"]
    assert running and all(row["node"] is not None for row in running)
    assert all(row["primaryAction"]["reason"] for row in rows)


async def test_workloads_page_makes_one_call_per_resource_type(harness: GatewayHarness) -> None:
    await harness.query("{ viewer { persona } }")
    harness.calls()
    await harness.query(WORKLOADS_PAGE, {"first": 50})
    calls = harness.calls()
    assert calls, "the page made no backend calls"
    assert all(count == 1 for count in calls.values()), calls
