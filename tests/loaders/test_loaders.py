"""Loaders: one typed loader per resource, grouped by domain service, every one instrumented."""

from __future__ import annotations

import asyncio

from aiodataloader import DataLoader
from prometheus_client import REGISTRY

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
