"""Launch drafts (workloads service: compute and app; storage service: storage): model and reads.

Draft ids say which service keeps them: ``ld-...`` the workloads service, ``sd-...`` the storage service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from gateway.backends._client import AllowListModel, Page, ServiceClient

STORAGE_DRAFT_PREFIX = "sd-"


class LaunchDraft(AllowListModel):
    """A launch wizard's draft: steps, the current step and each step's inputs (user-entered, no secrets)."""

    id: str
    tenant_id: str
    owner_id: str
    project_id: str | None = None
    kind: Literal["compute", "app", "storage"]
    app_slug: str | None = None
    steps: list[str]
    current_step: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    status: Literal["open", "submitted", "discarded"]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    result: dict[str, Any] | None = None


def draft_domain(draft_id: str) -> str:
    """The service that keeps a draft, from its id."""
    return "storage" if draft_id.startswith(STORAGE_DRAFT_PREFIX) else "workloads"


async def drafts(client: ServiceClient, ids: Sequence[str]) -> list[LaunchDraft]:
    """Drafts by id from one service."""
    return await client.batch("launch-drafts", ids, LaunchDraft)


async def open_drafts_of(
    client: ServiceClient, owner_id: str, *, limit: int, after: str | None = None
) -> Page[LaunchDraft]:
    """A user's open drafts in one service, newest first."""
    return await client.page(
        "launch-drafts", LaunchDraft, {"owner_id": [owner_id], "status": ["open"]}, limit=limit, after=after
    )
