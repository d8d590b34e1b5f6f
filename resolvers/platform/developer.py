"""Developer utilities: downloads per OS and architecture, API references and scheduler guidance."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gateway.backends.platform.models import ApiReference, Download, SchedulerGuide
from gateway.context import RequestContext
from resolvers.shared.links import console_path

ARTIFACT_ORDER = ("cli", "sdk")
PLATFORM_ORDER = (("linux", "amd64"), ("linux", "arm64"), ("macos", "arm64"), ("macos", "amd64"), ("windows", "amd64"))


@dataclass(frozen=True)
class DownloadView:
    """A download and whether it is the newest version for its artifact, OS and architecture."""

    download: Download
    latest: bool


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of a dotted version (non-numeric parts sort first)."""
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _platform_rank(download: Download) -> int:
    key = (download.os, download.arch)
    return PLATFORM_ORDER.index(key) if key in PLATFORM_ORDER else len(PLATFORM_ORDER)


async def downloads(ctx: RequestContext, *, os: str | None = None, arch: str | None = None) -> list[DownloadView]:
    """Downloads for the OS and architecture asked (all when not given): newest version first per artifact.

    Artifacts whose path is not a relative console route are left out: a download link never
    points at an internal origin."""
    _, found = await asyncio.gather(ctx.viewer(), ctx.loaders.platform.downloads.get())
    safe = [d for d in found if console_path(d.path) is not None]
    newest: dict[tuple[str, str, str], tuple[int, ...]] = {}
    for d in safe:
        key = (d.artifact, d.os, d.arch)
        newest[key] = max(newest.get(key, ()), version_key(d.version))
    chosen = [d for d in safe if (os is None or d.os == os) and (arch is None or d.arch == arch)]
    chosen.sort(
        key=lambda d: (ARTIFACT_ORDER.index(d.artifact), [-p for p in version_key(d.version)], _platform_rank(d))
    )
    return [DownloadView(d, version_key(d.version) == newest[(d.artifact, d.os, d.arch)]) for d in chosen]


async def api_references(ctx: RequestContext) -> list[ApiReference]:
    """API references in their published order; entries not routed inside the console are left out."""
    _, found = await asyncio.gather(ctx.viewer(), ctx.loaders.platform.api_references.get())
    return sorted((r for r in found if console_path(r.route) is not None), key=lambda r: (r.order, r.name))


async def scheduler_guidance(ctx: RequestContext) -> list[SchedulerGuide]:
    """Scheduler guides in order, each routing to Apps, Workloads or Access (unsafe routes are left out)."""
    _, found = await asyncio.gather(ctx.viewer(), ctx.loaders.platform.scheduler_guides.get())
    guides = []
    for guide in sorted(found, key=lambda g: (g.order, g.name)):
        if console_path(guide.route) is None:
            continue
        mappings = [  # each route as the console takes it (view state such as ``kind`` in the fragment)
            m.model_copy(update={"route": console_path(m.route)}) for m in guide.mappings if console_path(m.route)
        ]
        guides.append(guide.model_copy(update={"route": console_path(guide.route), "mappings": mappings}))
    return guides
