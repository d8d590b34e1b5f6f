"""Developer utilities: CLI and SDK downloads, API references and scheduler guidance."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from gateway.backends.platform import models as backend
from resolvers.platform import developer as resolve
from schema.shared.types import BigInt, Info, wire


@strawberry.enum(description="Operating system of a download.")
class DownloadOs(Enum):
    LINUX = strawberry.enum_value("linux", description="Linux.")
    MACOS = strawberry.enum_value("macos", description="macOS.")
    WINDOWS = strawberry.enum_value("windows", description="Windows.")


@strawberry.enum(description="CPU architecture of a download.")
class CpuArch(Enum):
    AMD64 = strawberry.enum_value("amd64", description="x86-64.")
    ARM64 = strawberry.enum_value("arm64", description="64-bit ARM (Apple silicon, Graviton, ...).")


@strawberry.enum(description="What a download is.")
class DownloadArtifact(Enum):
    CLI = strawberry.enum_value("cli", description="The command-line client.")
    SDK = strawberry.enum_value("sdk", description="The SDK bundle.")


@strawberry.type(description="A downloadable CLI or SDK build for one OS and architecture.")
class Download:
    artifact: DownloadArtifact = strawberry.field(description="CLI or SDK.")
    name: str = strawberry.field(description="Product name.")
    os: DownloadOs = strawberry.field(description="Operating system.")
    arch: CpuArch = strawberry.field(description="CPU architecture.")
    version: str = strawberry.field(description="Version, e.g. 1.8.2.")
    latest: bool = strawberry.field(description="True for the newest version of this artifact, OS and architecture.")
    sha256: str = strawberry.field(description="SHA-256 checksum of the file, hex.")
    size_bytes: BigInt = strawberry.field(description="File size in bytes.")
    released_at: datetime = strawberry.field(description="Release date.")
    path: str = strawberry.field(description="Relative download path in the console.")

    @classmethod
    def of(cls, view: resolve.DownloadView) -> Download:
        """From the resolvers' download view."""
        d = view.download
        return cls(
            artifact=DownloadArtifact(d.artifact),
            name=d.name,
            os=DownloadOs(d.os),
            arch=CpuArch(d.arch),
            version=d.version,
            latest=view.latest,
            sha256=d.sha256,
            size_bytes=BigInt(d.size_bytes),
            released_at=d.released_at,
            path=d.path,
        )


@strawberry.enum(description="What kind of API a reference documents.")
class ApiReferenceKind(Enum):
    GRAPHQL = strawberry.enum_value("graphql", description="The GraphQL API.")
    REST = strawberry.enum_value("rest", description="The REST API.")
    OPENAPI = strawberry.enum_value("openapi", description="The OpenAPI document or a viewer of it.")


@strawberry.type(description="An API reference entry point.")
class ApiReference:
    name: str = strawberry.field(description="Display name.")
    kind: ApiReferenceKind = strawberry.field(description="GraphQL, REST or OpenAPI.")
    route: str = strawberry.field(description="Console route of the reference.")
    description: str = strawberry.field(description="What it is for.")

    @classmethod
    def of(cls, model: backend.ApiReference) -> ApiReference:
        """From the platform service's reference."""
        return cls(name=model.name, kind=ApiReferenceKind(model.kind), route=model.route, description=model.description)


@strawberry.type(description="Developer downloads and API references.")
class Developer:
    @strawberry.field(
        description="CLI and SDK downloads, newest version first (empty when none match; null with an error on "
        "failure)."
    )
    async def downloads(
        self,
        info: Info,
        os: Annotated[DownloadOs | None, strawberry.argument(description="Only downloads for this OS.")] = None,
        arch: Annotated[
            CpuArch | None, strawberry.argument(description="Only downloads for this architecture.")
        ] = None,
    ) -> list[Download] | None:
        found = await resolve.downloads(info.context, os=wire(os) if os else None, arch=wire(arch) if arch else None)
        return [Download.of(v) for v in found]

    @strawberry.field(description="API references in their published order (null with an error on failure).")
    async def api_references(self, info: Info) -> list[ApiReference] | None:
        return [ApiReference.of(r) for r in await resolve.api_references(info.context)]


@strawberry.enum(description="The console section a scheduler guide routes to.")
class SchedulerDestination(Enum):
    APPS = strawberry.enum_value("apps", description="The app catalog.")
    WORKLOADS = strawberry.enum_value("workloads", description="Workloads.")
    ACCESS = strawberry.enum_value("access", description="Access (projects, service accounts, entitlements).")


@strawberry.type(description="One scheduler concept and where it lives in the console now.")
class SchedulerConceptMapping:
    concept: str = strawberry.field(description="The concept as the scheduler calls it, e.g. sbatch job script.")
    now: str = strawberry.field(description="What it is now, e.g. Training Job app.")
    destination: SchedulerDestination = strawberry.field(description="Section it lives in.")
    route: str = strawberry.field(description="Console route to go there.")


@strawberry.type(description="Guidance for users coming from a scheduler: where that now lives.")
class SchedulerGuide:
    scheduler: str = strawberry.field(description="Scheduler key, e.g. slurm.")
    name: str = strawberry.field(description="Scheduler name, e.g. Slurm.")
    title: str = strawberry.field(description="Card title, e.g. I used Slurm.")
    summary: str = strawberry.field(description="Where that work happens now, in one sentence.")
    destination: SchedulerDestination = strawberry.field(description="Section the guide leads to.")
    route: str = strawberry.field(description="Console route of the guide's primary action.")
    action_label: str = strawberry.field(description="Label of the primary action.")
    mappings: list[SchedulerConceptMapping] = strawberry.field(description="Concept by concept, where it lives now.")

    @classmethod
    def of(cls, model: backend.SchedulerGuide) -> SchedulerGuide:
        """From the platform service's guide."""
        return cls(
            scheduler=model.scheduler,
            name=model.name,
            title=model.title,
            summary=model.summary,
            destination=SchedulerDestination(model.destination),
            route=model.route,
            action_label=model.action_label,
            mappings=[
                SchedulerConceptMapping(
                    concept=m.concept, now=m.now, destination=SchedulerDestination(m.destination), route=m.route
                )
                for m in model.mappings
            ],
        )
