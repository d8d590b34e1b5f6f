"""``extensions.idempotency``: how each mutation field of the response was answered.

``{"replayed": <any field replayed>, "fields": [{"path", "field", "replayed", "completedAt"}]}``; present
only when the document ran a mutation under a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension


class IdempotencyReport(SchemaExtension):
    """Adds ``extensions.idempotency`` from the runs the request context collected."""

    def on_execute(self) -> Iterator[None]:
        # Mutation fields count the document's root fields (fragments included) to honour the header key.
        context = self.execution_context.context
        if hasattr(context, "document"):
            context.document = self.execution_context.graphql_document
        yield

    def get_results(self) -> dict[str, Any]:
        runs = getattr(self.execution_context.context, "idempotency_runs", None)
        if not runs:
            return {}
        return {
            "idempotency": {
                "replayed": any(run.replayed for run in runs),
                "fields": [
                    {"path": run.path, "field": run.field, "replayed": run.replayed, "completedAt": run.completed_at}
                    for run in runs
                ],
            }
        }
