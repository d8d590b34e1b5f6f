"""OpenTelemetry tracing: off by default, configured by the standard ``OTEL_*`` variables.

Tracing is on when ``OTEL_TRACES_EXPORTER`` names an exporter (``otlp`` or ``console``) or an OTLP
endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``), unless
``OTEL_SDK_DISABLED=true``. The SDK is imported only then (install the ``[tracing]`` extra); with
tracing off every helper here is a constant-time no-op and ``opentelemetry`` is never imported.

Spans: one SERVER span per HTTP request (continuing an incoming W3C ``traceparent``), one span per
root field and per dataloader batch, one CLIENT span per backend attempt, whose context is sent to
the backend as ``traceparent``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

_tracer: Any = None
_provider: Any = None
_kinds: dict[str, Any] = {}
_NOOP = contextlib.nullcontext()

SERVICE_NAME = "controlplane-gateway"


def requested(environ: Mapping[str, str] | None = None) -> bool:
    """True when the environment asks for traces to be exported."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def enabled() -> bool:
    """True while a tracer provider is installed."""
    return _tracer is not None


def configure_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Install an SDK tracer provider exporting as ``OTEL_*`` says; False (and no import) when off."""
    env = os.environ if environ is None else environ
    if enabled() or not requested(env):
        return enabled()
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "OTEL_* variables ask for tracing but the OpenTelemetry SDK is not installed: "
            "pip install 'controlplane-gateway[tracing]'"
        ) from None
    attributes = {} if env.get("OTEL_SERVICE_NAME") else {"service.name": SERVICE_NAME}
    provider = TracerProvider(resource=Resource.create(attributes))
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",") if n.strip()]
    for name in names:
        if name == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        elif name == "otlp":
            provider.add_span_processor(BatchSpanProcessor(_otlp_exporter(env)))
        elif name != "none":
            raise RuntimeError(f"OTEL_TRACES_EXPORTER={name!r} is not supported (otlp, console, none)")
    install(provider)
    return True


def _otlp_exporter(env: Mapping[str, str]) -> Any:
    protocol = (
        env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf"
    )
    if protocol.strip().lower() == "grpc":
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        except ImportError:  # pragma: no cover - optional
            raise RuntimeError("OTLP over gRPC needs opentelemetry-exporter-otlp-proto-grpc") from None
        return OTLPSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    # Headers, timeout and compression come from OTEL_EXPORTER_OTLP_*; the endpoint too, unless the
    # mapping given here (not os.environ) names one.
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if not endpoint and env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + "/v1/traces"
    return HttpExporter(endpoint=endpoint) if endpoint else HttpExporter()


def install(provider: Any) -> None:
    """Use this tracer provider (tests pass one with an in-memory exporter). Not set globally."""
    global _tracer, _provider
    from opentelemetry.trace import SpanKind

    _kinds.update(server=SpanKind.SERVER, client=SpanKind.CLIENT, internal=SpanKind.INTERNAL)
    _provider = provider
    _tracer = provider.get_tracer("controlplane-gateway")


def uninstall() -> None:
    """Stop tracing (flushing what was recorded)."""
    global _tracer, _provider
    provider, _tracer, _provider = _provider, None, None
    if provider is not None:
        provider.shutdown()


def span(name: str, attributes: Mapping[str, Any] | None = None, kind: str = "internal") -> Any:
    """A context manager making a child span of the current one (a shared no-op when off)."""
    if _tracer is None:
        return _NOOP
    return _tracer.start_as_current_span(name, kind=_kinds[kind], attributes=attributes)


@contextlib.contextmanager
def _server_span(name: str, headers: Mapping[str, str], attributes: Mapping[str, Any]) -> Iterator[Any]:
    from opentelemetry import propagate

    parent = propagate.extract(headers)
    with _tracer.start_as_current_span(name, context=parent, kind=_kinds["server"], attributes=attributes) as s:
        yield s


def server_span(name: str, headers: Mapping[str, str], attributes: Mapping[str, Any]) -> Any:
    """The request's span, continuing the caller's W3C ``traceparent`` when there is one."""
    if _tracer is None:
        return _NOOP
    return _server_span(name, headers, attributes)


def set_attributes(**attributes: Any) -> None:
    """Add attributes to the current span (no-op when off)."""
    if _tracer is None:
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    for key, value in attributes.items():
        if value is not None:
            current.set_attribute(key.replace("__", "."), value)


def inject(headers: MutableMapping[str, str]) -> None:
    """Write the current span's ``traceparent`` (and ``tracestate``) into outgoing headers."""
    if _tracer is None:
        return
    from opentelemetry import propagate

    propagate.inject(headers)


def current_trace_id() -> str | None:
    """The hex trace id of the current span, for log correlation (None when off)."""
    if _tracer is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
