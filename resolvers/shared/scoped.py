"""Project-owned resources (buckets, workloads): a page of those the viewer may see, and reads by id where an
out-of-scope id looks exactly like a missing one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from aiodataloader import DataLoader

from gateway.backends import Page
from gateway.backends._loaders import alongside
from gateway.context import RequestContext
from resolvers.shared.scope import not_found, visible_projects
from resolvers.shared.shapes import PageOf, check_first, decode_cursor, page_of


class ProjectOwned(Protocol):
    """A document with an id that belongs to one project."""

    @property
    def id(self) -> str: ...

    @property
    def project_id(self) -> str: ...


Doc = TypeVar("Doc", bound=ProjectOwned)
Listed = TypeVar("Listed")


class ListPage(Protocol[Listed]):
    """A backend client's newest-first page listing, e.g. ``StorageClient.list_buckets``."""

    def __call__(
        self, filters: Mapping[str, Iterable[str]], *, limit: int, after: str | None
    ) -> Awaitable[Page[Listed]]: ...


@dataclass(frozen=True)
class ScopedResource(Generic[Doc]):
    """A project-owned resource: its name in errors, its backend listing and its by-id loader (both per request)."""

    name: str
    listing: Callable[[RequestContext], ListPage[Doc]]
    loader: Callable[[RequestContext], DataLoader[str, Doc | None]]

    async def page(
        self,
        ctx: RequestContext,
        *,
        first: int,
        after: str | None,
        project_ids: Sequence[str] | None,
        filters: Mapping[str, Sequence[str] | None],
    ) -> PageOf[Doc]:
        """A page of the viewer's (narrowed to ``project_ids``), newest first; empty ``filters`` values are ignored."""
        check_first(first)
        backend_after = decode_cursor(after)
        projects = await visible_projects(ctx, project_ids)
        if not projects:
            return PageOf(items=[], cursors=[], has_next_page=False, total_count=0)
        query: dict[str, Sequence[str]] = {"project_id": projects}
        query.update({key: values for key, values in filters.items() if values})
        page = await self.listing(ctx)(query, limit=max(first, 1), after=backend_after)
        loader = self.loader(ctx)
        for item in page.items:
            loader.prime(item.id, item)
        return page_of(page, first)

    async def get_many(self, ctx: RequestContext, ids: Sequence[str]) -> list[Doc | None]:
        """By id; None for missing or out-of-scope ids."""
        viewer, found = await alongside(ctx.viewer(), self.loader(ctx).load_many(list(ids)))
        return [d if d is not None and viewer.can_see_project(d.project_id) else None for d in found]

    async def get(self, ctx: RequestContext, doc_id: str) -> Doc:
        """One by id, or ``NotFound`` (also when out of scope)."""
        (found,) = await self.get_many(ctx, [doc_id])
        if found is None:
            raise not_found(self.name)
        return found
