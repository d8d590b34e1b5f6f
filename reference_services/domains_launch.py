"""Launch drafts, kept by the service that owns what the launch creates (workloads: compute and app
drafts; storage: storage drafts). Appended to those services' resources by ``domains.py``."""

from __future__ import annotations

from reference_services._service import Resource

S, O, A = "string", "object", "array"

LAUNCH_DRAFTS = (
    Resource(
        "launch-drafts",
        "Launch wizard drafts: the steps, the current step and every step's inputs (kept when going back).",
        {
            "id": S,
            "tenant_id": S,
            "project_id": S,
            "owner_id": S,
            "kind": S,
            "app_slug": S,
            "steps": A,
            "current_step": S,
            "inputs": O,
            "status": S,
            "created_at": S,
            "updated_at": S,
            "submitted_at": S,
            "result": O,
        },
        filters=("tenant_id", "owner_id", "kind", "status"),
    ),
)
