"""Compute: GPU SKU cards with price and availability by region."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.backends.platform.models import GpuSku, RegionCapacity
from gateway.context import RequestContext
from gateway.errors import BadUserInput
from resolvers.shared import links
from resolvers.shared.shapes import Money

# Best first: the card's headline state is the best of its regions.
STATE_ORDER = ("available", "limited", "sold_out")
MAX_ARGUMENT_LENGTH = 64


@dataclass(frozen=True)
class SkuCard:
    """A SKU as a card: its regions (narrowed to the region asked for), prices and launch route."""

    sku: GpuSku
    regions: list[RegionCapacity]
    price_per_hour: Money
    price_per_gpu_hour: Money
    best_state: str
    launch_route: str


def _text_argument(value: str | None, argument: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_ARGUMENT_LENGTH:
        raise BadUserInput(f"`{argument}` must be 1 to {MAX_ARGUMENT_LENGTH} characters", argument=argument)
    return value


def matches_model(sku: GpuSku, gpu_model: str) -> bool:
    """True when ``gpu_model`` names the SKU's model or family, ignoring case ("H100" or "NVIDIA H100 80GB")."""
    wanted = gpu_model.casefold()
    return wanted in {sku.gpu_model.casefold(), sku.gpu_family.casefold()}


def card(sku: GpuSku, region: str | None = None) -> SkuCard:
    """The card of a SKU, showing one region or all."""
    regions = [r for r in sku.regions if region is None or r.region == region]
    best = min((r.state for r in regions), key=STATE_ORDER.index, default="sold_out")
    query = {"sku": sku.id, **({"region": region} if region else {})}
    return SkuCard(
        sku=sku,
        regions=regions,
        price_per_hour=Money.from_cents(sku.price_per_hour_cents),
        price_per_gpu_hour=Money.from_cents(sku.price_per_hour_cents / max(sku.gpu_count, 1)),
        best_state=best,
        launch_route=links.route("/launch/compute", **query),
    )


async def compute_skus(
    ctx: RequestContext, *, region: str | None = None, gpu_model: str | None = None
) -> list[SkuCard]:
    """SKU cards, most capable first; with ``region`` only SKUs offered there, showing that region."""
    region = _text_argument(region, "region")
    gpu_model = _text_argument(gpu_model, "gpuModel")
    _, skus = await asyncio.gather(ctx.viewer(), ctx.loaders.platform.gpu_skus.get())
    chosen = [
        s
        for s in skus
        if (gpu_model is None or matches_model(s, gpu_model))
        and (region is None or any(r.region == region for r in s.regions))
    ]
    cards = [card(s, region) for s in chosen]
    return sorted(cards, key=lambda c: (-c.price_per_gpu_hour.amount, -c.sku.gpu_count, c.sku.id))


async def get_skus(ctx: RequestContext, ids: Sequence[str]) -> list[GpuSku | None]:
    """SKUs by id (every viewer may read the catalog)."""
    _, skus = await asyncio.gather(ctx.viewer(), ctx.loaders.platform.gpu_skus.get())
    by_id = {s.id: s for s in skus}
    return [by_id.get(i) for i in ids]


async def sku_for(ctx: RequestContext, gpu_model: str, gpu_count: int) -> GpuSku | None:
    """The SKU selling exactly this many GPUs of this model, if any."""
    skus = await ctx.loaders.platform.gpu_skus.get()
    return next((s for s in skus if matches_model(s, gpu_model) and s.gpu_count == gpu_count), None)
