"""Write side of the storage service: buckets, grants, mounts, credentials and storage launch drafts.

Everything provider-specific is decided by the provider's capability object: setting a quota needs the
``quota`` capability validated, lifecycle rules need ``lifecycle_rules``, and direct credential issuance
needs ``direct_credentials``; otherwise the command fails closed with ``422 capability_not_validated``
naming the capability. Grants share a bucket with another project without creating provider users.
"""

from __future__ import annotations

import re

from reference_services._commands import Command, CommandRequest, Document, Rejected
from reference_services.commands_drafts import draft_commands
from reference_services.seed import secret
from reference_services.seed_storage import bucket_summary

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")
MOUNT_PATH = re.compile(r"^/mnt/[A-Za-z0-9._-][A-Za-z0-9._/-]{0,100}$")
PURPOSES = ("dataset", "checkpoint", "artifact")
PERMISSIONS = ("read", "read_write")
TIB = 1024**4
MIN_QUOTA = 1024**3
MAX_BUCKET_QUOTA = 100 * TIB
STORAGE_STEPS = ("basics", "bucket", "sharing", "review")


def _require_capability(provider: Document, name: str, field: str) -> None:
    for capability in provider.get("capabilities") or []:
        if capability.get("name") == name:
            if capability.get("supported") and capability.get("validated"):
                return
            note = capability.get("note") or f"{provider['display_name']} {name} is not validated"
            raise Rejected(422, "capability_not_validated", f"{note} (capability {name}).", field)
    raise Rejected(422, "capability_not_validated", f"{provider['display_name']} does not offer {name}.", field)


def _bucket_event(request: CommandRequest, bucket_id: str, kind: str, message: str) -> None:
    request.save(
        "bucket-events",
        {
            "id": request.new_id("bev"),
            "bucket_id": bucket_id,
            "type": kind,
            "message": message,
            "at": request.now,
            "actor_id": request.actor_id,
        },
    )


def create_bucket(request: CommandRequest) -> Document:
    """A bucket on a provider whose capabilities allow what is asked, within the project's quota."""
    tenant_id = request.text("tenant_id", max_length=128)
    project_id = request.text("project_id", max_length=128)
    name = request.text("name", max_length=64) or ""
    purpose = request.text("purpose", max_length=32)
    quota = request.integer("quota_bytes")
    rules = request.body.get("lifecycle_rules") or []
    if not NAME.match(name):
        raise Rejected(422, "invalid_name", "names are 3-63 of a-z, 0-9 and -", "name")
    if purpose not in PURPOSES:
        raise Rejected(422, "invalid_purpose", f"purpose is one of {', '.join(PURPOSES)}", "purpose")
    found = request.store.get_many("providers", [request.text("provider", max_length=32) or ""])
    if not found:
        raise Rejected(422, "unknown_provider", "no such storage provider", "provider")
    provider = found[0]
    _require_capability(provider, "quota", "quota_bytes")
    if rules:
        _require_capability(provider, "lifecycle_rules", "lifecycle_rules")
    if quota is None or not MIN_QUOTA <= quota <= MAX_BUCKET_QUOTA:
        raise Rejected(422, "quota_exceeded", "a bucket's quota is between 1 GiB and 100 TiB", "quota_bytes")
    existing = request.find("buckets", {"tenant_id": [tenant_id]})
    if any(b["name"] == name for b in existing):
        raise Rejected(409, "name_taken", f"the tenant already has a bucket named {name!r}", "name")
    # The project's storage entitlement is checked after this (reference_services.quotas), as every page shows it.
    bucket_id = request.new_id("bk")
    bucket = {
        "id": bucket_id,
        "tenant_id": tenant_id,
        "project_id": project_id,
        "name": name,
        "purpose": purpose,
        "provider": provider["id"],
        "region": request.text("region", max_length=64),
        "status": "active",
        "used_bytes": 0,
        "quota_bytes": quota,
        "object_count": 0,
        "created_at": request.now,
        "lifecycle_rules": [],
        "provider_endpoint": f"https://{provider['id']}.internal:9000/{secret('endpoint', bucket_id)}",
        "access_key_id": secret("akid", bucket_id),
        "secret_access_key": secret("sak", bucket_id),
    }
    request.save("buckets", bucket)
    _bucket_event(request, bucket_id, "created", f"Bucket {name} created on {provider['display_name']}")
    return bucket


def create_grant(request: CommandRequest) -> Document:
    """Share a bucket with another project at a permission level (no provider users are created)."""
    bucket = request.load("buckets", request.text("bucket_id", max_length=128), "bucket")
    grantee = request.text("grantee_project_id", max_length=128)
    permission = request.text("permission", max_length=32)
    if permission not in PERMISSIONS:
        raise Rejected(422, "invalid_permission", "permission is read or read_write", "permission")
    if grantee == bucket["project_id"]:
        raise Rejected(422, "grant_to_owner", "the owning project already has full access", "grantee_project_id")
    active = [
        g
        for g in request.find("grants", {"bucket_id": [bucket["id"]]})
        if g["grantee_project_id"] == grantee and not g.get("revoked_at")
    ]
    if active:
        raise Rejected(
            409, "grant_exists", "the project already has an active grant on this bucket", "grantee_project_id"
        )
    grant = {
        "id": request.new_id("gr"),
        "bucket_id": bucket["id"],
        "tenant_id": bucket["tenant_id"],
        "owner_project_id": bucket["project_id"],
        "grantee_project_id": grantee,
        "permission": permission,
        "purpose": request.text("purpose", required=False, max_length=32) or bucket["purpose"],
        "created_at": request.now,
        "created_by": request.actor_id,
        "revoked_at": None,
    }
    request.save("grants", grant)
    _bucket_event(request, bucket["id"], "grant_created", f"Shared with {grantee} ({permission})")
    return grant


def revoke_grant(request: CommandRequest) -> Document:
    """End a grant; the grantee loses access."""
    grant = request.load("grants", request.target_id, "grant")
    if grant.get("revoked_at"):
        raise Rejected(409, "grant_revoked", "the grant is already revoked", "revoked_at")
    grant["revoked_at"] = request.now
    request.save("grants", grant)
    _bucket_event(request, grant["bucket_id"], "grant_revoked", f"Grant to {grant['grantee_project_id']} revoked")
    return grant


def issue_credential(request: CommandRequest) -> Document:
    """Direct credentials fail closed until the provider's ``direct_credentials`` capability is validated."""
    bucket = request.load("buckets", request.target_id, "bucket")
    provider = request.load("providers", bucket["provider"], "provider")
    _require_capability(provider, "direct_credentials", "direct_credentials")
    # Reached only once a provider validates the capability: metadata only, the secret goes out of band.
    return {
        "id": request.new_id("scred"),
        "bucket_id": bucket["id"],
        "created_at": request.now,
        "permission": request.text("permission", required=False, max_length=32) or "read",
    }


def create_mount(request: CommandRequest) -> Document:
    """Mount a bucket into a workload at a path."""
    bucket = request.load("buckets", request.text("bucket_id", max_length=128), "bucket")
    workload_id = request.text("workload_id", max_length=128)
    path = request.text("mount_path", max_length=128) or ""
    if not MOUNT_PATH.match(path) or ".." in path:
        raise Rejected(422, "invalid_mount_path", "mount paths live under /mnt/", "mount_path")
    if any(m["mount_path"] == path for m in request.find("mounts", {"workload_id": [workload_id]})):
        raise Rejected(409, "mount_path_taken", f"the workload already mounts something at {path}", "mount_path")
    mount = {
        "id": request.new_id("mnt"),
        "workload_id": workload_id,
        "bucket_id": bucket["id"],
        "tenant_id": bucket["tenant_id"],
        "project_id": request.text("project_id", max_length=128),
        "mount_path": path,
        "read_only": bool(request.body.get("read_only")),
        "mount_secret": secret("mount", workload_id, bucket["id"]),
        "bucket": bucket_summary(bucket),  # carried, so readers of mounts need no call for the bucket
    }
    return request.save("mounts", mount)


COMMANDS = (
    Command(
        "buckets",
        "Create a bucket (capabilities and quota checked against the provider)",
        create_bucket,
        body={
            "tenant_id": "string",
            "project_id": "string",
            "name": "string",
            "purpose": "string",
            "provider": "string",
            "region": "string",
            "quota_bytes": "integer",
            "lifecycle_rules": "array",
        },
    ),
    Command(
        "buckets",
        "Issue a direct credential (fails closed: 422 capability_not_validated)",
        issue_credential,
        action="issue-credential",
        body={"permission": "string"},
        returns_resource=False,
    ),
    Command(
        "grants",
        "Share a bucket with another project",
        create_grant,
        body={"bucket_id": "string", "grantee_project_id": "string", "permission": "string", "purpose": "string"},
    ),
    Command("grants", "Revoke a grant", revoke_grant, action="revoke"),
    Command(
        "mounts",
        "Mount a bucket into a workload",
        create_mount,
        body={
            "workload_id": "string",
            "bucket_id": "string",
            "project_id": "string",
            "mount_path": "string",
            "read_only": "boolean",
        },
    ),
    *draft_commands({"storage": STORAGE_STEPS}, "sd"),
)
