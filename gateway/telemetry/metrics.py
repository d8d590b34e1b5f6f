"""Prometheus metrics of the gateway process, served at ``/metrics``.

One process, one registry (prometheus-client's default). With several uvicorn workers each worker
counts its own requests; set ``PROMETHEUS_MULTIPROC_DIR`` (``gateway serve --workers N`` does it
for you) and ``/metrics`` aggregates every worker's files instead (prometheus-client's multiprocess
mode). Label values are bounded: operation names are capped (``bounded_operation``) and backend
endpoints are path templates (``endpoint_template``), never raw ids.
"""

from __future__ import annotations

import functools
import os
import re
import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

# No *_created series: they double the exposition and nobody alerts on them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)

REQUESTS = Counter(
    "gateway_requests_total",
    "GraphQL requests by operation name and outcome (ok, partial, error, rejected).",
    ["operation", "outcome"],
)
REQUEST_ERRORS = Counter(
    "gateway_request_errors_total",
    "GraphQL requests that answered an error, by extensions.code (each code counted once per request).",
    ["code"],
)
REQUEST_LATENCY = Histogram(
    "gateway_request_duration_seconds",
    "Time to answer a GraphQL request, by operation name.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
BACKEND_CALLS = Counter(
    "gateway_backend_requests_total",
    "HTTP attempts to domain services by domain, endpoint template, method and outcome "
    "(ok, client_error, unavailable, timeout, bad_response).",
    ["domain", "endpoint", "method", "outcome"],
)
BACKEND_LATENCY = Histogram(
    "gateway_backend_request_duration_seconds",
    "Duration of one HTTP attempt to a domain service.",
    ["domain", "endpoint", "method"],
    buckets=LATENCY_BUCKETS,
)
BACKEND_CONTRACT_VIOLATIONS = Counter(
    "gateway_backend_contract_violations_total",
    "Answers that were valid JSON but broke the service's contract (missing fields, wrong types).",
    ["domain", "endpoint"],
)
BACKEND_RETRIES = Counter("gateway_backend_retries_total", "Read retries sent to a domain service.", ["domain"])
BACKEND_RETRIES_DENIED = Counter(
    "gateway_backend_retries_denied_total",
    "Read retries not sent because the retry budget or the deadline was spent.",
    ["domain", "reason"],
)
BACKEND_SHORT_CIRCUITED = Counter(
    "gateway_backend_short_circuited_total",
    "Calls refused without contacting the service because its circuit breaker is open.",
    ["domain"],
)
BACKEND_DEDUPLICATED = Counter(
    "gateway_backend_deduplicated_total",
    "Identical concurrent reads within one request answered by a call already in flight.",
    ["domain"],
)
PLAN_CACHE_SIZE = Gauge(
    "gateway_executor_plan_cache_documents",
    "Documents whose execution plans the compiled executor holds (bounded by GATEWAY_PLAN_CACHE_SIZE).",
    multiprocess_mode="livemax",
)
PLANS_COMPILED = Counter("gateway_executor_plans_compiled_total", "Execution plans the compiled executor built.")
EXECUTOR_FALLBACKS = Counter(
    "gateway_executor_fallbacks_total",
    "Operations the compiled executor left to the standard path, by reason (middleware, document_size, ...).",
    ["reason"],
)
BREAKER_STATE = Gauge(
    "gateway_breaker_state",
    "Circuit breaker state per domain service: 0 closed, 1 half-open, 2 open.",
    ["domain"],
    multiprocess_mode="livemax",
)
DEPENDENCY_UP = Gauge(
    "gateway_dependency_up",
    "1 when a dependency answered this process's last /readyz probe, 0 when it did not.",
    ["dependency"],
    multiprocess_mode="livemostrecent",
)
BREAKER_TRANSITIONS = Counter(
    "gateway_breaker_transitions_total", "Circuit breaker state changes, by the state entered.", ["domain", "state"]
)
LOADER_BATCH_SIZE = Histogram(
    "gateway_dataloader_batch_size",
    "Keys per dataloader batch (one backend read per batch).",
    ["loader"],
    buckets=BATCH_BUCKETS,
)
IDEMPOTENCY_OUTCOMES = Counter(
    "gateway_idempotency_outcomes_total",
    "Idempotent mutation outcomes: executed, replayed, key_reused, request_in_progress, key_required, "
    "key_invalid, store_unavailable, failed (any other error).",
    ["outcome"],
)
RATE_LIMIT_REJECTIONS = Counter(
    "gateway_rate_limit_rejections_total",
    "Requests refused by the rate limiter (429), by the kind of key whose bucket was empty (user, ip).",
    ["key"],
)

MAX_OPERATION_LABELS = 200
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_seen_operations: set[str] = set()
_seen_error_codes: set[str] = set()
_seen_lock = threading.Lock()


def bounded_operation(name: str | None) -> str:
    """A label value for an operation name: clients choose names, so the set of values is capped."""
    if not name:
        return "anonymous"
    if not _OPERATION_NAME.fullmatch(name):
        return "invalid"
    if name in _seen_operations:
        return name
    with _seen_lock:
        if len(_seen_operations) >= MAX_OPERATION_LABELS:
            return "other"
        _seen_operations.add(name)
    return name


_ERROR_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
MAX_ERROR_CODE_LABELS = 64


def bounded_error_code(code: str) -> str:
    """A label value for an error code: the gateway sets codes, but a cap keeps a bug from exploding series."""
    if not _ERROR_CODE.fullmatch(code):
        return "INVALID"
    if code in _seen_error_codes:
        return code
    with _seen_lock:
        if len(_seen_error_codes) >= MAX_ERROR_CODE_LABELS:
            return "OTHER"
        _seen_error_codes.add(code)
    return code


_SEGMENT = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}(:[a-z][a-z0-9_-]{0,39})?")
_ACTION = re.compile(r"[a-z][a-z_-]{0,39}")


@functools.lru_cache(maxsize=4096)  # every backend call asks; reads go to a few dozen paths
def endpoint_template(path: str) -> str:
    """``/v1/workloads/wl-0001/stop`` -> ``/v1/workloads/{id}/stop``: the resource path without ids.

    In ``/v1/<resource>[:action]/<id>[:action]/<action>...`` the third segment is always an id; later
    segments are kept when they look like action words (letters, ``-``, ``_``) and become ``{id}`` otherwise.
    """
    parts = path.split("?", 1)[0].strip("/").split("/")
    out = []
    for index, part in enumerate(parts):
        if index < 2:
            out.append(part if _SEGMENT.fullmatch(part) else "{id}")
        elif index == 2:
            _, colon, verb = part.partition(":")
            out.append("{id}:" + verb if colon and _ACTION.fullmatch(verb) else "{id}")
        else:
            out.append(part if _ACTION.fullmatch(part) else "{id}")
    return "/" + "/".join(out)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type (aggregated across workers in multiprocess mode)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]  # unannotated upstream
        return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4
    return generate_latest(), CONTENT_TYPE_PLAIN_0_0_4
