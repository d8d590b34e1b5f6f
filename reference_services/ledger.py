"""Read-time views across the reference services' stores: the derived figures of ``billing`` and ``quotas``.

The services run in one process (``embedded.create_services``), each with its own store; the ledger holds
them all and the clock, and each view adds the derived fields to the documents a service is about to return.
Nothing derived is stored, so a command's effect shows on every page at once.

What the views read is kept between requests while the store it came from is unchanged (``DocumentStore.version``):
a page's views read the same tenant's workloads and their status timelines on every request, and decoding them
again each time was most of a read's cost. Any write (or a read inside a transaction) starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from reference_services import billing, capacity, quotas
from reference_services._store import DocumentStore
from reference_services.clock import Clock

Document = dict[str, Any]
View = Callable[[list[Document]], list[Document]]
Kept = TypeVar("Kept")
BATCH = 1000
KEPT_READS = 512  # reads kept at most (distinct filters); past that the ledger forgets them all and starts again


class Ledger:
    """Every domain's store and the clock: what the views and quota checks read."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.stores: dict[str, DocumentStore] = {}
        # (domain, what was read) -> (the store's version then, what was read)
        self._kept: dict[tuple[str, Hashable], tuple[tuple[int, int], Any]] = {}

    def _keep(self, domain: str, key: Hashable, read: Callable[[], Kept]) -> Kept:
        """``read()``, or what it gave last time if the domain's store has not changed since."""
        version = self.stores[domain].version
        kept = self._kept.get((domain, key))
        if kept is not None and version is not None and kept[0] == version:
            found: Kept = kept[1]
            return found
        found = read()
        if version is not None:
            if len(self._kept) >= KEPT_READS:
                self._kept.clear()
            self._kept[(domain, key)] = (version, found)
        return found

    def every(self, domain: str, table: str, filters: Mapping[str, Sequence[str]]) -> list[Document]:
        """All documents of a table matching the filters (values OR-ed, batched past the store's limit).

        The documents may be shared with other reads: callers must not change them."""
        key = ("every", table, tuple((column, tuple(values)) for column, values in filters.items()))
        return list(self._keep(domain, key, lambda: self._every(self.stores[domain], table, filters)))

    def _every(self, store: DocumentStore, table: str, filters: Mapping[str, Sequence[str]]) -> list[Document]:
        items: list[Document] = []
        for column, values in filters.items():
            if not values:
                return []
            if len(values) > BATCH:  # split the one long filter into batches
                for index in range(0, len(values), BATCH):
                    items.extend(self._every(store, table, {**filters, column: values[index : index + BATCH]}))
                return items
        after = None
        while True:
            page = store.query(table, filters, limit=BATCH, after=after)
            items.extend(page.items)
            if page.next_cursor is None:
                return items
            after = page.next_cursor

    def fleet(self) -> list[Document]:
        """The platform's GPU nodes as they are now (what the scheduler places workloads on)."""
        return self.every("platform", "nodes", {})

    def runs(self, workload_ids: Sequence[str]) -> dict[str, list[billing.Run]]:
        """The runs of these workloads, from their status timelines, up to now."""
        timelines = self._keep("workloads", "timelines", self._timelines)
        now = self.clock.now()
        return {i: billing.runs_until(timelines[i], now) for i in workload_ids if i in timelines}

    def _timelines(self) -> dict[str, billing.Timeline]:
        """Every workload's status timeline."""
        return billing.timelines(self._every(self.stores["workloads"], "workload_events", {"type": ["status_changed"]}))

    def tenant_workloads(self, tenant_id: str) -> list[Document]:
        """Every workload of a tenant, in any state."""
        return self.every("workloads", "workloads", {"tenant_id": [tenant_id]})

    def views(self, domain: str) -> dict[str, View]:
        """The read-time views of one domain's tables."""
        return {
            "workloads": {"workloads": self._workloads},
            "account": {"billing_accounts": self._billing_accounts, "notifications": self._notifications},
            "access": {"entitlements": self._entitlements},
            "platform": {"tenant_revenue": self._tenant_revenue, "gpu_economics": self._gpu_economics},
        }.get(domain, {})

    def _workloads(self, docs: list[Document]) -> list[Document]:
        runs = self.runs([d["id"] for d in docs])
        return [billing.with_accrual(d, runs.get(d["id"], [])) for d in docs]

    def _billing_accounts(self, docs: list[Document]) -> list[Document]:
        now = self.clock.now()
        facts = self._tenant_facts({d["tenant_id"] for d in docs})
        return [billing.billing_figures(d, *facts[d["tenant_id"]], now, self.projects_of(d["tenant_id"])) for d in docs]

    def _notifications(self, docs: list[Document]) -> list[Document]:
        """The low-balance notice says the tenant's runway as of now; other notifications are as stored."""
        tenants = {d["tenant_id"] for d in docs if d.get("tenant_id") and billing.is_low_balance_notice(d)}
        if not tenants:
            return docs
        accounts = {
            a["tenant_id"]: a for a in self.every("account", "billing_accounts", {"tenant_id": sorted(tenants)})
        }
        derived = {a["tenant_id"]: a for a in self._billing_accounts(list(accounts.values()))}
        return [
            billing.low_balance_notice(d, derived[d["tenant_id"]])
            if billing.is_low_balance_notice(d) and d.get("tenant_id") in derived
            else d
            for d in docs
        ]

    def _tenant_revenue(self, docs: list[Document]) -> list[Document]:
        now = self.clock.now()
        facts = self._tenant_facts({d["tenant_id"] for d in docs})
        return [billing.revenue_figures(d, *facts[d["tenant_id"]], now) for d in docs]

    def _gpu_economics(self, docs: list[Document]) -> list[Document]:
        if not docs:
            return docs
        now = self.clock.now()
        nodes = self.fleet()
        workloads = self.every("workloads", "workloads", {})
        runs = self.runs([w["id"] for w in workloads])
        return [capacity.economics_figures(d, nodes, workloads, runs, now) for d in docs]

    def _tenant_facts(self, tenant_ids: set[str]) -> dict[str, tuple[list[Document], dict[str, list[billing.Run]]]]:
        """Each tenant's workloads and their runs, read once per response."""
        found = {}
        for tenant_id in tenant_ids:
            workloads = self.tenant_workloads(tenant_id)
            found[tenant_id] = (workloads, self.runs([w["id"] for w in workloads]))
        return found

    def _entitlements(self, docs: list[Document]) -> list[Document]:
        return [quotas.with_usage(self, doc) for doc in docs]

    def projects_of(self, tenant_id: str) -> list[str]:
        """The ids of a tenant's projects, oldest first."""
        return [p["id"] for p in reversed(self.every("access", "projects", {"tenant_id": [tenant_id]}))]
