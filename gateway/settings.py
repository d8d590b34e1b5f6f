"""Gateway settings: environment variables (``GATEWAY_*``), overridden by CLI flags."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DOMAINS = ("workloads", "storage", "access", "account", "platform")


class SettingsError(ValueError):
    """A setting has a value the gateway cannot use."""


@dataclass(frozen=True)
class BackendSettings:
    """Where one domain service lives and how long to wait for it."""

    url: str | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    max_connections: int = 100


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
    graphiql: bool = True
    dev_viewer_header: bool | None = None
    dev_default_user: str = "u-tara"
    viewer_cache_seconds: float = 10.0
    report_backend_calls: bool = False
    log_level: str = "info"

    @property
    def embedded(self) -> bool:
        """True when no backend URL is configured: the reference services run in-process."""
        return all(b.url is None for b in self.backends.values())

    @property
    def dev_viewer_enabled(self) -> bool:
        """The development viewer header is honoured: on by default only in embedded mode."""
        return self.embedded if self.dev_viewer_header is None else self.dev_viewer_header

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
            if backend.connect_timeout <= 0 or backend.read_timeout <= 0:
                raise SettingsError(f"timeouts of {domain} must be positive")
        if not 0 < self.port < 65536:
            raise SettingsError("GATEWAY_PORT must be between 1 and 65535")
        if self.workers < 1:
            raise SettingsError("GATEWAY_WORKERS must be at least 1")
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
            )
        values["backends"] = backends
        simple = {
            "host": ("GATEWAY_HOST", str),
            "port": ("GATEWAY_PORT", int),
            "workers": ("GATEWAY_WORKERS", int),
            "schema": ("GATEWAY_SCHEMA", str),
            "graphiql": ("GATEWAY_GRAPHIQL", _bool),
            "dev_viewer_header": ("GATEWAY_DEV_VIEWER_HEADER", _bool),
            "dev_default_user": ("GATEWAY_DEV_DEFAULT_USER", str),
            "viewer_cache_seconds": ("GATEWAY_VIEWER_CACHE_SECONDS", float),
            "report_backend_calls": ("GATEWAY_REPORT_BACKEND_CALLS", _bool),
            "log_level": ("GATEWAY_LOG_LEVEL", str),
        }
        for name, (variable, parse) in simple.items():
            if variable in env and env[variable] != "":
                try:
                    values[name] = parse(env[variable])
                except ValueError:
                    raise SettingsError(f"{variable}={env[variable]!r} is not a valid value") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
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
