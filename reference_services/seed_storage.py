"""The seed's storage: the providers, each project's buckets with their objects, events and grants, and the
summary of its bucket a mount carries."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from reference_services import timeline
from reference_services.seed import PROJECTS, SITES, USERS, World, _iso, secret

# What a mount carries of its bucket, so a reader needs no second call: the public fields, never endpoints or keys.
BUCKET_SUMMARY_FIELDS = (
    "id",
    "tenant_id",
    "project_id",
    "name",
    "purpose",
    "provider",
    "region",
    "status",
    "used_bytes",
    "quota_bytes",
    "object_count",
    "created_at",
    "lifecycle_rules",
)


def bucket_summary(bucket: dict[str, Any]) -> dict[str, Any]:
    """The public fields of a bucket, as a mount of it carries them."""
    return {name: bucket[name] for name in BUCKET_SUMMARY_FIELDS if name in bucket}


def carry_bucket_summaries(world: World) -> None:
    """Every seeded mount carries its bucket's summary (taken last, once the buckets are final)."""
    storage = world.domains.get("storage", {})
    buckets = {bucket["id"]: bucket for bucket in storage.get("buckets", [])}
    for mount in storage.get("mounts", []):
        if mount["bucket_id"] in buckets:
            mount["bucket"] = bucket_summary(buckets[mount["bucket_id"]])


def seed_buckets(world: World, rng: random.Random, scale: int) -> list[dict[str, Any]]:
    for provider, name, validated in (
        ("weka", "WEKA", {"quota", "snapshots", "object_listing"}),
        ("vast", "VAST Data", {"quota"}),
    ):
        capabilities = [
            {
                "name": cap,
                "supported": True,
                "validated": cap in validated,
                "note": None if cap in validated else f"{name} {cap.replace('_', ' ')} is not validated yet",
            }
            for cap in ("quota", "snapshots", "object_listing", "lifecycle_rules", "direct_credentials")
        ]
        world.add(
            "storage",
            "providers",
            {
                "id": provider,
                "display_name": name,
                "capabilities": capabilities,
                "management_endpoint": f"https://{provider}-mgmt.internal/{secret('mgmt', provider)}",
                "admin_token": secret("admin", provider),
            },
        )
    buckets: list[dict[str, Any]] = []
    purposes = ("datasets", "checkpoints", "artifacts")
    for round_index in range(scale):
        for p_index, project in enumerate(PROJECTS):
            for purpose_index, purpose in enumerate(purposes):
                number = len(buckets) + 1
                provider = "weka" if (p_index + purpose_index) % 2 == 0 else "vast"
                quota = (1 + purpose_index) * 10 * 1024**4
                suffix = f"-{round_index + 1}" if round_index else ""
                bucket = world.add(
                    "storage",
                    "buckets",
                    {
                        "id": f"bk-{number:04d}",
                        "tenant_id": project["tenant_id"],
                        "project_id": project["id"],
                        "name": f"{project['slug']}-{purpose}{suffix}",
                        "purpose": purpose.rstrip("s"),
                        "provider": provider,
                        "region": SITES[p_index % 2]["region"],
                        "status": "active" if number % 7 else "provisioning",
                        "used_bytes": int(quota * rng.uniform(0.05, 0.97)),
                        "quota_bytes": quota,
                        "object_count": rng.randint(200, 90000),
                        "created_at": _iso(world.now - timedelta(days=90 - number % 60)),
                        "lifecycle_rules": [
                            {"id": f"lr-{number}-1", "action": "expire", "prefix": "tmp/", "after_days": 7},
                            {"id": f"lr-{number}-2", "action": "transition", "prefix": "archive/", "after_days": 30},
                        ]
                        if purpose != "datasets"
                        else [],
                        "provider_endpoint": f"https://{provider}.internal:9000/{secret('endpoint', number)}",
                        "access_key_id": secret("akid", number),
                        "secret_access_key": secret("sak", number),
                    },
                )
                buckets.append(bucket)
                _seed_bucket_children(world, rng, bucket, number)
    return buckets


def _seed_bucket_children(world: World, rng: random.Random, bucket: dict[str, Any], number: int) -> None:
    if bucket["provider"] == "weka":
        for obj in range(4):
            world.add(
                "storage",
                "bucket-objects",
                {
                    "id": f"obj-{number}-{obj}",
                    "bucket_id": bucket["id"],
                    "key": f"{bucket['purpose']}/part-{obj:05d}.parquet",
                    "size_bytes": rng.randint(10**6, 10**10),
                    "modified_at": _iso(world.now - timedelta(hours=obj * 5 + 1)),
                },
            )
    admin = next(u[0] for u in USERS if u[3] == bucket["tenant_id"] and "tenant_admin" in u[4])
    for event in timeline.bucket_timeline(bucket, number, world.now, admin):
        world.add("storage", "bucket-events", event)
    tenant_projects = [p for p in PROJECTS if p["tenant_id"] == bucket["tenant_id"] and p["id"] != bucket["project_id"]]
    if bucket["purpose"] in {"dataset", "checkpoint"} and tenant_projects:
        grantee = tenant_projects[number % len(tenant_projects)]
        world.add(
            "storage",
            "grants",
            {
                "id": f"gr-{number:04d}",
                "bucket_id": bucket["id"],
                "tenant_id": bucket["tenant_id"],
                "owner_project_id": bucket["project_id"],
                "grantee_project_id": grantee["id"],
                "permission": "read" if bucket["purpose"] == "dataset" else "read_write",
                "purpose": bucket["purpose"],
                "created_at": _iso(world.now - timedelta(days=12)),
                "created_by": admin,
                "revoked_at": None,
            },
        )
