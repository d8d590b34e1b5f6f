"""Build every reference service as an ASGI app, seeded, for in-process or socket use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from reference_services._service import ServiceSettings, create_service
from reference_services._store import DocumentStore
from reference_services.audit import AuditTrail
from reference_services.clock import Clock
from reference_services.commands import COMMANDS
from reference_services.domains import DOMAINS
from reference_services.events import EVENT_SOURCES
from reference_services.ledger import Ledger
from reference_services.quotas import enforced
from reference_services.scheduler import StartOnFirstRequest, WorkloadScheduler
from reference_services.seed import build_world


def create_services(
    scale: int = 1,
    data_dir: str | Path | None = None,
    settings: ServiceSettings | None = None,
    clock: Clock | None = None,
) -> dict[str, Starlette]:
    """One seeded app per domain. With ``data_dir`` each keeps a SQLite file there (seeded once).

    Every service's commands are audited into the access service's audit events (``reference_services.audit``).
    ``clock`` (default: ``REFERENCE_CLOCK``, else real time) dates the seed, the commands and every derived
    figure (``reference_services.ledger``); each app keeps it as ``app.state.clock``.
    """
    clock = clock or Clock.from_environment()
    world = build_world(scale=scale, now=clock.now())
    ledger = Ledger(clock)
    settings = settings or ServiceSettings()
    audit = AuditTrail()
    apps: dict[str, Starlette] = {}
    for domain, (title, resources) in DOMAINS.items():
        path = ":memory:"
        if data_dir is not None:
            os.makedirs(data_dir, exist_ok=True)
            path = str(Path(data_dir) / f"{domain}.sqlite3")
        store = DocumentStore(path)
        app = create_service(
            title=title,
            description=f"Reference {title.lower()} of the control-plane gateway (seeded demo data).",
            resources=resources,
            store=store,
            settings=settings,
            commands=enforced(domain, COMMANDS.get(domain, ()), ledger),
            event_sources=EVENT_SOURCES.get(domain),
            audit=audit,
            views=ledger.views(domain),
            clock=clock.iso,
        )
        ledger.stores[domain] = store
        app.state.clock = clock
        if domain == "access":
            audit.bind(store)
        if domain == "workloads":  # moves launches along; tests call its tick, servers start its loop
            app.state.scheduler = WorkloadScheduler(store, fleet=ledger.fleet, clock=clock.now)
        for resource in resources:
            table = resource.name.replace("-", "_")
            if store.is_empty(table):
                store.insert_many(table, oldest_first(world.domains.get(domain, {}).get(resource.name, [])))
        apps[domain] = app
    return apps


def oldest_first(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seeded documents in the order they were created: a listing's newest-first order (the insertion order) is then
    time order, as it is for everything the commands create later. Documents without ``created_at`` keep theirs."""
    if not documents or any(not isinstance(d.get("created_at"), str) for d in documents):
        return documents
    return sorted(documents, key=lambda d: str(d["created_at"]))  # ISO-8601 UTC strings sort as times; stable


def embedded_backends() -> dict[str, Starlette]:
    """Entry point the gateway discovers (group ``gateway.embedded_backends``) for its embedded default."""
    scale = int(os.environ.get("GATEWAY_EMBEDDED_SCALE", "1"))
    apps = create_services(scale=scale)
    apps["workloads"].add_middleware(StartOnFirstRequest, scheduler=apps["workloads"].state.scheduler)
    return apps
