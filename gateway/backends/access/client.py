"""Typed calls to the access service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gateway.backends._client import Page, ServiceClient
from gateway.backends._commands import command, command_path
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


class AccessClient(ServiceClient):
    """Typed calls to the access service."""

    async def tenants(self, ids: Sequence[str]) -> list[Tenant]:
        """Tenants by id."""
        return await self.batch("tenants", ids, Tenant)

    async def projects(self, ids: Sequence[str]) -> list[Project]:
        """Projects by id."""
        return await self.batch("projects", ids, Project)

    async def projects_of_tenants(self, tenant_ids: Sequence[str]) -> list[Project]:
        """Every project of the given tenants."""
        return await self.all("projects", Project, {"tenant_id": tenant_ids})

    async def users(self, ids: Sequence[str]) -> list[User]:
        """Users by id."""
        return await self.batch("users", ids, User)

    async def memberships_of_users(self, user_ids: Sequence[str]) -> list[Membership]:
        """Project memberships of the given users."""
        return await self.all("memberships", Membership, {"user_id": user_ids})

    async def users_of_tenants(self, tenant_ids: Sequence[str]) -> list[User]:
        """Every user of the given tenants."""
        return await self.all("users", User, {"tenant_id": tenant_ids})

    async def all_users(self) -> list[User]:
        """Every user of the platform (operators' view)."""
        return await self.all("users", User, {})

    async def memberships_of_tenants(self, tenant_ids: Sequence[str]) -> list[Membership]:
        """Every project membership in the given tenants."""
        return await self.all("memberships", Membership, {"tenant_id": tenant_ids})

    async def all_projects(self) -> list[Project]:
        """Every project of every tenant (operators' view)."""
        return await self.all("projects", Project, {})

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

    async def register_ssh_key(
        self, *, tenant_id: str | None, owner_id: str, name: str, public_key: str, key: str, actor: str
    ) -> Credential:
        """Register an SSH public key (OpenSSH form) as a credential of its owner."""
        body = {"tenant_id": tenant_id, "owner_id": owner_id, "kind": "ssh_key", "name": name, "public_key": public_key}
        return await command(self, command_path("credentials"), body, Credential, key=key, actor_id=actor)

    async def create_service_account(
        self, *, tenant_id: str, project_id: str, name: str, description: str, key: str, actor: str
    ) -> ServiceAccount:
        """Create a service account in a project."""
        body = {"tenant_id": tenant_id, "project_id": project_id, "name": name, "description": description}
        return await command(self, command_path("service-accounts"), body, ServiceAccount, key=key, actor_id=actor)
