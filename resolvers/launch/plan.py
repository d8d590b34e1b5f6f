"""What a valid launch will create (``LaunchPlan``), problems per step (``Problems``) and the input rules the
launch checks share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gateway.backends.access.models import Project
from gateway.backends.workloads.models import App
from gateway.errors import BadUserInput
from gateway.idempotency.outcome import UserError
from gateway.ids import decode_global_id
from gateway.viewer import Viewer
from resolvers.access.ssh_keys import PublicKey
from resolvers.launch.inputs import NewBucket
from resolvers.shared.mutations import error

WORKLOAD_NAME = re.compile(r"^[a-z][a-z0-9-]{2,62}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")
KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
MOUNT_PATH = re.compile(r"^/mnt/[A-Za-z0-9._-][A-Za-z0-9._/-]{0,100}$")
PURPOSES = ("dataset", "checkpoint", "artifact")
PERMISSIONS = ("read", "read_write")
FRAMEWORKS = ("pytorch", "nemo", "deepspeed")
GIB, TIB = 1024**3, 1024**4
MAX_MOUNTS, MAX_ENV, MAX_GRANTS = 8, 50, 20


@dataclass
class LaunchPlan:
    """What a valid launch will create, everything resolved."""

    kind: str
    viewer: Viewer
    project: Project
    name: str
    app: App | None = None
    gpu_model: str | None = None
    gpu_count: int | None = None
    region: str | None = None
    image: str | None = None
    command: str | None = None
    env: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    ssh_key_ids: list[str] = field(default_factory=list)
    new_ssh_key: tuple[str, PublicKey] | None = None
    service_account_id: str | None = None
    new_service_account: tuple[str, str] | None = None
    mounts: list[tuple[str, str, bool]] = field(default_factory=list)
    new_bucket: NewBucket | None = None
    grants: list[tuple[str, str]] = field(default_factory=list)


class Problems:
    """Problems per step, each at ``root + (step, *field)`` (``root + field`` for flat inputs)."""

    def __init__(self, root: tuple[str, ...], *, flat: bool = False) -> None:
        self.root = root
        self.flat = flat
        self.by_step: dict[str, list[UserError]] = {}

    def add(self, step: str, message: str, code: str, *path: str) -> None:
        """Record a problem of a step at a field path."""
        where = (*self.root, *path) if self.flat else (*self.root, step, *path)
        self.by_step.setdefault(step, []).append(error(message, code, *where))

    def all(self) -> list[UserError]:
        """Every problem, in the order found."""
        return [e for errors in self.by_step.values() for e in errors]


async def nothing() -> None:
    return None


def local_or_none(global_id: str | None, type_name: str) -> str | None:
    """The local id, or None when the global id is malformed or of another type."""
    if not global_id:
        return None
    try:
        return decode_global_id(global_id, expected=type_name)[1]
    except BadUserInput:
        return None
