"""Read-time views across the reference services' stores: the derived figures of ``billing`` and ``quotas``.

The services run in one process (``embedded.create_services``), each with its own store; the ledger holds
them all and the clock, and each view adds the derived fields to the documents a service is about to return.
Nothing derived is stored, so a command's effect shows on every page at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reference_services import billing, capacity, quotas
from reference_services._store import DocumentStore
from reference_services.clock import Clock

Document = dict[str, Any]
View = Callable[[list[Document]], list[Document]]
BATCH = 1000


class Ledger:
    """Every domain's store and the clock: what the views and quota checks read."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.stores: dict[str, DocumentStore] = {}

    def every(self, domain: str, table: str, filters: Mapping[str, Sequence[str]]) -> list[Document]:
        """All documents of a table matching the filters (values OR-ed, batched past the store's limit)."""
        store = self.stores[domain]
        items: list[Document] = []
        for column, values in filters.items():
            if not values:
                return []
            if len(values) > BATCH:  # split the one long filter into batches
                for index in range(0, len(values), BATCH):
                    items.extend(self.every(domain, table, {**filters, column: values[index : index + BATCH]}))
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
        events = self.every(
            "workloads", "workload_events", {"workload_id": list(workload_ids), "type": ["status_changed"]}
        )
        return billing.runs_from_events(events, self.clock.now())

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
