"""The access service: client and allow-list models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel, ServiceClient
from gateway.backends.access.resources import AccessResourceCalls


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


class AccessClient(AccessResourceCalls, ServiceClient):
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
