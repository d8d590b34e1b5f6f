"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gateway.backends import Backends
from gateway.loaders import Loaders
from gateway.settings import Settings
from gateway.viewer import Viewer, ViewerDirectory, development_user_id


@dataclass
class RequestContext:
    """Viewer, loaders and backend clients of one GraphQL request."""

    request: Any
    response: Any
    settings: Settings
    backends: Backends
    loaders: Loaders
    directory: ViewerDirectory
    backend_calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    _viewer: asyncio.Future[Viewer] | None = None

    async def viewer(self) -> Viewer:
        """The viewer, resolved once per request (raises ``Unauthenticated``)."""
        if self._viewer is None:
            headers = self.request.headers if self.request is not None else {}
            self._viewer = asyncio.ensure_future(self._resolve(headers))
        return await self._viewer

    async def _resolve(self, headers: Any) -> Viewer:
        viewer = await self.directory.viewer_for(development_user_id(headers, self.settings))
        for project in viewer.projects:
            self.loaders.projects.prime(project.id, project)
        return viewer
