"""Structured logs: one JSON line per request and per failed backend call.

Lines are built from an allow-list of fields (ids, names, codes, durations): never headers, bodies,
variables or backend messages, so no token or secret can reach the log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

REQUEST_LOG = logging.getLogger("gateway.requests")
BACKEND_LOG = logging.getLogger("gateway.backends")

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass
class RequestRecord:
    """What the request log line says about one request; filled in while it is served."""

    request_id: str
    method: str
    path: str
    started: float = field(default_factory=time.perf_counter)
    operation: str | None = None
    operation_type: str | None = None
    viewer_id: str | None = None
    outcome: str | None = None
    error_codes: list[str] = field(default_factory=list)


current_request: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar(
    "gateway_current_request", default=None
)


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, a fresh one otherwise."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    record = current_request.get()
    return record.request_id if record is not None else None


def log_request(record: RequestRecord, status: int, duration_ms: float, trace_id: str | None) -> None:
    """The request's line: id, operation, viewer, outcome, codes, status, duration."""
    if not REQUEST_LOG.isEnabledFor(logging.INFO):
        return
    REQUEST_LOG.info(
        "request",
        extra={
            "fields": {
                "event": "request",
                "request_id": record.request_id,
                "method": record.method,
                "path": record.path,
                "operation": record.operation,
                "operation_type": record.operation_type,
                "viewer_id": record.viewer_id,
                "outcome": record.outcome,
                "error_codes": sorted(set(record.error_codes)),
                "status": status,
                "duration_ms": round(duration_ms, 2),
                "trace_id": trace_id,
            }
        },
    )


def log_backend_failure(
    *, domain: str, method: str, endpoint: str, code: str, status: int | None, attempt: int, duration_ms: float
) -> None:
    """A failed backend attempt: which service and endpoint template, never the URL or body."""
    BACKEND_LOG.warning(
        "backend call failed",
        extra={
            "fields": {
                "event": "backend_call_failed",
                "request_id": current_request_id(),
                "domain": domain,
                "method": method,
                "endpoint": endpoint,
                "code": code,
                "status": status,
                "attempt": attempt,
                "duration_ms": round(duration_ms, 2),
            }
        },
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialize the record."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, separators=(",", ":"))


def uvicorn_log_config(level: str = "info", fmt: str = "json") -> dict[str, Any]:
    """``logging.dictConfig`` for ``uvicorn.run(log_config=...)``: the gateway's and uvicorn's loggers on
    stderr, as JSON lines (or plain text with ``fmt='text'``). uvicorn applies it in every worker."""
    text = {"format": "%(levelname)s %(name)s %(message)s"}
    formatter = {"()": f"{__name__}.JsonFormatter"} if fmt == "json" else text
    logger = {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"gateway": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "gateway", "stream": "ext://sys.stderr"}
        },
        "loggers": {"gateway": logger, "uvicorn": logger, "uvicorn.error": {"level": level.upper()}},
    }
