"""The schema extension enforcing operation limits, reporting cost, and turning introspection off.

Limits come from ``Settings.security`` through the request context, so one schema serves any
configuration. Structural limits run before graphql-core's validation, which is then skipped for
a refused document (a bomb never reaches the costlier validation rules).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from gateway.limits.analysis import DocumentReport, analyse
from gateway.security_settings import SecuritySettings


def _security(context: Any) -> SecuritySettings:
    settings = getattr(context, "settings", None)
    return getattr(settings, "security", None) or SecuritySettings()


class OperationLimits(SchemaExtension):
    """Tokens, depth, aliases, root fields, directives and cost; ``extensions.cost`` on every result."""

    report: DocumentReport | None = None

    def on_operation(self) -> Iterator[None]:
        """Token limit for the parser; introspection off when configured so."""
        security = _security(self.execution_context.context)
        self.execution_context.parse_options["max_tokens"] = security.max_tokens
        if not security.introspection_enabled:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield

    def on_validate(self) -> Iterator[None]:
        """Refuse an operation over any limit before the standard validation rules run."""
        context = self.execution_context
        security = _security(context.context)
        if context.graphql_document is not None and context.pre_execution_errors is None:
            self.report = analyse(
                context.graphql_document,
                schema=context.schema._schema,
                operation_name=context.operation_name,
                variables=context.variables,
                default_list_size=security.cost_default_list_size,
            )
            violation = _violation(self.report, security) if self.report is not None else None
            if violation is not None:
                context.pre_execution_errors = [violation]
        yield

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
            shown = str(found) if found < 10**12 else "more than 10^12"
            return GraphQLError(
                f"the operation has {shown} {what}; the limit is {limit}",
                extensions={"code": code, "limit": limit, "found": min(found, 10**12)},
            )
    return None
