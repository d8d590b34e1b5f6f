"""Dataloader instrumentation: a batch-size histogram and, with tracing on, a span per batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiodataloader import DataLoader
from prometheus_client import Histogram

from gateway.backends._loaders import Listing, Loader
from gateway.telemetry import metrics, tracing

_histograms: dict[str, Histogram] = {}


def _histogram(name: str) -> Histogram:
    found = _histograms.get(name)
    if found is None:
        found = _histograms[name] = metrics.LOADER_BATCH_SIZE.labels(name)
    return found


def instrument(name: str, loader: Loader, record_metrics: bool) -> None:
    """Wrap the loader's fetch so each batch (or listing) is measured; idempotent."""
    histogram = _histogram(name) if record_metrics else None
    if isinstance(loader, DataLoader):
        batch: Callable[[list[str]], Awaitable[list[Any]]] = loader.batch_load_fn
        if getattr(batch, "instrumented", False):
            return

        async def measured_batch(keys: list[str]) -> list[Any]:
            if histogram is not None:
                histogram.observe(len(keys))
            with tracing.span(f"loader {name}", {"gateway.loader": name, "gateway.batch_size": len(keys)}):
                return await batch(keys)

        measured_batch.instrumented = True  # type: ignore[attr-defined]  # a marker: mypy has no function attributes
        loader.batch_load_fn = measured_batch
    elif isinstance(loader, Listing):
        fetch = loader.fetch
        if getattr(fetch, "instrumented", False):
            return

        async def measured_fetch() -> list[Any]:
            if histogram is not None:
                histogram.observe(1)
            with tracing.span(f"loader {name}", {"gateway.loader": name, "gateway.batch_size": 1}):
                return await fetch()

        measured_fetch.instrumented = True  # type: ignore[attr-defined]  # a marker: mypy has no function attributes
        loader.fetch = measured_fetch
