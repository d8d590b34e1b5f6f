"""The loopback HAProxy template renders to a configuration HAProxy accepts, with the choices the fault test and
the README rely on: checks of /readyz with fall 2 rise 1, websockets tunnelled, an admin socket, retries of
refused connections, and re-sending a dropped request only when it carries an Idempotency-Key."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.balancer_support import HAPROXY_MISSING, TEMPLATE, haproxy_binary, render_config


def rendered(tmp_path: Path) -> str:
    return render_config(18080, {"gw1": 18081, "gw2": 18082}, tmp_path / "admin.sock", 500, check_timeout_ms=1000)


def directives(text: str) -> list[str]:
    return [" ".join(line.split("#", 1)[0].split()) for line in text.splitlines() if line.split("#", 1)[0].strip()]


def test_every_placeholder_is_filled_and_each_replica_is_a_checked_server(tmp_path: Path) -> None:
    lines = directives(rendered(tmp_path))
    assert "$" not in "\n".join(lines)
    assert "bind 127.0.0.1:18080" in lines
    assert f"stats socket {tmp_path / 'admin.sock'} mode 600 level admin" in lines
    assert "http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host gateway" in lines
    assert "default-server check inter 500 fastinter 500 downinter 500 fall 2 rise 1" in lines
    assert "timeout check 1000" in lines and any(line.startswith("timeout tunnel ") for line in lines)
    assert {"retries 2", "option redispatch 1", "retry-on conn-failure empty-response"} <= set(lines)
    assert "http-request disable-l7-retry unless { req.hdr(idempotency-key) -m found }" in lines
    assert [line for line in lines if line.startswith("server ")] == [
        "server gw1 127.0.0.1:18081",
        "server gw2 127.0.0.1:18082",
    ]


def test_the_template_sits_next_to_the_compose_configuration() -> None:
    assert TEMPLATE.parent == Path(__file__).resolve().parents[2] / "deploy" / "haproxy"
    assert (TEMPLATE.parent / "haproxy.cfg").is_file()


@pytest.mark.socket  # runs `haproxy -c`
def test_haproxy_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    binary = haproxy_binary()
    if binary is None:
        pytest.skip(HAPROXY_MISSING)
    config = tmp_path / "haproxy.cfg"
    config.write_text(rendered(tmp_path))
    checked = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
