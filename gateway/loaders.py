"""Per-request dataloaders: one aiodataloader per resource type, batching every backend read.

A loader's cache lives for one request, so identical reads within a request are made once and
concurrent loads issued in the same tick become a single batch call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

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
