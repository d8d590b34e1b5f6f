"""Operator-facing telemetry: Prometheus metrics, OpenTelemetry tracing, structured JSON logs."""
