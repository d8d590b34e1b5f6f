"""Gateway settings: environment variables (``GATEWAY_*``), overridden by CLI flags."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gateway.events.settings import EventSettings, EventSettingsError
from gateway.idempotency.settings import IdempotencySettings, IdempotencySettingsError
from gateway.security_settings import SecuritySettings, SecuritySettingsError

DOMAINS = ("workloads", "storage", "access", "account", "platform")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's


class SettingsError(ValueError):
    """A setting has a value the gateway cannot use."""


@dataclass(frozen=True)
class BackendSettings:
    """Where one domain service lives, how long to wait for it, and how to call it when it fails.

    ``total_timeout`` bounds a whole call, retries and backoff included. Only reads (GET) are retried,
    at most ``retries`` times with full-jitter backoff from ``retry_backoff`` up to ``retry_backoff_max``
    seconds, and only while retries stay within ``retry_budget`` of recent calls. ``breaker_failures``
    consecutive failures open the circuit breaker for ``breaker_cooldown`` seconds. At most ``max_connections``
    connections are pooled to the service; a call finding them all busy waits up to ``pool_timeout`` seconds
    for one before it fails (as a timeout: the service counts as unavailable for that call).
    """

    url: str | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    max_connections: int = 100
    pool_timeout: float = 5.0
    total_timeout: float = 8.0
    retries: int = 2
    retry_backoff: float = 0.05
    retry_backoff_max: float = 1.0
    retry_budget: float = 0.2
    breaker_failures: int = 5
    breaker_cooldown: float = 10.0


@dataclass(frozen=True)
class Settings:
    """Everything the gateway process is configured with."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    backends: Mapping[str, BackendSettings] = field(
        default_factory=lambda: {domain: BackendSettings() for domain in DOMAINS}
    )
    schema: str = "schema:schema"
    subgraph: bool = False  # also serve the schema as an Apollo Federation v2 subgraph at /subgraph
    subgraph_router_secret: str | None = None  # /subgraph answers only requests carrying it (gateway.subgraph)
    graphiql: bool | None = None  # None: on unless GATEWAY_MODE=production
    dev_viewer_header: bool | None = None
    dev_default_user: str = "u-tara"
    viewer_cache_seconds: float = 10.0
    report_backend_calls: bool = False
    log_level: str = "info"
    security: SecuritySettings = field(default_factory=SecuritySettings)
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)
    events: EventSettings = field(default_factory=EventSettings)  # live updates (gateway.events.settings)
    log_format: str = "json"
    metrics: bool = True  # record request/backend/loader metrics and serve /metrics (GATEWAY_METRICS)
    readiness_timeout: float = 2.0
    readiness_required: str = "all"  # checks /readyz needs to pass: all, none, or names (workloads,idempotency)
    shutdown_timeout: float = 30.0
    drain_seconds: float = 0.0  # after SIGTERM, /readyz answers 503 this long before shutdown (gateway.drain)
    executor: str = "compiled"  # compiled: planned operations (gateway.executor); standard: graphql-core's path
    plan_cache_size: int = 256  # documents whose execution plans are kept (GATEWAY_PLAN_CACHE_SIZE)
    gc_young_threshold: int = 0  # allocations between young GC collections; 0: Python's 700 (gateway.heap)
    backend_transport: str = "httpx"  # native: gateway.backends.transport for http:// backends; httpx: httpcore's

    @property
    def embedded(self) -> bool:
        """True when no backend URL is configured: the reference services run in-process."""
        return all(b.url is None for b in self.backends.values())

    @property
    def dev_viewer_enabled(self) -> bool:
        """The development viewer header is honoured: only on the embedded default, unless switched off."""
        if self.security.production or not self.embedded:
            return False  # never with backend URLs or in production mode (``validate`` refuses asking for it)
        return self.dev_viewer_header is not False

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is served: by default, except in production mode."""
        return not self.security.production if self.graphiql is None else self.graphiql

    def validate(self) -> Settings:
        """Raise ``SettingsError`` naming the first bad value; return self."""
        configured = [d for d, b in self.backends.items() if b.url]
        if configured and len(configured) != len(self.backends):
            missing = sorted(set(self.backends) - set(configured))
            raise SettingsError(
                "either configure every backend URL or none (embedded default); missing: "
                + ", ".join(f"GATEWAY_{d.upper()}_URL" for d in missing)
            )
        for domain, backend in self.backends.items():
            if backend.url and not backend.url.startswith(("http://", "https://")):
                raise SettingsError(f"GATEWAY_{domain.upper()}_URL must be an http(s) URL")
            for suffix, timeout in (
                ("CONNECT_TIMEOUT", backend.connect_timeout),
                ("READ_TIMEOUT", backend.read_timeout),
                ("TOTAL_TIMEOUT", backend.total_timeout),
                ("POOL_TIMEOUT", backend.pool_timeout),
            ):
                if timeout <= 0:
                    raise SettingsError(f"GATEWAY_{domain.upper()}_{suffix} must be positive")
            if backend.max_connections < 1:
                raise SettingsError(f"GATEWAY_{domain.upper()}_MAX_CONNECTIONS must be at least 1")
            if backend.retries < 0 or backend.retry_backoff < 0 or backend.retry_backoff_max < 0:
                raise SettingsError(f"GATEWAY_{domain.upper()}_RETRIES and its backoff must not be negative")
            if not 0 <= backend.retry_budget <= 1:
                raise SettingsError(f"GATEWAY_{domain.upper()}_RETRY_BUDGET must be between 0 and 1")
            if backend.breaker_failures < 1 or backend.breaker_cooldown < 0:
                raise SettingsError(
                    f"GATEWAY_{domain.upper()}_BREAKER_FAILURES must be at least 1 and its cool-down not negative"
                )
        if not 0 < self.port < 65536:
            raise SettingsError("GATEWAY_PORT must be between 1 and 65535")
        if self.workers < 1:
            raise SettingsError("GATEWAY_WORKERS must be at least 1")
        if self.viewer_cache_seconds < 0:
            raise SettingsError("GATEWAY_VIEWER_CACHE_SECONDS must not be negative")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"GATEWAY_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if self.security.production and self.dev_viewer_header:
            raise SettingsError("GATEWAY_DEV_VIEWER_HEADER cannot be on in production mode")
        if self.dev_viewer_header and not self.embedded:
            raise SettingsError(
                "GATEWAY_DEV_VIEWER_HEADER=1 is honoured only on the embedded default (no GATEWAY_<DOMAIN>_URL): "
                "with backend URLs send bearer tokens, from `gateway token --persona ...` (development key in "
                "GATEWAY_DATA_DIR) or an identity provider (GATEWAY_JWKS_URL and GATEWAY_JWT_ISSUER)"
            )
        if self.subgraph_router_secret is not None and len(self.subgraph_router_secret) < 32:
            raise SettingsError("GATEWAY_SUBGRAPH_ROUTER_SECRET must be at least 32 characters (a random token)")
        if self.subgraph and self.security.trusted_documents_enabled and not self.subgraph_router_secret:
            raise SettingsError(
                "GATEWAY_SUBGRAPH with trusted documents (production's default) needs GATEWAY_SUBGRAPH_ROUTER_SECRET: "
                "a router sends query plans, not registered documents, and checks its clients' documents itself"
            )
        try:
            self.security.validate(embedded=self.embedded)
        except SecuritySettingsError as error:
            raise SettingsError(str(error)) from None
        try:
            self.events.validate(embedded=self.embedded)
        except EventSettingsError as error:
            raise SettingsError(str(error)) from None
        if self.log_format not in ("json", "text"):
            raise SettingsError("GATEWAY_LOG_FORMAT must be json or text")
        if self.readiness_timeout <= 0 or self.shutdown_timeout < 0:
            raise SettingsError("GATEWAY_READINESS_TIMEOUT must be positive and GATEWAY_SHUTDOWN_TIMEOUT not negative")
        if self.drain_seconds < 0:
            raise SettingsError("GATEWAY_DRAIN_SECONDS must not be negative")
        if self.executor not in ("compiled", "standard"):
            raise SettingsError("GATEWAY_EXECUTOR must be compiled or standard")
        if self.backend_transport not in ("native", "httpx"):
            raise SettingsError("GATEWAY_BACKEND_TRANSPORT must be native or httpx")
        if self.plan_cache_size < 1:
            raise SettingsError("GATEWAY_PLAN_CACHE_SIZE must be at least 1")
        if self.gc_young_threshold < 0:
            raise SettingsError("GATEWAY_GC_YOUNG_THRESHOLD must not be negative (0 keeps Python's default)")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``GATEWAY_*`` variables; keyword overrides (CLI flags) win when not None."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        backends = {}
        for domain in DOMAINS:
            prefix = f"GATEWAY_{domain.upper()}_"
            backends[domain] = BackendSettings(
                url=env.get(prefix + "URL") or None,
                connect_timeout=_float(env, prefix + "CONNECT_TIMEOUT", 2.0),
                read_timeout=_float(env, prefix + "READ_TIMEOUT", 5.0),
                max_connections=_int(env, prefix + "MAX_CONNECTIONS", 100),
                pool_timeout=_float(env, prefix + "POOL_TIMEOUT", 5.0),
                total_timeout=_float(env, prefix + "TOTAL_TIMEOUT", 8.0),
                retries=_int(env, prefix + "RETRIES", 2),
                retry_backoff=_float(env, prefix + "RETRY_BACKOFF", 0.05),
                retry_backoff_max=_float(env, prefix + "RETRY_BACKOFF_MAX", 1.0),
                retry_budget=_float(env, prefix + "RETRY_BUDGET", 0.2),
                breaker_failures=_int(env, prefix + "BREAKER_FAILURES", 5),
                breaker_cooldown=_float(env, prefix + "BREAKER_COOLDOWN", 10.0),
            )
        values["backends"] = backends
        try:
            values["security"] = SecuritySettings.from_env(env)
        except SecuritySettingsError as error:
            raise SettingsError(str(error)) from None
        try:
            values["idempotency"] = IdempotencySettings.from_env(env)
        except IdempotencySettingsError as error:
            raise SettingsError(str(error)) from None
        try:
            values["events"] = EventSettings.from_env(env)
        except EventSettingsError as error:
            raise SettingsError(str(error)) from None
        simple: dict[str, tuple[str, Callable[[str], object]]] = {
            "host": ("GATEWAY_HOST", str),
            "port": ("GATEWAY_PORT", int),
            "workers": ("GATEWAY_WORKERS", int),
            "schema": ("GATEWAY_SCHEMA", str),
            "subgraph": ("GATEWAY_SUBGRAPH", _bool),
            "subgraph_router_secret": ("GATEWAY_SUBGRAPH_ROUTER_SECRET", str),
            "graphiql": ("GATEWAY_GRAPHIQL", _bool),
            "dev_viewer_header": ("GATEWAY_DEV_VIEWER_HEADER", _bool),
            "dev_default_user": ("GATEWAY_DEV_DEFAULT_USER", str),
            "viewer_cache_seconds": ("GATEWAY_VIEWER_CACHE_SECONDS", float),
            "report_backend_calls": ("GATEWAY_REPORT_BACKEND_CALLS", _bool),
            "log_level": ("GATEWAY_LOG_LEVEL", str),
            "log_format": ("GATEWAY_LOG_FORMAT", str),
            "metrics": ("GATEWAY_METRICS", _bool),
            "readiness_timeout": ("GATEWAY_READINESS_TIMEOUT", float),
            "readiness_required": ("GATEWAY_READINESS_REQUIRED", str),
            "shutdown_timeout": ("GATEWAY_SHUTDOWN_TIMEOUT", float),
            "drain_seconds": ("GATEWAY_DRAIN_SECONDS", float),
            "executor": ("GATEWAY_EXECUTOR", str),
            "plan_cache_size": ("GATEWAY_PLAN_CACHE_SIZE", int),
            "gc_young_threshold": ("GATEWAY_GC_YOUNG_THRESHOLD", int),
            "backend_transport": ("GATEWAY_BACKEND_TRANSPORT", str),
        }
        for name, (variable, parse) in simple.items():
            if variable in env and env[variable] != "":
                try:
                    values[name] = parse(env[variable])
                except ValueError:
                    raise SettingsError(f"{variable}={env[variable]!r} is not a valid value") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        # ``values`` holds a parsed value per field name: mypy cannot match a str-keyed dict to the fields.
        return dataclasses.replace(cls(), **values).validate()  # type: ignore[arg-type]


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(env[name]) if env.get(name) else default
    except ValueError:
        raise SettingsError(f"{name}={env[name]!r} is not a number") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(env[name]) if env.get(name) else default
    except ValueError:
        raise SettingsError(f"{name}={env[name]!r} is not an integer") from None
