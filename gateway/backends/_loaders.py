"""The loader kinds every domain's loaders are built from, typed by what they return.

- ``by_id``: documents by id (None for an unknown id), batched within a tick;
- ``grouped``: the documents of each parent id (an empty list when none);
- ``by_tenant``: documents per tenant id, with ``ALL_TENANTS`` for every document;
- ``Listing``: a whole resource (or a fixed filter of it), fetched at most once per request, which primes a
  by-id loader so a later read by id is free.

A loader's cache lives for one request. A domain declares each of its loaders with ``@loader``: one is made
the first time the request reads it (a page reads a handful of the sixty), and handed to the domain's
``on_create`` hook then, so the runtime instruments every loader that exists in one place (``gateway.loaders``).
``DomainLoaders.loaders`` lists (and makes) every loader of a domain by name; ``made`` those made so far.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeAlias, TypeVar, overload

from aiodataloader import DataLoader

# One call asks for at most this many keys; larger batches are split by aiodataloader.
MAX_BATCH = 500
ALL_TENANTS = "*"


class Identified(Protocol):
    """A document with an id."""

    @property
    def id(self) -> str: ...


class TenantOwned(Protocol):
    """A document that belongs to a tenant (None: the platform's own)."""

    @property
    def tenant_id(self) -> str | None: ...


Doc = TypeVar("Doc", bound=Identified)
Owned = TypeVar("Owned", bound=TenantOwned)
Item = TypeVar("Item")
First = TypeVar("First")
Loaded = TypeVar("Loaded")
Fetch: TypeAlias = Callable[[Sequence[str]], Awaitable[list[Item]]]
BatchFn: TypeAlias = Callable[[list[Any]], Awaitable[list[Any]]]


class CachedLoader(DataLoader[str, Loaded]):
    """A DataLoader whose cache (aiodataloader's ``cache_map``) can be read without asking for a key."""

    def __init__(self, batch: Callable[[list[str]], Coroutine[Any, Any, list[Loaded]]]) -> None:
        self.futures: dict[str, asyncio.Future[Loaded]] = {}
        super().__init__(batch_load_fn=batch, max_batch_size=MAX_BATCH, cache_map=self.futures)

    def settled(self, key: str) -> asyncio.Future[Loaded] | None:
        """The key's future when it was asked for in this request and has settled; None otherwise (nothing asked)."""
        found = self.futures.get(key)
        return found if found is not None and found.done() else None


def by_id(fetch: Fetch[Doc]) -> CachedLoader[Doc | None]:
    """Loader of documents by id; unknown ids resolve to None."""

    async def batch(ids: list[str]) -> list[Doc | None]:
        found = {item.id: item for item in await fetch(ids)}
        return [found.get(i) for i in ids]

    return CachedLoader(batch)


def grouped(fetch: Fetch[Item], key: Callable[[Item], str]) -> CachedLoader[list[Item]]:
    """Loader of the documents belonging to each parent id (an empty list when none)."""

    async def batch(parent_ids: list[str]) -> list[list[Item]]:
        groups: dict[str, list[Item]] = defaultdict(list)
        for item in await fetch(parent_ids):
            groups[key(item)].append(item)
        return [groups.get(parent, []) for parent in parent_ids]

    return CachedLoader(batch)


def by_tenant(
    fetch_tenants: Fetch[Owned], fetch_all: Callable[[], Awaitable[list[Owned]]] | None = None
) -> CachedLoader[list[Owned]]:
    """Documents per tenant id in one call; the key ``ALL_TENANTS`` (with ``fetch_all``) holds every document."""

    async def batch(keys: list[str]) -> list[list[Owned]]:
        everything = ALL_TENANTS in keys and fetch_all is not None
        if everything and fetch_all is not None:
            items = await fetch_all()
        else:
            items = await fetch_tenants([k for k in keys if k != ALL_TENANTS])
        groups: dict[str | None, list[Owned]] = defaultdict(list)
        for item in items:
            groups[item.tenant_id].append(item)
        return [items if key == ALL_TENANTS and everything else groups.get(key, []) for key in keys]

    return CachedLoader(batch)


class Listing(Generic[Item]):
    """A whole resource (or a fixed filter of it), fetched at most once per request; concurrent readers share it."""

    def __init__(self, fetch: Callable[[], Awaitable[list[Item]]], primes: DataLoader[str, Any] | None = None) -> None:
        self.fetch = fetch
        self._primes = primes
        self._future: asyncio.Future[list[Item]] | None = None

    @property
    def started(self) -> bool:
        """True once something asked for the listing in this request."""
        return self._future is not None

    async def get(self) -> list[Item]:
        """Every item of the resource."""
        if self._future is None:
            self._future = asyncio.ensure_future(self._load())
        return await asyncio.shield(self._future)

    async def _load(self) -> list[Item]:
        items = await self.fetch()
        if self._primes is not None:
            for item in items:
                self._primes.prime(getattr(item, "id"), item)  # noqa: B009 (Item is any document with an id)
        return items


async def alongside(first: Awaitable[First], load: asyncio.Future[Loaded]) -> tuple[First, Loaded]:
    """``first`` and a load already under way, like ``asyncio.gather`` of the two without a task for either.

    ``load`` is a dataloader's future (its batch is already scheduled), so awaiting ``first`` before it loses
    no concurrency; when ``first`` fails, the load's own outcome is still retrieved (no "never retrieved").
    """
    try:
        value = await first
    except BaseException:
        load.add_done_callback(retrieve_outcome)
        raise
    return value, await load


def retrieve_outcome(done: asyncio.Future[Any]) -> None:
    """Done callback of a future nobody may await: mark its exception as seen (it is reported where it is read)."""
    if not done.cancelled():
        done.exception()


Loader: TypeAlias = DataLoader[str, Any] | Listing[Any]
Made = TypeVar("Made", bound=Loader)
Group = TypeVar("Group", bound="DomainLoaders")
OnCreate: TypeAlias = Callable[[str, Loader], None]


class LazyLoader(Generic[Group, Made]):
    """A domain's loader, made on the request's first read of the attribute and kept on the instance after.

    A non-data descriptor (like ``functools.cached_property``): once made, the loader sits in the instance's
    ``__dict__``, so later reads are plain attribute reads and never come back here.
    """

    def __init__(self, build: Callable[[Group], Made]) -> None:
        self.build = build
        self.name = build.__name__

    def __set_name__(self, owner: type[Group], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, group: None, owner: type[Group]) -> LazyLoader[Group, Made]: ...

    @overload
    def __get__(self, group: Group, owner: type[Group]) -> Made: ...

    def __get__(self, group: Group | None, owner: type[Group]) -> LazyLoader[Group, Made] | Made:
        if group is None:
            return self
        made = self.build(group)
        group.__dict__[self.name] = made
        if group.on_create is not None:
            group.on_create(self.name, made)
        return made


def loader(build: Callable[[Group], Made]) -> LazyLoader[Group, Made]:
    """Declare a domain's loader: ``build`` makes it from the domain's loaders the first time it is read."""
    return LazyLoader(build)


class DomainLoaders:
    """The loaders of one domain service for one request; subclasses declare each with ``@loader``."""

    def __init__(self, on_create: OnCreate | None = None) -> None:
        self.on_create = on_create  # told of each loader as it is made (name, loader): instrumentation

    @classmethod
    def names(cls) -> list[str]:
        """The names of the domain's loaders, in declaration order."""
        found: dict[str, None] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, LazyLoader):
                    found[name] = None
        return list(found)

    def loaders(self) -> Iterator[tuple[str, Loader]]:
        """Every loader of the domain by name (those not made yet are made now)."""
        for name in self.names():
            yield name, getattr(self, name)

    def made(self) -> Iterator[tuple[str, Loader]]:
        """The loaders made so far in this request, by name."""
        for name, value in vars(self).items():
            if isinstance(value, DataLoader | Listing):
                yield name, value
