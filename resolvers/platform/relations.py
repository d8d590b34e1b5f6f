"""How platform objects reach related objects, so each page makes one call per resource type.

Every object carries the view it was reached through; the view's mode says how the page reads:
- ``console``: the platform console page reads whole listings, shared by every section and object;
- ``by_id``: node and task detail pages read nodes, tasks, signals, activity and workloads by id or
  by parent id through batched loaders (sites, hubs, images, profiles and accounts are few: every
  mode reads them whole);
- ``by_site``: MAAS site and hub pages read like ``by_id`` but reach nodes through their site's node
  list (which the page loads anyway), never by id.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, TypeVar

from aiodataloader import DataLoader

from gateway.backends._loaders import Doc, Listing
from gateway.backends.platform.loaders import PlatformLoaders
from gateway.backends.platform.models import (
    DecommissionTask,
    FleetNode,
    MaasHub,
    NodeActivity,
    OnboardingTask,
    OperatorAccount,
    OpsSignal,
    OsImage,
    ProvisioningProfile,
    Site,
)
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext

Item = TypeVar("Item")
Mode = Literal["console", "by_id", "by_site"]
# A kind's whole listing and, where detail pages read it by id, its by-id loader.
Source: TypeAlias = tuple[Listing[Any], DataLoader[str, Any] | None]


@dataclass(frozen=True)
class FleetView:
    """The request's platform data as one page reads it (see the module docstring for the modes)."""

    ctx: RequestContext
    mode: Mode

    @property
    def page(self) -> bool:
        """True on the platform console page (whole listings)."""
        return self.mode == "console"

    @property
    def _fleet(self) -> PlatformLoaders:
        return self.ctx.loaders.platform

    def _sources(self, kind: str) -> Source:
        fleet = self._fleet
        sources: dict[str, Source] = {
            "node": (fleet.all_nodes, self.ctx.loaders.platform.nodes),
            "site": (fleet.all_sites, None),
            "hub": (fleet.all_hubs, None),
            "image": (fleet.all_images, None),
            "profile": (fleet.all_profiles, None),
            "account": (fleet.all_accounts, None),
            "onboarding": (fleet.all_onboarding, fleet.onboarding_tasks),
            "decommission": (fleet.all_decommission, fleet.decommission_tasks),
            "signal": (fleet.open_signals, fleet.ops_signals),
        }
        return sources[kind]

    async def by_ids(self, kind: str, ids: Sequence[str | None]) -> list[Any]:
        """Objects of a kind (node, site, hub, image, profile, account, onboarding, decommission, signal).

        Sites, hubs, images, profiles and operator accounts are few: every mode reads them whole.
        """
        listing, loader = self._sources(kind)
        return await self._find(listing, loader, ids)

    async def _find(
        self, listing: Listing[Doc], loader: DataLoader[str, Doc | None] | None, ids: Sequence[str | None]
    ) -> list[Doc | None]:
        """``by_ids`` for one kind's listing and by-id loader (None: the kind is always read whole)."""
        wanted = [i for i in ids if i]
        if self.page or loader is None:
            found = {item.id: item for item in await listing.get()}
        else:
            found = {item.id: item for item in await loader.load_many(wanted) if item is not None}
        return [found.get(i) if i else None for i in ids]

    async def _group(
        self, listing: Listing[Item], loader: DataLoader[str, list[Item]], key: str, parent_id: str
    ) -> list[Item]:
        if self.page:
            return [item for item in await listing.get() if getattr(item, key) == parent_id]
        return list(await loader.load(parent_id))

    async def node(self, node_id: str | None, site_id: str | None = None) -> FleetNode | None:
        """One node; ``site_id`` (where known) lets site pages find it in the site's node list."""
        if node_id is not None and site_id is not None and self.mode == "by_site":
            return next((n for n in await self.nodes_at_site(site_id) if n.id == node_id), None)
        return (await self._find(self._fleet.all_nodes, self._fleet.nodes, [node_id]))[0]

    async def site(self, site_id: str | None) -> Site | None:
        """One site."""
        return (await self._find(self._fleet.all_sites, None, [site_id]))[0]

    async def hub(self, hub_id: str | None) -> MaasHub | None:
        """One MAAS hub."""
        return (await self._find(self._fleet.all_hubs, None, [hub_id]))[0]

    async def image(self, image_id: str | None) -> OsImage | None:
        """One OS image."""
        return (await self._find(self._fleet.all_images, None, [image_id]))[0]

    async def profile(self, profile_id: str | None) -> ProvisioningProfile | None:
        """One provisioning profile."""
        return (await self._find(self._fleet.all_profiles, None, [profile_id]))[0]

    async def account(self, account_id: str | None) -> OperatorAccount | None:
        """One operator account."""
        return (await self._find(self._fleet.all_accounts, None, [account_id]))[0]

    # Children of a parent.
    async def nodes_at_site(self, site_id: str) -> list[FleetNode]:
        """Nodes at a site, by hostname."""
        found = await self._group(self._fleet.all_nodes, self._fleet.nodes_by_site, "site_id", site_id)
        return sorted(found, key=lambda n: n.hostname)

    async def sites_of_hub(self, hub_id: str) -> list[Site]:
        """Sites a MAAS hub manages, by name."""
        return sorted((s for s in await self._fleet.all_sites.get() if s.maas_hub_id == hub_id), key=lambda s: s.name)

    async def onboarding_of_node(self, node_id: str) -> OnboardingTask | None:
        """The latest onboarding task of a node."""
        found = await self._group(self._fleet.all_onboarding, self._fleet.onboarding_by_node, "node_id", node_id)
        return max(found, key=lambda t: t.started_at, default=None)

    async def decommission_of_node(self, node_id: str) -> DecommissionTask | None:
        """The latest decommission task of a node."""
        found = await self._group(self._fleet.all_decommission, self._fleet.decommission_by_node, "node_id", node_id)
        return max(found, key=lambda t: t.requested_at, default=None)

    async def onboarding_at_site(self, site_id: str) -> list[OnboardingTask]:
        """Onboarding tasks at a site, newest first."""
        found = await self._group(self._fleet.all_onboarding, self._fleet.onboarding_by_site, "site_id", site_id)
        return sorted(found, key=lambda t: t.started_at, reverse=True)

    async def decommission_at_site(self, site_id: str) -> list[DecommissionTask]:
        """Decommission tasks at a site, newest first."""
        found = await self._group(self._fleet.all_decommission, self._fleet.decommission_by_site, "site_id", site_id)
        return sorted(found, key=lambda t: t.requested_at, reverse=True)

    async def open_signals_of_node(self, node_id: str) -> list[OpsSignal]:
        """Open and acknowledged signals about a node."""
        found = await self._group(self._fleet.open_signals, self._fleet.signals_by_node, "node_id", node_id)
        return most_severe_first(found)

    async def open_signals_at_sites(self, site_ids: Sequence[str]) -> list[OpsSignal]:
        """Open and acknowledged signals at some sites."""
        if self.page:
            wanted = set(site_ids)
            return most_severe_first([s for s in await self._fleet.open_signals.get() if s.site_id in wanted])
        groups = await self._fleet.signals_by_site.load_many(list(site_ids))
        return most_severe_first([s for group in groups for s in group])

    async def workloads_on_node(self, node_id: str) -> list[Workload]:
        """Workloads placed on a node (the page reads the active ones of the whole fleet once)."""
        if self.page:
            found = [w for w in await self.ctx.loaders.workloads.active_workloads.get() if w.node_id == node_id]
        else:
            found = list(await self.ctx.loaders.workloads.workloads_by_node.load(node_id))
        return sorted(found, key=lambda w: (w.created_at, w.id), reverse=True)

    async def activity(self, *, node_ids: Sequence[str] = (), site_ids: Sequence[str] = ()) -> list[NodeActivity]:
        """Activity of some nodes or of every node at some sites, newest first (both pages batch it)."""
        fleet = self._fleet
        groups = await asyncio.gather(
            fleet.activity_by_node.load_many(list(node_ids)), fleet.activity_by_site.load_many(list(site_ids))
        )
        unique = {event.id: event for group in (*groups[0], *groups[1]) for event in group}
        return sorted(unique.values(), key=lambda e: (e.at, e.id), reverse=True)


def most_severe_first(signals: Sequence[OpsSignal]) -> list[OpsSignal]:
    """Unresolved signals, most severe first, then newest."""
    rank = {"critical": 0, "major": 1, "minor": 2, "info": 3}
    unresolved = [s for s in signals if s.status != "resolved"]
    return sorted(unresolved, key=lambda s: (rank[s.severity], -s.opened_at.timestamp(), s.id))


def group_by(items: Sequence[Item], key: str) -> dict[str, list[Item]]:
    """Items grouped by an attribute."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[getattr(item, key)].append(item)
    return groups
