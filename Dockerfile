# One slim image that runs `gateway serve` as a non-root user.
# Build: docker build -t controlplane-gateway .   Run: docker run -p 8000:8000 controlplane-gateway
# With no GATEWAY_<DOMAIN>_URL set it serves the embedded demo backends; set all five to use real services.

FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY schema ./schema
COPY resolvers ./resolvers
COPY reference_services ./reference_services
# GraphiQL's browser assets: fetched from the npm registry's tarballs, verified against the committed pins.
COPY scripts/graphiql_assets.py ./scripts/graphiql_assets.py
RUN python scripts/graphiql_assets.py --fetch
# Wheels for the project and every dependency, so the final stage needs no build tools. The [tracing]
# extra ships the OpenTelemetry SDK so OTEL_* variables can turn tracing on (it is off by default).
RUN pip wheel --wheel-dir /wheels ".[tracing]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/gateway --shell /usr/sbin/nologin gateway
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels "controlplane-gateway[tracing]" && rm -rf /wheels
USER gateway
# Files the gateway keeps (GATEWAY_DATA_DIR, default .data: idempotency store, local signing key) go here.
WORKDIR /home/gateway
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('GATEWAY_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=3).status == 200 else 1)"]
CMD ["gateway", "serve", "--host", "0.0.0.0"]
