"""Root query fields of Workloads and Apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeAlias, TypeVar

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from resolvers.shared.scope import local_id, project_ids_argument
from resolvers.shared.shapes import DEFAULT_FIRST
from resolvers.workloads import apps
from resolvers.workloads import queries as workloads
from resolvers.workloads.rows import RowRelations, prefetch_rows
from schema.shared.permissions import Authenticated
from schema.shared.types import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, Info, connection, wire
from schema.workloads.apps import App, AppCatalog, AppCategory
from schema.workloads.types import Workload, WorkloadFilter, workload_type


@strawberry.type
class WorkloadsQuery:
    """Root fields of the workloads domain."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Workloads the viewer may see, newest first (null with an error on failure).",
    )
    async def workloads(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            WorkloadFilter | None, strawberry.argument(description="Only workloads matching every given condition.")
        ] = None,
    ) -> Connection[Workload] | None:
        given = filter or WorkloadFilter()
        page = await workloads.list_workloads(
            info.context,
            first=first,
            after=after,
            project_ids=project_ids_argument(given.project_ids, "filter.projectIds"),
            kinds=[wire(k) for k in given.kinds] if given.kinds else None,
            statuses=[wire(s) for s in given.statuses] if given.statuses else None,
        )
        wanted = _per_document(info, "row relations", _row_relations)
        if wanted is not None and wanted != RowRelations():
            await prefetch_rows(info.context, page.items, wanted)  # the rows then resolve them without a task each
        return connection(page, workload_type)

    @strawberry.field(
        permission_classes=[Authenticated],
        description="One workload by global id (NOT_FOUND if missing or not visible).",
    )
    async def workload(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of a workload.")]
    ) -> Workload | None:
        workload_id = local_id(id, "Workload")
        if _per_document(info, "mounts", _selects_mounts):
            workloads.prefetch_mounts(info.context, workload_id)  # with the workload: one hop less
        return workload_type(await workloads.get_workload(info.context, workload_id))


# Answers about a field's selection, per (its field nodes, question). Parsed documents are cached, so the same page
# meets the same nodes on every request; the nodes are kept with the answer, so a reused id() cannot match.
_ANSWERS: dict[tuple[tuple[int, ...], str], tuple[tuple[object, ...], object]] = {}
_ANSWERS_MAX = 512
Answer = TypeVar("Answer")


def _per_document(info: Info, question: str, answer: Callable[[list[Selection]], Answer]) -> Answer:
    """``answer(info.selected_fields)``, worked out once per document: it reads field names only, which the field
    nodes fix (Strawberry's selections keep ``@skip``/``@include`` as directives, unapplied)."""
    nodes = tuple(info._raw_info.field_nodes)
    key = (tuple(map(id, nodes)), question)
    found = _ANSWERS.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], nodes, strict=True)):
        return found[1]  # type: ignore[return-value]  # stored by this function for this question
    value = answer(info.selected_fields)
    if len(_ANSWERS) >= _ANSWERS_MAX:
        _ANSWERS.clear()
    _ANSWERS[key] = (nodes, value)
    return value


def _selects_mounts(selections: list[Selection]) -> bool:
    return _selects(selections, ("workload", "tabs", "storage", "mounts"))


def _row_relations(selections: list[Selection]) -> RowRelations | None:
    """Which related objects the rows of a ``workloads`` selection read, when the page can ask for them up front.

    None when a row selects anything that loads something else (owner, app, events, a project's tenant...): asked
    for after the prefetch, that load would make a later wave of calls, so such a page keeps its rows' loads in one.
    """
    rows = [
        row
        for workloads in _fields(selections)
        for part in _fields(workloads.selections)
        for row in ([part] if part.name == "nodes" else _fields(part.selections) if part.name == "edges" else [])
        if row.name in ("node", "nodes")
    ]
    if not all(_within(row.selections, _PREFETCHED_ROW) for row in rows):
        return None
    fields = [field for row in rows for field in _fields(row.selections)]
    shown = {field.name for field in fields}
    return RowRelations(
        node="node" in shown,
        project="project" in shown,
        runway="runway" in shown,
        next_steps="suggestedNextSteps" in shown,
        mounts=_selects([f for f in fields if f.name == "tabs"], ("tabs", "storage")),
    )


# What a row may select for the prefetch to cover every load it makes: a field name and what may be selected
# under it (``ANY``: objects whose fields read nothing).
Allowed: TypeAlias = "dict[str, Allowed] | None"
ANY: Allowed = None
_LEAVES = ("__typename", "id", "name", "kind", "status", "statusReason", "createdAt", "ageSeconds")
_PLAIN = ("gpu", "cost", "runway", "primaryAction", "actions", "suggestedNextSteps", "ports", "notebook", "serving")
_NODE = ("__typename", "id", "hostname", "region", "siteId", "gpuModel", "gpuCount", "gpuMemoryGib", "status")
_BUCKET = {name: ANY for name in ("__typename", "id", "name", "purpose")}
_MOUNTS = {"__typename": ANY, "mountPath": ANY, "readOnly": ANY, "bucket": _BUCKET}
_PREFETCHED_ROW: dict[str, Allowed] = {
    **{name: ANY for name in (*_LEAVES, *_PLAIN)},
    "node": {name: ANY for name in _NODE},
    "project": {name: ANY for name in ("__typename", "id", "name")},
    "tabs": {"__typename": ANY, "config": ANY, "storage": {"__typename": ANY, "mounts": _MOUNTS}},
}


def _within(selections: list[Selection], allowed: dict[str, Allowed]) -> bool:
    """True when every field selected (through fragments) is allowed, and so is what is selected under it."""
    for field in _fields(selections):
        if field.name not in allowed:
            return False
        below = allowed[field.name]
        if below is not None and not _within(field.selections, below):
            return False
    return True


def _fields(selections: list[Selection]) -> list[SelectedField]:
    """The fields of a selection, fragments spread."""
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        else:
            found.extend(_fields(selection.selections))
    return found


def _selects(selections: list[Selection], path: tuple[str, ...]) -> bool:
    """True when the selection (through fragments) asks for the field at ``path``."""
    for selection in selections:
        if not isinstance(selection, SelectedField):
            if _selects(selection.selections, path):
                return True
        elif selection.name == path[0] and (len(path) == 1 or _selects(selection.selections, path[1:])):
            return True
    return False


@strawberry.type
class AppsQuery:
    """Root fields of the apps domain."""

    @strawberry.field(
        permission_classes=[Authenticated], description="The app catalog (null with an error on failure)."
    )
    async def apps(
        self,
        info: Info,
        category: Annotated[
            str | None,
            strawberry.argument(description="Only apps of this category slug (an unknown one gives empty lists)."),
        ] = None,
    ) -> AppCatalog | None:
        found = await apps.app_catalog(info.context, category)
        return AppCatalog(
            featured=[App.of(a) for a in found.featured],
            rows=[App.of(a) for a in found.rows],
            categories=[AppCategory.of(c) for c in found.categories],
            category=found.category,
        )

    @strawberry.field(
        permission_classes=[Authenticated], description="One app by slug (NOT_FOUND for an unknown slug)."
    )
    async def app(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="The app's slug, e.g. `jupyter`.")]
    ) -> App | None:
        return App.of(await apps.get_app(info.context, slug))
