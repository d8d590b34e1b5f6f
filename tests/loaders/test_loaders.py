"""Loaders: one typed loader per resource, grouped by domain service, each made (and instrumented) when first read."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiodataloader import DataLoader
from prometheus_client import REGISTRY

from gateway import context
from gateway.backends import Backends
from gateway.backends._loaders import Listing
from gateway.loaders import Loaders
from tests.support import GatewayHarness

DOMAINS = ("workloads", "storage", "access", "account", "platform")


async def test_loaders_are_grouped_by_the_domain_service_that_serves_them(harness: GatewayHarness) -> None:
    loaders = Loaders.create(harness.app.state.backends)
    assert tuple(loaders.domains()) == DOMAINS
    names = [name for name, _ in loaders.every()]
    assert len(names) == len(set(names))
    assert {name.split(".")[0] for name in names} == set(DOMAINS)
    # The same resource is reached the same way in every domain: ctx.loaders.<domain>.<resource>.
    assert "storage.buckets" in names and "platform.nodes" in names and "workloads.workloads" in names


async def test_every_loader_of_every_domain_is_instrumented(harness: GatewayHarness) -> None:
    loaders = Loaders.create(harness.app.state.backends, record_metrics=True)
    every = list(loaders.every())
    assert len(every) >= 60  # the count of resources across the five services
    unmeasured = [
        name
        for name, loader in every
        if not getattr(loader.batch_load_fn if isinstance(loader, DataLoader) else loader.fetch, "instrumented", False)
    ]
    assert unmeasured == []


async def test_a_listing_is_measured_like_a_batch(harness: GatewayHarness) -> None:
    # Listings (whole resources: the platform console's sections) were once left out of the metrics.
    loaders = Loaders.create(harness.app.state.backends, record_metrics=True)
    listing = loaders.platform.all_sites
    assert isinstance(listing, Listing)
    labels = {"loader": "platform.all_sites"}
    before = REGISTRY.get_sample_value("gateway_dataloader_batch_size_count", labels) or 0.0
    sites, again = await asyncio.gather(listing.get(), listing.get())
    after = REGISTRY.get_sample_value("gateway_dataloader_batch_size_count", labels) or 0.0
    assert sites and sites == again
    assert after - before == 1  # two readers, one fetch


def _instrumented(loader: DataLoader[str, Any] | Listing[Any]) -> bool:
    fetch = loader.batch_load_fn if isinstance(loader, DataLoader) else loader.fetch
    return bool(getattr(fetch, "instrumented", False))


async def test_no_loader_is_made_before_something_reads_it(harness: GatewayHarness) -> None:
    loaders = Loaders.create(harness.app.state.backends, record_metrics=True)
    assert list(loaders.made()) == []


async def test_a_loader_is_made_and_instrumented_on_its_first_read_and_kept(harness: GatewayHarness) -> None:
    loaders = Loaders.create(harness.app.state.backends, record_metrics=True)
    buckets = loaders.storage.buckets
    assert loaders.storage.buckets is buckets  # one loader (one cache) per request
    assert list(loaders.made()) == [("storage.buckets", buckets)]
    assert _instrumented(buckets)
    labels = {"loader": "storage.buckets"}
    before = REGISTRY.get_sample_value("gateway_dataloader_batch_size_sum", labels) or 0.0
    await asyncio.gather(buckets.load("b-none-1"), buckets.load("b-none-2"))
    after = REGISTRY.get_sample_value("gateway_dataloader_batch_size_sum", labels) or 0.0
    assert after - before == 2  # one batch of two keys


async def test_a_listing_makes_the_loader_it_primes(harness: GatewayHarness) -> None:
    loaders = Loaders.create(harness.app.state.backends, record_metrics=True)
    nodes = await loaders.platform.all_nodes.get()
    made = dict(loaders.made())
    assert set(made) == {"platform.all_nodes", "platform.nodes"}
    assert all(_instrumented(loader) for loader in made.values())
    assert loaders.platform.nodes.settled(nodes[0].id) is not None  # primed: a read by id costs no call


async def test_a_request_makes_only_the_loaders_it_reads(
    harness: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Loaders] = []

    class Recorded(Loaders):
        @classmethod
        def create(cls, backends: Backends, *, record_metrics: bool = True) -> Loaders:
            loaders = Loaders.create(backends, record_metrics=record_metrics)
            made.append(loaders)
            return loaders

    monkeypatch.setattr(context, "Loaders", Recorded)

    async def names_made(query: str) -> list[str]:
        made.clear()
        body = await harness.query(query)
        assert "errors" not in body, body
        return sorted(name for loaders in made for name, _ in loaders.made())

    # Resolving the viewer primes its projects: one access loader, no other domain's.
    assert await names_made("{ viewer { persona } }") == ["access.projects"]
    # A storage listing adds the one storage loader its rows read.
    assert await names_made("{ buckets(first: 3) { edges { node { name } } } }") == [
        "access.projects",
        "storage.buckets",
    ]
