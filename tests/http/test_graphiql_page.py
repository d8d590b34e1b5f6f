"""GraphiQL's page in-process: development tokens only on the embedded demo, every asset from the gateway with its
pinned integrity, and a Content-Security-Policy with no inline script or style and no other origin.

The same rules against real processes: ``test_graphiql_sockets.py`` (backend URLs) and
``test_graphiql_browser.py`` (headless Chromium, no network but the gateway).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from gateway.graphiql import development_credentials, manifest, persona_tokens, vendored_path
from gateway.settings import DOMAINS, Settings
from gateway.viewer import ViewerDirectory
from tests.support import GatewayHarness, build_harness

# What a browser sends for a page (Chromium's navigation Accept header).
BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
# A JWT: three base64url segments, the first two JSON objects ("eyJ" is base64 of '{"').
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
PERSONAS = ["member", "project-admin", "tenant-admin", "operator"]
BACKEND_URLS = {f"GATEWAY_{domain.upper()}_URL": f"http://{domain}.backend.test" for domain in DOMAINS}
IDP = {"GATEWAY_JWKS_URL": "http://127.0.0.1:9/jwks.json", "GATEWAY_JWT_ISSUER": "https://idp.test"}


class PageParts(HTMLParser):
    """The page's scripts, stylesheets, inline code and data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.stylesheets: list[dict[str, str | None]] = []
        self.icons: list[str] = []
        self.inline: list[str] = []  # inline <script>/<style> bodies, style="" and on*="" attributes
        self.personas: str | None = None
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.inline += [f"{tag}[{name}]" for name, _ in attrs if name == "style" or name.startswith("on")]
        if tag == "script":
            self.scripts.append(attributes)
            self._open = "script"
        elif tag == "style":
            self._open = "style"
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes)
        elif tag == "link" and attributes.get("rel") == "icon":
            self.icons.append(attributes["href"] or "")
        if "data-personas" in attributes:
            self.personas = attributes["data-personas"]

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(f"<{self._open}> {data.strip()[:60]}")


def parts(page: str) -> PageParts:
    parser = PageParts()
    parser.feed(page)
    return parser


async def fetch_page(client: httpx.AsyncClient) -> httpx.Response:
    """``GET /graphql`` as a browser navigating to it: no credentials."""
    response = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    return response


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def harness_with(tmp_path: Path, **env: str) -> GatewayHarness:
    return build_harness(settings=Settings.from_env({"GATEWAY_DATA_DIR": str(tmp_path), **env}, viewer_cache_seconds=0))


async def test_the_embedded_default_offers_the_persona_picker_with_working_tokens(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        page = await fetch_page(client)
        found = parts(page.text)
        assert found.personas is not None
        tokens = json.loads(found.personas)
        assert list(tokens) == PERSONAS
        viewer = await client.post(
            "/graphql",
            json={"query": "{ viewer { persona } }"},
            headers={"authorization": f"Bearer {tokens['project-admin']}"},
        )
    assert viewer.json()["data"]["viewer"]["persona"] == "PROJECT_ADMIN"
    assert development_credentials(harness.app.state.settings)


async def test_backend_urls_get_graphiql_without_a_token_or_a_picker(tmp_path: Path) -> None:
    harness = harness_with(tmp_path, **BACKEND_URLS)
    settings = harness.app.state.settings
    signer = harness.app.state.guard.authenticator.signer
    # The gateway could mint development tokens here (its local key verifies `gateway token`): the page must not.
    assert not settings.embedded and signer is not None and not development_credentials(settings)
    assert await persona_tokens(signer, ViewerDirectory(harness.app.state.backends, settings), settings) == {}
    async with harness.client() as client:
        page = await fetch_page(client)
    found = parts(page.text)
    assert found.personas == "{}" and not JWT.search(page.text)
    assert "gateway-persona" not in page.text and page.headers["cache-control"] == "no-store"


async def test_production_mode_serves_no_graphiql_unless_asked_and_then_never_a_token(tmp_path: Path) -> None:
    default = harness_with(tmp_path, GATEWAY_MODE="production", **IDP)
    async with default.client() as client:
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
        asset = await client.get("/graphiql/gateway-graphiql.js")
    assert page.status_code != 200 and "text/html" not in page.headers.get("content-type", "")
    assert asset.status_code == 404

    asked = harness_with(tmp_path, GATEWAY_MODE="production", GATEWAY_GRAPHIQL="1", **IDP)
    assert not development_credentials(asked.app.state.settings)
    async with asked.client() as client:
        page = await fetch_page(client)
        asset = await client.get("/graphiql/gateway-graphiql.js")
    assert parts(page.text).personas == "{}" and not JWT.search(page.text) and asset.status_code == 200


async def test_every_asset_comes_from_the_gateway_with_its_pinned_integrity(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        page = await fetch_page(client)
        found = parts(page.text)
        linked = [s["src"] for s in found.scripts] + [s["href"] for s in found.stylesheets] + found.icons
        integrity = {s["src"]: s["integrity"] for s in found.scripts} | {
            s["href"]: s["integrity"] for s in found.stylesheets
        }
        served = {url: await client.get(f"/{url}") for url in linked if url}
        refused = [await client.get(path) for path in ("/graphiql/assets.json/../../graphiql.py", "/graphiql/nope.js")]
    assert len(linked) == len(served) and all(url.startswith("graphiql/") for url in served)  # relative: no origin
    for url, response in served.items():
        assert response.status_code == 200, url
        assert not JWT.search(response.text), url
        if url in integrity:
            assert integrity[url] == sri(response.content), url
        if url.endswith(".js") or ".js?" in url:
            assert response.headers["content-type"].startswith("text/javascript"), url
        if url.endswith(".css") or ".css?" in url:
            assert response.headers["content-type"].startswith("text/css"), url
        assert "immutable" in response.headers["cache-control"], url
    assert [r.status_code for r in refused] == [404, 404]
    # Every pinned script and stylesheet is on the page, in the manifest's order, with the manifest's hash.
    pinned = [
        (vendored_path(package, file), file["integrity"])
        for package in manifest()["packages"]
        for file in package["files"]
        if file["path"].endswith((".js", ".css"))
    ]
    on_page = [(url.removeprefix("graphiql/"), integrity[url]) for url in integrity if "vendor/" in url]
    assert sorted(on_page) == sorted(pinned)
    assert [p for p, _ in on_page if p.endswith(".js")] == [p for p, _ in pinned if p.endswith(".js")]


async def test_the_page_runs_under_a_csp_of_self_only_with_no_inline_code(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        page = await fetch_page(client)
    found = parts(page.text)
    assert found.inline == []
    assert found.scripts and all(s.get("src") and s.get("integrity", "").startswith("sha384-") for s in found.scripts)
    directives = dict(
        (d.split()[0], d.split()[1:]) for d in page.headers["content-security-policy"].split(";") if d.strip()
    )
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'none'"] and directives["connect-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    # Fonts and icons inside GraphiQL's CSS are data: URLs; no directive names another origin or unsafe-*.
    assert {source for sources in directives.values() for source in sources} == {"'self'", "'none'", "data:"}


@pytest.mark.parametrize(
    ("env", "allowed"),
    [
        ({}, True),
        (BACKEND_URLS, False),
        ({"GATEWAY_MODE": "production", **IDP}, False),
        ({"GATEWAY_MODE": "production", "GATEWAY_GRAPHIQL": "1", **IDP, **BACKEND_URLS}, False),
    ],
)
def test_development_credentials_only_on_the_embedded_demo(env: dict[str, str], allowed: bool) -> None:
    assert development_credentials(Settings.from_env(env)) is allowed
