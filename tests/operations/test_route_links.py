"""Every link in every route operation's response resolves.

Each route operation runs as every persona allowed to open it (as ``test_route_operations`` does); every string in
a response that starts with ``/`` is a link. A link is mapped back to its route in operations/index.json (its path
against the route templates) and opened through the API as the same persona: the route's operation with ``{id}``
or ``{slug}`` from the link and its query parameters, each of which must be a variable the route's operation
declares (a parameter it does not take would be dropped on the way to the API). It must
answer with no error and its object. Paths that are not console routes are only the destinations listed in
``NOT_CONSOLE_ROUTES``, each with why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from gateway.errors import BadUserInput
from gateway.ids import decode_global_id
from gateway.settings import Settings
from resolvers.console import navigation
from resolvers.shared.links import QUERY_ID_TYPES
from tests import route_operations as ops
from tests.operations.test_route_operations import LAUNCH_ROUTES, start_drafts
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Paths in responses that are not console pages, and what they are instead.
NOT_CONSOLE_ROUTES = {
    "/docs/": "documentation pages (provider capabilities, runbooks, the REST references)",
    "/serve/": "a vLLM workload's serving endpoint, called by clients, not opened in the console",
    "/lab/": "a Jupyter workload's notebook URL path",
    "/downloads/": "CLI and SDK archives of the developer downloads page",
    "/observability/": "metric sources of a workload, served by the metrics stack",
    "/assets/": "static images (app icons) the console's bundle serves",
    "/graphql": "the GraphQL endpoint itself (the developer page's API entry)",
}


@dataclass(frozen=True)
class Link:
    """A link found in a response, as the persona that saw it."""

    persona: str
    text: str
    found_on: str


# Fields whose values start with "/" but are no links.
NOT_LINK_FIELDS = {"mountPath": "a path inside a workload", "value": "an environment variable's value"}


def links_in(value: Any, name: str | None = None) -> Iterator[str]:
    """Every string in a response that starts with ``/`` (outside ``NOT_LINK_FIELDS``)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from links_in(child, key)
    elif isinstance(value, list):
        for child in value:
            yield from links_in(child, name)
    elif isinstance(value, str) and value.startswith("/") and name not in NOT_LINK_FIELDS:
        yield value


def route_of(path: str) -> tuple[str, dict[str, str]] | None:
    """The index route whose template matches ``path``, and the template's values (``id``/``slug``)."""
    parts = path.split("/")
    for template in ops.ROUTES:
        shape = template.split("/")
        if len(shape) != len(parts):
            continue
        values = {t[1:-1]: p for t, p in zip(shape, parts, strict=True) if t.startswith("{") and t.endswith("}")}
        if all(t == p or t.startswith("{") for t, p in zip(shape, parts, strict=True)) and all(values.values()):
            return template, values
    return None


def variables_of(link: str) -> tuple[str, dict[str, Any]]:
    """The route of a link and the variables its operation is opened with; fails for a link to no route."""
    split = urlsplit(link)
    found = route_of(split.path)
    assert found is not None, f"{link} matches no route of operations/index.json"
    template, values = found
    entry = ops.ROUTES[template]
    variables: dict[str, Any] = dict(values)
    declared = {**entry["variables"], **entry["optionalVariables"]}
    for name, value in parse_qsl(split.query, keep_blank_values=True):
        if name not in declared:  # a parameter the page's operation does not take would be lost on the way
            pytest.fail(f"{link}: `{name}` is no variable of {entry['operation']} ({sorted(declared)})")
        if name in QUERY_ID_TYPES:  # an object named in the query string is named by its global id
            expected = QUERY_ID_TYPES[name]
            try:
                decode_global_id(value, expected=expected)
            except BadUserInput:
                pytest.fail(f"{link}: `{name}` is not a global {expected} id")
        if entry["optionalVariables"].get(name) == "ID":
            variables[name] = value
    return template, variables


@pytest.fixture(scope="module")
def harness() -> GatewayHarness:
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


async def collect_links(harness: GatewayHarness) -> list[Link]:
    found: dict[tuple[str, str], Link] = {}
    for route, entry in ops.ROUTES.items():
        for persona in (p for nav in entry["personas"] for p in ops.HARNESS_PERSONAS[nav]):
            if (
                route in LAUNCH_ROUTES
                and not (await harness.query("{ launchDrafts { id } }", persona=persona))["data"]["launchDrafts"]
            ):
                await start_drafts(harness, persona)
            for variables in ops.variable_sets(route, persona):
                body = await harness.query(ops.document(entry), variables, persona=persona)
                assert "errors" not in body, (route, persona, body["errors"])
                for text in links_in(body["data"]):
                    found.setdefault((persona, text), Link(persona, text, route))
    return list(found.values())


async def test_every_link_in_every_route_response_opens_its_route(harness: GatewayHarness) -> None:
    links = await collect_links(harness)
    console = [link for link in links if not any(link.text.startswith(p) for p in NOT_CONSOLE_ROUTES)]
    assert len(console) > 100, "the routes' responses carry their links"
    opened: dict[tuple[str, str, str], str] = {}
    routes_reached: set[str] = set()
    broken: list[tuple[Link, Any]] = []
    for link in console:
        if route_of(urlsplit(link.text).path) is None:
            broken.append((link, "matches no route of operations/index.json"))
            continue
        template, variables = variables_of(link.text)
        key = (link.persona, template, repr(sorted(variables.items())))
        if key in opened:
            continue
        entry = ops.ROUTES[template]
        body = await harness.query(ops.document(entry), variables, persona=link.persona)
        opened[key] = link.text
        if "errors" in body or not body["data"] or any(v is None for v in body["data"].values()):
            broken.append((link, body.get("errors")))
        routes_reached.add(template)
    shown = sorted({(link.text, str(why)[:300]) for link, why in broken})[:30]
    assert broken == [], f"{len(broken)} of {len(opened)} opened links do not resolve: {shown}"
    for template in ("/workloads/{id}", "/storage/{id}", "/apps/{slug}", "/platform/nodes/{id}", "/project/overview"):
        assert template in routes_reached, f"no response links to {template}"


async def test_workload_links_carry_the_global_id_the_route_takes(harness: GatewayHarness) -> None:
    query = "{ workloads(first: 20, filter: {statuses: [RUNNING]}) { nodes { id primaryAction { route } } } }"
    body = await harness.query(query, persona="member")
    nodes = body["data"]["workloads"]["nodes"]
    assert nodes
    for node in nodes:
        assert node["primaryAction"]["route"].split("#")[0] == f"/workloads/{node['id']}"
    local = decode_global_id(nodes[0]["id"])[1]
    plain = await harness.query("query($id: ID!) { workload(id: $id) { id } }", {"id": local}, persona="member")
    assert plain["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", "ids in links are global, not plain"


async def test_notification_links_from_the_service_are_rewritten_to_global_ids(harness: GatewayHarness) -> None:
    body = await harness.query("{ notifications(first: 50) { nodes { link } } }", persona="tenant-admin")
    links = [n["link"] for n in body["data"]["notifications"]["nodes"] if n["link"]]
    workload_links = [link for link in links if link.startswith("/workloads/")]
    assert workload_links, "the seed's notifications link to workloads"
    for link in workload_links:
        segment = urlsplit(link).path.split("/")[2]
        assert decode_global_id(segment, expected="Workload")[0] == "Workload"


async def test_the_route_table_and_the_index_agree_on_the_id_types() -> None:
    for route in navigation.all_routes():
        variables = ops.ROUTES[route.path]["variables"] if route.path in ops.ROUTES else {}
        assert variables.get("id") == route.id_type, route.path


async def test_app_ssh_key_dependencies_link_to_the_page_that_lists_keys(harness: GatewayHarness) -> None:
    body = await harness.query(
        "{ apps { rows { slug launch { dependencies { kind manageRoute } } } } }", persona="member"
    )
    routes = {
        d["manageRoute"]
        for a in body["data"]["apps"]["rows"]
        for d in a["launch"]["dependencies"]
        if d["kind"] == "SSH_KEY"
    }
    assert routes == {"/access/credentials"}
    page = await harness.query(ops.document(ops.ROUTES["/access/credentials"]), persona="member")
    assert "errors" not in page
    assert "SSH_KEY" in {c["kind"] for c in page["data"]["access"]["credentials"]}, "the page lists the keys"
