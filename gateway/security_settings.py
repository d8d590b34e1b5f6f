"""Security settings: authentication, operation limits, trusted documents, HTTP hygiene, rate limits.

Kept apart from ``gateway.settings`` (which holds one ``SecuritySettings`` as ``Settings.security``)
so the knobs that decide who may do what are read in one place. Every value comes from a
``GATEWAY_*`` variable; ``GATEWAY_MODE=production`` changes the defaults to the safe ones.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MODES = ("development", "production")
SERVICE_ACCOUNT_DOCUMENTS = ("any", "registered")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*(?:burst\s+(\d+))?\s*$", re.I)
_PER_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


class SecuritySettingsError(ValueError):
    """A security setting has a value the gateway cannot use (re-raised as ``SettingsError``)."""


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``rate`` tokens per second refill, at most ``burst`` tokens held."""

    rate: float
    burst: float

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"20/s burst 40"``, ``"600/min"`` (burst defaults to one second's worth, at least 1)."""
        match = _RATE.match(text)
        if not match:
            raise SecuritySettingsError(f"GATEWAY_RATE_LIMIT={text!r}: expected e.g. '20/s burst 40' or '600/min'")
        rate = float(match.group(1)) / _PER_SECONDS[match.group(2).lower()]
        burst = float(match.group(3)) if match.group(3) else max(1.0, rate)
        if rate <= 0 or burst < 1:
            raise SecuritySettingsError(f"GATEWAY_RATE_LIMIT={text!r}: rate and burst must be positive")
        return cls(rate=rate, burst=burst)


@dataclass(frozen=True)
class SecuritySettings:
    """What the gateway accepts, from whom, and how much."""

    mode: str = "development"
    # Trusted documents and automatic persisted queries.
    trusted_documents: bool | None = None  # None: on in production mode
    apq: bool = False
    operations_dir: str | None = None  # None: the project's operations/ directory
    apq_max_documents: int = 10_000
    # With trusted documents on, what service accounts (integrators) may run: "any" document within the
    # operation and cost limits (people and anonymous callers only ever run registered ones), or only
    # "registered" documents, like everyone else.
    service_account_documents: str = "any"
    introspection: bool | None = None  # None: off in production mode
    # Bearer tokens from an identity provider.
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str = "controlplane-gateway"
    jwt_algorithms: tuple[str, ...] = ("RS256", "ES256")
    jwt_leeway_seconds: float = 30.0
    jwt_tenant_claim: str = "tenant"
    jwt_roles_claim: str = "roles"
    jwks_cache_seconds: float = 300.0
    jwks_min_refresh_seconds: float = 30.0  # at most one refetch per interval on an unknown `kid`
    # Development tokens signed by a key of the gateway's own (never in production mode).
    local_tokens: bool | None = None  # None: on in development mode
    data_dir: str | None = None  # where the local signing key lives; None keeps it in memory
    local_token_ttl_seconds: int = 12 * 3600
    # Operation limits and cost.
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 5000
    max_root_fields: int = 20
    max_directives: int = 50
    max_cost: int = 20_000
    cost_default_list_size: int = 10
    # HTTP.
    max_body_bytes: int = 256 * 1024
    max_variables_bytes: int = 64 * 1024
    max_batch_operations: int = 0  # 0: batching off
    cors_origins: tuple[str, ...] = ()
    # Rate limiting per principal.
    rate_limit: str | None = None  # None: off in development, "20/s burst 40" in production
    rate_limit_store: str | None = None  # redis://... to share buckets between replicas

    @property
    def production(self) -> bool:
        """True in production mode: safe defaults everywhere."""
        return self.mode == "production"

    @property
    def trusted_documents_enabled(self) -> bool:
        """Only registered (or APQ-registered) documents run."""
        return self.production if self.trusted_documents is None else self.trusted_documents

    @property
    def introspection_enabled(self) -> bool:
        """Schema introspection is answered."""
        return not self.production if self.introspection is None else self.introspection

    @property
    def local_tokens_enabled(self) -> bool:
        """The gateway verifies (and ``gateway token`` mints) tokens signed by its own key."""
        return not self.production if self.local_tokens is None else self.local_tokens

    @property
    def bucket(self) -> RateLimit | None:
        """The parsed rate limit, or None when rate limiting is off."""
        text = self.rate_limit if self.rate_limit is not None else ("20/s burst 40" if self.production else "")
        return RateLimit.parse(text) if text.strip() and text.strip().lower() != "off" else None

    def validate(self, *, embedded: bool) -> SecuritySettings:
        """Raise ``SecuritySettingsError`` naming the first bad value; return self."""
        if self.mode not in MODES:
            raise SecuritySettingsError(f"GATEWAY_MODE must be one of {', '.join(MODES)}")
        if self.service_account_documents not in SERVICE_ACCOUNT_DOCUMENTS:
            raise SecuritySettingsError(
                f"GATEWAY_SERVICE_ACCOUNT_DOCUMENTS must be one of {', '.join(SERVICE_ACCOUNT_DOCUMENTS)}"
            )
        bad = [a for a in self.jwt_algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if bad or not self.jwt_algorithms:
            raise SecuritySettingsError(
                f"GATEWAY_JWT_ALGORITHMS accepts asymmetric algorithms only ({', '.join(ASYMMETRIC_ALGORITHMS)}); "
                f"refused: {', '.join(bad) or '(empty)'}"
            )
        if self.jwks_url and not self.jwks_url.startswith(("https://", "http://")):
            raise SecuritySettingsError("GATEWAY_JWKS_URL must be an http(s) URL")
        if self.jwks_url and not self.jwt_issuer:
            raise SecuritySettingsError("GATEWAY_JWKS_URL needs GATEWAY_JWT_ISSUER (the issuer its tokens name)")
        if self.production and self.local_tokens:
            raise SecuritySettingsError("GATEWAY_LOCAL_TOKENS cannot be on in production mode")
        if self.production and not self.jwks_url:
            raise SecuritySettingsError("production mode needs GATEWAY_JWKS_URL and GATEWAY_JWT_ISSUER")
        if self.rate_limit_store and not self.rate_limit_store.startswith(("redis://", "rediss://", "unix://")):
            raise SecuritySettingsError("GATEWAY_RATE_LIMIT_STORE must be a redis:// URL")
        for name in (
            "max_depth",
            "max_aliases",
            "max_tokens",
            "max_root_fields",
            "max_cost",
            "max_body_bytes",
            "max_variables_bytes",
            "cost_default_list_size",
            "apq_max_documents",
        ):
            if getattr(self, name) < 1:
                raise SecuritySettingsError(f"GATEWAY_{name.upper()} must be at least 1")
        if self.max_directives < 0 or self.max_batch_operations < 0:
            raise SecuritySettingsError("GATEWAY_MAX_DIRECTIVES and GATEWAY_MAX_BATCH_OPERATIONS cannot be negative")
        self.bucket  # noqa: B018 - parses GATEWAY_RATE_LIMIT
        del embedded  # reserved: embedded mode changes no security default beyond the dev header
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SecuritySettings:
        """Security settings from ``GATEWAY_*`` variables (unset or empty variables keep the defaults)."""
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            variable = "GATEWAY_" + item.name.upper()
            raw = env.get(variable, "")
            if raw == "":
                continue
            kind = str(item.type)
            try:
                if "tuple" in kind:
                    values[item.name] = tuple(part.strip() for part in raw.split(",") if part.strip())
                elif "bool" in kind:
                    values[item.name] = _bool(raw)
                elif kind.startswith("int"):
                    values[item.name] = int(raw)
                elif kind.startswith("float"):
                    values[item.name] = float(raw)
                else:
                    values[item.name] = raw.strip()
            except ValueError:
                raise SecuritySettingsError(f"{variable}={raw!r} is not a valid value") from None
        return cls(**values)


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)
