"""A fresh install (``make run``, the Docker image) has everything the code imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.project.test_layering import ROOT, imported_modules

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
FIRST_PARTY = ("gateway", "schema", "resolvers", "reference_services")
# Packaged for a checkout's `gateway` command, not copied into the serving image: `gateway parity` (it reads
# operations/, which only a checkout has; `gateway serve` never imports it).
CHECKOUT_TOOLS = ("parity",)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    return {normalise(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]) for requirement in requirements}


def eager_imports(path: Path) -> set[str]:
    """Modules imported when the module itself is imported (module level, outside ``try`` and TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def third_party(modules: set[str]) -> set[str]:
    tops = {module.split(".")[0] for module in modules}
    first_party = (*FIRST_PARTY, *CHECKOUT_TOOLS)
    return {t for t in tops if t and t not in first_party and t not in sys.stdlib_module_names and t != "__future__"}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    required = declared(PYPROJECT["project"]["dependencies"])
    extras = set().union(*(declared(r) for r in PYPROJECT["project"].get("optional-dependencies", {}).values()))
    distributions = packages_distributions()
    undeclared: dict[str, str] = {}
    for package in (*FIRST_PARTY, *CHECKOUT_TOOLS):
        for path in sorted((ROOT / package).rglob("*.py")):
            eager = third_party(eager_imports(path))
            # Imports inside functions or ``try`` may come from an extra; module-level ones may not.
            for top in third_party(imported_modules(path)):
                names = {normalise(d) for d in distributions.get(top, [top])}
                if not names & (required if top in eager else required | extras):
                    undeclared[top] = str(path.relative_to(ROOT))
    assert undeclared == {}, "imported but not declared in pyproject.toml"


def test_the_image_and_the_wheel_carry_every_package() -> None:
    included = set(PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"])
    assert included == {f"{p}*" for p in (*FIRST_PARTY, *CHECKOUT_TOOLS)}
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in FIRST_PARTY:
        assert f"COPY {package} ./{package}" in dockerfile
    assert "*.graphql" in PYPROJECT["tool"]["setuptools"]["package-data"]["schema"]
    assert 'CMD ["gateway", "serve", "--host", "0.0.0.0"]' in dockerfile and "\nUSER gateway\n" in dockerfile


def test_dockerignore_keeps_the_build_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".venv", ".git", "tests"} <= ignored
    assert not {"gateway", "schema", "resolvers", "reference_services", "pyproject.toml", "README.md"} & ignored
