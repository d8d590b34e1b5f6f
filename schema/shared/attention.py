"""Attention items: what needs attention and the one action that resolves it (overviews share these)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from resolvers.shared import attention as shapes


@strawberry.enum(description="How urgent an attention item is.")
class AttentionSeverity(Enum):
    CRITICAL = strawberry.enum_value("critical", description="Act now: something is failing or about to.")
    WARNING = strawberry.enum_value("warning", description="Act soon: something will fail if left alone.")
    INFO = strawberry.enum_value("info", description="Worth a look: a recommendation.")


@strawberry.type(description="The primary action of an attention item.")
class AttentionAction:
    label: str = strawberry.field(description="Button label.")
    route: str = strawberry.field(description="Console route where the action is taken.")


@strawberry.type(description="Something that needs attention, with the action that resolves it.")
class AttentionItem:
    kind: str = strawberry.field(
        description="Stable machine-readable kind, e.g. credential_expiring, sso_degraded, quota_near_limit, "
        "invite_expiring, mfa_disabled, runway_low."
    )
    severity: AttentionSeverity = strawberry.field(description="How urgent it is.")
    title: str = strawberry.field(description="One-line summary.")
    detail: str = strawberry.field(description="Why it matters.")
    action: AttentionAction = strawberry.field(description="The primary action.")
    subject_type: str | None = strawberry.field(description="Type of the object concerned (credential, invite, ...).")
    subject_id: str | None = strawberry.field(description="Local id of the object (routes carry its global id).")
    due_at: datetime | None = strawberry.field(description="When it becomes a problem (expiry, run-out), if known.")

    @classmethod
    def of(cls, item: shapes.AttentionItem) -> AttentionItem:
        """From the resolvers' attention item."""
        return cls(
            kind=item.kind,
            severity=AttentionSeverity(item.severity.value),
            title=item.title,
            detail=item.detail,
            action=AttentionAction(label=item.action.label, route=item.action.route),
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            due_at=item.due_at,
        )
