"""Every loader of one request, grouped by domain service (``ctx.loaders.<domain>.<resource>``).

Built in one place (``Loaders.create``), which also instruments every loader of every domain: a
batch-size histogram and, with tracing on, a span per batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gateway.backends import Backends
from gateway.backends._loaders import ALL_TENANTS, DomainLoaders, Loader
from gateway.backends.access.loaders import AccessLoaders
from gateway.backends.account.loaders import AccountLoaders
from gateway.backends.platform.loaders import PlatformLoaders
from gateway.backends.storage.loaders import StorageLoaders
from gateway.backends.workloads.loaders import WorkloadsLoaders
from gateway.telemetry import tracing
from gateway.telemetry.loaders import instrument

__all__ = ["ALL_TENANTS", "Loaders"]


@dataclass(frozen=True)
class Loaders:
    """The loaders of one request, one group per domain service."""

    workloads: WorkloadsLoaders
    storage: StorageLoaders
    access: AccessLoaders
    account: AccountLoaders
    platform: PlatformLoaders

    @classmethod
    def create(cls, backends: Backends, *, record_metrics: bool = True) -> Loaders:
        """Fresh loaders over the backends, every one of them instrumented."""
        loaders = cls(
            workloads=WorkloadsLoaders(backends.workloads),
            storage=StorageLoaders(backends.storage),
            access=AccessLoaders(backends.access),
            account=AccountLoaders(backends.account),
            platform=PlatformLoaders(backends.platform),
        )
        if record_metrics or tracing.enabled():
            for name, loader in loaders.every():
                instrument(name, loader, record_metrics)
        return loaders

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
        """Every loader as ``<domain>.<resource>``."""
        for domain, group in self.domains().items():
            for name, loader in group.loaders():
                yield f"{domain}.{name}", loader
