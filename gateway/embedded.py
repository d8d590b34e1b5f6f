"""The embedded default: backends discovered through the ``gateway.embedded_backends`` entry point.

The gateway never imports the reference services; the project registers them under that entry
point, and with no backend URL configured the gateway runs them in-process behind httpx.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import httpx

from gateway.settings import DOMAINS, SettingsError

ENTRY_POINT_GROUP = "gateway.embedded_backends"


def embedded_transports() -> dict[str, httpx.AsyncBaseTransport]:
    """In-process transports to every domain service of the installed embedded backends."""
    found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    if not found:
        raise SettingsError(
            "no backend URLs are configured and no embedded backends are installed: "
            "set GATEWAY_<DOMAIN>_URL for every domain or install the project with its reference services"
        )
    apps = found[0].load()()
    missing = [domain for domain in DOMAINS if domain not in apps]
    if missing:
        raise SettingsError(f"the embedded backends lack the domain(s): {', '.join(missing)}")
    return {domain: httpx.ASGITransport(app=apps[domain]) for domain in DOMAINS}
