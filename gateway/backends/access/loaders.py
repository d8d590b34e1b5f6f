"""Per-request loaders of the access service: one per resource, batching every read, each made when first read."""

from __future__ import annotations

from gateway.backends._loaders import CachedLoader, DomainLoaders, OnCreate, by_id, by_tenant, grouped, loader
from gateway.backends.access.client import AccessClient
from gateway.backends.access.models import (
    AuditEvent,
    Credential,
    Entitlement,
    IdentityProvider,
    Invite,
    Membership,
    Project,
    ServiceAccount,
    SshGateway,
    Tenant,
    TenantPolicy,
    User,
)


class AccessLoaders(DomainLoaders):
    """Tenants, projects, users and memberships; per-tenant access resources; audit events."""

    def __init__(self, client: AccessClient, on_create: OnCreate | None = None) -> None:
        super().__init__(on_create)
        self.client = client

    @loader
    def tenants(self) -> CachedLoader[Tenant | None]:
        return by_id(self.client.tenants)

    @loader
    def projects(self) -> CachedLoader[Project | None]:
        return by_id(self.client.projects)

    @loader
    def projects_by_tenant(self) -> CachedLoader[list[Project]]:
        return grouped(self.client.projects_of_tenants, lambda p: p.tenant_id)

    @loader
    def users(self) -> CachedLoader[User | None]:
        return by_id(self.client.users)

    @loader
    def memberships_by_user(self) -> CachedLoader[list[Membership]]:
        return grouped(self.client.memberships_of_users, lambda m: m.user_id)

    @loader
    def service_accounts(self) -> CachedLoader[ServiceAccount | None]:
        return by_id(self.client.service_accounts)

    @loader
    def service_accounts_by_tenant(self) -> CachedLoader[list[ServiceAccount]]:
        return by_tenant(self.client.service_accounts_of_tenants)

    @loader
    def credentials(self) -> CachedLoader[Credential | None]:
        return by_id(self.client.credentials)

    @loader
    def credentials_by_tenant(self) -> CachedLoader[list[Credential]]:
        return by_tenant(self.client.credentials_of_tenants, self.client.all_credentials)

    @loader
    def entitlements_by_tenant(self) -> CachedLoader[list[Entitlement]]:
        return by_tenant(self.client.entitlements_of_tenants)

    @loader
    def ssh_gateways_by_tenant(self) -> CachedLoader[list[SshGateway]]:
        return by_tenant(self.client.ssh_gateways_of_tenants)

    @loader
    def identity_providers(self) -> CachedLoader[IdentityProvider | None]:
        return by_id(self.client.identity_providers)

    @loader
    def identity_providers_by_tenant(self) -> CachedLoader[list[IdentityProvider]]:
        return by_tenant(self.client.identity_providers_of_tenants)

    @loader
    def invites_by_tenant(self) -> CachedLoader[list[Invite]]:
        return by_tenant(self.client.invites_of_tenants)

    @loader
    def policies_by_tenant(self) -> CachedLoader[list[TenantPolicy]]:
        return by_tenant(self.client.policies_of_tenants)

    @loader
    def memberships_by_tenant(self) -> CachedLoader[list[Membership]]:
        return by_tenant(self.client.memberships_of_tenants)

    @loader
    def users_by_tenant(self) -> CachedLoader[list[User]]:
        return by_tenant(self.client.users_of_tenants, self.client.all_users)

    @loader
    def audit_events(self) -> CachedLoader[AuditEvent | None]:
        return by_id(self.client.audit_events)
