"""Who is asking: the viewer, their persona and the projects they may see.

One path: the request's ``Principal`` (``gateway.auth``: a bearer token, or in embedded development
the ``X-Dev-Viewer`` header) -> its user id -> the viewer the access service describes. A token whose
tenant or role claims contradict the access service is refused (``UNAUTHENTICATED``).

Identity is exact: a user id outside the id grammar (``gateway.ids``) is refused before any backend
call, and only the record whose id is the user id, and only that user's memberships, make the viewer.
Over HTTP every refusal here is a 401 with the Bearer challenge (``gateway.rejections``).

A service account (an integrator's principal, ``Principal.kind == "service_account"``) is a viewer too:
a member of its one project and of nothing else, so it goes through the same scope checks as people.
Its ``user`` describes the account (its id is what backends see as the actor, and what the audit shows).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from gateway.auth.principal import Principal
from gateway.backends import Backends
from gateway.backends.access.models import Project, ServiceAccount, User
from gateway.errors import BackendBadResponse, Unauthenticated
from gateway.ids import is_valid_id
from gateway.settings import Settings

Persona = Literal["member", "project_admin", "tenant_admin", "operator"]
# The persona and project role of every service account: member-level in its own project (it may read the
# project and act on its workloads and buckets; admin actions such as grants are FORBIDDEN to it).
SERVICE_ACCOUNT_PERSONA: Persona = "member"
SERVICE_ACCOUNT_ROLE: Literal["member", "admin"] = "member"


@dataclass(frozen=True)
class Viewer:
    """The authenticated user and what they may see."""

    user: User
    persona: Persona
    project_roles: Mapping[str, Literal["member", "admin"]] = field(default_factory=dict)
    projects: tuple[Project, ...] = ()
    service_account: ServiceAccount | None = None  # set when the caller is a service account, not a person

    @property
    def kind(self) -> Literal["user", "service_account"]:
        """A person, or an integrator's service account."""
        return "user" if self.service_account is None else "service_account"

    @property
    def tenant_id(self) -> str | None:
        """The viewer's tenant (None for platform operators)."""
        return self.user.tenant_id

    @property
    def is_operator(self) -> bool:
        """Platform operators see the platform and, read-only, every tenant."""
        return self.persona == "operator"

    @cached_property
    def visible_project_ids(self) -> frozenset[str]:
        """Projects whose resources the viewer may read (built once per viewer: list rows ask per row)."""
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
        # Service accounts apart from users: an id is looked up among the kind its principal names, only.
        self._accounts: dict[str, tuple[float, Viewer]] = {}
        self._pending_accounts: dict[str, asyncio.Future[Viewer]] = {}

    async def viewer_of(self, principal: Principal) -> Viewer:
        """The principal's viewer, once its claims agree with the access service."""
        if principal.is_service_account:
            viewer = await self.viewer_for_service_account(principal.user_id)
        else:
            viewer = await self.viewer_for(principal.user_id)
        principal.check_against(viewer.user)
        return viewer

    async def viewer_for(self, user_id: str) -> Viewer:
        """The viewer of a user id; ``Unauthenticated`` when it is not an id or there is no such user."""
        if not is_valid_id(user_id):
            raise Unauthenticated("the credentials do not name a user id", reason="malformed")
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        pending = self._pending.get(user_id)
        if pending is None:
            pending = self._pending[user_id] = asyncio.ensure_future(self._load(user_id))
            pending.add_done_callback(lambda _: self._pending.pop(user_id, None))
        return await asyncio.shield(pending)

    async def viewer_for_service_account(self, account_id: str) -> Viewer:
        """The viewer of a service account; ``Unauthenticated`` when there is none or it is disabled."""
        if not is_valid_id(account_id):
            raise Unauthenticated("the credentials do not name a service account id", reason="malformed")
        cached = self._accounts.get(account_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        pending = self._pending_accounts.get(account_id)
        if pending is None:
            pending = self._pending_accounts[account_id] = asyncio.ensure_future(self._load_account(account_id))
            pending.add_done_callback(lambda _: self._pending_accounts.pop(account_id, None))
        return await asyncio.shield(pending)

    async def _load_account(self, account_id: str) -> Viewer:
        access = self._backends.access
        account = next((a for a in await access.service_accounts([account_id]) if a.id == account_id), None)
        if account is None:
            raise Unauthenticated("the credentials name no known service account", reason="unknown_service_account")
        if account.disabled:
            raise Unauthenticated("the service account is disabled", reason="service_account_disabled")
        projects = [p for p in await access.projects([account.project_id]) if p.id == account.project_id]
        if not projects or projects[0].tenant_id != account.tenant_id:
            raise Unauthenticated("the service account's project does not exist", reason="unknown_service_account")
        user = User(
            id=account.id,
            name=account.name,
            email="",
            tenant_id=account.tenant_id,
            platform_roles=[],
            created_at=account.created_at,
        )
        viewer = Viewer(
            user=user,
            persona=SERVICE_ACCOUNT_PERSONA,
            project_roles={account.project_id: SERVICE_ACCOUNT_ROLE},
            projects=tuple(projects),
            service_account=account,
        )
        if self._ttl > 0:
            self._accounts[account_id] = (time.monotonic() + self._ttl, viewer)
        return viewer

    async def _load(self, user_id: str) -> Viewer:
        access = self._backends.access
        users, memberships = await asyncio.gather(access.users([user_id]), access.memberships_of_users([user_id]))
        user = next((u for u in users if u.id == user_id), None)  # the batch read answers only ids asked for
        if user is None:
            raise Unauthenticated("the credentials name no known user", reason="unknown_user")
        if any(m.user_id != user_id for m in memberships):
            raise BackendBadResponse("the access service answered another user's memberships", service="access")
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
