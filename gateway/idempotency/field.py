"""``Idempotent``: declared on a mutation field, it runs the field's resolver at most once per key.

    @strawberry.mutation(
        graphql_type=CreateBucketPayload | None,
        extensions=[Idempotent(BucketOutcome, CreateBucketPayload.of)],
        permission_classes=[Authenticated],  # permissions run first, so a refusal is never recorded
    )
    async def create_bucket(self, info: Info, input: CreateBucketInput) -> BucketOutcome:
        return await resolve.create_bucket(info.context, ...)

The resolver returns the mutation's typed outcome; this extension records it under the key (or replays the
recorded one) and answers with the payload built from it. Commands the resolver sends carry the field's
scoped backend key (``current_key``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from graphql import FragmentDefinitionNode
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from gateway.context import RequestContext
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import MutationCall, run_mutation

Outcome = TypeVar("Outcome", bound=MutationOutcome)


class Idempotent(FieldExtension, Generic[Outcome]):
    """Run a mutation field under its idempotency key; answer with ``payload(outcome)``."""

    def __init__(self, outcome: type[Outcome], payload: Callable[[Outcome], Any]) -> None:
        self.outcome = outcome
        self.payload = payload

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info[RequestContext, None], **kwargs: Any
    ) -> Any:
        ctx = info.context
        call = MutationCall(
            field=info.field_name,
            path=str(info.path.key),
            arguments=kwargs,
            input_key=getattr(kwargs.get("input"), "idempotency_key", None),
            operation=info.operation,
            fragments=_fragments(ctx),
        )

        async def execute() -> Outcome:
            outcome = await next_(source, info, **kwargs)
            if not isinstance(outcome, self.outcome):
                raise TypeError(f"{info.field_name} resolved to {type(outcome).__name__}, not {self.outcome.__name__}")
            return outcome

        return self.payload(await run_mutation(ctx, call, self.outcome, execute))


def _fragments(ctx: RequestContext) -> dict[str, FragmentDefinitionNode]:
    """The document's fragments (the runtime keeps the executed document on the context)."""
    document = ctx.document
    if document is None:
        return {}
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
