"""A domain service's event stream (``GET /v1/events``, see the services' OpenAPI): pages of events after an id.

Two ways to read it: ``wait_for_events`` long-polls (the stream reader, with its own timeout, outside the
per-call deadline and retries of ordinary reads) and ``replay_events`` pages through what is already there
(a subscription resuming from an id, under the ordinary read policy).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx
from pydantic import Field, ValidationError

from gateway.backends._client import AllowListModel, ServiceClient
from gateway.backends.workloads.models import WorkloadKind, WorkloadStatus
from gateway.errors import BackendBadResponse, BackendTimeout, BackendUnavailable

REPLAY_PAGE = 500


class StreamEvent(AllowListModel):
    """One event of a service's stream; ``data`` is parsed by the consumer's own allow-list model."""

    id: str
    type: str
    at: datetime
    subject_id: str | None = None
    tenant_id: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class StreamPage(AllowListModel):
    """Events after the requested id, the stream's identity and how far it was read."""

    stream: str
    items: list[StreamEvent]
    last_id: str


class WorkloadStatusPayload(AllowListModel):
    """The payload of ``workload.status_changed``: the workload's identity and its status before and after."""

    id: str
    tenant_id: str
    project_id: str
    name: str
    kind: WorkloadKind
    status: WorkloadStatus
    previous_status: WorkloadStatus | None = None
    status_reason: str | None = None


class EventsExpired(Exception):
    """The requested id is older than the service's retention window: events after it were dropped."""


def _page(client: ServiceClient, response: httpx.Response) -> StreamPage:
    if response.status_code == 410:
        raise EventsExpired(client.domain)
    if response.status_code >= 500:
        raise BackendUnavailable(
            f"the {client.domain} service failed (HTTP {response.status_code})", service=client.domain
        )
    if response.status_code != 200:
        raise BackendBadResponse(
            f"the {client.domain} service refused the event stream read (HTTP {response.status_code})",
            service=client.domain,
        )
    try:
        return StreamPage.model_validate(json.loads(response.content))
    except (ValueError, ValidationError):
        raise BackendBadResponse(
            f"the {client.domain} service sent a malformed event page", service=client.domain
        ) from None


def _params(after: str | None, limit: int, filters: Mapping[str, Iterable[str]], wait: float = 0) -> dict[str, str]:
    params = {name: ",".join(values) for name, values in filters.items()}
    params["limit"] = str(limit)
    if after is not None:
        params["after"] = after
    if wait > 0:
        params["wait"] = f"{wait:g}"
    return params


async def wait_for_events(
    client: ServiceClient,
    after: str | None,
    *,
    wait: float,
    limit: int = 500,
    filters: Mapping[str, Iterable[str]] | None = None,
) -> StreamPage:
    """Events after ``after`` (None: just the current position), waiting up to ``wait`` seconds for one."""
    timeout = httpx.Timeout(
        wait + client.http.timeout.read if client.http.timeout.read else wait + 10, connect=client.http.timeout.connect
    )
    try:
        response = await client.http.get(
            "/v1/events", params=_params(after, limit, filters or {}, wait), timeout=timeout
        )
    except httpx.TimeoutException:
        raise BackendTimeout(f"the {client.domain} service's event stream timed out", service=client.domain) from None
    except httpx.HTTPError:
        raise BackendUnavailable(f"the {client.domain} service is unreachable", service=client.domain) from None
    return _page(client, response)


async def replay_events(
    client: ServiceClient,
    after: str,
    filters: Mapping[str, Iterable[str]],
) -> AsyncIterator[StreamPage]:
    """The pages of events after ``after`` that are already in the stream, oldest first, fetched as consumed."""
    position = after
    while True:
        try:
            body = await client.get_json("/v1/events", _params(position, REPLAY_PAGE, filters))
        except BackendBadResponse as error:
            if error.http_status == 410:
                raise EventsExpired(client.domain) from None
            raise
        page = _page_of(client, body)
        yield page
        if len(page.items) < REPLAY_PAGE:
            return
        position = page.last_id


def _page_of(client: ServiceClient, body: Any) -> StreamPage:
    try:
        return StreamPage.model_validate(body)
    except ValidationError:
        raise BackendBadResponse(
            f"the {client.domain} service sent a malformed event page", service=client.domain
        ) from None
