"""GraphiQL in headless Chromium with no network but the gateway: a query shows data, the docs explorer shows the
schema, and a subscription receives a live event (``sendTestNotification`` -> ``notificationAdded``).

The browser cannot leave the machine: host names resolve to nothing but 127.0.0.1, and anything that still wants
out meets a loopback proxy that forwards nothing (``tests/http/cdp.py``). Every request the page makes is checked
to be for the gateway's own origin (or a ``data:`` font inside GraphiQL's CSS), with no Content-Security-Policy
violation. Screenshots go to the test's ``tmp_path`` (paths printed; ``pytest -s`` shows them).

Skipped, saying so, only where no Chromium is installed (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from gateway.graphiql import manifest, vendored_path
from tests.http.cdp import Chromium, Page, RefusingProxy, chromium_binary
from tests.processes import BIN, bearer, free_port, gateway_process_env, start, stop, wait_healthy

pytestmark = pytest.mark.socket

QUERY = "{ viewer { persona user { name } } workloads(first: 3) { totalCount nodes { name kind status } } }"
SUBSCRIPTION = "subscription { notificationAdded { eventId notification { title severity } } }"
TITLE = "Hello from headless Chromium"
SEND = "mutation($title: String!) { sendTestNotification(input: {title: $title}) { notification { id } } }"
# CSP violations, recorded from before the page's first script (DevTools-injected scripts are exempt from CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
RESULT = "document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() || ''"
DOCS = "document.querySelector('.graphiql-doc-explorer')?.innerText || ''"
EXECUTE = "document.querySelector('.graphiql-execute-button').click()"


@pytest.fixture(scope="module")
def browser_binary() -> str:
    binary = chromium_binary()
    if binary is None:
        reason = "no chromium binary on PATH (apt-get install chromium; .ci/run installs it): browser test not run"
        print(reason)
        pytest.skip(reason)
    return binary


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """``gateway serve`` on the embedded demo (the persona picker's data), and its environment."""
    port = free_port()
    env = gateway_process_env(
        GATEWAY_DATA_DIR=str(tmp_path_factory.mktemp("gateway-data")), GATEWAY_LOG_LEVEL="warning"
    )
    process = start(str(BIN / "gateway"), "serve", "--port", str(port), env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", process)
        yield url, env
    finally:
        stop(process)


async def open_graphiql(page: Page, url: str, document: str) -> None:
    await page.navigate(f"{url}/graphql?q={quote(document)}")
    await page.wait_for("!!document.querySelector('.graphiql-execute-button')", "GraphiQL to render")


async def test_graphiql_runs_offline_from_the_gateway_alone(
    browser_binary: str, gateway: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = gateway
    token = (await asyncio.to_thread(bearer, env, "u-marco"))["authorization"]  # the picker's first persona: member

    async def record_violations(page: Page) -> None:
        await page.send("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})

    async with (
        RefusingProxy() as proxy,
        Chromium(browser_binary, tmp_path / "profile", proxy.port) as browser,
        browser.page(record_violations) as page,
        httpx.AsyncClient(base_url=url, timeout=10.0) as http,
    ):
        # A query runs and its data shows in the result pane, as the persona the picker chose.
        await open_graphiql(page, url, QUERY)
        personas = await page.evaluate(
            "Array.from(document.querySelectorAll('#gateway-persona-select option')).map(o => o.value)"
        )
        assert personas == ["member", "project-admin", "tenant-admin", "operator"]
        await page.evaluate(EXECUTE)
        shown = json.loads(await page.wait_for(f"{RESULT}.includes('totalCount') && {RESULT}", "the query's result"))
        assert shown["data"]["viewer"]["persona"] == "MEMBER" and shown["data"]["workloads"]["nodes"]
        assert "Marco" in await page.evaluate("document.querySelector('.result-window').innerText")
        print(f"screenshot: {await page.screenshot(tmp_path / 'graphiql-query.png')}")

        # The docs explorer shows the schema (from introspection through the same-origin fetcher).
        await page.evaluate("document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click()")
        await page.wait_for(f"{DOCS}.includes('subscription: Subscription')", "the docs explorer's root types")
        assert "Workload" in (await page.evaluate(DOCS)).split()
        await page.evaluate(
            "Array.from(document.querySelectorAll('.graphiql-doc-explorer a')).find(a => a.innerText === 'Query')"
            ".click()"
        )
        await page.wait_for(f"{DOCS}.includes('workloads(')", "the Query type's fields in the docs explorer")
        print(f"screenshot: {await page.screenshot(tmp_path / 'graphiql-docs.png')}")

        # A subscription over the gateway's websocket receives an event sent by another client as the same user.
        await open_graphiql(page, url, SUBSCRIPTION)
        for _ in range(5):  # GraphiQL parses the editor a moment after load; until then it would POST instead
            sent_before = len(page.events("Network.webSocketFrameSent"))
            await page.evaluate(EXECUTE)
            if await subscribed(page, sent_before):
                break
        else:
            raise AssertionError(f"GraphiQL never subscribed; result pane: {await page.evaluate(RESULT)!r}")
        event = ""
        for attempt in range(20):  # the subscription registers on the server a moment after `subscribe` is sent
            sent = await http.post(
                "/graphql",
                json={"query": SEND, "variables": {"title": f"{TITLE} {attempt}"}},
                headers={"authorization": token, "idempotency-key": f"browser-test-{uuid.uuid4()}"},
            )
            assert sent.json()["data"]["sendTestNotification"]["notification"]["id"]
            event = await page.evaluate(RESULT)
            for _ in range(10):
                if TITLE in event:
                    break
                await asyncio.sleep(0.1)
                event = await page.evaluate(RESULT)
            if TITLE in event:
                break
        assert TITLE in event, f"no notification reached GraphiQL; result pane: {event!r}"
        print(f"screenshot: {await page.screenshot(tmp_path / 'graphiql-subscription.png')}")

        # The picked persona's token went in connection_init (a header typed into GraphiQL's Headers tab would win).
        frames = [json.loads(f["response"]["payloadData"]) for f in page.events("Network.webSocketFrameSent")]
        init = next(f for f in frames if f["type"] == "connection_init")
        assert init["payload"]["Authorization"].startswith("Bearer eyJ")

        # Nothing left loopback: every request of the page was for the gateway (or a data: font in GraphiQL's CSS),
        # and no asset was ever asked of anyone else; no CSP violation, no page error.
        requests = [e["request"]["url"] for e in page.events("Network.requestWillBeSent")]
        sockets = [e["url"] for e in page.events("Network.webSocketCreated")]
        assert all(u.startswith((f"{url}/", "data:")) for u in requests), requests
        assert sockets and all(u.startswith(url.replace("http:", "ws:") + "/") for u in sockets), sockets
        loaded = {u.split("?")[0].removeprefix(url) for u in requests}
        pinned = {f"/graphiql/{vendored_path(p, f)}" for p in manifest()["packages"] for f in p["files"]}
        assert {p for p in pinned if p.endswith((".js", ".css"))} | {"/graphiql/gateway-graphiql.js"} <= loaded
        print(f"the browser's own attempts to go elsewhere, refused at the proxy: {proxy.attempts}")
        assert not [
            a for a in proxy.attempts if any(w in a for w in ("graphiql", "react", "unpkg", "jsdelivr", "font"))
        ]
        assert await page.evaluate("window.__cspViolations") == []
        assert page.events("Runtime.exceptionThrown") == []
        errors = [e["entry"] for e in page.events("Log.entryAdded") if e["entry"]["level"] == "error"]
        assert errors == [], errors
        # The isolation holds: a page off the machine cannot load (its request ends at the refusing proxy).
        async with browser.page() as outside:
            await outside.navigate("http://example.com/")
            await outside.wait_for("document.readyState === 'complete'", "the refused page to settle")
            assert not [e for e in outside.events("Network.responseReceived") if "example.com" in e["response"]["url"]]
        assert any("example.com" in attempt for attempt in proxy.attempts), proxy.attempts


async def subscribed(page: Page, sent_before: int) -> bool:
    """Whether GraphiQL sent a ``subscribe`` over its websocket since ``sent_before`` frames (bounded wait)."""
    for _ in range(30):
        frames = page.events("Network.webSocketFrameSent")[sent_before:]
        if any('"type":"subscribe"' in f["response"]["payloadData"] for f in frames):
            return True
        await asyncio.sleep(0.1)
    return False
