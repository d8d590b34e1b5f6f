"""The resources each reference domain service owns (their REST contracts)."""

from __future__ import annotations

from reference_services._service import Resource

S, I, N, B, O, A = "string", "integer", "number", "boolean", "object", "array"

WORKLOADS = (
    Resource(
        "workloads",
        "GPU workloads of every kind (compute, jupyter, vllm, training) with kind-specific sections.",
        {"id": S, "tenant_id": S, "project_id": S, "owner_id": S, "kind": S, "name": S, "status": S,
         "status_reason": S, "node_id": S, "gpu": O, "hourly_rate_cents": I, "created_at": S, "started_at": S,
         "completed_run_seconds": I, "image": S, "command": S, "env": A, "ssh": O, "jupyter": O, "vllm": O,
         "training": O, "ssh_private_key": S, "cluster_credentials": S},
        filters=("tenant_id", "project_id", "kind", "status", "owner_id", "node_id"),
    ),
    Resource(
        "workload-events",
        "Lifecycle transitions and activity of workloads.",
        {"id": S, "workload_id": S, "type": S, "from_status": S, "to_status": S, "at": S, "message": S,
         "actor_id": S},
        filters=("workload_id", "type"),
    ),
    Resource(
        "workload-metrics",
        "Latest GPU metrics sample of running workloads, with links to the metric sources.",
        {"id": S, "workload_id": S, "gpu_utilization": N, "gpu_memory_used_gib": N, "power_watts": I,
         "sampled_at": S, "sources": A},
        filters=("workload_id",),
    ),
)

STORAGE = (
    Resource(
        "buckets",
        "Provider-neutral buckets with usage, quota and lifecycle rules.",
        {"id": S, "tenant_id": S, "project_id": S, "name": S, "purpose": S, "provider": S, "region": S,
         "status": S, "used_bytes": I, "quota_bytes": I, "object_count": I, "created_at": S,
         "lifecycle_rules": A, "provider_endpoint": S, "access_key_id": S, "secret_access_key": S},
        filters=("tenant_id", "project_id", "provider", "status", "purpose"),
    ),
    Resource(
        "providers",
        "Storage providers and the capabilities each supports and has validated.",
        {"id": S, "display_name": S, "capabilities": A, "management_endpoint": S, "admin_token": S},
    ),
    Resource(
        "mounts",
        "Bucket mounts into workloads.",
        {"id": S, "workload_id": S, "bucket_id": S, "tenant_id": S, "project_id": S, "mount_path": S,
         "read_only": B, "mount_secret": S},
        filters=("workload_id", "bucket_id", "tenant_id", "project_id"),
    ),
    Resource(
        "grants",
        "Grants sharing a bucket with another project at a permission level.",
        {"id": S, "bucket_id": S, "tenant_id": S, "owner_project_id": S, "grantee_project_id": S,
         "permission": S, "purpose": S, "created_at": S, "created_by": S, "revoked_at": S},
        filters=("bucket_id", "tenant_id", "owner_project_id", "grantee_project_id"),
    ),
    Resource(
        "bucket-objects",
        "Object listing of buckets whose provider has validated object listing.",
        {"id": S, "bucket_id": S, "key": S, "size_bytes": I, "modified_at": S},
        filters=("bucket_id",),
    ),
    Resource(
        "bucket-events",
        "What happened to buckets.",
        {"id": S, "bucket_id": S, "type": S, "message": S, "at": S, "actor_id": S},
        filters=("bucket_id",),
    ),
)

ACCESS = (
    Resource("tenants", "Tenants (organisations).", {"id": S, "name": S, "slug": S, "created_at": S}),
    Resource(
        "projects",
        "Projects inside tenants.",
        {"id": S, "tenant_id": S, "name": S, "slug": S, "created_at": S},
        filters=("tenant_id",),
    ),
    Resource(
        "users",
        "Users, their tenant and platform roles.",
        {"id": S, "name": S, "email": S, "tenant_id": S, "platform_roles": A, "created_at": S, "api_token": S,
         "password_hash": S},
        filters=("tenant_id",),
    ),
    Resource(
        "memberships",
        "Project memberships with the role (member or admin).",
        {"id": S, "user_id": S, "project_id": S, "tenant_id": S, "role": S, "created_at": S},
        filters=("user_id", "project_id", "tenant_id"),
    ),
)

ACCOUNT: tuple[Resource, ...] = ()

PLATFORM = (
    Resource(
        "nodes",
        "GPU nodes with site, GPU inventory and lifecycle status.",
        {"id": S, "hostname": S, "site_id": S, "region": S, "gpu_model": S, "gpu_count": I, "gpu_memory_gib": I,
         "status": S, "created_at": S, "bmc_endpoint": S, "bmc_password": S, "kubeconfig": S},
        filters=("site_id", "region", "status"),
    ),
)

DOMAINS = {
    "workloads": ("Workloads service", WORKLOADS),
    "storage": ("Storage service", STORAGE),
    "access": ("Access service", ACCESS),
    "account": ("Account service", ACCOUNT),
    "platform": ("Platform service", PLATFORM),
}
