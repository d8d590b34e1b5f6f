"""The house by domain: every domain has the same files in each layer, shared pieces live in one place each,
and nothing else sits at the top of the schema and resolvers packages."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest

from gateway.loaders import Loaders
from gateway.settings import DOMAINS as SERVICE_DOMAINS

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("workloads", "storage", "access", "account", "platform")
# Areas that compose the domains rather than wrap one service.
COMPOSITION = {
    "launch": {"resolvers": ("queries", "mutations"), "schema": ("types", "queries", "mutations")},
    "console": {"schema": ("queries",)},
}
# Files every domain has, per layer.
LAYERS = {
    "gateway/backends": ("models", "client", "loaders"),
    "resolvers": ("queries", "mutations"),
    "schema": ("types", "queries", "mutations"),
}
SHARED = ("gateway/backends/_client.py", "gateway/backends/_loaders.py", "gateway/backends/_commands.py")
SHARED_PACKAGES = ("resolvers/shared", "schema/shared")
# Top-level modules allowed besides ``__init__.py``: schema's Mutation root (composed from every domain's
# mutations, as Query is in schema/__init__.py) and the federation subgraph built from the whole schema.
TOP_LEVEL_MODULES = {"resolvers": set(), "schema": {"root_mutation.py", "federation.py"}}


def class_name(domain: str) -> str:
    return f"{domain.capitalize()}Loaders"


def test_the_domains_are_the_services_the_gateway_calls() -> None:
    assert set(DOMAINS) == set(SERVICE_DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_has_the_same_files_in_each_layer(domain: str) -> None:
    missing = [
        f"{layer}/{domain}/{name}.py"
        for layer, names in LAYERS.items()
        for name in ("__init__", *names)
        if not (ROOT / layer / domain / f"{name}.py").is_file()
    ]
    assert missing == []


def test_the_composition_areas_exist() -> None:
    missing = [
        f"{layer}/{area}/{name}.py"
        for area, layers in COMPOSITION.items()
        for layer, names in layers.items()
        for name in ("__init__", *names)
        if not (ROOT / layer / area / f"{name}.py").is_file()
    ]
    assert missing == []


def test_shared_pieces_live_in_one_place() -> None:
    assert [path for path in SHARED if not (ROOT / path).is_file()] == []
    assert [path for path in SHARED_PACKAGES if not (ROOT / path / "__init__.py").is_file()] == []


@pytest.mark.parametrize("package", sorted(TOP_LEVEL_MODULES))
def test_nothing_else_sits_at_the_top_of_the_package(package: str) -> None:
    allowed_packages = {*DOMAINS, *COMPOSITION, "shared"}
    base = ROOT / package
    packages = {p.name for p in base.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    modules = {p.name for p in base.glob("*.py")} - {"__init__.py"}
    assert packages - allowed_packages == set(), "a package outside the domains, launch, console and shared"
    assert modules - TOP_LEVEL_MODULES[package] == set(), "a top-level module outside the domain packages"
    assert {"shared", *DOMAINS} <= packages


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_defines_one_loaders_class(domain: str) -> None:
    module = importlib.import_module(f"gateway.backends.{domain}.loaders")
    defined = [
        name
        for name, value in inspect.getmembers(module, inspect.isclass)
        if value.__module__ == module.__name__ and name.endswith("Loaders")
    ]
    assert defined == [class_name(domain)]


def test_request_loaders_have_one_group_per_domain() -> None:
    fields = {field.name: field.type for field in dataclasses.fields(Loaders)}
    assert sorted(fields) == sorted(DOMAINS)
    for domain, annotation in fields.items():
        group = annotation if isinstance(annotation, str) else annotation.__name__
        assert group == class_name(domain), f"Loaders.{domain} is a {group}"


LOADING = {"loaders", "backends"}


def attributes_read(path: Path, names: set[str], root: Path = ROOT) -> list[str]:
    """``<expression>.<name>`` reads in a module (imports of ``gateway.backends`` are not attribute reads)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in names
    ]


def test_schema_modules_leave_loaders_and_backends_to_the_resolvers() -> None:
    # The schema layer maps resolver results to types; data access (info.context.loaders / .backends) is the
    # resolvers' job, so no attribute named loaders or backends is read anywhere under schema/.
    found = [read for path in sorted((ROOT / "schema").rglob("*.py")) for read in attributes_read(path, LOADING)]
    assert found == []


def test_the_attribute_scan_sees_context_reads(tmp_path: Path) -> None:
    # Guards the scan above: direct and aliased reads count, imports and strings do not.
    sample = tmp_path / "probe.py"
    sample.write_text(
        "from gateway.backends.storage import models\n"
        "'info.context.loaders in a string'\n"
        "async def a(info):\n"
        "    return await info.context.loaders.storage.buckets.load('x')\n"
        "def b(info):\n"
        "    ctx = info.context\n"
        "    return ctx.backends.storage\n"
    )
    found = attributes_read(sample, LOADING, root=tmp_path)
    assert sorted(found) == ["probe.py:4: info.context.loaders", "probe.py:7: ctx.backends"]
