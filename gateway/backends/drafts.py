"""Launch drafts, kept by two services with one contract: the workloads service (compute and app drafts,
``ld-...``) and the storage service (storage drafts, ``sd-...``). ``DraftCalls`` is what both clients share.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from gateway.backends._client import AllowListModel, Page, ServiceClient
from gateway.backends._commands import command, command_path

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


class DraftCalls(ServiceClient):
    """Reads and commands of launch drafts (both draft-keeping services offer them)."""

    async def drafts(self, ids: Sequence[str]) -> list[LaunchDraft]:
        """Drafts by id."""
        return await self.batch("launch-drafts", ids, LaunchDraft)

    async def open_drafts_of(self, owner_id: str, *, limit: int, after: str | None = None) -> Page[LaunchDraft]:
        """A user's open drafts, newest first."""
        filters = {"owner_id": [owner_id], "status": ["open"]}
        return await self.page("launch-drafts", LaunchDraft, filters, limit=limit, after=after)

    async def create_draft(
        self,
        *,
        kind: str,
        tenant_id: str | None,
        owner_id: str,
        inputs: dict[str, Any],
        current_step: str | None,
        project_id: str | None,
        app_slug: str | None,
        key: str,
        actor: str,
    ) -> LaunchDraft:
        """Open a draft with the given inputs."""
        body = _draft_body(inputs, current_step, project_id, app_slug)
        body.update(kind=kind, tenant_id=tenant_id, owner_id=owner_id)
        return await command(self, command_path("launch-drafts"), body, LaunchDraft, key=key, actor_id=actor)

    async def save_draft(
        self,
        draft_id: str,
        *,
        inputs: dict[str, Any],
        current_step: str | None,
        project_id: str | None,
        app_slug: str | None,
        key: str,
        actor: str,
    ) -> LaunchDraft:
        """Save an open draft's inputs (and step)."""
        body = _draft_body(inputs, current_step, project_id, app_slug)
        path = command_path("launch-drafts", draft_id, "save")
        return await command(self, path, body, LaunchDraft, key=key, actor_id=actor)

    async def discard_draft(self, draft_id: str, *, key: str, actor: str) -> LaunchDraft:
        """Discard an open draft."""
        path = command_path("launch-drafts", draft_id, "discard")
        return await command(self, path, {}, LaunchDraft, key=key, actor_id=actor)

    async def submit_draft(self, draft_id: str, *, result: dict[str, str], key: str, actor: str) -> LaunchDraft:
        """Mark a draft submitted, with the ids of what its launch created."""
        path = command_path("launch-drafts", draft_id, "submit")
        return await command(self, path, {"result": result}, LaunchDraft, key=key, actor_id=actor)


def _draft_body(
    inputs: dict[str, Any], current_step: str | None, project_id: str | None, app_slug: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"inputs": inputs}
    if current_step is not None:
        body["current_step"] = current_step
    if project_id:
        body["project_id"] = project_id
    if app_slug:
        body["app_slug"] = app_slug
    return body
