"""The ledger keeps what the views read only while the store it came from holds the same documents.

Every committed write, by this connection or another one on the same file, shows on the next read; what is read
inside a transaction (which may still roll back) is never kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reference_services._store import DocumentStore
from reference_services.clock import Clock
from reference_services.ledger import Ledger

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def workloads_store(path: str = ":memory:") -> DocumentStore:
    store = DocumentStore(path)
    store.define("workloads", ("tenant_id", "status"))
    store.define("workload_events", ("workload_id", "type"))
    return store


def ledger_on(store: DocumentStore) -> Ledger:
    ledger = Ledger(Clock(NOW))
    ledger.stores["workloads"] = store
    return ledger


def workload(workload_id: str, status: str = "running") -> dict[str, object]:
    return {"id": workload_id, "tenant_id": "t-1", "status": status}


def status_changed(event_id: str, workload_id: str, to_status: str, hours_ago: float) -> dict[str, object]:
    at = (NOW - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")
    return {"id": event_id, "workload_id": workload_id, "type": "status_changed", "to_status": to_status, "at": at}


def ids(ledger: Ledger) -> list[str]:
    return [str(doc["id"]) for doc in ledger.tenant_workloads("t-1")]


def test_a_read_is_kept_until_a_write_and_the_write_shows_at_once() -> None:
    store = workloads_store()
    store.insert_many("workloads", [workload("w-1")])
    ledger = ledger_on(store)
    first = ledger.tenant_workloads("t-1")
    assert [doc["id"] for doc in first] == ["w-1"]
    assert ledger.tenant_workloads("t-1")[0] is first[0]  # kept: not read and decoded again
    store.upsert("workloads", workload("w-2"))
    assert ids(ledger) == ["w-2", "w-1"]
    store.upsert("workloads", {**workload("w-1"), "tenant_id": "t-2"})
    assert ids(ledger) == ["w-2"]


def test_runs_follow_new_status_changes_and_the_clock() -> None:
    store = workloads_store()
    store.insert_many("workload_events", [status_changed("e-1", "w-1", "running", hours_ago=3)])
    ledger = ledger_on(store)
    assert ledger.runs(["w-1", "w-2"]) == {"w-1": [(NOW - timedelta(hours=3), NOW)]}
    ledger.clock.advance(timedelta(hours=1))
    assert ledger.runs(["w-1"]) == {"w-1": [(NOW - timedelta(hours=3), NOW + timedelta(hours=1))]}
    store.upsert("workload_events", status_changed("e-2", "w-1", "stopped", hours_ago=1))
    assert ledger.runs(["w-1"]) == {"w-1": [(NOW - timedelta(hours=3), NOW - timedelta(hours=1))]}


def test_what_a_rolled_back_transaction_read_is_not_kept() -> None:
    store = workloads_store()
    store.insert_many("workloads", [workload("w-1")])
    ledger = ledger_on(store)
    assert ids(ledger) == ["w-1"]
    with pytest.raises(RuntimeError), store.write_transaction():
        store.upsert("workloads", workload("w-2"))
        assert ids(ledger) == ["w-2", "w-1"]  # the transaction sees its own write
        raise RuntimeError("refused: roll back")
    assert ids(ledger) == ["w-1"]


def test_a_write_by_another_connection_to_the_same_file_shows(tmp_path: Path) -> None:
    path = str(tmp_path / "workloads.sqlite3")
    mine, theirs = workloads_store(path), workloads_store(path)
    mine.insert_many("workloads", [workload("w-1")])
    ledger = ledger_on(mine)
    assert ids(ledger) == ["w-1"]
    theirs.upsert("workloads", workload("w-2"))
    assert ids(ledger) == ["w-2", "w-1"]
