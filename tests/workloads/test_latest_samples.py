"""``latest=true`` on the reference services: each group's newest document, derived from what is stored.

The workloads service declares it on ``workload-metrics`` (newest sample per workload); the gateway's workloads list
reads it for its rows' next steps instead of every sample of every running row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from reference_services._store import DocumentStore
from reference_services.clock import Clock
from reference_services.embedded import create_services
from reference_services.timeline import SAMPLE_EVERY

SEEDED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def workloads() -> Starlette:
    """The workloads service on a fixed clock (its scheduler ticks only when told)."""
    return create_services(clock=Clock(SEEDED_AT))["workloads"]


async def get(app: Starlette, path: str, params: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.get(path, params=params)


async def running_ids(app: Starlette) -> list[str]:
    body = (await get(app, "/v1/workloads", {"status": "running", "limit": "1000"})).json()
    return [w["id"] for w in body["items"]]


def newest_of_each(samples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each workload's newest sample, worked out here from the whole series."""
    newest: dict[str, dict[str, Any]] = {}
    for sample in samples:
        best = newest.get(sample["workload_id"])
        if best is None or datetime.fromisoformat(sample["sampled_at"]) > datetime.fromisoformat(best["sampled_at"]):
            newest[sample["workload_id"]] = sample
    return newest


async def series_and_latest(app: Starlette, ids: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    wanted = {"workload_id": ",".join(ids), "limit": "1000"}
    series = (await get(app, "/v1/workload-metrics", wanted)).json()
    latest = (await get(app, "/v1/workload-metrics", {**wanted, "latest": "true"})).json()
    return series, latest


async def test_latest_answers_one_newest_sample_per_workload(workloads: Starlette) -> None:
    ids = await running_ids(workloads)
    series, latest = await series_and_latest(workloads, ids)
    assert len(series["items"]) > 2 * len(ids), "the seed keeps a series per running workload"
    assert sorted(latest["items"], key=lambda s: s["id"]) == sorted(
        newest_of_each(series["items"]).values(), key=lambda s: s["id"]
    )
    assert {s["workload_id"] for s in latest["items"]} == set(ids)
    assert latest["total"] == len(ids) and latest["next_cursor"] is None
    assert len(latest["cursors"]) == len(latest["items"])


async def test_latest_false_is_the_whole_listing(workloads: Starlette) -> None:
    ids = await running_ids(workloads)
    wanted = {"workload_id": ",".join(ids), "limit": "1000"}
    whole = (await get(workloads, "/v1/workload-metrics", wanted)).json()
    assert (await get(workloads, "/v1/workload-metrics", {**wanted, "latest": "false"})).json() == whole


async def test_latest_pages_by_cursor_like_any_listing(workloads: Starlette) -> None:
    ids = await running_ids(workloads)
    wanted = {"workload_id": ",".join(ids), "latest": "true"}
    everything = (await get(workloads, "/v1/workload-metrics", {**wanted, "limit": "1000"})).json()["items"]
    first = (await get(workloads, "/v1/workload-metrics", {**wanted, "limit": "2"})).json()
    rest = await get(workloads, "/v1/workload-metrics", {**wanted, "limit": "1000", "after": first["next_cursor"]})
    assert first["total"] == len(ids) and first["items"] + rest.json()["items"] == everything


async def test_a_new_sample_from_the_scheduler_is_the_newest_at_once(workloads: Starlette) -> None:
    ids = await running_ids(workloads)
    _, before = await series_and_latest(workloads, ids)
    later = SEEDED_AT + 2 * SAMPLE_EVERY
    workloads.state.scheduler.tick(later)  # upserts the samples due since the seed
    series, after = await series_and_latest(workloads, ids)
    assert len(after["items"]) == len(ids), "still one sample per workload, none stored twice"
    moved = {s["workload_id"]: s["sampled_at"] for s in after["items"]}
    was = {s["workload_id"]: s["sampled_at"] for s in before["items"]}
    assert all(moved[i] > was[i] for i in ids), (was, moved)
    assert all(later - datetime.fromisoformat(at) < SAMPLE_EVERY for at in moved.values())
    assert sorted(after["items"], key=lambda s: s["id"]) == sorted(
        newest_of_each(series["items"]).values(), key=lambda s: s["id"]
    )


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/v1/workload-metrics", {"latest": "yes"}, "bad_parameter"),
        ("/v1/workload-metrics", {"latest": "True"}, "bad_parameter"),
        ("/v1/workload-metrics", {"latest": ""}, "bad_parameter"),
        ("/v1/workload-metrics", {"latest": "true", "ids": "m-1"}, "bad_parameter"),
        ("/v1/workload-events", {"latest": "true"}, "unknown_parameter"),
        ("/v1/workloads", {"latest": "false"}, "unknown_parameter"),
    ],
)
async def test_a_bad_latest_is_a_coded_400(workloads: Starlette, path: str, params: dict[str, str], code: str) -> None:
    response = await get(workloads, path, params)
    assert response.status_code == 400 and response.json()["error"]["code"] == code, response.text


async def test_latest_is_documented_only_where_declared(workloads: Starlette) -> None:
    paths = (await get(workloads, "/openapi.json", {})).json()["paths"]

    def parameters(path: str) -> list[str]:
        return [p["name"] for p in paths[path]["get"]["parameters"]]

    assert "latest" in parameters("/v1/workload-metrics")
    assert all("latest" not in parameters(p) for p in ("/v1/workloads", "/v1/workload-events", "/v1/apps"))


def test_a_store_file_from_before_gains_the_order_column(tmp_path: Path) -> None:
    """A table written by an older declaration (no ``sampled_at`` column) is filled in when defined again."""
    path = str(tmp_path / "workloads.sqlite3")
    old = DocumentStore(path)
    old.define("samples", ("workload_id",))
    old.insert_many(
        "samples",
        [
            {"id": "s-2", "workload_id": "w-1", "sampled_at": "2026-12-01T10:00:00Z"},
            {"id": "s-1", "workload_id": "w-1", "sampled_at": "2026-12-01T09:30:00Z"},
            {"id": "s-3", "workload_id": "w-2", "sampled_at": "2026-12-01T08:00:00Z"},
        ],
    )
    new = DocumentStore(path)
    new.define("samples", ("workload_id", "sampled_at"), latest_by=("workload_id", "sampled_at"))
    page = new.query("samples", {"workload_id": ["w-1", "w-2"]}, limit=10, latest_by=("workload_id", "sampled_at"))
    assert sorted(d["id"] for d in page.items) == ["s-2", "s-3"] and page.total == 2


def test_among_equal_order_values_the_last_written_is_the_newest() -> None:
    store = DocumentStore()
    store.define("samples", ("workload_id", "sampled_at"), latest_by=("workload_id", "sampled_at"))
    at = "2026-12-01T10:00:00Z"
    store.insert_many("samples", [{"id": f"s-{n}", "workload_id": "w-1", "sampled_at": at} for n in range(3)])
    page = store.query("samples", {}, limit=10, latest_by=("workload_id", "sampled_at"))
    assert [d["id"] for d in page.items] == ["s-2"]
    store.upsert("samples", {"id": "s-1", "workload_id": "w-1", "sampled_at": "2026-12-01T10:30:00Z"})
    page = store.query("samples", {}, limit=10, latest_by=("workload_id", "sampled_at"))
    assert [d["id"] for d in page.items] == ["s-1"], "an upsert that moves a sample's time moves the newest"
