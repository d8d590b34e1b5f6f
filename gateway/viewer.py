"""Who is asking: the viewer, their persona and the projects they may see.

One path: the request's ``Principal`` (``gateway.auth``: a bearer token, or in embedded development
the ``X-Dev-Viewer`` header) -> its user id -> the viewer the access service describes. A token whose
tenant or role claims contradict the access service is refused (``UNAUTHENTICATED``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from gateway.auth.principal import Principal
from gateway.backends import Backends
from gateway.backends.access.models import Project, User
from gateway.errors import Unauthenticated
from gateway.settings import Settings

Persona = Literal["member", "project_admin", "tenant_admin", "operator"]


@dataclass(frozen=True)
class Viewer:
    """The authenticated user and what they may see."""

    user: User
    persona: Persona
    project_roles: Mapping[str, Literal["member", "admin"]] = field(default_factory=dict)
    projects: tuple[Project, ...] = ()

    @property
    def tenant_id(self) -> str | None:
        """The viewer's tenant (None for platform operators)."""
        return self.user.tenant_id

    @property
    def is_operator(self) -> bool:
        """Platform operators see the platform and, read-only, every tenant."""
        return self.persona == "operator"

    @property
    def visible_project_ids(self) -> frozenset[str]:
        """Projects whose resources the viewer may read."""
        return frozenset(self.project_roles)

    def can_see_project(self, project_id: str) -> bool:
        """True when the project's resources are visible to the viewer."""
        return project_id in self.project_roles


class ViewerDirectory:
    """Resolves user ids to viewers through the access service, with a short per-process cache."""

    def __init__(self, backends: Backends, settings: Settings) -> None:
        self._backends = backends
        self._ttl = settings.viewer_cache_seconds
        self._cache: dict[str, tuple[float, Viewer]] = {}
        self._pending: dict[str, asyncio.Future[Viewer]] = {}

    async def viewer_of(self, principal: Principal) -> Viewer:
        """The principal's viewer, once its claims agree with the access service."""
        viewer = await self.viewer_for(principal.user_id)
        principal.check_against(viewer.user)
        return viewer

    async def viewer_for(self, user_id: str) -> Viewer:
        """The viewer of a user id; ``Unauthenticated`` when there is no such user."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        pending = self._pending.get(user_id)
        if pending is None:
            pending = self._pending[user_id] = asyncio.ensure_future(self._load(user_id))
            pending.add_done_callback(lambda _: self._pending.pop(user_id, None))
        return await asyncio.shield(pending)

    async def _load(self, user_id: str) -> Viewer:
        access = self._backends.access
        users, memberships = await asyncio.gather(access.users([user_id]), access.memberships_of_users([user_id]))
        if not users:
            raise Unauthenticated("the credentials name no known user", reason="unknown_user")
        user = users[0]
        roles: dict[str, Literal["member", "admin"]] = {m.project_id: m.role for m in memberships}
        if "platform_operator" in user.platform_roles:
            persona: Persona = "operator"
            projects = await access.all_projects()
            roles = {p.id: "member" for p in projects}
        elif "tenant_admin" in user.platform_roles and user.tenant_id:
            persona = "tenant_admin"
            projects = await access.projects_of_tenants([user.tenant_id])
            roles = {p.id: "admin" for p in projects}
        else:
            persona = "project_admin" if "admin" in roles.values() else "member"
            projects = await access.projects(sorted(roles)) if roles else []
        viewer = Viewer(user=user, persona=persona, project_roles=roles, projects=tuple(projects))
        if self._ttl > 0:
            self._cache[user_id] = (time.monotonic() + self._ttl, viewer)
        return viewer
