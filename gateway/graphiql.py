"""GraphiQL, served whole by the gateway: no CDN, no inline script, development tokens only on the embedded demo.

The page (``page_html``) loads React, GraphiQL and the explorer plugin from ``gateway/static/graphiql/vendor``,
pinned with their sha384 integrity in ``gateway/static/graphiql/assets.json`` (``make graphiql-assets`` refreshes
them from the npm registry), and its bootstrap from ``gateway-graphiql.js``; ``asset_endpoint`` serves them under
``/graphiql/``. Its Content-Security-Policy (``gateway.http_security.GRAPHIQL_CSP``) allows scripts and styles
from ``'self'`` only.

Development credentials exist only where the data is the embedded demo: with no backend URL configured and not
in production mode (``development_credentials``), the page carries a token per demo persona in the
``data-personas`` attribute and the bootstrap shows the Viewer persona picker, which sets the ``Authorization``
header of queries and the ``connection_init`` payload of subscriptions (a header typed into GraphiQL's Headers
tab still wins). Anywhere else the attribute stays ``{}``: no token, no picker; the user brings a header.
Tokens are minted when the page is served, signed by the gateway's local key, with the persona's tenant and
roles as the access service knows them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from gateway.auth import DEV_PERSONAS, LocalSigner
from gateway.errors import GatewayError
from gateway.settings import Settings
from gateway.viewer import ViewerDirectory

ASSET_ROUTE = "/graphiql"  # the assets' URL prefix; the page links them relative to /graphql ("graphiql/...")
BOOTSTRAP = ("gateway-graphiql.css", "gateway-graphiql.js")  # the gateway's own, loaded after the vendored ones
FAVICON = "favicon.svg"
NO_PERSONAS = 'data-personas="{}"'  # the page as served to anyone; ``with_persona_picker`` fills it in
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
IMMUTABLE = "public, max-age=31536000, immutable"  # vendored files (versioned paths), bootstrap links (?v=hash)


def static_root() -> Traversable:
    """``gateway/static/graphiql`` (package data: in the wheel and the Docker image)."""
    return resources.files("gateway").joinpath("static", "graphiql")


def sri(data: bytes) -> str:
    """The Subresource Integrity value of ``data`` (sha384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@dataclass(frozen=True)
class Asset:
    """One file the page may load: its bytes, media type and integrity."""

    path: str  # relative to gateway/static/graphiql
    body: bytes
    media_type: str
    integrity: str


@dataclass(frozen=True)
class Assets:
    """Everything ``/graphiql/`` serves, and the page's ``<link>``/``<script>`` order."""

    files: dict[str, Asset]
    styles: tuple[Asset, ...]
    scripts: tuple[Asset, ...]


def manifest() -> dict[str, Any]:
    """``assets.json``: the pinned npm packages and, per shipped file, its sha384 integrity."""
    loaded: dict[str, Any] = json.loads(static_root().joinpath("assets.json").read_text())
    return loaded


def vendored_path(package: dict[str, Any], file: dict[str, Any]) -> str:
    """Where a manifest file lives under ``gateway/static/graphiql`` (and ``/graphiql/``)."""
    return f"vendor/{package['name']}@{package['version']}/{file['path']}"


def _media_type(path: str) -> str:
    return next((media for suffix, media in MEDIA_TYPES.items() if path.endswith(suffix)), "text/plain; charset=utf-8")


@functools.cache
def assets() -> Assets:
    """Load the assets once per process (package data does not change under a running gateway).

    Vendored files carry the manifest's integrity, not one computed here: a file that no longer matches its pin is
    refused by the browser rather than run (``tests/project/test_graphiql_assets.py`` keeps them in step).
    """
    root = static_root()
    files: dict[str, Asset] = {}
    for package in manifest()["packages"]:
        for file in package["files"]:
            path = vendored_path(package, file)
            body = root.joinpath(*path.split("/")).read_bytes()
            files[path] = Asset(path, body, _media_type(path), file["integrity"])
    for path in (*BOOTSTRAP, FAVICON):
        body = root.joinpath(path).read_bytes()
        files[path] = Asset(path, body, _media_type(path), sri(body))
    ordered = list(files.values())
    styles = tuple(a for a in ordered if a.path.endswith(".css") and a.path.startswith("vendor/"))
    scripts = tuple(a for a in ordered if a.path.endswith(".js") and a.path.startswith("vendor/"))
    return Assets(
        files=files,
        styles=(*styles, files[BOOTSTRAP[0]]),
        scripts=(*scripts, files[BOOTSTRAP[1]]),
    )


def _href(asset: Asset) -> str:
    """The asset's URL relative to ``/graphql``; the gateway's own files carry their hash against stale caches."""
    url = f"{ASSET_ROUTE.lstrip('/')}/{asset.path}"
    if not asset.path.startswith("vendor/"):
        url += "?v=" + hashlib.sha256(asset.body).hexdigest()[:16]
    return html.escape(url)


@functools.cache
def page_html() -> str:
    """The page as served to anyone: no token, no inline script or style, every asset from the gateway."""
    bundle = assets()
    styles = "".join(
        f'\n    <link rel="stylesheet" href="{_href(a)}" integrity="{a.integrity}">' for a in bundle.styles
    )
    scripts = "".join(f'\n    <script src="{_href(a)}" integrity="{a.integrity}"></script>' for a in bundle.scripts)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "  <head>\n"
        '    <meta charset="utf-8">\n'
        '    <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "    <title>GraphiQL · control-plane gateway</title>\n"
        f'    <link rel="icon" href="{_href(bundle.files[FAVICON])}" type="image/svg+xml">'
        f"{styles}\n"
        "  </head>\n"
        "  <body>\n"
        f'    <div id="graphiql" class="graphiql-container" {NO_PERSONAS}>Loading GraphiQL…</div>\n'
        "    <noscript>GraphiQL needs JavaScript.</noscript>"
        f"{scripts}\n"
        "  </body>\n"
        "</html>\n"
    )


def development_credentials(settings: Settings) -> bool:
    """Whether the page may carry development tokens: the embedded demo (no backend URL), not production mode.

    With backend URLs those tokens would act on real backends, so no response carries one there, whatever the
    signing key allows.
    """
    return settings.embedded and not settings.security.production


async def persona_tokens(signer: LocalSigner, directory: ViewerDirectory, settings: Settings) -> dict[str, str]:
    """A fresh token per demo persona whose user exists in the access service; none outside the embedded demo."""
    tokens: dict[str, str] = {}
    if not development_credentials(settings):
        return tokens
    for persona, user_id in DEV_PERSONAS.items():
        try:
            viewer = await directory.viewer_for(user_id)
        except GatewayError:
            continue  # not in this data set, or the access service is down: offer the others
        tokens[persona] = signer.mint(
            user_id,
            audience=settings.security.jwt_audience,
            tenant=viewer.tenant_id,
            roles=viewer.user.platform_roles,
            ttl_seconds=settings.security.local_token_ttl_seconds,
            tenant_claim=settings.security.jwt_tenant_claim,
            roles_claim=settings.security.jwt_roles_claim,
        )
    return tokens


def with_persona_picker(page: str, tokens: dict[str, str]) -> str:
    """The page offering ``tokens`` to the persona picker; unchanged without tokens or without the hook."""
    if not tokens or NO_PERSONAS not in page:
        return page
    return page.replace(NO_PERSONAS, f'data-personas="{html.escape(json.dumps(tokens), quote=True)}"', 1)


async def asset_endpoint(request: Request) -> Response:
    """``GET /graphiql/{path}``: a file of the page, and only those (no directory listing, no other path)."""
    asset = assets().files.get(request.path_params["path"])
    if asset is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(asset.body, media_type=asset.media_type, headers={"cache-control": IMMUTABLE})
