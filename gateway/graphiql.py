"""GraphiQL with a persona picker: in development the page carries a token for each demo persona.

The picker sets the ``Authorization`` header GraphiQL's fetcher sends, and the ``connection_init`` payload of
its subscriptions (a header typed into GraphiQL's own headers editor still wins). Tokens are minted when
the page is served, signed by the gateway's local key, with the persona's tenant and roles as the access
service knows them.
"""

from __future__ import annotations

import html
import json

from gateway.auth import DEV_PERSONAS, LocalSigner
from gateway.errors import GatewayError
from gateway.settings import Settings
from gateway.viewer import ViewerDirectory

MARKER = "const defaultHeaders = {};"
WS_FETCHER = "        subscriptionUrl,"  # in GraphiQL.createFetcher({...}) of Strawberry's page
PICKER_STYLE = (
    "position:fixed;right:12px;bottom:12px;z-index:10;padding:6px 10px;border-radius:6px;"
    "background:#fff;border:1px solid #ccc;font:13px system-ui,sans-serif"
)


async def persona_tokens(signer: LocalSigner, directory: ViewerDirectory, settings: Settings) -> dict[str, str]:
    """A fresh token per demo persona whose user exists in the access service."""
    tokens: dict[str, str] = {}
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
    """Strawberry's GraphiQL page with the picker; unchanged when the template lacks the hook."""
    if not tokens or MARKER not in page:
        return page
    options = "".join(f'<option value="{html.escape(p)}">{html.escape(p)}</option>' for p in tokens)
    picker = (
        f'<div id="gateway-persona" style="{PICKER_STYLE}"><label>Viewer persona '
        f'<select id="gateway-persona-select">{options}</select></label></div>'
    )
    script = (
        "const defaultHeaders = {};\n"
        f"      const GATEWAY_PERSONA_TOKENS = {json.dumps(tokens)};\n"
        "      const gatewayPersona = localStorage.getItem('gateway-persona') in GATEWAY_PERSONA_TOKENS\n"
        "        ? localStorage.getItem('gateway-persona') : Object.keys(GATEWAY_PERSONA_TOKENS)[0];\n"
        "      defaultHeaders['Authorization'] = 'Bearer ' + GATEWAY_PERSONA_TOKENS[gatewayPersona];\n"
        "      const gatewayPicker = document.getElementById('gateway-persona-select');\n"
        "      gatewayPicker.value = gatewayPersona;\n"
        "      gatewayPicker.addEventListener('change', function () {\n"
        "        localStorage.setItem('gateway-persona', gatewayPicker.value);\n"
        "        window.location.reload();\n"
        "      });"
    )
    page = page.replace("<body>", "<body>\n    " + picker, 1).replace(MARKER, script, 1)
    # Subscriptions (graphql-transport-ws) carry the persona's token in connection_init, like queries do.
    return page.replace(WS_FETCHER, WS_FETCHER + "\n        wsConnectionParams: defaultHeaders,", 1)
