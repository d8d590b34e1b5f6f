"""The viewer's identity on every backend call: ``X-Viewer-Id`` and ``X-Tenant-Id`` request headers.

The gateway's httpx clients are shared by all requests, so the identity travels in a context
variable holding a per-request ``ForwardedIdentity``; an httpx request hook copies it onto each
call. The holder is mutable because the tenant may be learnt mid-request (from the access service,
when the credentials did not assert it) after tasks that copied the context already exist.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

import httpx

VIEWER_HEADER = "x-viewer-id"
TENANT_HEADER = "x-tenant-id"


@dataclass
class ForwardedIdentity:
    """Who the current request acts for."""

    user_id: str | None = None
    tenant_id: str | None = None


forwarded_identity: contextvars.ContextVar[ForwardedIdentity | None] = contextvars.ContextVar(
    "gateway_forwarded_identity", default=None
)


async def forward_identity(request: httpx.Request) -> None:
    """httpx request hook: set (or clear) the identity headers from the current request's context."""
    identity = forwarded_identity.get()
    values = (identity.user_id, identity.tenant_id) if identity is not None else (None, None)
    for header, value in zip((VIEWER_HEADER, TENANT_HEADER), values, strict=True):
        if value:
            request.headers[header] = value
        elif header in request.headers:
            del request.headers[header]
