"""Dataloader instrumentation: a batch-size histogram and, with tracing on, a span per batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiodataloader import DataLoader

from gateway.telemetry import metrics, tracing

BatchFn = Callable[[list[Any]], Awaitable[list[Any]]]


_histograms: dict[str, Any] = {}


def _instrumented(name: str, batch: BatchFn, record_metrics: bool) -> BatchFn:
    histogram = None
    if record_metrics:
        histogram = _histograms.get(name)
        if histogram is None:
            histogram = _histograms[name] = metrics.LOADER_BATCH_SIZE.labels(name)

    async def instrumented(keys: list[Any]) -> list[Any]:
        if histogram is not None:
            histogram.observe(len(keys))
        with tracing.span(f"loader {name}", {"gateway.loader": name, "gateway.batch_size": len(keys)}):
            return await batch(keys)

    instrumented.__wrapped__ = batch  # type: ignore[attr-defined]
    return instrumented


def instrument_loaders(loaders: object, record_metrics: bool = True) -> None:
    """Wrap the batch function of every dataloader attribute of ``loaders``, labelled by attribute name."""
    if not record_metrics and not tracing.enabled():
        return
    for name, value in vars(loaders).items():
        loader = value if isinstance(value, DataLoader) else getattr(value, "_loader", None)
        if isinstance(loader, DataLoader) and not hasattr(loader.batch_load_fn, "__wrapped__"):
            loader.batch_load_fn = _instrumented(name.lstrip("_"), loader.batch_load_fn, record_metrics)
