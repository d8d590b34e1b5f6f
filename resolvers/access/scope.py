"""The window an access or account page looks through: which tenants and projects, and who may manage.

Members see their projects; project admins manage theirs; tenant admins see and manage the tenant;
operators see every tenant, read-only. Ids outside the window answer exactly like missing ids.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from gateway.context import RequestContext
from gateway.loaders import ALL_TENANTS
from gateway.viewer import Viewer
from resolvers.shared.scope import not_found


@dataclass(frozen=True)
class AccessScope:
    """Tenants and projects in view, narrowed to one project when a section asks for it."""

    viewer: Viewer
    tenant_ids: tuple[str, ...]
    project_ids: frozenset[str]
    project_id: str | None = None
    tenant_argument: str | None = None

    @property
    def read_only(self) -> bool:
        """Operators look at tenants without changing them."""
        return self.viewer.is_operator

    @property
    def tenant_wide(self) -> bool:
        """True when tenant-level items (tenant entitlements, tenant invites) are in view."""
        return self.project_id is None and self.viewer.persona in {"tenant_admin", "operator"}

    @property
    def tenant_keys(self) -> list[str]:
        """Keys for per-tenant loaders that also hold tenant-less documents (operators' users and keys).

        Operators always read everything in one call (``ALL_TENANTS``), the same call the evidence actors
        of their pages make; sections keep only what ``in_view`` admits.
        """
        if self.viewer.is_operator:
            return [ALL_TENANTS]
        return list(self.tenant_ids)

    def in_view(self, tenant_id: str | None) -> bool:
        """A document of this tenant is in view (tenant-less ones only in an operator's whole view)."""
        if tenant_id is None:
            return self.viewer.is_operator and self.tenant_argument is None
        return tenant_id in self.tenant_ids

    def manages_project(self, project_id: str | None) -> bool:
        """The viewer may change this project's access (tenant admins: every project; operators: none)."""
        if self.read_only:
            return False
        if self.viewer.persona == "tenant_admin":
            return True
        return project_id is not None and self.viewer.project_roles.get(project_id) == "admin"

    def sees_project(self, project_id: str | None) -> bool:
        """The project is in view (a tenant-level item, ``None``, only in a tenant-wide view)."""
        return self.tenant_wide if project_id is None else project_id in self.project_ids

    def narrow(self, project_id: str | None) -> AccessScope:
        """This scope limited to one project; ``NotFound`` when the project is not in view."""
        if project_id is None:
            return self
        if project_id not in self.project_ids:
            raise not_found("project")
        return replace(self, project_ids=frozenset({project_id}), project_id=project_id)


async def access_scope(ctx: RequestContext, tenant_id: str | None = None) -> AccessScope:
    """The viewer's scope, optionally fixed to one tenant (operators: any tenant; others: only their own)."""
    viewer = await ctx.viewer()
    if viewer.is_operator:
        tenants = sorted({p.tenant_id for p in viewer.projects})
        if tenant_id is not None:
            if (await ctx.loaders.access.tenants.load(tenant_id)) is None:
                raise not_found("tenant")
            tenants = [tenant_id]
    else:
        if viewer.tenant_id is None or (tenant_id is not None and tenant_id != viewer.tenant_id):
            raise not_found("tenant")
        tenants = [viewer.tenant_id]
    projects = frozenset(p.id for p in viewer.projects if p.tenant_id in tenants)
    return AccessScope(viewer, tuple(tenants), projects, None, tenant_id)
