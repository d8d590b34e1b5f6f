"""Refresh GraphiQL's vendored browser assets from the npm registry (``make graphiql-assets``).

The gateway serves GraphiQL without a CDN: React, GraphiQL and the explorer plugin live in
``gateway/static/graphiql/vendor/<package>@<version>/`` and are not committed: ``--fetch`` (run by ``make run``,
``make test`` and the Docker build) installs them from the registry's tarballs, verified against the pins, with no
npm needed; the gateway then serves them with no network. The pins are ``gateway/static/graphiql/assets.json``:
per npm package its version, the tarball's sha512 integrity as the
registry publishes it, and every file the gateway ships with its sha384 Subresource Integrity hash (the page's
``integrity=`` attributes come from there).

    python scripts/graphiql_assets.py                        # fetch the pinned versions again, rewrite files, hashes
    python scripts/graphiql_assets.py --set graphiql@3.8.3   # change a pin (repeatable), then refresh
    python scripts/graphiql_assets.py --fetch                # install the pinned files (verified) where missing
    python scripts/graphiql_assets.py --check                # offline: installed files match the manifest

(``make graphiql-assets`` runs the first; ``make graphiql-assets PINS="graphiql@3.9.0"`` the second.)

Refreshing runs ``npm view`` (the registry's tarball integrity) and ``npm pack`` (which checks the download
against it); the tarball's own sha512 is checked again here before anything is copied. Files of a version no
longer pinned are removed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "gateway" / "static" / "graphiql"
MANIFEST = STATIC / "assets.json"
VENDOR = STATIC / "vendor"
REGISTRY = "https://registry.npmjs.org"


def sri(data: bytes, algorithm: str = "sha384") -> str:
    """A Subresource Integrity value (``sha384-<base64>``)."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def served_path(package: dict[str, Any], file: dict[str, Any]) -> Path:
    return VENDOR / f"{package['name']}@{package['version']}" / file["path"]


def load() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(MANIFEST.read_text())
    return manifest


def check(manifest: dict[str, Any]) -> list[str]:
    """Files that are missing or differ from their recorded hash, and vendored files the manifest does not list."""
    problems: list[str] = []
    listed: set[Path] = set()
    for package in manifest["packages"]:
        for file in package["files"]:
            path = served_path(package, file)
            listed.add(path)
            if not path.is_file():
                problems.append(f"missing: {path.relative_to(ROOT)}")
            elif sri(path.read_bytes()) != file["integrity"]:
                problems.append(f"hash differs from the manifest: {path.relative_to(ROOT)}")
    for path in sorted(VENDOR.rglob("*")):
        if path.is_file() and path not in listed:
            problems.append(f"not in the manifest: {path.relative_to(ROOT)}")
    return problems


def npm(*args: str, cwd: Path) -> str:
    npm_binary = shutil.which("npm")
    if npm_binary is None:
        raise SystemExit("graphiql-assets: npm is not installed (it is needed to refresh the assets, not to run)")
    result = subprocess.run([npm_binary, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"graphiql-assets: npm {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def refresh(manifest: dict[str, Any]) -> None:
    """Download each pinned package, verify it, copy its listed files and record their hashes."""
    staged: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="graphiql-assets-") as work:
        workdir = Path(work)
        for package in manifest["packages"]:
            spec = f"{package['name']}@{package['version']}"
            published = json.loads(npm("view", spec, "dist.integrity", "--json", cwd=workdir))
            packed = json.loads(npm("pack", spec, "--json", "--pack-destination", str(workdir), cwd=workdir))
            tarball = workdir / packed[0]["filename"]
            if sri(tarball.read_bytes(), "sha512") != published:
                raise SystemExit(f"graphiql-assets: {spec}: the tarball does not match the registry's integrity")
            package["tarball_integrity"] = published
            with tarfile.open(tarball) as archive:
                metadata = archive.extractfile("package/package.json")
                if metadata is not None:
                    package["license"] = json.load(metadata).get("license", "see the package")
                for file in package["files"]:
                    member = archive.extractfile(f"package/{file['path']}")
                    if member is None:
                        raise SystemExit(f"graphiql-assets: {spec} has no file {file['path']}")
                    data = member.read()
                    file["integrity"] = sri(data)
                    staged[served_path(package, file)] = data
            print(f"{spec}: {packed[0]['filename']} {published}")
    keys = ("name", "version", "license", "tarball_integrity", "files")
    manifest["packages"] = [{key: package.get(key) for key in keys} for package in manifest["packages"]]
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for path, data in staged.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


def tarball_url(package: dict[str, Any]) -> str:
    """The registry's tarball of a pinned package (``@scope/name`` -> ``.../@scope/name/-/name-<version>.tgz``)."""
    name, version = package["name"], package["version"]
    return f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def fetch(manifest: dict[str, Any]) -> None:
    """Install the pinned files from the registry's tarballs, each verified against the pins (no npm needed).

    The vendored files are not committed: ``make run``/``make test`` (and the Docker build) fetch them once.
    """
    if not check(manifest):
        return
    for package in manifest["packages"]:
        spec = f"{package['name']}@{package['version']}"
        with urllib.request.urlopen(tarball_url(package), timeout=60) as response:
            data = response.read()
        if sri(data, "sha512") != package["tarball_integrity"]:
            raise SystemExit(f"graphiql-assets: {spec}: the tarball does not match its pinned integrity")
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for file in package["files"]:
                member = archive.extractfile(f"package/{file['path']}")
                content = member.read() if member is not None else b""
                if sri(content) != file["integrity"]:
                    raise SystemExit(f"graphiql-assets: {spec}: {file['path']} does not match its pinned integrity")
                target = served_path(package, file)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        print(f"graphiql-assets: {spec} installed")
    problems = check(manifest)
    if problems:
        raise SystemExit("graphiql-assets: " + "; ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify the installed files offline; change nothing")
    parser.add_argument("--fetch", action="store_true", help="install the pinned files (verified) if missing")
    parser.add_argument("--set", action="append", default=[], metavar="NAME@VERSION", help="change a package's pin")
    args = parser.parse_args(argv)
    manifest = load()
    if args.check:
        problems = check(manifest)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"{MANIFEST.relative_to(ROOT)}: every vendored file matches its hash")
        return 1 if problems else 0
    if args.fetch:
        fetch(manifest)
        return 0
    packages = {package["name"]: package for package in manifest["packages"]}
    for pin in args.set:
        name, _, version = pin.rpartition("@")
        if name not in packages or not version:
            parser.error(f"--set {pin}: expected NAME@VERSION with NAME one of {', '.join(packages)}")
        packages[name]["version"] = version
    refresh(manifest)
    problems = check(manifest)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
