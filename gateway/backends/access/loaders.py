"""Per-request loaders of the access service: one per resource, batching every read."""

from __future__ import annotations

from gateway.backends._loaders import DomainLoaders, by_id, by_tenant, grouped
from gateway.backends.access.client import AccessClient


class AccessLoaders(DomainLoaders):
    """Tenants, projects, users and memberships; per-tenant access resources; audit events."""

    def __init__(self, client: AccessClient) -> None:
        self.tenants = by_id(client.tenants)
        self.projects = by_id(client.projects)
        self.projects_by_tenant = grouped(client.projects_of_tenants, lambda p: p.tenant_id)
        self.users = by_id(client.users)
        self.memberships_by_user = grouped(client.memberships_of_users, lambda m: m.user_id)
        self.service_accounts = by_id(client.service_accounts)
        self.service_accounts_by_tenant = by_tenant(client.service_accounts_of_tenants)
        self.credentials = by_id(client.credentials)
        self.credentials_by_tenant = by_tenant(client.credentials_of_tenants, client.all_credentials)
        self.entitlements_by_tenant = by_tenant(client.entitlements_of_tenants)
        self.ssh_gateways_by_tenant = by_tenant(client.ssh_gateways_of_tenants)
        self.identity_providers = by_id(client.identity_providers)
        self.identity_providers_by_tenant = by_tenant(client.identity_providers_of_tenants)
        self.invites_by_tenant = by_tenant(client.invites_of_tenants)
        self.policies_by_tenant = by_tenant(client.policies_of_tenants)
        self.memberships_by_tenant = by_tenant(client.memberships_of_tenants)
        self.users_by_tenant = by_tenant(client.users_of_tenants, client.all_users)
        self.audit_events = by_id(client.audit_events)
