"""Who may call a field, declared next to the field: ``@strawberry.field(permission_classes=[IsOperator])``.

Field-level rules only (is the viewer signed in, are they a platform operator). Which objects a viewer
may see or change stays with the resolvers (``resolvers.shared.scope``, ``resolvers.shared.mutations``), where
another tenant's or project's ids answer exactly like missing ones (NOT_FOUND). Every root field
declares one of these; ``tests/test_authorization_matrix.py`` fails for a root field that does not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from gateway.errors import Forbidden


class Authenticated(BasePermission):
    """Any signed-in viewer (UNAUTHENTICATED otherwise); objects are then scoped by the resolvers."""

    personas: ClassVar[frozenset[str] | None] = None
    denial: ClassVar[str] = ""

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        """Resolve the viewer (raises ``Unauthenticated``), then check the persona when restricted."""
        viewer = await info.context.viewer()
        if self.personas is not None and viewer.persona not in self.personas:
            raise Forbidden(self.denial, requiredPersonas=sorted(self.personas))
        return True


class IsOperator(Authenticated):
    """Platform operators only (FORBIDDEN for tenant personas)."""

    personas = frozenset({"operator"})
    denial = "this field is for platform operators only"


class IsTenantAdmin(Authenticated):
    """Tenant admins (and platform operators, who read every tenant)."""

    personas = frozenset({"tenant_admin", "operator"})
    denial = "this field is for tenant admins only"


# Root fields declare one of these (the matrix test checks it).
PERMISSIONS = (Authenticated, IsOperator, IsTenantAdmin)
