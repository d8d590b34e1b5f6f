"""No client can open a breaker for everyone: one principal's hostile requests stay that principal's problem.

One member of t-acme sends about 250 hostile requests of every kind it can (forged and overflowing cursors, huge
`first`, malformed and foreign ids, bad enums and filters, oversized mutation inputs), and after each one a member
of t-globex loads one of their pages. Every one of the other tenant's answers must have data and no errors, and
every domain's circuit breaker must stay closed throughout (read from the app state after each step, and from the
transition counter at the end). The hostile principal gets client errors (BAD_USER_INPUT, NOT_FOUND, FORBIDDEN,
validation failures, userErrors), never INTERNAL_SERVER_ERROR or a BACKEND_* code, and the services never answer
500 (nor 400: whatever the gateway forwards, it validated first).

The services run in-process behind transports that turn an exception into the 500 a served app would answer
(``raise_app_exceptions=False``), so the gateway sees what it would see over sockets. Bounded loops, no sockets.
"""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from gateway.app import create_app
from gateway.ids import encode_global_id
from gateway.resilience import BreakerState
from gateway.settings import DOMAINS, Settings
from reference_services.embedded import create_services
from tests.processes import (
    bearer,
    reference_services,
)
from tests.support import GatewayHarness, build_harness

HOSTILE = "u-marco"  # member of p-vision and p-llm (t-acme)
OTHER = "u-sam"  # member of p-genomics (t-globex)
FORBIDDEN_CODES = {"INTERNAL_SERVER_ERROR", "BACKEND_UNAVAILABLE", "BACKEND_TIMEOUT", "BACKEND_BAD_RESPONSE"}


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode()


def gid(type_name: str, local: str) -> str:
    return encode_global_id(type_name, local)


OVERFLOW_CURSOR = b64("c1:9223372036854775808")  # 2^63: one past SQLite's largest integer
FORGED_CURSORS = [
    OVERFLOW_CURSOR,
    b64("c1:99999999999999999999999999999999"),
    b64("c1:-1"),
    b64("c1:²³"),  # Unicode digits: str.isdigit() says yes, int() and SQLite say no
    b64("c1:١٢٣"),
    b64("c1:1e3"),
    b64("c1: 7"),
    b64("c1:"),
    b64("c2:5"),
    b64("k1:m-0001"),  # another list's cursor
    b64(b"c1:\xff\xfe"),
    "not base64 at all!",
    "YzE6MTIz===",
    "A" * 5000,
    "é",
]
FIRSTS = [-1, 101, 1_000_000, 2**31 - 1]
CONNECTIONS = {
    "workloads": "query($f: Int!, $a: String) { workloads(first: $f, after: $a) { totalCount nodes { id } } }",
    "buckets": "query($f: Int!, $a: String) { buckets(first: $f, after: $a) { totalCount nodes { id } } }",
    "notifications": "query($f: Int!, $a: String) { notifications(first: $f, after: $a) { totalCount nodes { id } } }",
    "evidence": "query($f: Int!, $a: String) { evidence(scope: USER, first: $f, after: $a) { totalCount } }",
    "memberships": "query($f: Int!, $a: String) { access { memberships(first: $f, after: $a) { totalCount } } }",
    "audit": "query($f: Int!, $a: String) { access { audit(first: $f, after: $a) { totalCount } } }",
}
BAD_IDS = [
    "",
    "!!!",
    "x" * 600,
    b64("Workload:"),
    base64.b64encode(b"Workload:a,b").decode(),
    base64.b64encode(b"Workload:../../v1/buckets").decode(),
    base64.b64encode(b"Workload:" + b"x" * 200).decode(),
    base64.b64encode(b"Workload:\xff").decode(),
    base64.b64encode(b"Nope:wl-0001").decode(),
    gid("Bucket", "bk-0001"),  # a well-formed id of another type
    gid("Workload", "wl-0072"),  # t-globex's
    gid("Workload", "wl-99999"),  # missing
]
FOREIGN_IDS = [
    gid("Workload", "wl-0072"),
    gid("Bucket", "bk-0015"),
    gid("StorageGrant", "gr-0014"),
    gid("Notification", "ntf-sam-001"),
    gid("Project", "p-genomics"),
    gid("ServiceAccount", "sa-genomics-pipeline"),
    gid("Credential", "cred-sam-ssh"),
    gid("Tenant", "t-globex"),
    gid("User", "u-sam"),
    gid("LaunchDraft", "ld-0000000000"),
    gid("GpuNode", "node-001"),
]


@dataclass(frozen=True)
class Request:
    """One hostile request: a document, its variables, and whether it is a mutation (needs a key)."""

    kind: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    mutation: bool = False


def hostile_requests() -> Iterator[Request]:
    """Every hostile request, each once (about 250 of them)."""
    for (name, query), cursor in itertools.product(CONNECTIONS.items(), FORGED_CURSORS):
        yield Request(f"cursor:{name}", query, {"f": 5, "a": cursor})
    for (name, query), first in itertools.product(CONNECTIONS.items(), FIRSTS):
        yield Request(f"first:{name}", query, {"f": first, "a": None})
    for bad in BAD_IDS:
        yield Request("id:workload", "query($id: ID!) { workload(id: $id) { id name } }", {"id": bad})
        yield Request("id:bucket", "query($id: ID!) { bucket(id: $id) { id name } }", {"id": bad})
        yield Request("id:node", "query($id: ID!) { node(id: $id) { id } }", {"id": bad})
        yield Request(
            "id:stop",
            "mutation($id: ID!) { stopWorkload(input: {workloadId: $id}) { workload { id } userErrors { code } } }",
            {"id": bad},
            mutation=True,
        )
    yield Request("ids:nodes", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": BAD_IDS + FOREIGN_IDS})
    yield Request("ids:too-many", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": FOREIGN_IDS * 10})
    for foreign in FOREIGN_IDS:
        yield Request("foreign:node", "query($id: ID!) { node(id: $id) { id } }", {"id": foreign})
    yield Request("foreign:workload", "query($id: ID!) { workload(id: $id) { id } }", {"id": FOREIGN_IDS[0]})
    yield Request("foreign:bucket", "query($id: ID!) { bucket(id: $id) { id } }", {"id": FOREIGN_IDS[1]})
    yield Request(
        "foreign:revoke",
        "mutation($id: ID!) { revokeStorageGrant(input: {grantId: $id}) { grant { id } userErrors { code } } }",
        {"id": FOREIGN_IDS[2]},
        mutation=True,
    )
    yield Request(
        "foreign:mark-read",
        "mutation($ids: [ID!]) { markNotificationsRead(input: {ids: $ids}) { markedIds userErrors { code } } }",
        {"ids": [FOREIGN_IDS[3]]},
        mutation=True,
    )
    workloads = "query($filter: WorkloadFilter) { workloads(first: 5, filter: $filter) { totalCount } }"
    buckets = "query($filter: BucketFilter) { buckets(first: 5, filter: $filter) { totalCount } }"
    for workload_filter in (
        {"projectIds": [gid("Project", f"p-{n}") for n in range(101)]},
        {"projectIds": [gid("Project", "p-genomics"), gid("Project", "p-robotics")]},
        {"projectIds": ["not an id"]},
        {"projectIds": [gid("Workload", "wl-0001")]},
        {"statuses": ["RUNNING"] * 5000},
        {"kinds": ["COMPUTE", "TRAINING"] * 2500},
        {"statuses": ["NOPE"]},
        {"kinds": ["compute"]},
    ):
        yield Request("filter:workloads", workloads, {"filter": workload_filter})
    for bucket_filter in ({"providers": ["WEKA"] * 5000}, {"providers": ["S3"]}, {"projectIds": ["x" * 600]}):
        yield Request("filter:buckets", buckets, {"filter": bucket_filter})
    evidence = "query($filter: EvidenceFilter) { evidence(scope: USER, first: 5, filter: $filter) { totalCount } }"
    for evidence_filter in (
        {"actions": ["workload.created,workload.deleted"]},
        {"actions": [f"a{n}" for n in range(51)]},
        {"actions": ["x" * 500]},
        {"targetTypes": [""]},
        {"actorIds": ["u-sam"]},
        {"actorIds": [gid("User", "u-sam")] * 51},
        {"outcomes": ["NOPE"]},
        {"since": "2030-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"},
        {"since": "2020-01-01T00:00:00Z", "until": "2021-01-01T00:00:00"},  # one with an offset, one without
        {"since": "9999-12-31T23:59:59.999999Z"},  # rounds up past year 9999
        {"until": "0001-01-01T00:00:00+05:00"},  # before year 1 in UTC
        {"since": "not a time"},
    ):
        yield Request("filter:evidence", evidence, {"filter": evidence_filter})
    for scope_query in (
        "{ evidence(scope: PROJECT, project: $p, first: 5) { totalCount } }",
        "{ evidence(scope: TENANT, tenant: $p, first: 5) { totalCount } }",
        "{ evidence(scope: PLATFORM, first: 5) { totalCount } }",
        "{ access(tenant: $p) { tenants { id } } }",
        "{ tenantOverview(tenant: $p) { tenant { id } } }",
        "{ projectOverview(project: $p) { project { id } } }",
    ):
        for value in (gid("Project", "p-genomics"), gid("Tenant", "t-globex"), "!!!"):
            yield Request("scope", "query($p: ID) " + scope_query, {"p": value})
    for text in ("x" * 1000, "", " ", "../../etc", "us-east-1,eu-west-1"):
        yield Request("text:skus", "query($r: String) { computeSkus(region: $r) { sku { id } } }", {"r": text})
        yield Request("text:apps", "query($c: String) { apps(category: $c) { category } }", {"c": text})
        yield Request("text:app", "query($s: String!) { app(slug: $s) { slug } }", {"s": text})
    yield Request("notifications:category", "{ notifications(first: 5, category: NOPE) { totalCount } }", {})
    mark = "mutation($ids: [ID!]) { markNotificationsRead(input: {ids: $ids}) { markedIds userErrors { code } } }"
    yield Request("mutation:mark-read", mark, {"ids": [gid("Notification", f"ntf-{n}") for n in range(501)]}, True)
    yield Request("mutation:mark-read", mark, {"ids": ["!!!"]}, True)
    draft = (
        "mutation($input: SaveLaunchDraftInput!) { "
        "saveLaunchDraft(input: $input) { draft { id } userErrors { code } } }"
    )
    yield Request(
        "mutation:draft",
        draft,
        {"input": {"kind": "COMPUTE", "image": {"env": [{"name": f"V{n}", "value": "v" * 100} for n in range(5000)]}}},
        True,
    )
    yield Request("mutation:draft", draft, {"input": {"kind": "COMPUTE", "basics": {"name": "n" * 100_000}}}, True)
    yield Request("mutation:draft", draft, {"input": {"draftId": OVERFLOW_CURSOR}}, True)
    yield Request("mutation:draft", draft, {"input": {"kind": "APP", "app": {"appSlug": "s" * 200}}}, True)
    bucket = (
        "mutation($input: CreateBucketInput!) { createBucket(input: $input) { bucket { id } userErrors { code } } }"
    )
    base_bucket = {
        "projectId": gid("Project", "p-vision"),
        "name": "hostile-bucket",
        "purpose": "dataset",
        "provider": "VAST",
        "region": "us-east-1",
        "quotaBytes": 2**62,
    }
    yield Request("mutation:bucket", bucket, {"input": base_bucket}, True)
    yield Request("mutation:bucket", bucket, {"input": {**base_bucket, "provider": "x" * 10_000}}, True)
    for region in ("r" * 5000, "us-east-1,eu-west-1", " "):
        valid_quota = {**base_bucket, "quotaBytes": 2 * 1024**4, "name": "hostile-region"}
        yield Request("mutation:bucket", bucket, {"input": {**valid_quota, "region": region}}, True)
    yield Request(
        "mutation:bucket", bucket, {"input": {**base_bucket, "projectId": gid("Project", "p-genomics")}}, True
    )
    notify = (
        "mutation($t: String!) { sendTestNotification(input: {title: $t}) { notification { id } userErrors { code } } }"
    )
    yield Request("mutation:notify", notify, {"t": "t" * 10_000}, True)
    launch = (
        "mutation($input: LaunchComputeInput!) { launchCompute(input: $input) { workload { id } userErrors { code } } }"
    )
    yield Request(
        "mutation:launch",
        launch,
        {
            "input": {
                "basics": {"projectId": gid("Project", "p-vision"), "name": "hostile-box"},
                "hardware": {"gpuModel": "x" * 5000, "gpuCount": 2**31 - 1, "region": "r" * 5000},
                "image": {"image": "i" * 5000, "env": [{"name": "A" * 5000, "value": "v"}] * 60},
                "access": {"sshKeyId": gid("Credential", "cred-sam-ssh")},
                "storage": {"mounts": [{"bucketId": gid("Bucket", "bk-0015"), "mountPath": "/mnt/../../x"}] * 20},
            }
        },
        True,
    )


OTHER_TENANT_PAGES = [
    ("workloads", "{ workloads(first: 5) { totalCount nodes { id name status } } }"),
    ("buckets", "{ buckets(first: 5) { totalCount nodes { id name } } }"),
    ("notifications", "{ notifications(first: 5) { totalCount nodes { id title } } }"),
    ("evidence", "{ evidence(scope: USER, first: 5) { totalCount } }"),
]


class ServedLikeASocket(httpx.AsyncBaseTransport):
    """A service in-process that answers 500 for an exception (as uvicorn would); records every answer."""

    def __init__(self, domain: str, app: Any, answers: Counter[tuple[str, str, int]]) -> None:
        self.domain = domain
        self.inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.answers = answers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.answers[(self.domain, f"{request.method} {request.url.path}", response.status_code)] += 1
        return response


@dataclass
class Run:
    harness: GatewayHarness
    client: httpx.AsyncClient
    answers: Counter[tuple[str, str, int]]

    async def post(self, user: str, query: str, variables: dict[str, Any], *, mutation: bool = False) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.harness.token(user)}"}
        if mutation:
            headers["idempotency-key"] = f"hostile-{uuid.uuid4()}"
        return await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)

    def breakers(self) -> dict[str, BreakerState]:
        return {c.domain: c.policy.breaker.state for c in self.harness.app.state.backends.clients()}


@pytest.fixture
async def run() -> AsyncIterator[Run]:
    services = create_services()
    answers: Counter[tuple[str, str, int]] = Counter()
    harness = build_harness(
        settings=Settings.from_env({}, viewer_cache_seconds=0),
        wrap_transport=lambda domain, _: ServedLikeASocket(domain, services[domain], answers),
        **services,
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://gateway.test")
    try:
        yield Run(harness, client, answers)
    finally:
        await client.aclose()
        await harness.app.state.idempotency_store.aclose()


def codes(body: dict[str, Any]) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []}


def opened() -> float:
    return sum(
        REGISTRY.get_sample_value("gateway_breaker_transitions_total", {"domain": d, "state": "open"}) or 0.0
        for d in DOMAINS
    )


async def test_one_principals_hostile_requests_never_cost_another_tenant_its_pages(run: Run) -> None:
    hostile_list = list(hostile_requests())
    assert 200 <= len(hostile_list) <= 300
    opened_before = opened()
    pages = itertools.cycle(OTHER_TENANT_PAGES)
    seen: Counter[str] = Counter()
    for step, hostile in enumerate(hostile_list):
        response = await run.post(HOSTILE, hostile.query, hostile.variables, mutation=hostile.mutation)
        assert response.status_code < 500, (step, hostile.kind, response.text[:500])
        body = response.json()
        assert not codes(body) & FORBIDDEN_CODES, (step, hostile.kind, hostile.variables, body.get("errors"))
        seen[hostile.kind.split(":")[0]] += 1

        name, page = next(pages)
        answer = await run.post(OTHER, page, {})
        assert answer.status_code == 200, (step, name, answer.text[:500])
        other = answer.json()
        assert "errors" not in other and other["data"][name] is not None, (step, hostile.kind, name, other)
        if name == "workloads":
            assert other["data"]["workloads"]["nodes"], "t-globex's workloads page has rows"
        assert set(run.breakers().values()) == {BreakerState.CLOSED}, (step, hostile.kind, run.breakers())

    assert opened() == opened_before, "no breaker opened, not even for a moment"
    assert {"cursor", "first", "id", "ids", "foreign", "filter", "scope", "text", "mutation"} <= set(seen)
    failed = {key: n for key, n in run.answers.items() if key[2] >= 500}
    assert not failed, f"the services answered 5xx: {failed}"
    refused = {key: n for key, n in run.answers.items() if key[2] == 400}
    assert not refused, f"the gateway forwarded input the services had to refuse: {refused}"


async def test_a_forged_cursor_is_bad_user_input_without_a_backend_call(run: Run) -> None:
    """Every connection refuses every forged cursor before calling a service with it (the access service is still
    asked who the viewer is: the viewer is not cached here)."""
    viewer = {("access", "/v1/users"), ("access", "/v1/memberships"), ("access", "/v1/projects")}

    def calls() -> int:
        return sum(n for call, n in run.harness.counts.items() if call not in viewer)

    for name, query in CONNECTIONS.items():
        for cursor in FORGED_CURSORS:
            before = calls()
            body = (await run.post(HOSTILE, query, {"f": 5, "a": cursor})).json()
            assert codes(body) == {"BAD_USER_INPUT"}, (name, cursor, body)
            assert body["errors"][0]["extensions"].get("argument") == "after", body
            assert calls() == before, f"{name} called a backend with cursor {cursor!r}: {run.harness.counts}"
    assert set(run.breakers().values()) == {BreakerState.CLOSED}


async def test_the_services_refuse_bad_input_with_a_coded_400(run: Run) -> None:
    """Straight at the services: whatever a caller sends wrong is a 400 with a code, never a 500."""
    services = run.harness.services
    reads = [
        ("workloads", "/v1/workloads", {"after": "9223372036854775808"}),
        ("workloads", "/v1/workloads", {"after": "²³"}),
        ("workloads", "/v1/workloads", {"after": "-1"}),
        ("workloads", "/v1/workloads", {"limit": "1_0"}),
        ("workloads", "/v1/workloads", {"limit": "99999999999999999999999"}),
        ("workloads", "/v1/workloads", {"limit": "٣"}),
        ("workloads", "/v1/workloads", {"ids": ",".join(f"wl-{n}" for n in range(1001))}),
        ("workloads", "/v1/workloads", {"status": ",".join(f"s{n}" for n in range(1001))}),
        ("workloads", "/v1/workloads", {"project_id": "p" * 300}),
        ("workloads", "/v1/workloads", {"nope": "1"}),
        ("account", "/v1/events", {"after": "9223372036854775808"}),
        ("account", "/v1/events", {"after": "١٢"}),
        ("account", "/v1/events", {"after": "1", "type": ",".join(f"t{n}" for n in range(1001))}),
    ]
    for domain, path, params in reads:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=services[domain], raise_app_exceptions=False), base_url="http://s"
        ) as client:
            response = await client.get(path, params=params)
        assert response.status_code == 400, (domain, path, params, response.status_code, response.text[:200])
        assert isinstance(response.json()["error"]["code"], str)
    repeated = "/v1/workloads?limit=1&limit=2"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=services["workloads"], raise_app_exceptions=False), base_url="http://s"
    ) as client:
        assert (await client.get(repeated)).status_code == 400
        launch = {
            "tenant_id": "t-acme",
            "project_id": "p-vision",
            "owner_id": "u-marco",
            "name": "valid-name",
            "gpu": {"model": "NVIDIA H100 80GB", "count": 1},
            "image": "nvcr.io/nvidia/pytorch:24.10-py3",
        }
        commands = [
            ("/v1/workloads", b"[" * 100_000 + b"]" * 100_000),  # nested past the JSON parser's depth
            ("/v1/workloads", b"\xff\xfe"),  # not UTF-8
            ("/v1/workloads", json.dumps({**launch, "gpu": {"model": ["a"], "count": 1}}).encode()),
            ("/v1/workloads", json.dumps({**launch, "gpu": {"model": {"a": 1}, "count": 1}}).encode()),
            ("/v1/workloads", json.dumps({**launch, "gpu": "H100"}).encode()),
            ("/v1/workloads", json.dumps({**launch, "gpu": {"model": "NVIDIA H100 80GB", "count": 2**70}}).encode()),
            ("/v1/workloads", json.dumps({**launch, "settings": {"epochs": "ten"}}).encode()),
            (
                "/v1/workloads",
                json.dumps({**launch, "settings": {"max_model_length": 1e400}}).replace("Infinity", "1e400").encode(),
            ),
            ("/v1/workloads", json.dumps({**launch, "settings": ["x"]}).encode()),
            ("/v1/workloads", json.dumps({**launch, "env": [{"name": "A", "value": {"x": 1}}]}).encode()),
            ("/v1/workloads", json.dumps({**launch, "env": "A=1"}).encode()),
        ]
        for path, raw in commands:
            response = await client.post(path, content=raw, headers={"content-type": "application/json"})
            assert response.status_code == 400, (path, raw[:80], response.status_code, response.text[:200])
            assert isinstance(response.json()["error"]["code"], str)


@pytest.fixture
def socket_services(tmp_path: Any) -> Iterator[tuple[dict[str, str], dict[str, str], dict[str, str]]]:
    """`reference-services serve` on loopback ports: the gateway's environment and both principals' tokens."""
    with reference_services() as env:
        env["GATEWAY_DATA_DIR"] = str(tmp_path)
        yield env, bearer(env, HOSTILE), bearer(env, OTHER)


@pytest.mark.socket
async def test_forged_cursors_over_sockets_keep_the_shared_breaker_closed(
    socket_services: tuple[dict[str, str], dict[str, str], dict[str, str]],
) -> None:
    """The reported path: services on loopback sockets, a gateway on their URLs with the default breaker (5
    failures) and retries. Forged cursors answer BAD_USER_INPUT and never reach the service; sent straight to
    the service they answer 400 with a code; the other tenant's workloads page keeps its data throughout."""
    env, hostile, other = socket_services
    app = create_app(Settings.from_env(env, viewer_cache_seconds=0))
    try:
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client,
            httpx.AsyncClient(base_url=env["GATEWAY_WORKLOADS_URL"]) as service,
        ):
            (await service.post("/_faults", json={"reset_stats": True})).raise_for_status()
            for cursor in FORGED_CURSORS[:8]:
                forged = {"query": CONNECTIONS["workloads"], "variables": {"f": 5, "a": cursor}}
                answer = await client.post("/graphql", json=forged, headers=hostile)
                assert codes(answer.json()) == {"BAD_USER_INPUT"}, answer.text
                page = await client.post("/graphql", json={"query": OTHER_TENANT_PAGES[0][1]}, headers=other)
                assert "errors" not in page.json() and page.json()["data"]["workloads"]["nodes"], page.text
                states = {c.domain: c.policy.breaker.state for c in app.state.backends.clients()}
                assert set(states.values()) == {BreakerState.CLOSED}, states
            gets = (await service.get("/_faults")).json()["requests"].get("GET", 0)
            assert gets == 8, "only the other tenant's pages reached the workloads service"
            direct = await service.get("/v1/workloads", params={"after": "9223372036854775808"})
            assert direct.status_code == 400 and direct.json()["error"]["code"] == "bad_cursor"
    finally:
        await app.state.backends.aclose()
        await app.state.idempotency_store.aclose()
