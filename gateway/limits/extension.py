"""The schema extension enforcing operation limits, reporting cost, and turning introspection off.

Limits come from ``Settings.security`` through the request context, so one schema serves any
configuration. Structural limits run before graphql-core's validation, which is then skipped for
a refused document (a bomb never reaches the costlier validation rules): the operation's limits
(``analyse``: depth, aliases, root fields, directives, cost), then the whole document's shape
(``document_shape``: selections with fragments expanded, pairs of fields sharing a response name at one
place, operations).
graphql-core's ``OverlappingFieldsCanBeMerged`` rule runs with a work budget of
``VALIDATION_BUDGET`` instead of its default of 500,000 (about a second of CPU): the gateway's own
documents spend under ten, and a document the shape walk did not foresee is refused with
``MAX_VALIDATION_WORK_EXCEEDED`` after a few milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule, OverlappingFieldsCanBeMergedRule, ValidationContext
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension

from gateway import document_cache
from gateway.limits.analysis import DocumentReport, Shape, analyse, document_shape
from gateway.security_settings import SecuritySettings

# Field selections in a whole document, each fragment expanded where it is spread (the largest committed
# operation has under 400, a client's full introspection query under 500).
MAX_SELECTIONS = 5_000
# Pairs of fields sharing a response name at one place, which validation compares with each other: the committed
# operations have none; a selection of every field of every Workload kind (inline fragments) about 200. One field
# repeated 64 times is 2,016 pairs.
MAX_FIELD_PAIRS = 2_000
# Operations in one document (each costs validation a walk of its own; a GraphiQL tab with many is fine).
MAX_OPERATIONS = 50
# ``__schema`` selections in one document: a client's introspection query has one; each is a walk of the whole
# schema (about 140 ms of CPU here), so several cost far more than any page while staying under the cost limit.
MAX_SCHEMA_INTROSPECTIONS = 1
# Units of graphql-core's OverlappingFieldsCanBeMerged budget (two per pair of fields compared, ~2 us each): 20 ms.
VALIDATION_BUDGET = 10_000
# The shapes of documents the document cache holds (id of the document -> that document and its shape).
_shapes: document_cache.LruCache[int, tuple[DocumentNode, Shape]] = document_cache.LruCache(
    document_cache.MAX_DOCUMENTS
)

# Reports of the operations of cached documents: (ids of the document and schema, operation, variables as JSON,
# default list size) -> that document, that schema and the report. Variables matter (list sizes); larger variables
# are analysed every time.
_reports: document_cache.LruCache[
    tuple[int, int, str | None, str, int], tuple[DocumentNode, object, DocumentReport | None]
] = document_cache.LruCache(4 * document_cache.MAX_DOCUMENTS)
MAX_CACHED_VARIABLES_CHARS = 2_000


class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
    """graphql-core's ``OverlappingFieldsCanBeMerged`` that gives up after ``VALIDATION_BUDGET`` units of work."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = VALIDATION_BUDGET


def _security(context: Any) -> SecuritySettings:
    settings = getattr(context, "settings", None)
    return getattr(settings, "security", None) or SecuritySettings()


class OperationLimits(SchemaExtension):
    """Tokens, depth, aliases, root fields, directives, cost and shape; ``extensions.cost`` on every result."""

    report: DocumentReport | None = None

    def on_operation(self) -> Iterator[None]:
        """Token limit for the parser; the bounded overlap rule; introspection off when configured so."""
        security = _security(self.execution_context.context)
        self.execution_context.parse_options["max_tokens"] = security.max_tokens
        rules = tuple(
            BoundedOverlappingFields if rule is OverlappingFieldsCanBeMergedRule else rule
            for rule in self.execution_context.validation_rules
        )
        if not security.introspection_enabled:
            rules = (*rules, NoSchemaIntrospectionCustomRule)
        self.execution_context.validation_rules = rules
        yield

    def on_validate(self) -> Iterator[None]:
        """Refuse an operation over any limit before the standard validation rules run."""
        context = self.execution_context
        security = _security(context.context)
        if context.graphql_document is not None and context.pre_execution_errors is None:
            self.report = _report(context, security.cost_default_list_size)
            violation = _violation(self.report, security) if self.report is not None else None
            if violation is None:
                violation = _shape_violation(_shape(context))
            if violation is not None:
                context.pre_execution_errors = [violation]
        yield
        if context.pre_execution_errors:  # in place: Strawberry's result already holds this list
            context.pre_execution_errors[:] = [_coded_abort(error) for error in context.pre_execution_errors]

    def get_results(self) -> dict[str, Any]:
        """``extensions.cost``: the requested cost, the maximum, and the caller's throttle status."""
        if self.report is None:
            return {}
        security = _security(self.execution_context.context)
        cost: dict[str, Any] = {
            "requestedQueryCost": self.report.operation.cost,
            "maximumAvailable": security.max_cost,
        }
        throttle = getattr(self.execution_context.context, "throttle", None)
        if throttle is not None:
            cost["throttleStatus"] = throttle.as_extension()
        return {"cost": cost}


def _violation(report: DocumentReport, security: SecuritySettings) -> GraphQLError | None:
    metrics = report.operation
    checks = (
        ("MAX_DEPTH_EXCEEDED", "levels of nesting", metrics.depth, security.max_depth),
        ("MAX_ALIASES_EXCEEDED", "aliases (fragments included)", metrics.aliases, security.max_aliases),
        ("MAX_ROOT_FIELDS_EXCEEDED", "root fields", metrics.fields, security.max_root_fields),
        ("MAX_DIRECTIVES_EXCEEDED", "directives", report.directives, security.max_directives),
        ("MAX_COST_EXCEEDED", "points of cost", metrics.cost, security.max_cost),
    )
    for code, what, found, limit in checks:
        if found > limit:
            return _limit_error(code, what, found, limit)
    return None


def _report(context: Any, default_list_size: int) -> DocumentReport | None:
    """The operation's report; remembered for a cached document with the same operation and variables (a page
    sends the same document and variables on every load, and the walk costs milliseconds for a large page)."""
    document, schema = context.graphql_document, context.schema._schema
    key = None
    if document_cache.is_cached(context):
        try:
            variables = json.dumps(context.variables or {}, sort_keys=True)
        except (TypeError, ValueError):
            variables = None
        if variables is not None and len(variables) <= MAX_CACHED_VARIABLES_CHARS:
            key = (id(document), id(schema), context.operation_name, variables, default_list_size)
            found = _reports.get(key)
            if found is not None and found[0] is document and found[1] is schema:
                return found[2]
    report = analyse(
        document,
        schema=schema,
        operation_name=context.operation_name,
        variables=context.variables,
        default_list_size=default_list_size,
    )
    if key is not None:
        _reports.put(key, (document, schema, report))
    return report


def _shape(context: Any) -> Shape:
    """The document's shape; remembered with a document the document cache holds (it depends on nothing else)."""
    document = context.graphql_document
    cached = document_cache.is_cached(context)
    if cached:
        found = _shapes.get(id(document))
        if found is not None and found[0] is document:
            return found[1]
    shape = document_shape(document, max_selections=MAX_SELECTIONS)
    if cached:
        _shapes.put(id(document), (document, shape))
    return shape


def _shape_violation(shape: Shape) -> GraphQLError | None:
    if shape.selections > MAX_SELECTIONS:
        return _limit_error(
            "MAX_SELECTIONS_EXCEEDED",
            "field selections (fragments expanded where they are spread)",
            shape.selections,
            MAX_SELECTIONS,
            shown=f"more than {MAX_SELECTIONS}",
            subject="document",
        )
    if shape.operations > MAX_OPERATIONS:
        return _limit_error(
            "MAX_OPERATIONS_EXCEEDED", "operations", shape.operations, MAX_OPERATIONS, subject="document"
        )
    if shape.schema_introspections > MAX_SCHEMA_INTROSPECTIONS:
        return _limit_error(
            "MAX_INTROSPECTIONS_EXCEEDED",
            "__schema selections (each one introspects the whole schema)",
            shape.schema_introspections,
            MAX_SCHEMA_INTROSPECTIONS,
            subject="document",
        )
    if shape.pairs > MAX_FIELD_PAIRS:
        return _limit_error(
            "MAX_FIELD_REPEATS_EXCEEDED",
            "pairs of fields sharing a response name or of fragments spread at one place (repeated selections)",
            shape.pairs,
            MAX_FIELD_PAIRS,
            subject="document",
        )
    return None


def _limit_error(
    code: str, what: str, found: int, limit: int, shown: str | None = None, subject: str = "operation"
) -> GraphQLError:
    if shown is None:
        shown = str(found) if found < 10**12 else "more than 10^12"
    return GraphQLError(
        f"the {subject} has {shown} {what}; the limit is {limit}",
        extensions={"code": code, "limit": limit, "found": min(found, 10**12)},
    )


def _coded_abort(error: GraphQLError) -> GraphQLError:
    """graphql-core's "Validation aborted." (work budget spent, or fragments nested past the recursion limit)."""
    if isinstance(error, ValidationAbortedError) and error.message == "Validation aborted.":
        return GraphQLError(
            "the document is too complex to validate: it compares too many fields with each other or nests "
            "fragments too deeply",
            extensions={"code": "MAX_VALIDATION_WORK_EXCEEDED"},
        )
    return error
