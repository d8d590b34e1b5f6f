"""OpenTelemetry tracing: off (and not even imported) by default; spans and W3C propagation when on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import httpx
import pytest

from gateway.telemetry import tracing
from tests.support import PERSONA_USERS, build_harness

INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING = f"00-{INCOMING_TRACE}-00f067aa0ba902b7-01"
QUERY = """query TracedPage { workloads(first: 5) { edges { node { name node { hostname } project { name } } } } }"""


def run_python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (tracing state and imports are per process)."""
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "GATEWAY_"))}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


PAGE_IN_A_FRESH_PROCESS = """
    import asyncio, sys
    from tests.support import build_harness
    async def main():
        harness = build_harness()
        body = await harness.query('{ workloads(first: 2) { edges { node { name } } } }')
        assert "errors" not in body, body
        from gateway.telemetry import tracing
        print("enabled" if tracing.enabled() else "disabled")
        # (redis-py imports OpenTelemetry's metrics SDK on its own when installed: only tracing counts here)
        traced = ("opentelemetry.sdk.trace", "opentelemetry.propagate")
        print("imported" if any(m in sys.modules for m in traced) else "not-imported")
        tracing.uninstall()
    asyncio.run(main())
"""


@pytest.mark.socket  # a fresh interpreter
def test_tracing_is_off_by_default_and_never_imports_the_sdk() -> None:
    assert run_python(PAGE_IN_A_FRESH_PROCESS).split() == ["disabled", "not-imported"]


@pytest.mark.socket  # a fresh interpreter
def test_the_standard_variables_turn_it_on_and_spans_are_exported() -> None:
    out = run_python(PAGE_IN_A_FRESH_PROCESS, OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="gw-under-test")
    assert "enabled" in out.split() and "imported" in out.split()
    assert '"name": "POST /graphql"' in out and '"service.name": "gw-under-test"' in out


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, False),
    ],
)
def test_which_variables_ask_for_tracing(env: dict[str, str], expected: bool) -> None:
    assert tracing.requested(env) is expected


@pytest.fixture
def exporter() -> Iterator[object]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracing.install(provider)
    try:
        yield memory
    finally:
        tracing.uninstall()


class HeaderRecorder(httpx.AsyncBaseTransport):
    """Records the traceparent of every backend request."""

    def __init__(self, inner: httpx.AsyncBaseTransport, seen: list[str]) -> None:
        self.inner = inner
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers.get("traceparent", ""))
        return await self.inner.handle_async_request(request)


async def test_spans_cover_request_root_fields_loader_batches_and_backend_calls(exporter: object) -> None:
    from opentelemetry.trace import SpanKind

    sent: list[str] = []
    harness = build_harness(wrap_transport=lambda _, inner: HeaderRecorder(inner, sent))
    async with harness.client() as client:
        response = await client.post(
            "/graphql",
            json={"query": QUERY},
            headers={"x-dev-viewer": PERSONA_USERS["tenant-admin"], "traceparent": INCOMING},
        )
    assert response.status_code == 200 and "errors" not in response.json()
    spans = exporter.get_finished_spans()  # type: ignore[attr-defined]
    by_name = {span.name: span for span in spans}
    server = by_name["POST /graphql"]
    assert server.kind is SpanKind.SERVER
    assert format(server.context.trace_id, "032x") == INCOMING_TRACE  # continues the caller's trace
    assert server.attributes["graphql.operation.name"] == "TracedPage"
    assert all(format(s.context.trace_id, "032x") == INCOMING_TRACE for s in spans)
    assert by_name["resolve Query.workloads"].parent.span_id == server.context.span_id
    loaders = [s for s in spans if s.name.startswith("loader ")]
    assert "loader platform.nodes" in {s.name for s in loaders}
    assert all(s.attributes["gateway.batch_size"] >= 1 for s in loaders)
    clients = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert {s.attributes["server.service"] for s in clients} >= {"workloads", "platform", "access"}
    assert all("{" in s.attributes["url.template"] or "/v1/" in s.attributes["url.template"] for s in clients)
    # Each backend request carried the traceparent of its own client span.
    client_parents = {f"00-{INCOMING_TRACE}-{format(s.context.span_id, '016x')}-01" for s in clients}
    assert sent and set(sent) <= client_parents


async def test_a_failed_backend_call_marks_its_span(exporter: object) -> None:
    from opentelemetry.trace import StatusCode

    from reference_services.faults import FaultSpec

    harness = build_harness()
    harness.services["platform"].state.faults.set(FaultSpec(down=True))
    body = await harness.query(QUERY)
    assert {e["extensions"]["service"] for e in body["errors"]} == {"platform"}
    failed = [s for s in exporter.get_finished_spans() if s.attributes.get("server.service") == "platform"]  # type: ignore[attr-defined]
    assert failed and all(s.status.status_code is StatusCode.ERROR for s in failed)
    assert all(s.attributes["http.response.status_code"] == 503 for s in failed)
