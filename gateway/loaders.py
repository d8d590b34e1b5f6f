"""Every loader of one request, grouped by domain service (``ctx.loaders.<domain>.<resource>``).

Built in one place (``Loaders.create``). A request reads a handful of the sixty-odd loaders, so each is made the
first time the request reads it (``gateway.backends._loaders.loader``), and instrumented then: a batch-size
histogram and, with tracing on, a span per batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gateway.backends import Backends
from gateway.backends._loaders import ALL_TENANTS, DomainLoaders, Loader, OnCreate
from gateway.backends.access.loaders import AccessLoaders
from gateway.backends.account.loaders import AccountLoaders
from gateway.backends.platform.loaders import PlatformLoaders
from gateway.backends.storage.loaders import StorageLoaders
from gateway.backends.workloads.loaders import WorkloadsLoaders
from gateway.telemetry import tracing
from gateway.telemetry.loaders import instrument

__all__ = ["ALL_TENANTS", "Loaders"]

# The hooks depend on nothing of the request: made once per (domain, metrics on, tracing on).
_hooks: dict[tuple[str, bool, bool], OnCreate | None] = {}


def _instrumenting(domain: str, record_metrics: bool) -> OnCreate | None:
    """The hook that instruments each loader of ``domain`` as it is made (None when there is nothing to record)."""
    key = (domain, record_metrics, tracing.enabled())
    if key in _hooks:
        return _hooks[key]
    hook: OnCreate | None = None
    if record_metrics or tracing.enabled():

        def hook(name: str, loader: Loader) -> None:
            instrument(f"{domain}.{name}", loader, record_metrics)

    _hooks[key] = hook
    return hook


@dataclass(frozen=True)
class Loaders:
    """The loaders of one request, one group per domain service; a loader is made when first read."""

    workloads: WorkloadsLoaders
    storage: StorageLoaders
    access: AccessLoaders
    account: AccountLoaders
    platform: PlatformLoaders

    @classmethod
    def create(cls, backends: Backends, *, record_metrics: bool = True) -> Loaders:
        """Loaders over the backends, every one instrumented as it is made."""
        return cls(
            workloads=WorkloadsLoaders(backends.workloads, _instrumenting("workloads", record_metrics)),
            storage=StorageLoaders(backends.storage, _instrumenting("storage", record_metrics)),
            access=AccessLoaders(backends.access, _instrumenting("access", record_metrics)),
            account=AccountLoaders(backends.account, _instrumenting("account", record_metrics)),
            platform=PlatformLoaders(backends.platform, _instrumenting("platform", record_metrics)),
        )

    def domains(self) -> dict[str, DomainLoaders]:
        """Each domain's loaders by domain name."""
        return {
            "workloads": self.workloads,
            "storage": self.storage,
            "access": self.access,
            "account": self.account,
            "platform": self.platform,
        }

    def every(self) -> Iterator[tuple[str, Loader]]:
        """Every loader as ``<domain>.<resource>`` (those not made yet are made, and instrumented, now)."""
        for domain, group in self.domains().items():
            for name, loader in group.loaders():
                yield f"{domain}.{name}", loader

    def made(self) -> Iterator[tuple[str, Loader]]:
        """The loaders this request has made so far, as ``<domain>.<resource>``."""
        for domain, group in self.domains().items():
            for name, loader in group.made():
                yield f"{domain}.{name}", loader
