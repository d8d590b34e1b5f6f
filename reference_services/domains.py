"""The resources each reference domain service owns (their REST contracts)."""

from __future__ import annotations

from reference_services._service import Resource
from reference_services.domains_catalog import CATALOG_ACCOUNT, CATALOG_PLATFORM, CATALOG_WORKLOADS
from reference_services.domains_launch import LAUNCH_DRAFTS

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
    Resource(
        "service-accounts",
        "Non-human identities of a project, used by CI pipelines and serving clients.",
        {"id": S, "tenant_id": S, "project_id": S, "name": S, "description": S, "created_at": S, "created_by": S,
         "last_used_at": S, "disabled": B},
        filters=("tenant_id", "project_id"),
    ),
    Resource(
        "credentials",
        "API keys, SSH keys and service-account keys owned by a user or a service account.",
        {"id": S, "tenant_id": S, "project_id": S, "name": S, "kind": S, "owner_type": S, "owner_id": S,
         "prefix": S, "last_four": S, "fingerprint": S, "created_at": S, "last_used_at": S, "expires_at": S,
         "revoked_at": S, "secret_value": S, "private_key": S},
        filters=("tenant_id", "project_id", "owner_id", "kind"),
        secret_fields=("secret_value", "private_key"),
    ),
    Resource(
        "entitlements",
        "Quotas (GPUs by model, storage) and features granted to a tenant or one of its projects, with usage.",
        {"id": S, "tenant_id": S, "project_id": S, "gpu_quotas": A, "storage_quota_bytes": I,
         "storage_used_bytes": I, "features": A, "updated_at": S},
        filters=("tenant_id", "project_id"),
    ),
    Resource(
        "ssh-gateways",
        "Public SSH gateway endpoints through which a tenant reaches its compute workloads.",
        {"id": S, "tenant_id": S, "region": S, "hostname": S, "port_range": S, "status": S,
         "host_key_fingerprint": S, "created_at": S, "host_private_key": S},
        filters=("tenant_id", "region"),
        secret_fields=("host_private_key",),
    ),
    Resource(
        "identity-providers",
        "SSO integrations of a tenant (SAML or OIDC) with their sync status.",
        {"id": S, "tenant_id": S, "display_name": S, "provider": S, "protocol": S, "status": S, "status_reason": S,
         "domains": A, "last_sync_at": S, "users_synced": I, "created_at": S, "issuer_url": S, "client_secret": S,
         "signing_private_key": S},
        filters=("tenant_id",),
        secret_fields=("issuer_url", "client_secret", "signing_private_key"),
    ),
    Resource(
        "invites",
        "Pending invitations to join a tenant or a project.",
        {"id": S, "tenant_id": S, "project_id": S, "email": S, "role": S, "invited_by": S, "created_at": S,
         "expires_at": S, "invite_token": S},
        filters=("tenant_id", "project_id"),
        secret_fields=("invite_token",),
    ),
    Resource(
        "policies",
        "Security and governance policies of a tenant (one document per tenant).",
        {"id": S, "tenant_id": S, "mfa_required": B, "max_session_hours": I, "idle_timeout_minutes": I,
         "allowed_regions": A, "ip_allowlist_enabled": B, "credential_max_lifetime_days": I, "updated_at": S,
         "updated_by": S},
        filters=("tenant_id",),
    ),
    Resource(
        "audit-events",
        "Audit evidence: who did what to which target, when, from where and with what outcome. Stored oldest "
        "first, so pages are newest first.",
        {"id": S, "tenant_id": S, "project_id": S, "scope": S, "actor_type": S, "actor_id": S, "action": S,
         "target_type": S, "target_id": S, "target_label": S, "at": S, "outcome": S, "source_ip": S,
         "user_agent": S, "details": O, "request_headers": O},
        filters=("tenant_id", "project_id", "actor_id", "scope", "action", "target_type", "outcome"),
        secret_fields=("request_headers",),
        range_filters=("at",),
    ),
)

ACCOUNT = (
    Resource(
        "profiles",
        "Personal profile of each user: display name, contact, locale and time zone.",
        {"id": S, "user_id": S, "name": S, "email": S, "timezone": S, "locale": S, "avatar_initials": S,
         "updated_at": S, "recovery_codes": A},
        filters=("user_id",),
        secret_fields=("recovery_codes",),
    ),
    Resource(
        "security-settings",
        "Sign-in security of each user: MFA, password age and trusted devices.",
        {"id": S, "user_id": S, "mfa_enabled": B, "mfa_method": S, "password_changed_at": S,
         "trusted_devices": A, "totp_secret": S},
        filters=("user_id",),
        secret_fields=("totp_secret",),
    ),
    Resource(
        "billing-accounts",
        "Prepaid billing account of each tenant: balance, month-to-date spend, hourly burn and payment method.",
        {"id": S, "tenant_id": S, "currency": S, "balance_cents": I, "month_to_date_cents": I,
         "spend_by_project": A, "hourly_burn_cents": I, "low_balance_threshold_cents": I, "payment_method": O,
         "updated_at": S, "card_number": S, "payment_token": S},
        filters=("tenant_id",),
        secret_fields=("card_number", "payment_token"),
    ),
    Resource(
        "sessions",
        "Signed-in sessions of each user.",
        {"id": S, "user_id": S, "device": S, "browser": S, "ip_address": S, "location": S, "created_at": S,
         "last_seen_at": S, "current": B, "session_token": S},
        filters=("user_id",),
        secret_fields=("session_token",),
    ),
)

# Operator-only platform resources (seeded by reference_services.seed_platform).
PLATFORM_OPERATIONS = (
    Resource(
        "sites",
        "Data-centre sites: region, the MAAS hub that provisions them, status and capacity.",
        {"id": S, "name": S, "region": S, "maas_hub_id": S, "status": S, "capacity": O, "created_at": S},
        filters=("region", "maas_hub_id", "status"),
    ),
    Resource(
        "maas-hubs",
        "MAAS region controllers, one per region: version, health and last image sync.",
        {"id": S, "name": S, "region": S, "version": S, "status": S, "status_reason": S, "rack_controllers": I,
         "last_sync_at": S, "api_endpoint": S, "api_key": S},
        filters=("region", "status"),
        secret_fields=("api_endpoint", "api_key"),
    ),
    Resource(
        "images",
        "OS images MAAS deploys: version, kernel, status, default flag and checksum.",
        {"id": S, "name": S, "os": S, "version": S, "kernel": S, "status": S, "is_default": B, "checksum": S,
         "released_at": S, "signing_key": S},
        filters=("status", "os"),
        secret_fields=("signing_key",),
    ),
    Resource(
        "profiles",
        "Hardware/provisioning profiles: GPU model, firmware and BIOS settings, image deployed.",
        {"id": S, "name": S, "gpu_model": S, "image_id": S, "status": S, "bios_version": S, "gpu_firmware": S,
         "nic_firmware": S, "settings": A, "updated_at": S, "bmc_admin_password": S},
        filters=("gpu_model", "image_id", "status"),
        secret_fields=("bmc_admin_password",),
    ),
    Resource(
        "onboarding-tasks",
        "Nodes being onboarded: stage (discovered, commissioning, burn_in, ready, failed), progress and steps.",
        {"id": S, "node_id": S, "serial": S, "hostname": S, "site_id": S, "profile_id": S, "stage": S,
         "progress": N, "failure_reason": S, "started_at": S, "updated_at": S, "completed_at": S, "steps": A,
         "ipmi_bootstrap_password": S},
        filters=("node_id", "site_id", "stage"),
        secret_fields=("ipmi_bootstrap_password",),
    ),
    Resource(
        "decommission-tasks",
        "Nodes being decommissioned: reason, stage (draining, wiping, removing, done), requester and steps.",
        {"id": S, "node_id": S, "site_id": S, "reason": S, "stage": S, "requested_by": S, "requested_at": S,
         "updated_at": S, "completed_at": S, "steps": A, "wipe_certificate_key": S},
        filters=("node_id", "site_id", "stage"),
        secret_fields=("wipe_certificate_key",),
    ),
    Resource(
        "node-activity",
        "What happened to nodes: cordon, uncordon, drain, health checks, firmware, onboarding, decommission.",
        {"id": S, "node_id": S, "site_id": S, "type": S, "outcome": S, "actor_id": S, "message": S, "at": S},
        filters=("node_id", "site_id", "type"),
    ),
    Resource(
        "ops-signals",
        "Incidents and alerts: severity, status, the node/site/hub concerned, acknowledgement.",
        {"id": S, "kind": S, "severity": S, "status": S, "title": S, "summary": S, "node_id": S, "site_id": S,
         "maas_hub_id": S, "opened_at": S, "acknowledged_at": S, "acknowledged_by": S, "resolved_at": S,
         "runbook_route": S, "pager_webhook_url": S},
        filters=("status", "severity", "node_id", "site_id"),
        secret_fields=("pager_webhook_url",),
    ),
    Resource(
        "tenant-revenue",
        "Revenue and GPU-hours per tenant and month (month to date for the current month).",
        {"id": S, "tenant_id": S, "period": S, "revenue_cents": I, "gpu_hours": N, "gpu_hours_by_model": A,
         "as_of": S, "billing_account_ref": S},
        filters=("tenant_id", "period"),
        secret_fields=("billing_account_ref",),
    ),
    Resource(
        "gpu-economics",
        "Per GPU model and month: GPU-hours available and sold, revenue and cost per GPU-hour.",
        {"id": S, "gpu_model": S, "period": S, "gpu_hours_available": N, "gpu_hours_sold": N, "revenue_cents": I,
         "cost_per_gpu_hour_cents": N, "as_of": S},
        filters=("gpu_model", "period"),
    ),
    Resource(
        "platform-roles",
        "Platform (operator) roles and their permissions.",
        {"id": S, "name": S, "description": S, "permissions": A},
    ),
    Resource(
        "operator-accounts",
        "Operator accounts: people, break-glass and automation, with roles, MFA and last use.",
        {"id": S, "kind": S, "display_name": S, "email": S, "user_id": S, "role_ids": A, "mfa_enabled": B,
         "status": S, "last_used_at": S, "created_at": S, "password_hash": S, "recovery_codes": A},
        filters=("kind", "status"),
        secret_fields=("password_hash", "recovery_codes"),
    ),
)

PLATFORM = (
    Resource(
        "nodes",
        "GPU nodes with site, GPU inventory and lifecycle status.",
        {"id": S, "hostname": S, "site_id": S, "region": S, "gpu_model": S, "gpu_count": I, "gpu_memory_gib": I,
         "status": S, "created_at": S, "serial": S, "rack": S, "profile_id": S, "firmware_version": S,
         "last_health_check_at": S, "bmc_endpoint": S, "bmc_password": S, "kubeconfig": S},
        filters=("site_id", "region", "status"),
    ),
    *PLATFORM_OPERATIONS,
)

DOMAINS = {
    "workloads": ("Workloads service", WORKLOADS + CATALOG_WORKLOADS + LAUNCH_DRAFTS),
    "storage": ("Storage service", STORAGE + LAUNCH_DRAFTS),
    "access": ("Access service", ACCESS),
    "account": ("Account service", ACCOUNT + CATALOG_ACCOUNT),
    "platform": ("Platform service", PLATFORM + CATALOG_PLATFORM),
}
