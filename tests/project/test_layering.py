"""Imports flow one way: schema -> resolvers -> gateway; none of them imports the reference services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "resolvers", "schema", "reference_services")
# package -> packages it must never import (at module level, in functions or under TYPE_CHECKING alike)
FORBIDDEN = {
    "gateway": {"schema", "resolvers", "reference_services"},
    "resolvers": {"schema", "reference_services"},
    "schema": {"reference_services"},
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, relative imports resolved, including literal ``import_module`` calls."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def top_level_imports(package: str) -> dict[str, set[str]]:
    """Module -> the first-party packages it imports."""
    return {
        module_name(path): {name.split(".")[0] for name in imported_modules(path)} & set(PACKAGES)
        for path in sorted((ROOT / package).rglob("*.py"))
    }


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package: str) -> None:
    modules = top_level_imports(package)
    assert modules, f"no modules found under {package}/"
    violations = {module: sorted(imports & FORBIDDEN[package]) for module, imports in modules.items()}
    assert {m: v for m, v in violations.items() if v} == {}


def test_the_import_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    # Guards the walk: relative, nested, TYPE_CHECKING and import_module imports all count.
    sample = tmp_path / "resolvers" / "probe.py"
    sample.parent.mkdir()
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import common\n"
        "from .scope import local_id\n"
        "if TYPE_CHECKING:\n"
        "    from schema.storage.types import Bucket\n"
        "def late():\n"
        "    import reference_services.seed\n"
        "    importlib.import_module('schema.console.node')\n"
    )
    sample.write_text(source)
    found = imported_modules(sample, root=tmp_path)
    assert {
        "resolvers",
        "resolvers.scope",
        "schema.storage.types",
        "reference_services.seed",
        "schema.console.node",
    } <= found


def test_the_layers_do_use_each_other() -> None:
    # The rules above would pass vacuously if nothing imported anything.
    assert any("gateway" in imports for imports in top_level_imports("resolvers").values())
    assert any("resolvers" in imports for imports in top_level_imports("schema").values())
