"""Allow-list models of the access service: what the gateway keeps of each document."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator

from gateway.backends._client import AllowListModel


class Tenant(AllowListModel):
    """An organisation."""

    id: str
    name: str
    slug: str
    created_at: datetime


class Project(AllowListModel):
    """A project inside a tenant."""

    id: str
    tenant_id: str
    name: str
    slug: str
    created_at: datetime


class User(AllowListModel):
    """A user: name, email, tenant and platform roles; never tokens or password hashes."""

    id: str
    name: str
    email: str
    tenant_id: str | None = None
    platform_roles: list[str] = []
    created_at: datetime


class Membership(AllowListModel):
    """A user's role in a project."""

    id: str
    user_id: str
    project_id: str
    tenant_id: str | None = None
    role: Literal["member", "admin"]
    created_at: datetime


def mask_ip(value: object) -> str | None:
    """An address reduced to its network (/24 for IPv4, /48 for IPv6); None when not an address."""
    if not isinstance(value, str):
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


MaskedIp = Annotated[str | None, BeforeValidator(mask_ip)]


class ServiceAccount(AllowListModel):
    """A non-human identity of a project."""

    id: str
    tenant_id: str
    project_id: str
    name: str
    description: str = ""
    created_at: datetime
    created_by: str | None = None
    last_used_at: datetime | None = None
    disabled: bool = False


class Credential(AllowListModel):
    """Credential metadata: what it is, who owns it, how to recognise it; never the key material."""

    id: str
    tenant_id: str | None = None
    project_id: str | None = None
    name: str
    kind: Literal["api_key", "ssh_key", "service_account_key"]
    owner_type: Literal["user", "service_account"]
    owner_id: str
    prefix: str | None = None
    last_four: str | None = None
    fingerprint: str | None = None
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class GpuQuota(AllowListModel):
    """GPUs of one model a tenant or project may hold at once, and how many it holds."""

    gpu_model: str
    limit: int
    used: int


class Feature(AllowListModel):
    """A product feature and whether it is enabled."""

    name: str
    enabled: bool


class Entitlement(AllowListModel):
    """Quotas and features of a tenant (``project_id`` null) or of one project, with usage."""

    id: str
    tenant_id: str
    project_id: str | None = None
    gpu_quotas: list[GpuQuota] = []
    storage_quota_bytes: int
    storage_used_bytes: int
    features: list[Feature] = []
    updated_at: datetime


class SshGateway(AllowListModel):
    """A public SSH gateway endpoint of a tenant; its host key is not part of the allow-list."""

    id: str
    tenant_id: str
    region: str
    hostname: str
    port_range: str
    status: str
    host_key_fingerprint: str | None = None
    created_at: datetime


class IdentityProvider(AllowListModel):
    """An SSO integration; issuer endpoints, client secrets and signing keys are not part of the allow-list."""

    id: str
    tenant_id: str
    display_name: str
    provider: str
    protocol: Literal["saml", "oidc"]
    status: Literal["active", "degraded", "disabled"]
    status_reason: str | None = None
    domains: list[str] = []
    last_sync_at: datetime | None = None
    users_synced: int = 0
    created_at: datetime


class Invite(AllowListModel):
    """A pending invitation; the invite token is not part of the allow-list."""

    id: str
    tenant_id: str
    project_id: str | None = None
    email: str
    role: Literal["member", "admin", "tenant_admin"]
    invited_by: str | None = None
    created_at: datetime
    expires_at: datetime


class TenantPolicy(AllowListModel):
    """Security and governance policies of a tenant."""

    id: str
    tenant_id: str
    mfa_required: bool
    max_session_hours: int
    idle_timeout_minutes: int
    allowed_regions: list[str] = []
    ip_allowlist_enabled: bool = False
    credential_max_lifetime_days: int | None = None
    updated_at: datetime
    updated_by: str | None = None


class AuditDetails(AllowListModel):
    """The detail keys an audit event may show; any other key (tokens, secrets, passwords) is dropped."""

    role: str | None = None
    previous_role: str | None = None
    setting: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    protocol: str | None = None
    provider: str | None = None
    users_synced: int | None = None
    email: str | None = None
    kind: str | None = None
    gpu_model: str | None = None
    gpu_count: int | None = None
    method: str | None = None
    reason: str | None = None
    error: str | None = None
    brand: str | None = None
    last4: str | None = None
    permission: str | None = None
    region: str | None = None
    grantee_project: str | None = None
    app: str | None = None


class AuditEvent(AllowListModel):
    """One piece of audit evidence."""

    id: str
    tenant_id: str | None = None
    project_id: str | None = None
    scope: Literal["user", "project", "tenant", "platform"]
    actor_type: Literal["user", "service_account", "system"]
    actor_id: str | None = None
    action: str
    target_type: str
    target_id: str | None = None
    target_label: str | None = None
    at: datetime
    outcome: Literal["success", "failure", "denied"]
    source_ip: MaskedIp = None
    details: AuditDetails = AuditDetails()
