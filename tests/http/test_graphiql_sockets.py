"""No development credentials for strangers: a gateway on real backend URLs serves GraphiQL with no token in it.

``gateway serve`` runs on the reference services' loopback sockets, in development mode, with its local signing key
(so it *could* mint tokens: ``gateway token`` works against it); a browser's first request for the page, and every
asset the page loads, carry no token and no persona picker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.http.test_graphiql_page import BROWSER_ACCEPT, JWT, parts
from tests.processes import (
    BIN,
    bearer,
    free_port,
    gateway_process_env,
    reference_services,
    start,
    stop,
    wait_healthy,
)

pytestmark = pytest.mark.socket


@pytest.fixture(scope="module")
def gateway_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``reference-services serve`` on loopback: the gateway's GATEWAY_<DOMAIN>_URL and a data directory."""
    with reference_services() as urls:
        yield {**urls, "GATEWAY_DATA_DIR": str(tmp_path_factory.mktemp("gateway-data"))}


@pytest.fixture(scope="module")
def gateway_url(gateway_env: dict[str, str]) -> Iterator[str]:
    """``gateway serve`` on the backend URLs, development mode (no GATEWAY_MODE)."""
    port = free_port()
    process = start(
        str(BIN / "gateway"),
        "serve",
        "--port",
        str(port),
        env=gateway_process_env(**gateway_env, GATEWAY_LOG_LEVEL="warning"),
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", process)
        yield url
    finally:
        stop(process)


def test_a_browser_gets_graphiql_with_no_token_from_a_gateway_on_backend_urls(
    gateway_url: str, gateway_env: dict[str, str], tmp_path: Path
) -> None:
    with httpx.Client(base_url=gateway_url, timeout=10.0) as client:
        page = client.get("/graphql", headers={"accept": BROWSER_ACCEPT, "user-agent": "Mozilla/5.0 (X11; Linux)"})
        found = parts(page.text)
        linked = [s["src"] for s in found.scripts] + [s["href"] for s in found.stylesheets] + found.icons
        assets = {url: client.get(f"/{url}") for url in linked if url}
        # The gateway signs development tokens (a minted one works), so the page leaves them out on purpose.
        jwks = client.get("/.well-known/jwks.json").json()
        viewer = client.post(
            "/graphql", json={"query": "{ viewer { persona } }"}, headers=bearer(gateway_env, "u-marco")
        )
    (tmp_path / "graphiql.html").write_text(page.text)
    print(f"page as served: {tmp_path / 'graphiql.html'}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert found.personas == "{}" and "gateway-persona" not in page.text
    assert not JWT.search(page.text) and "Bearer" not in page.text
    assert assets and all(r.status_code == 200 and not JWT.search(r.text) for r in assets.values())
    assert jwks["keys"] and viewer.json()["data"]["viewer"]["persona"] == "MEMBER"
