"""App types: the catalog with featured cards and compact rows, app detail and what a launch creates."""

from __future__ import annotations

from enum import Enum

import strawberry

from gateway.backends.workloads import models as backend
from gateway.ids import encode_global_id
from resolvers.shared import shapes
from resolvers.workloads import apps as resolve
from schema.platform.compute import ComputeSku
from schema.shared.types import Info, Money, Node
from schema.workloads.types import WorkloadKind


@strawberry.enum(description="Something a launch depends on; the launch wizard can create each inline.")
class AppDependencyKind(Enum):
    SSH_KEY = strawberry.enum_value("ssh_key", description="An SSH key registered on the user's account.")
    BUCKET = strawberry.enum_value("bucket", description="A bucket of the project to mount.")
    SERVICE_ACCOUNT = strawberry.enum_value("service_account", description="A service account of the project.")


@strawberry.type(description="An app's colour identity.")
class AppColour:
    hex: str = strawberry.field(description="Colour as #RRGGBB.")
    token: str = strawberry.field(description="Design-system token naming the colour, e.g. app-orange.")


@strawberry.type(description="An app's icon.")
class AppIcon:
    name: str = strawberry.field(description="Icon name in the console's icon set.")
    asset_path: str | None = strawberry.field(description="Relative path of the icon asset, when there is one.")


@strawberry.type(description="A catalog category with its number of apps.")
class AppCategory:
    slug: str = strawberry.field(description="Category key, accepted by `apps(category:)`.")
    label: str = strawberry.field(description="Display label.")
    app_count: int = strawberry.field(description="Apps in the category.")

    @classmethod
    def of(cls, value: resolve.AppCategory) -> AppCategory:
        """From the resolvers' category."""
        return cls(slug=value.slug, label=value.label, app_count=value.app_count)


@strawberry.type(description="A port the launched workload exposes.")
class AppPort:
    name: str = strawberry.field(description="What the port serves, e.g. lab or api.")
    port: int = strawberry.field(description="Port number.")
    protocol: str = strawberry.field(description="http or tcp.")


@strawberry.type(description="What a launch starts with unless the user changes it.")
class AppLaunchDefaults:
    gpu_model: str = strawberry.field(description="GPU model.")
    gpu_count: int = strawberry.field(description="Number of GPUs.")
    image: str = strawberry.field(description="Container image.")
    ports: list[AppPort] = strawberry.field(description="Ports the workload exposes (empty for batch jobs).")


@strawberry.type(description="Something a launch needs, and where it is managed.")
class AppDependency:
    kind: AppDependencyKind = strawberry.field(description="SSH key, bucket or service account.")
    required: bool = strawberry.field(description="True when the launch cannot proceed without it.")
    purpose: str = strawberry.field(description="What the app uses it for.")
    manage_route: str = strawberry.field(description="Console route where such dependencies are managed.")


@strawberry.type(description="What launching an app creates.")
class AppLaunch:
    workload_kind: WorkloadKind = strawberry.field(description="Kind of the workload the launch creates.")
    summary: str = strawberry.field(description="One sentence: what is created, on which GPUs, from which image.")
    defaults: AppLaunchDefaults = strawberry.field(description="Launch defaults.")
    dependencies: list[AppDependency] = strawberry.field(description="What the launch needs (empty when nothing).")
    route: str = strawberry.field(description="Console route of the app's launch wizard.")
    app: strawberry.Private[backend.App]

    @strawberry.field(description="The GPU SKU selling the default GPUs (null when no SKU sells that shape).")
    async def default_sku(self, info: Info) -> ComputeSku | None:
        found = await resolve.default_sku(info.context, self.app)
        return ComputeSku.of_model(found) if found else None

    @strawberry.field(
        description="Price per hour of the default GPUs (null when no SKU sells that shape).",
        graphql_type=Money | None,
    )
    async def estimated_price_per_hour(self, info: Info) -> shapes.Money | None:
        return await resolve.estimated_price_per_hour(info.context, self.app)


@strawberry.type(description="A launchable app of the catalog.")
class App(Node):
    slug: str = strawberry.field(description="URL key of the app, used by `app(slug:)`.")
    name: str = strawberry.field(description="Display name.")
    tagline: str = strawberry.field(description="One line for cards and rows.")
    description: str = strawberry.field(description="What the app is, for the detail page.")
    featured: bool = strawberry.field(description="True when the app has a featured card.")
    colour: AppColour = strawberry.field(description="Colour identity.")
    icon: AppIcon = strawberry.field(description="Icon.")
    workload_kind: WorkloadKind = strawberry.field(description="Kind of the workload launching the app creates.")
    docs_route: str | None = strawberry.field(description="Console route of the app's documentation, if any.")
    route: str = strawberry.field(description="Console route of the app's detail page.")
    launch_route: str = strawberry.field(description="Console route of the app's launch wizard.")
    model: strawberry.Private[backend.App]

    @classmethod
    def of(cls, model: backend.App) -> App:
        """From the workloads service's app."""
        return cls(
            id=strawberry.ID(encode_global_id("App", model.id)),
            slug=model.slug,
            name=model.name,
            tagline=model.tagline,
            description=model.description,
            featured=model.featured,
            colour=AppColour(hex=model.colour.hex, token=model.colour.token),
            icon=AppIcon(name=model.icon.name, asset_path=resolve.icon_asset_path(model)),
            workload_kind=WorkloadKind(model.workload_kind),
            docs_route=resolve.docs_route(model),
            route=resolve.app_route(model),
            launch_route=resolve.launch_route(model),
            model=model,
        )

    @strawberry.field(description="Catalog category, with the number of apps in it.")
    async def category(self, info: Info) -> AppCategory:
        return AppCategory.of(await resolve.category_of(info.context, self.model))

    @strawberry.field(description="What launching the app creates: workload kind, defaults, dependencies and price.")
    def launch(self) -> AppLaunch:
        plan = resolve.launch_plan(self.model)
        defaults = plan.defaults
        return AppLaunch(
            workload_kind=WorkloadKind(plan.workload_kind),
            summary=plan.summary,
            defaults=AppLaunchDefaults(
                gpu_model=defaults.gpu_model,
                gpu_count=defaults.gpu_count,
                image=defaults.image,
                ports=[AppPort(name=p.name, port=p.port, protocol=p.protocol) for p in defaults.ports],
            ),
            dependencies=[
                AppDependency(
                    kind=AppDependencyKind(d.kind), required=d.required, purpose=d.purpose, manage_route=d.manage_route
                )
                for d in plan.dependencies
            ],
            route=plan.route,
            app=self.model,
        )


@strawberry.type(description="The app catalog: featured cards, compact rows and the categories to filter by.")
class AppCatalog:
    featured: list[App] = strawberry.field(description="Featured apps in their featured order (cards).")
    rows: list[App] = strawberry.field(description="Every app in the category (or catalog) by name (compact rows).")
    categories: list[AppCategory] = strawberry.field(description="Every category of the catalog, by label.")
    category: str | None = strawberry.field(description="The category the catalog is narrowed to, if any.")
