"""Metrics of live updates (served with the others at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SUBSCRIPTIONS = Gauge(
    "gateway_subscriptions_active",
    "Subscriptions registered for events in this process.",
    multiprocess_mode="livesum",
)
EVENTS_RECEIVED = Counter(
    "gateway_events_received_total",
    "Events received, by domain and how they arrived (stream: read from the service; redis: from another replica).",
    ["domain", "source"],
)
EVENTS_DELIVERED = Counter("gateway_events_delivered_total", "Events queued for subscribers (one per subscriber).")
SLOW_CONSUMERS = Counter(
    "gateway_subscriptions_slow_consumer_total", "Subscriptions dropped because their client fell too far behind."
)
STREAM_READER = Gauge(
    "gateway_event_stream_reader",
    "1 while this process reads the domain's event stream (holds the lease).",
    ["domain"],
    multiprocess_mode="livesum",
)
STREAM_ERRORS = Counter(
    "gateway_event_stream_errors_total", "Failed reads of a domain's event stream (retried with backoff).", ["domain"]
)
