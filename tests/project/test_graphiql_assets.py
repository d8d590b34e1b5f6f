"""GraphiQL's vendored assets: pinned, hashed, complete, shipped in the wheel, refreshable with one command."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from gateway.graphiql import assets, manifest, page_html, vendored_path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "gateway" / "static" / "graphiql"
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_every_vendored_file_matches_its_pinned_hash_and_nothing_else_is_vendored() -> None:
    listed: set[Path] = set()
    for package in manifest()["packages"]:
        assert EXACT_VERSION.match(package["version"]), package  # a pin, not a range
        assert package["tarball_integrity"].startswith("sha512-") and package["license"]
        for file in package["files"]:
            path = STATIC / vendored_path(package, file)
            listed.add(path)
            assert sri(path.read_bytes()) == file["integrity"], f"{path} differs from assets.json: make graphiql-assets"
    on_disk = {path for path in (STATIC / "vendor").rglob("*") if path.is_file()}
    assert on_disk == listed


def test_the_page_loads_react_graphiql_and_the_explorer_in_order_and_nothing_from_elsewhere() -> None:
    names = [package["name"] for package in manifest()["packages"]]
    assert names == ["react", "react-dom", "graphiql", "@graphiql/plugin-explorer"]
    page = page_html()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert [s.split("/")[2].rsplit("@", 1)[0] for s in scripts[:3]] == ["react", "react-dom", "graphiql"]
    assert scripts[3].startswith("graphiql/vendor/@graphiql/plugin-explorer@") and "gateway-graphiql.js" in scripts[4]
    assert "://" not in page.replace("http://www.w3.org", "")  # no absolute URL: every asset from the gateway
    assert "<script>" not in page and "<style" not in page and " style=" not in page


def test_the_wheel_ships_every_static_file() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["gateway"]
    gateway = ROOT / "gateway"
    for path in (gateway / "static").rglob("*"):
        if path.is_file():
            relative = path.relative_to(gateway).as_posix()
            assert any(fnmatch(relative, pattern) for pattern in patterns), f"{relative} is not package data"
    served = set(assets().files)
    assert {"gateway-graphiql.js", "gateway-graphiql.css", "favicon.svg"} <= served


def test_one_command_refreshes_the_assets_and_its_offline_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "\ngraphiql-assets:" in makefile and "scripts/graphiql_assets.py" in makefile
    spec = importlib.util.spec_from_file_location("graphiql_assets", ROOT / "scripts" / "graphiql_assets.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--check"]) == 0, capsys.readouterr().err
