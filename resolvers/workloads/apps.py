"""Apps: the catalog (featured cards and compact rows), app detail by slug and what a launch creates."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.backends.platform.models import GpuSku
from gateway.backends.workloads.models import App, AppLaunchDefaults, Workload
from gateway.context import RequestContext
from gateway.errors import BadUserInput
from resolvers.platform import compute
from resolvers.shared.links import console_path, route
from resolvers.shared.scope import not_found
from resolvers.shared.shapes import Money

MAX_SLUG_LENGTH = 64
# Where each launch dependency is managed outside the wizard (which can also create it inline).
# SSH keys are credentials of their owner: listed on /access/credentials, not on /account/security.
MANAGE_ROUTES = {
    "ssh_key": route("/access/credentials"),
    "bucket": route("/storage"),
    "service_account": route("/access/service-accounts"),
}
KIND_LABELS = {"compute": "compute", "jupyter": "JupyterLab", "vllm": "vLLM serving", "training": "training"}


@dataclass(frozen=True)
class AppCategory:
    """A catalog category with how many apps it holds."""

    slug: str
    label: str
    app_count: int


@dataclass(frozen=True)
class AppCatalog:
    """The catalog page: featured cards, compact rows and the category chips."""

    featured: list[App]
    rows: list[App]
    categories: list[AppCategory]
    category: str | None


@dataclass(frozen=True)
class LaunchDependency:
    """Something a launch needs, and where it is managed."""

    kind: str
    required: bool
    purpose: str
    manage_route: str


@dataclass(frozen=True)
class LaunchPlan:
    """What launching an app creates: the workload kind, its defaults and dependencies."""

    workload_kind: str
    summary: str
    defaults: AppLaunchDefaults
    dependencies: list[LaunchDependency]
    route: str


def app_route(app: App) -> str:
    """The app's detail page."""
    return route("/apps/{slug}", app.slug)


def launch_route(app: App) -> str:
    """The app's launch wizard."""
    return route("/launch/app/{slug}", app.slug)


def docs_route(app: App) -> str | None:
    """The app's documentation page, when it is a console route."""
    return console_path(app.docs_path)


def icon_asset_path(app: App) -> str | None:
    """The icon asset, when it is a relative path."""
    return console_path(app.icon.asset_path)


def _slug_argument(value: str | None, argument: str) -> str | None:
    if value is None:
        return None
    if not value or len(value) > MAX_SLUG_LENGTH:
        raise BadUserInput(f"`{argument}` must be 1 to {MAX_SLUG_LENGTH} characters", argument=argument)
    return value


async def _apps(ctx: RequestContext) -> list[App]:
    _, apps = await asyncio.gather(ctx.viewer(), ctx.loaders.workloads.apps.get())
    return apps


def _categories(apps: Sequence[App]) -> list[AppCategory]:
    counts: dict[str, AppCategory] = {}
    for app in apps:
        found = counts.get(app.category)
        counts[app.category] = AppCategory(app.category, app.category_label, (found.app_count if found else 0) + 1)
    return sorted(counts.values(), key=lambda c: c.label)


async def category_of(ctx: RequestContext, app: App) -> AppCategory:
    """The app's category with its number of apps."""
    found = (c for c in _categories(await _apps(ctx)) if c.slug == app.category)
    return next(found, AppCategory(app.category, app.category_label, 1))


async def app_catalog(ctx: RequestContext, category: str | None = None) -> AppCatalog:
    """Featured cards by rank and rows by name, narrowed to ``category`` when given (unknown: empty)."""
    category = _slug_argument(category, "category")
    apps = await _apps(ctx)
    chosen = [a for a in apps if category is None or a.category == category]
    featured = sorted((a for a in chosen if a.featured), key=lambda a: (a.featured_rank or 0, a.name))
    return AppCatalog(
        featured=featured,
        rows=sorted(chosen, key=lambda a: a.name.casefold()),
        categories=_categories(apps),
        category=category,
    )


async def get_app(ctx: RequestContext, slug: str) -> App:
    """One app by slug, or ``NotFound``."""
    slug = _slug_argument(slug, "slug") or ""
    found = next((a for a in await _apps(ctx) if a.slug == slug), None)
    if found is None:
        raise not_found("app")
    return found


async def get_apps(ctx: RequestContext, ids: Sequence[str]) -> list[App | None]:
    """Apps by id (every viewer may read the catalog)."""
    by_id = {a.id: a for a in await _apps(ctx)}
    return [by_id.get(i) for i in ids]


def launch_plan(app: App) -> LaunchPlan:
    """What launching the app creates."""
    defaults = app.launch_defaults
    summary = (
        f"Creates a {KIND_LABELS[app.workload_kind]} workload on {defaults.gpu_count}x {defaults.gpu_model} "
        f"running {defaults.image}."
    )
    return LaunchPlan(
        workload_kind=app.workload_kind,
        summary=summary,
        defaults=defaults,
        dependencies=[LaunchDependency(d.kind, d.required, d.purpose, MANAGE_ROUTES[d.kind]) for d in app.dependencies],
        route=launch_route(app),
    )


async def default_sku(ctx: RequestContext, app: App) -> GpuSku | None:
    """The compute SKU (platform service) selling the app's default GPUs, if any."""
    defaults = app.launch_defaults
    return await compute.sku_for(ctx, defaults.gpu_model, defaults.gpu_count)


async def estimated_price_per_hour(ctx: RequestContext, app: App) -> Money | None:
    """Price per hour of the app's default GPUs, from the SKU selling them."""
    sku = await default_sku(ctx, app)
    return Money.from_cents(sku.price_per_hour_cents) if sku else None


async def app_of_workload(ctx: RequestContext, workload: Workload) -> App | None:
    """The catalog app a workload was launched from (None for plain compute launches and unknown slugs)."""
    if workload.app_slug is None:
        return None
    return next((a for a in await _apps(ctx) if a.slug == workload.app_slug), None)
