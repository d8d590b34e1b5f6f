"""Reading the reference services directly, to compare the gateway's pages with the services' own figures."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import GatewayHarness


async def served(harness: GatewayHarness, domain: str, resource: str, **filters: str) -> list[dict[str, Any]]:
    """Every document of a service resource as the service answers it now (derived fields included)."""
    transport = httpx.ASGITransport(app=harness.services[domain])
    items: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "1000", **filters}
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        while True:
            response = await client.get(f"/v1/{resource}", params=params)
            response.raise_for_status()
            page = response.json()
            items.extend(page["items"])
            if not page["next_cursor"]:
                return items
            params["after"] = page["next_cursor"]
