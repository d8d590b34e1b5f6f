"""Catalog and inbox resources: GPU SKUs, apps, developer downloads, API references, scheduler
guides (platform and workloads services) and the notifications inbox (account service).

Kept apart from ``domains.py`` so each surface's contract reads in one place; ``domains.py``
appends these tuples to the services that own them.
"""

from __future__ import annotations

from reference_services._service import Resource

S, I, N, B, O, A = "string", "integer", "number", "boolean", "object", "array"

CATALOG_PLATFORM = (
    Resource(
        "gpu-skus",
        "GPU machine shapes for sale: hardware, price per hour and capacity by region.",
        {
            "id": S,
            "name": S,
            "gpu_model": S,
            "gpu_family": S,
            "gpu_count": I,
            "gpu_memory_gib": I,
            "vcpu": I,
            "ram_gib": I,
            "local_nvme_gib": I,
            "interconnect": S,
            "price_per_hour_cents": I,
            "regions": A,
            "supplier_cost_cents": I,
            "internal_pool_id": S,
            "capacity_api_token": S,
        },
        filters=("gpu_model", "gpu_family"),
        secret_fields=("capacity_api_token",),
    ),
    Resource(
        "downloads",
        "CLI and SDK artifacts per OS and architecture, with version, checksum and size.",
        {
            "id": S,
            "artifact": S,
            "name": S,
            "os": S,
            "arch": S,
            "version": S,
            "sha256": S,
            "size_bytes": I,
            "released_at": S,
            "path": S,
            "origin_url": S,
            "signing_key": S,
        },
        filters=("artifact", "os", "arch"),
        secret_fields=("origin_url", "signing_key"),
    ),
    Resource(
        "api-references",
        "API reference entry points (GraphQL, REST, OpenAPI) and where the console shows them.",
        {"id": S, "name": S, "kind": S, "route": S, "description": S, "order": I, "upstream_url": S},
        filters=("kind",),
        secret_fields=("upstream_url",),
    ),
    Resource(
        "scheduler-guides",
        "Where a scheduler's concepts (Slurm, Kubernetes, Ray, ...) live in the console now.",
        {
            "id": S,
            "scheduler": S,
            "name": S,
            "title": S,
            "summary": S,
            "destination": S,
            "route": S,
            "action_label": S,
            "order": I,
            "mappings": A,
        },
        filters=("destination",),
    ),
)

CATALOG_WORKLOADS = (
    Resource(
        "apps",
        "Launchable apps: identity, category, the workload kind a launch creates and its defaults.",
        {
            "id": S,
            "slug": S,
            "name": S,
            "tagline": S,
            "description": S,
            "category": S,
            "category_label": S,
            "featured": B,
            "featured_rank": I,
            "colour": O,
            "icon": O,
            "workload_kind": S,
            "launch_defaults": O,
            "dependencies": A,
            "docs_path": S,
            "build_pipeline_id": S,
            "registry_pull_token": S,
        },
        filters=("slug", "category", "featured"),
        secret_fields=("registry_pull_token",),
    ),
)

CATALOG_ACCOUNT = (
    Resource(
        "notifications",
        "Each user's notifications, oldest first by insertion (lists answer newest first).",
        {
            "id": S,
            "user_id": S,
            "tenant_id": S,
            "category": S,
            "severity": S,
            "title": S,
            "body": S,
            "link": S,
            "created_at": S,
            "read_at": S,
            "expires_at": S,
            "source_event_id": S,
            "delivery_token": S,
        },
        filters=("user_id", "tenant_id", "category", "severity"),
        secret_fields=("delivery_token",),
        range_filters=("expires_at",),
    ),
    Resource(
        "notification-settings",
        "Notification retention: the platform default (id `default`) and per-tenant overrides (tenant id).",
        {"id": S, "scope": S, "tenant_id": S, "retention_days": I, "webhook_signing_secret": S},
        secret_fields=("webhook_signing_secret",),
    ),
)
