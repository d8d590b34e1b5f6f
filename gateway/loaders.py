"""Per-request dataloaders: one aiodataloader per resource type, batching every backend read.

A loader's cache lives for one request, so identical reads within a request are made once and
concurrent loads issued in the same tick become a single batch call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

from gateway.backends import Backends

Item = TypeVar("Item")
Key = TypeVar("Key", bound=Hashable)

# One call asks for at most this many keys; larger batches are split by aiodataloader.
MAX_BATCH = 500


def _by_id(fetch: Callable[[Sequence[str]], Awaitable[list[Any]]]) -> DataLoader[str, Any]:
    """Loader of documents by id; unknown ids resolve to None."""

    async def batch(ids: list[str]) -> list[Any]:
        found = {item.id: item for item in await fetch(ids)}
        return [found.get(i) for i in ids]

    return DataLoader(batch_load_fn=batch, max_batch_size=MAX_BATCH)


def _grouped(
    fetch: Callable[[Sequence[str]], Awaitable[list[Any]]], key: Callable[[Any], str]
) -> DataLoader[str, list[Any]]:
    """Loader of the documents belonging to each parent id (an empty list when none)."""

    async def batch(parent_ids: list[str]) -> list[list[Any]]:
        groups: dict[str, list[Any]] = defaultdict(list)
        for item in await fetch(parent_ids):
            groups[key(item)].append(item)
        return [groups.get(parent, []) for parent in parent_ids]

    return DataLoader(batch_load_fn=batch, max_batch_size=MAX_BATCH)


class Catalog(Generic[Item]):
    """A small global resource fetched whole, at most once per request (concurrent readers share the call)."""

    def __init__(self, fetch: Callable[[], Awaitable[list[Item]]]) -> None:
        async def batch(keys: list[str]) -> list[list[Item]]:
            items = await fetch()
            return [items for _ in keys]

        self._loader: DataLoader[str, list[Item]] = DataLoader(batch_load_fn=batch)

    async def get(self) -> list[Item]:
        """Every item of the resource."""
        return await self._loader.load("all")


ALL_TENANTS = "*"


def _by_tenant(
    fetch_tenants: Callable[[Sequence[str]], Awaitable[list[Any]]],
    fetch_all: Callable[[], Awaitable[list[Any]]] | None = None,
) -> DataLoader[str, list[Any]]:
    """Documents per tenant id in one call; the key ``ALL_TENANTS`` (with ``fetch_all``) holds every document."""

    async def batch(keys: list[str]) -> list[list[Any]]:
        everything = ALL_TENANTS in keys and fetch_all is not None
        items = await (fetch_all() if everything else fetch_tenants([k for k in keys if k != ALL_TENANTS]))
        groups: dict[str, list[Any]] = defaultdict(list)
        for item in items:
            groups[item.tenant_id].append(item)
        return [items if key == ALL_TENANTS and everything else groups.get(key, []) for key in keys]

    return DataLoader(batch_load_fn=batch, max_batch_size=MAX_BATCH)


class Loaders:
    """Every loader of one request."""

    def __init__(self, backends: Backends) -> None:
        workloads, storage, access, platform = backends.workloads, backends.storage, backends.access, backends.platform
        self.workloads = _by_id(workloads.workloads)
        self.workload_events = _grouped(workloads.events, lambda e: e.workload_id)
        self.workload_metrics = _grouped(workloads.metrics, lambda m: m.workload_id)
        self.buckets = _by_id(storage.buckets)
        self.storage_providers = _by_id(storage.providers)
        self.mounts_by_workload = _grouped(storage.mounts_of_workloads, lambda m: m.workload_id)
        self.mounts_by_bucket = _grouped(storage.mounts_of_buckets, lambda m: m.bucket_id)
        self.grants_by_bucket = _grouped(storage.grants, lambda g: g.bucket_id)
        self.objects_by_bucket = _grouped(storage.objects, lambda o: o.bucket_id)
        self.events_by_bucket = _grouped(storage.events, lambda e: e.bucket_id)
        self.tenants = _by_id(access.tenants)
        self.projects = _by_id(access.projects)
        self.projects_by_tenant = _grouped(access.projects_of_tenants, lambda p: p.tenant_id)
        self.users = _by_id(access.users)
        self.memberships_by_user = _grouped(access.memberships_of_users, lambda m: m.user_id)
        self.nodes = _by_id(platform.nodes)
        self.gpu_skus = Catalog(platform.gpu_skus)
        self.downloads = Catalog(platform.downloads)
        self.api_references = Catalog(platform.api_references)
        self.scheduler_guides = Catalog(platform.scheduler_guides)
        self.apps = Catalog(workloads.apps)
        self.inboxes = _grouped(backends.account.inboxes, lambda i: i.notification.user_id)
        self.notification_settings = _by_id(backends.account.notification_settings)
        self._access_and_account(backends)
        from gateway.fleet_loaders import FleetLoaders  # builds on this module's helpers: import late

        self.fleet = FleetLoaders(backends, self)

    def _access_and_account(self, backends: Backends) -> None:
        access, account = backends.access, backends.account
        self.service_accounts = _by_id(access.service_accounts)
        self.service_accounts_by_tenant = _by_tenant(access.service_accounts_of_tenants)
        self.credentials = _by_id(access.credentials)
        self.credentials_by_tenant = _by_tenant(access.credentials_of_tenants, access.all_credentials)
        self.entitlements_by_tenant = _by_tenant(access.entitlements_of_tenants)
        self.ssh_gateways_by_tenant = _by_tenant(access.ssh_gateways_of_tenants)
        self.identity_providers = _by_id(access.identity_providers)
        self.identity_providers_by_tenant = _by_tenant(access.identity_providers_of_tenants)
        self.invites_by_tenant = _by_tenant(access.invites_of_tenants)
        self.policies_by_tenant = _by_tenant(access.policies_of_tenants)
        self.memberships_by_tenant = _by_tenant(access.memberships_of_tenants)
        self.users_by_tenant = _by_tenant(access.users_of_tenants, access.all_users)
        self.audit_events = _by_id(access.audit_events)
        self.profiles_by_user = _grouped(account.profiles_of_users, lambda p: p.user_id)
        self.security_by_user = _grouped(account.security_of_users, lambda s: s.user_id)
        self.sessions_by_user = _grouped(account.sessions_of_users, lambda s: s.user_id)
        self.billing_by_tenant = _by_tenant(account.billing_of_tenants)
