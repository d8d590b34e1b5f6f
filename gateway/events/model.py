"""One event from a domain service's stream, as the gateway passes it around (and over Redis)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from gateway.errors import BadUserInput

# Domains whose services publish an event stream, and the event types the gateway uses from each.
STREAMS = {
    "workloads": ("workload.status_changed",),
    "account": ("notification.created", "notification.read"),
    "storage": ("storage_grant.changed",),
}
_EVENT_ID = re.compile(r"^(?P<domain>[a-z]+):(?P<stream>[0-9a-f]{1,32}):(?P<seq>[0-9]{1,18})$")


@dataclass(frozen=True)
class LiveEvent:
    """An event of ``domain``'s stream ``stream`` at position ``seq`` (positions compare within one stream)."""

    domain: str
    stream: str
    seq: int
    type: str
    at: str
    subject_id: str | None = None
    tenant_id: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        """The id clients see and pass back as ``after``: ``<domain>:<stream>:<seq>``."""
        return format_event_id(self.domain, self.stream, self.seq)

    def topics(self) -> tuple[str, ...]:
        """Fan-out keys: notifications go to their user; workload changes to their tenant and to operators."""
        if self.domain == "account":
            return (f"user:{self.user_id}",) if self.user_id else ()
        return (f"tenant:{self.tenant_id}", "tenant:*") if self.tenant_id else ("tenant:*",)

    def to_json(self) -> str:
        """Compact JSON (the Redis message)."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> LiveEvent:
        """The event a ``to_json`` text describes."""
        return cls(**json.loads(text))


def format_event_id(domain: str, stream: str, seq: int) -> str:
    """``<domain>:<stream>:<seq>``."""
    return f"{domain}:{stream}:{seq}"


def parse_event_id(value: str, domain: str, argument: str = "after") -> tuple[str, int]:
    """(stream, seq) of an event id of ``domain``'s stream; ``BAD_USER_INPUT`` for anything else."""
    match = _EVENT_ID.match(value.strip())
    if match is None or match["domain"] != domain:
        raise BadUserInput(
            f"`{argument}` is not an event id of this subscription (pass a received eventId)", argument=argument
        )
    return match["stream"], int(match["seq"])
