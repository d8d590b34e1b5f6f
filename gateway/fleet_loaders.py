"""Per-request loaders of the operator-side platform resources.

Two ways to reach the same data, so each page makes one call per resource type:
- the platform console page reads whole ``Listing``s (every section shares them);
- detail pages read nodes, tasks, signals, activity and workloads by id and by parent id through
  aiodataloaders (batched within a tick). Sites, MAAS hubs, images, profiles, operator accounts and
  roles are few, so every page reads them whole.
A listing primes the by-id loader it covers, so a by-id read after it is free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from gateway.backends import Backends
from gateway.backends.platform.fleet import OPEN_SIGNAL_STATUSES

if TYPE_CHECKING:
    from aiodataloader import DataLoader

    from gateway.loaders import Loaders

Item = TypeVar("Item")
ACTIVE_WORKLOAD_STATUSES = ("provisioning", "running", "stopping")


class Listing(Generic[Item]):
    """A whole resource (or a fixed filter of it), fetched at most once per request."""

    def __init__(self, fetch: Callable[[], Awaitable[list[Item]]], primes: DataLoader[str, Any] | None = None) -> None:
        self._fetch = fetch
        self._primes = primes
        self._future: asyncio.Future[list[Item]] | None = None

    @property
    def started(self) -> bool:
        """True once something asked for the listing in this request."""
        return self._future is not None

    async def get(self) -> list[Item]:
        """Every item; concurrent readers share one call."""
        if self._future is None:
            self._future = asyncio.ensure_future(self._load())
        return await asyncio.shield(self._future)

    async def _load(self) -> list[Item]:
        items = await self._fetch()
        if self._primes is not None:
            for item in items:
                self._primes.prime(item.id, item)  # type: ignore[attr-defined]
        return items


class FleetLoaders:
    """Platform loaders of one request (reached as ``ctx.loaders.fleet``)."""

    def __init__(self, backends: Backends, loaders: Loaders) -> None:
        from gateway.loaders import _by_id, _grouped  # this module is imported by gateway.loaders

        platform, workloads = backends.platform, backends.workloads
        self.onboarding_tasks = _by_id(platform.onboarding_tasks)
        self.decommission_tasks = _by_id(platform.decommission_tasks)
        self.ops_signals = _by_id(platform.ops_signals)

        self.nodes_by_site = _grouped(platform.nodes_of_sites, lambda n: n.site_id)
        self.onboarding_by_node = _grouped(platform.onboarding_of_nodes, lambda t: t.node_id)
        self.onboarding_by_site = _grouped(platform.onboarding_of_sites, lambda t: t.site_id)
        self.decommission_by_node = _grouped(platform.decommission_of_nodes, lambda t: t.node_id)
        self.decommission_by_site = _grouped(platform.decommission_of_sites, lambda t: t.site_id)
        self.activity_by_node = _grouped(platform.activity_of_nodes, lambda a: a.node_id)
        self.activity_by_site = _grouped(platform.activity_of_sites, lambda a: a.site_id)
        self.signals_by_node = _grouped(platform.signals_of_nodes, lambda s: s.node_id)
        self.signals_by_site = _grouped(platform.signals_of_sites, lambda s: s.site_id)
        self.workloads_by_node = _grouped(workloads.on_nodes, lambda w: w.node_id)

        self.all_nodes = Listing(platform.all_fleet_nodes, loaders.nodes)
        # Few and small: read whole on every page.
        self.all_sites = Listing(platform.all_sites)
        self.all_hubs = Listing(platform.all_maas_hubs)
        self.all_images = Listing(platform.all_images)
        self.all_profiles = Listing(platform.all_profiles)
        self.all_onboarding = Listing(platform.all_onboarding_tasks, self.onboarding_tasks)
        self.all_decommission = Listing(platform.all_decommission_tasks, self.decommission_tasks)
        self.open_signals = Listing(lambda: platform.signals_with_status(OPEN_SIGNAL_STATUSES), self.ops_signals)
        self.all_accounts = Listing(platform.all_operator_accounts)
        self.roles = Listing(platform.platform_roles)
        self.tenant_revenue = Listing(platform.tenant_revenue)
        self.gpu_economics = Listing(platform.gpu_economics)
        self.active_workloads = Listing(lambda: workloads.in_statuses(ACTIVE_WORKLOAD_STATUSES), loaders.workloads)
