"""The deployables agree with the schemas, with each other and with the image (issue 15, items 2 and 3).

- Every manifest under ``deploy/kubernetes/`` validates against the Kubernetes schemas (kubernetes-validate's
  bundled copies, strict, at ``KUBERNETES``); overlay patches are applied to the base resources they target and
  the result validated too. No cluster, no rendering tool (``kubectl kustomize`` is used only when installed).
- Every file a ``kustomization.yaml`` lists exists, and the production overlay patches only base resources.
- The Dockerfile's user, port, health check and command are the ones the Deployment, the compose file and the
  HAProxy config rely on; the settings in the ConfigMap load; the image with the cluster's backend URLs and no
  ``GATEWAY_MODE`` hands out no development credentials.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from gateway.app import create_app
from gateway.graphiql import development_credentials
from gateway.settings import DOMAINS, Settings

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
BASE = KUBE / "base"
PRODUCTION = KUBE / "overlays" / "production"
COMPOSE = ROOT / "docker-compose.yml"
HAPROXY = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
DOCKERFILE = ROOT / "Dockerfile"
# The oldest Kubernetes the manifests promise to work on (the preStop `sleep` action needs 1.30+).
KUBERNETES = "1.33.0"
PLACEHOLDER = "REPLACE_ME"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")

Doc = dict[str, Any]


# --- loading -------------------------------------------------------------------------------------------------


def documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def kustomization(directory: Path) -> Doc:
    found: Doc = documents(directory / "kustomization.yaml")[0]
    return found


def key(doc: Doc) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def resources(directory: Path) -> dict[tuple[str, str], Doc]:
    """The resources a kustomization lists (recursing into directories), by (kind, name); patches not applied."""
    found: dict[tuple[str, str], Doc] = {}
    for entry in kustomization(directory).get("resources", []):
        target = directory / entry
        docs = list(resources(target).values()) if target.is_dir() else documents(target)
        for doc in docs:
            assert key(doc) not in found, f"{key(doc)} is declared twice under {directory}"
            found[key(doc)] = doc
    return found


def patch_files(directory: Path) -> list[tuple[Path, Doc | None]]:
    """(file, kustomize target or None) for every patch of a kustomization."""
    out = []
    for entry in kustomization(directory).get("patches", []) + [
        {"path": p} for p in kustomization(directory).get("patchesStrategicMerge", [])
    ]:
        assert "path" in entry, f"inline patches are not used here: {entry}"
        out.append((directory / entry["path"], entry.get("target")))
    return out


def strategic_merge(base: Any, patch: Any) -> Any:
    """Enough of kustomize's strategic merge for these patches: maps merge, ``null`` deletes a key, lists of
    named items (containers, ports, volumes) merge by name, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for name, value in patch.items():
            if name.startswith("$"):
                continue
            if value is None:
                merged.pop(name, None)
            elif name in merged:
                merged[name] = strategic_merge(merged[name], value)
            else:
                merged[name] = copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(i, dict) and "name" in i for i in patch):
        by_name = {item["name"]: item for item in base if isinstance(item, dict) and "name" in item}
        merged_list = [strategic_merge(by_name[i["name"]], i) if i["name"] in by_name else i for i in patch]
        return [i for i in base if i.get("name") not in {p["name"] for p in patch}] + merged_list
    return copy.deepcopy(patch)


def json_patch(doc: Doc, operations: list[Doc]) -> Doc:
    """RFC 6902 ``add``, ``replace`` and ``remove`` on JSON-pointer paths (what kustomize applies for a target)."""
    doc = copy.deepcopy(doc)
    for op in operations:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if op["op"] in ("add", "replace"):
            if op["op"] == "replace":
                assert last in node, f"{op['path']} does not exist"
            node[last] = copy.deepcopy(op["value"])
        elif op["op"] == "remove":
            del node[last]
        else:
            raise AssertionError(f"unsupported op {op['op']}")
    return doc


def render(directory: Path) -> dict[tuple[str, str], Doc]:
    """A kustomization's resources with its patches (and those of the bases it lists) applied."""
    found: dict[tuple[str, str], Doc] = {}
    for entry in kustomization(directory).get("resources", []):
        target = directory / entry
        for doc in render(target).values() if target.is_dir() else documents(target):
            found[key(doc)] = doc
    for path, target in patch_files(directory):
        body = documents(path)[0]
        if target is not None and isinstance(body, list):
            matches = [k for k in found if k == (target["kind"], target["name"])]
            assert matches, f"{path.name} targets {target}, which is not a resource of the base"
            found[matches[0]] = json_patch(found[matches[0]], body)
            continue
        assert key(body) in found, f"{path.name} patches {key(body)}, which is not a resource of the base"
        if body.get("$patch") == "delete":
            del found[key(body)]
        else:
            found[key(body)] = strategic_merge(found[key(body)], body)
    return found


def validate(doc: Doc) -> None:
    try:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(p) for p in error.path)
        raise AssertionError(f"{key(doc)} at {where}: {error.message}") from None


def manifest_files() -> Iterator[Path]:
    yield from sorted(KUBE.rglob("*.yaml"))


# --- Kubernetes schemas ----------------------------------------------------------------------------------------


def test_kubernetes_validate_runs_offline_at_the_pinned_version() -> None:
    # The schemas ship inside the package: validating reads files, never the network.
    assert kubernetes_validate.validate(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}, KUBERNETES, strict=True
    )
    with pytest.raises(AssertionError, match="'bogus' was unexpected"):  # strict: unknown fields fail
        validate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}, "spec": {"bogus": 1}})


@pytest.mark.parametrize("path", list(manifest_files()), ids=lambda p: str(p.relative_to(KUBE)))
def test_every_manifest_document_validates(path: Path) -> None:
    patches = {p for d in (BASE, PRODUCTION) for p, _ in patch_files(d)}
    for doc in documents(path):
        if path.name == "kustomization.yaml":
            assert doc["kind"] == "Kustomization" and doc["apiVersion"].startswith("kustomize.config.k8s.io/")
        elif path in patches:
            # A patch is partial: it is validated below, applied to the base resource it targets.
            assert isinstance(doc, list) or {"apiVersion", "kind", "metadata"} <= set(doc)
        else:
            validate(doc)


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_the_rendered_resources_validate(directory: Path) -> None:
    rendered = render(directory)
    assert rendered
    for doc in rendered.values():
        validate(doc)


@pytest.mark.socket  # starts a process (conftest refuses unmarked ones); no network: kustomize reads local files
@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed (the checks above need none)")
@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_kubectl_kustomize_renders_what_the_test_renders(directory: Path) -> None:
    out = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    by_kubectl = {key(d): d for d in yaml.safe_load_all(out.stdout) if d}
    for doc in by_kubectl.values():
        validate(doc)
    assert set(by_kubectl) == set(render(directory))
    # Kustomize adds labels, the namespace and the image; the specs are the ones this test validates.
    for k, doc in render(directory).items():
        if k[0] == "Deployment":
            mine = doc["spec"]["template"]["spec"]["containers"][0]
            theirs = by_kubectl[k]["spec"]["template"]["spec"]["containers"][0]
            assert {n: v for n, v in theirs.items() if n != "image"} == {n: v for n, v in mine.items() if n != "image"}


# --- kustomizations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(KUBE.rglob("kustomization.yaml")), ids=lambda p: str(p.relative_to(KUBE)))
def test_every_file_a_kustomization_lists_exists(path: Path) -> None:
    spec = kustomization(path.parent)
    listed = [*spec.get("resources", []), *(p["path"] for p in spec.get("patches", []))]
    assert listed
    for entry in listed:
        target = path.parent / entry
        assert target.is_file() or (target / "kustomization.yaml").is_file(), f"{path}: {entry} does not exist"
    # Nothing sits in the directory unused.
    used = {(path.parent / e).resolve() for e in listed}
    assert {p.resolve() for p in path.parent.glob("*.yaml")} - used == {path.resolve()}


def test_the_production_overlay_builds_on_the_base_and_patches_only_its_resources() -> None:
    assert "../../base" in kustomization(PRODUCTION)["resources"]
    base = resources(BASE)
    for path, target in patch_files(PRODUCTION):
        body = documents(path)[0]
        wanted = (target["kind"], target["name"]) if target else key(body)
        assert wanted in base, f"{path.name} targets {wanted}, not a base resource"


# --- what the manifests say ----------------------------------------------------------------------------------


def dockerfile() -> dict[str, Any]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]  # the runtime stage
    lines = [line.strip() for line in final.splitlines() if line.strip() and not line.startswith("#")]

    def instruction(name: str) -> list[str]:
        return [line[len(name) + 1 :].strip() for line in lines if line.startswith(name + " ")]

    uid = re.search(r"useradd .*--uid (\d+).*\s(\S+)$", instruction("RUN")[0])
    assert uid, "the runtime stage creates its user with a fixed uid"
    healthcheck = instruction("HEALTHCHECK")[0]
    return {
        "uid": int(uid.group(1)),
        "user_name": uid.group(2),
        "user": instruction("USER")[0],
        "workdir": instruction("WORKDIR")[0],
        "port": int(instruction("EXPOSE")[0]),
        "health_path": re.search(r"/(healthz|readyz)\b", healthcheck).group(0),  # type: ignore[union-attr]
        "cmd": json.loads(instruction("CMD")[0]),
    }


def gateway_pod(rendered: dict[tuple[str, str], Doc]) -> Doc:
    pod: Doc = rendered["Deployment", "gateway"]["spec"]["template"]["spec"]
    return pod


def environment(rendered: dict[tuple[str, str], Doc]) -> dict[str, str]:
    """What the gateway container gets from its ConfigMap and Secret (the Secret wins: it is listed last)."""
    container = gateway_pod(rendered)["containers"][0]
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        if "configMapRef" in source:
            env.update(rendered["ConfigMap", source["configMapRef"]["name"]]["data"])
        else:
            env.update(rendered["Secret", source["secretRef"]["name"]]["stringData"])
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    return env


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_the_deployment_runs_the_image_as_built(directory: Path) -> None:
    image = dockerfile()
    assert image["user"] in (image["user_name"], str(image["uid"]))
    rendered = render(directory)
    pod = gateway_pod(rendered)
    (container,) = pod["containers"]
    env = environment(rendered)
    # User: the image's uid, non-root, no escalation, read-only root filesystem.
    for context in (pod["securityContext"], container["securityContext"]):
        assert context["runAsNonRoot"] is True and context["runAsUser"] == image["uid"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    # What the gateway writes lives on emptyDirs: GATEWAY_DATA_DIR, /tmp (and the metrics directory under it).
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    empty_dirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    assert mounts[env["GATEWAY_DATA_DIR"]] in empty_dirs and mounts["/tmp"] in empty_dirs
    assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    # Port and command: the image's.
    (port,) = container["ports"]
    assert port["containerPort"] == image["port"] == int(env["GATEWAY_PORT"])
    assert container["command"] == image["cmd"] and "args" not in container
    # Probes: readiness on /readyz, liveness on the image's HEALTHCHECK path, both on the container port.
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", image["health_path"])):
        assert container[probe]["httpGet"]["path"] == path
        assert container[probe]["httpGet"]["port"] in (port["name"], port["containerPort"])
    assert image["health_path"] == "/healthz"
    # Resources are requested and bounded.
    assert {"cpu", "memory"} <= set(container["resources"]["requests"]) and "memory" in container["resources"]["limits"]
    # Shutdown: the preStop sleep, then GATEWAY_SHUTDOWN_TIMEOUT for requests in flight, within the grace period.
    sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert sleep > 0
    shutdown = Settings.from_env(env).shutdown_timeout
    assert pod["terminationGracePeriodSeconds"] == sleep + shutdown
    assert Settings().shutdown_timeout == shutdown  # the setting's default: change both together


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_service_pdb_and_autoscaler_select_the_gateway(directory: Path) -> None:
    rendered = render(directory)
    deployment = rendered["Deployment", "gateway"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    ports = {p["name"] for p in gateway_pod(rendered)["containers"][0]["ports"]}
    service = rendered["Service", "gateway"]["spec"]
    assert service["selector"].items() <= labels.items() and {p["targetPort"] for p in service["ports"]} <= ports
    pdb = rendered["PodDisruptionBudget", "gateway"]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    hpa = rendered["HorizontalPodAutoscaler", "gateway"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    assert hpa["minReplicas"] >= 2 and hpa["minReplicas"] == deployment["spec"]["replicas"]
    # The budget leaves the autoscaler's minimum able to lose a pod without dropping to none.
    assert pdb.get("minAvailable", 0) < hpa["minReplicas"]


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_the_configuration_loads_as_production_settings(directory: Path) -> None:
    env = environment(render(directory))
    assert all(name.startswith("GATEWAY_") for name in env if name != "PROMETHEUS_MULTIPROC_DIR")
    settings = Settings.from_env(env)  # raises SettingsError naming any bad value
    assert settings.security.production and not settings.embedded
    assert not development_credentials(settings) and not settings.graphiql_enabled
    for store in ("GATEWAY_IDEMPOTENCY_STORE", "GATEWAY_RATE_LIMIT_STORE", "GATEWAY_EVENTS"):
        assert re.match(r"rediss?://(:[^@]+@)?redis:\d+/\d+$", env[store]), store  # the `redis` Service


def test_the_production_secret_is_a_template() -> None:
    rendered = render(PRODUCTION)
    secrets = [doc for (kind, _), doc in rendered.items() if kind == "Secret"]
    assert secrets
    for secret in secrets:
        assert "data" not in secret  # nothing base64-encoded to hide a value in
        for name, value in secret["stringData"].items():
            assert PLACEHOLDER in value, f"{name} must be a {PLACEHOLDER} placeholder in the committed overlay"


def test_redis_is_in_cluster_for_dev_and_external_in_production() -> None:
    base, production = render(BASE), render(PRODUCTION)
    assert ("Deployment", "redis") in base and base["Service", "redis"]["spec"]["selector"]
    assert ("Deployment", "redis") not in production
    external = production["Service", "redis"]["spec"]
    assert external["type"] == "ExternalName" and "selector" not in external and external["externalName"]


# --- docker-compose and HAProxy ------------------------------------------------------------------------------


def compose() -> Doc:
    found: Doc = yaml.safe_load(COMPOSE.read_text())
    return found


def test_compose_runs_two_gateways_redis_the_services_and_haproxy() -> None:
    image = dockerfile()
    services = compose()["services"]
    assert {"gateway-1", "gateway-2", "redis", "reference-services", "haproxy"} <= set(services)
    base_port = int(services["reference-services"]["command"][-1])
    assert services["reference-services"]["command"][:2] == ["reference-services", "serve"]
    for name in ("gateway-1", "gateway-2"):
        gateway = services[name]
        env = gateway["environment"]
        assert gateway["command"] == image["cmd"]
        assert gateway["user"].split(":")[0] == str(image["uid"]) and gateway["read_only"] is True
        assert "/readyz" in " ".join(gateway["healthcheck"]["test"])
        assert int(env["GATEWAY_PORT"]) == image["port"]
        # The reference services listen on consecutive ports in DOMAINS order (`reference-services serve`).
        for offset, domain in enumerate(DOMAINS):
            assert env[f"GATEWAY_{domain.upper()}_URL"] == f"http://reference-services:{base_port + offset}"
        for store in ("GATEWAY_IDEMPOTENCY_STORE", "GATEWAY_RATE_LIMIT_STORE", "GATEWAY_EVENTS"):
            assert env[store].startswith("redis://redis:6379/")
        settings = Settings.from_env(env)
        assert not settings.embedded and not development_credentials(settings)
        # The home volume (the image's WORKDIR) carries the shared development key.
        assert any(v.endswith(":" + image["workdir"]) for v in gateway["volumes"])
    haproxy = services["haproxy"]
    assert any(v.startswith("./deploy/haproxy/haproxy.cfg:") for v in haproxy["volumes"])


def haproxy_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in HAPROXY.read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not line[0].isspace():
            current = line.strip()
            sections[current] = []
        else:
            sections[current].append(" ".join(line.split()))
    return sections


def test_haproxy_balances_the_gateways_on_readyz_with_websockets() -> None:
    sections = haproxy_sections()
    defaults = sections["defaults"]
    assert "mode http" in defaults and any(line.startswith("timeout tunnel ") for line in defaults)
    frontend = next(lines for name, lines in sections.items() if name.startswith("frontend "))
    published = compose()["services"]["haproxy"]["ports"][0].split(":")[-1]
    assert f"bind :{published}" in frontend
    backend_name = next(line.split()[1] for line in frontend if line.startswith("default_backend "))
    backend = sections[f"backend {backend_name}"]
    assert "option httpchk" in backend
    check = next(line for line in backend if line.startswith("http-check send "))
    assert shlex.split(check)[shlex.split(check).index("uri") + 1] == "/readyz"
    assert "http-check expect status 200" in backend
    assert any(" check" in f" {line} " for line in backend if line.startswith("default-server "))
    servers = {line.split()[1]: line.split()[2] for line in backend if line.startswith("server ")}
    port = dockerfile()["port"]
    assert servers == {"gateway-1": f"gateway-1:{port}", "gateway-2": f"gateway-2:{port}"}


@pytest.mark.socket  # starts a process; `haproxy -c` only parses the file (the compose names need not resolve)
@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed (the checks above need none)")
def test_haproxy_accepts_its_config() -> None:
    out = subprocess.run(["haproxy", "-c", "-f", str(HAPROXY)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


# --- the image's defaults hand out no development credentials ------------------------------------------------


class NoNetwork(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"the page called a backend: {request.url}")


async def graphiql(env: dict[str, str]) -> httpx.Response:
    settings = Settings.from_env(env)
    app = create_app(settings, transports={domain: NoNetwork() for domain in DOMAINS})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        return await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})


def in_process(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The cluster's settings for an in-process app: files under tmp_path, per-process stores (no Redis)."""
    stores = ("GATEWAY_IDEMPOTENCY_STORE", "GATEWAY_RATE_LIMIT_STORE", "GATEWAY_EVENTS", "PROMETHEUS_MULTIPROC_DIR")
    return {**{k: v for k, v in env.items() if k not in stores}, "GATEWAY_DATA_DIR": str(tmp_path)}


async def test_the_image_with_the_clusters_backends_and_no_mode_serves_no_token(tmp_path: Path) -> None:
    # The image sets no GATEWAY_MODE: forget it in the ConfigMap and the backend URLs alone must keep tokens out.
    env = in_process(environment(render(PRODUCTION)), tmp_path)
    del env["GATEWAY_MODE"]
    assert not Settings.from_env(env).security.production
    response = await graphiql(env)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert 'data-personas="{}"' in response.text and not JWT.search(response.text)
    assert "gateway-persona" not in response.text


async def test_the_manifests_production_mode_serves_no_graphiql(tmp_path: Path) -> None:
    env = in_process(environment(render(PRODUCTION)), tmp_path)
    response = await graphiql(env)
    assert not response.headers.get("content-type", "").startswith("text/html")
    assert not JWT.search(response.text)


# --- README --------------------------------------------------------------------------------------------------


def test_the_readme_walks_through_both_deployments() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0]
    for needed in ("docker compose up", "kubectl apply -k deploy/kubernetes/overlays/production", "Helm"):
        assert needed in section
