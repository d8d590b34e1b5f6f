"""Access service resources beyond tenants, projects, users and memberships: allow-list models and calls.

Service accounts, credential metadata, entitlements, SSH gateways, SSO integrations, invites, tenant
policies and audit events. Secret values (key material, client secrets, invite tokens, request headers)
are not part of any model, and source IP addresses are masked while parsing, so the full address never
reaches a resolver.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator

from gateway.backends._client import AllowListModel, Page, ServiceClient


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


class AccessResourceCalls(ServiceClient):
    """Calls for the access resources, mixed into ``AccessClient``."""

    async def service_accounts(self, ids: Sequence[str]) -> list[ServiceAccount]:
        """Service accounts by id."""
        return await self.batch("service-accounts", ids, ServiceAccount)

    async def service_accounts_of_tenants(self, tenant_ids: Sequence[str]) -> list[ServiceAccount]:
        """Every service account of the given tenants."""
        return await self.all("service-accounts", ServiceAccount, {"tenant_id": tenant_ids})

    async def credentials(self, ids: Sequence[str]) -> list[Credential]:
        """Credentials by id."""
        return await self.batch("credentials", ids, Credential)

    async def credentials_of_tenants(self, tenant_ids: Sequence[str]) -> list[Credential]:
        """Every credential of the given tenants."""
        return await self.all("credentials", Credential, {"tenant_id": tenant_ids})

    async def all_credentials(self) -> list[Credential]:
        """Every credential of the platform, tenant-less ones (operators') included."""
        return await self.all("credentials", Credential, {})

    async def entitlements_of_tenants(self, tenant_ids: Sequence[str]) -> list[Entitlement]:
        """Tenant-wide and per-project entitlements of the given tenants."""
        return await self.all("entitlements", Entitlement, {"tenant_id": tenant_ids})

    async def ssh_gateways_of_tenants(self, tenant_ids: Sequence[str]) -> list[SshGateway]:
        """SSH gateway endpoints of the given tenants."""
        return await self.all("ssh-gateways", SshGateway, {"tenant_id": tenant_ids})

    async def identity_providers(self, ids: Sequence[str]) -> list[IdentityProvider]:
        """SSO integrations by id."""
        return await self.batch("identity-providers", ids, IdentityProvider)

    async def identity_providers_of_tenants(self, tenant_ids: Sequence[str]) -> list[IdentityProvider]:
        """SSO integrations of the given tenants."""
        return await self.all("identity-providers", IdentityProvider, {"tenant_id": tenant_ids})

    async def invites_of_tenants(self, tenant_ids: Sequence[str]) -> list[Invite]:
        """Pending invites of the given tenants."""
        return await self.all("invites", Invite, {"tenant_id": tenant_ids})

    async def policies_of_tenants(self, tenant_ids: Sequence[str]) -> list[TenantPolicy]:
        """Policies of the given tenants (one document each)."""
        return await self.all("policies", TenantPolicy, {"tenant_id": tenant_ids})

    async def audit_events(self, ids: Sequence[str]) -> list[AuditEvent]:
        """Audit events by id."""
        return await self.batch("audit-events", ids, AuditEvent)

    async def audit_page(
        self, filters: Mapping[str, Iterable[str]], *, limit: int, after: str | None
    ) -> Page[AuditEvent]:
        """A newest-first page of audit events (filters may include ``at_gte`` and ``at_lt`` bounds)."""
        return await self.page("audit-events", AuditEvent, filters, limit=limit, after=after)
