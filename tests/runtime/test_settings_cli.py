"""Settings from GATEWAY_* variables, and the ``gateway`` command's ``schema`` and ``serve`` refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.settings import DOMAINS, Settings, SettingsError

GATEWAY = str(Path(sys.executable).parent / "gateway")
ALL_URLS = {f"GATEWAY_{d.upper()}_URL": f"http://127.0.0.1:{9101 + n}" for n, d in enumerate(DOMAINS)}


def test_defaults_are_the_embedded_development_gateway() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.embedded and settings.dev_viewer_enabled and settings.graphiql_enabled
    assert settings.schema == "schema:schema"


def test_gateway_variables_are_parsed() -> None:
    settings = Settings.from_env(
        {
            **ALL_URLS,
            "GATEWAY_HOST": "0.0.0.0",
            "GATEWAY_PORT": "9000",
            "GATEWAY_WORKERS": "2",
            "GATEWAY_GRAPHIQL": "off",
            "GATEWAY_DEV_VIEWER_HEADER": "no",
            "GATEWAY_DEV_DEFAULT_USER": "u-priya",
            "GATEWAY_VIEWER_CACHE_SECONDS": "2.5",
            "GATEWAY_REPORT_BACKEND_CALLS": "true",
            "GATEWAY_LOG_LEVEL": "warning",
            "GATEWAY_STORAGE_CONNECT_TIMEOUT": "0.5",
            "GATEWAY_STORAGE_READ_TIMEOUT": "3",
            "GATEWAY_STORAGE_MAX_CONNECTIONS": "7",
        }
    )
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 9000, 2)
    assert not settings.embedded and not settings.graphiql_enabled
    assert not settings.dev_viewer_enabled and settings.dev_default_user == "u-priya"
    assert settings.viewer_cache_seconds == 2.5 and settings.report_backend_calls and settings.log_level == "warning"
    storage = settings.backends["storage"]
    assert (storage.url, storage.connect_timeout, storage.read_timeout, storage.max_connections) == (
        "http://127.0.0.1:9102",
        0.5,
        3.0,
        7,
    )
    assert settings.backends["workloads"].read_timeout == 5.0  # the others keep their defaults


def test_configured_backends_turn_the_development_header_off() -> None:
    assert not Settings.from_env(ALL_URLS).dev_viewer_enabled
    assert not Settings.from_env({**ALL_URLS, "GATEWAY_DEV_VIEWER_HEADER": "0"}).dev_viewer_enabled


def test_the_development_header_cannot_be_turned_on_with_backend_urls() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**ALL_URLS, "GATEWAY_DEV_VIEWER_HEADER": "1"})
    message = str(raised.value)
    assert message.startswith("GATEWAY_DEV_VIEWER_HEADER=1 is honoured only on the embedded default")
    assert "gateway token --persona" in message and "GATEWAY_JWKS_URL" in message
    with pytest.raises(SettingsError, match="GATEWAY_DEV_VIEWER_HEADER"):
        Settings.from_env(ALL_URLS, dev_viewer_header=True)  # a caller's override is refused alike


def test_the_embedded_default_may_switch_the_development_header_off() -> None:
    assert Settings.from_env({"GATEWAY_DEV_VIEWER_HEADER": "1"}).dev_viewer_enabled
    assert not Settings.from_env({"GATEWAY_DEV_VIEWER_HEADER": "0"}).dev_viewer_enabled


def test_cli_flags_override_the_environment() -> None:
    settings = Settings.from_env({"GATEWAY_PORT": "9000", "GATEWAY_HOST": "0.0.0.0"}, port=9100, host=None)
    assert (settings.host, settings.port) == ("0.0.0.0", 9100)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GATEWAY_PORT", "eighty"),
        ("GATEWAY_PORT", "70000"),
        ("GATEWAY_PORT", "0"),
        ("GATEWAY_WORKERS", "0"),
        ("GATEWAY_WORKERS", "two"),
        ("GATEWAY_GRAPHIQL", "maybe"),
        ("GATEWAY_DEV_VIEWER_HEADER", "sometimes"),
        ("GATEWAY_VIEWER_CACHE_SECONDS", "-1"),
        ("GATEWAY_LOG_LEVEL", "loud"),
        ("GATEWAY_STORAGE_URL", "ftp://storage.internal"),
        ("GATEWAY_STORAGE_READ_TIMEOUT", "soon"),
        ("GATEWAY_STORAGE_READ_TIMEOUT", "0"),
        ("GATEWAY_PLATFORM_CONNECT_TIMEOUT", "-2"),
        ("GATEWAY_ACCESS_MAX_CONNECTIONS", "0"),
        ("GATEWAY_ACCESS_MAX_CONNECTIONS", "many"),
    ],
)
def test_a_bad_value_is_rejected_naming_its_variable(variable: str, value: str) -> None:
    env = {**ALL_URLS, variable: value} if variable.endswith("_URL") else {variable: value}
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(env)


def test_a_partial_set_of_backend_urls_is_rejected_naming_the_missing_ones() -> None:
    partial = {k: v for k, v in ALL_URLS.items() if k not in {"GATEWAY_ACCOUNT_URL", "GATEWAY_PLATFORM_URL"}}
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(partial)
    message = str(raised.value)
    assert "GATEWAY_ACCOUNT_URL" in message and "GATEWAY_PLATFORM_URL" in message
    assert "GATEWAY_STORAGE_URL" not in message


def run_gateway(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return subprocess.run([GATEWAY, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.socket  # runs the gateway command
def test_gateway_schema_prints_the_sdl() -> None:
    from schema import schema

    result = run_gateway("schema")
    assert result.returncode == 0, result.stderr
    assert result.stdout == schema.as_str() + "\n"
    assert "type Query {" in result.stdout and "interface Workload implements Node" in result.stdout


@pytest.mark.socket  # runs the gateway command
def test_gateway_serve_refuses_several_workers_on_the_embedded_default() -> None:
    result = run_gateway("serve", "--workers", "2")
    assert result.returncode != 0
    assert "embedded" in result.stderr and "one worker" in result.stderr
    assert "GraphiQL" not in result.stdout  # refused before serving anything


@pytest.mark.socket  # runs the gateway command
def test_gateway_serve_reports_a_bad_setting_and_exits() -> None:
    result = run_gateway("serve", GATEWAY_PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.startswith("gateway: GATEWAY_PORT")
    assert "Traceback" not in result.stderr


@pytest.mark.socket  # runs the gateway command
def test_gateway_serve_refuses_the_development_header_with_backend_urls() -> None:
    result = run_gateway("serve", **ALL_URLS, GATEWAY_DEV_VIEWER_HEADER="1")
    assert result.returncode == 2
    assert result.stderr.startswith("gateway: GATEWAY_DEV_VIEWER_HEADER=1 is honoured only on the embedded default")
    assert "gateway token --persona" in result.stderr
    assert "GraphiQL" not in result.stdout and "Traceback" not in result.stderr  # refused before serving anything
