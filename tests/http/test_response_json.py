"""Response bodies encoded by orjson mean exactly what ``json.dumps`` would have written."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from gateway import response_json
from gateway.response_json import encode_response, standard_json
from tests.route_operations import HARNESS_PERSONAS, ROUTES, document, variable_sets
from tests.support import build_harness

pytestmark = pytest.mark.skipif(response_json.orjson is None, reason="orjson is not installed")


def ordered(body: bytes) -> Any:
    """The JSON value with every object as its list of (key, value) pairs: key order counts."""
    return json.loads(body, object_pairs_hook=list)


def assert_same_meaning(data: object) -> None:
    assert ordered(encode_response(data)) == ordered(standard_json(data))


def test_text_numbers_and_nesting_keep_their_meaning_and_order() -> None:
    rng = random.Random(12)
    floats = [0.1, 1 / 3, 1e16, 1e-7, -0.0, 123456789.125, 2.5e-308, *(rng.uniform(-1e9, 1e9) for _ in range(500))]
    assert_same_meaning(
        {
            "zeta": "first key stays first",
            "name": 'Zoë — 東京 🚀 "quoted" \\ back\nslash\t\u0000\u2028',
            "floats": floats,
            "ints": [0, -1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63)],
            "nested": {"b": [None, True, False, {"a": []}], "a": {}},
        }
    )


def test_what_orjson_refuses_is_written_by_the_standard_library() -> None:
    big = {"bytes": 2**70, "list": [1, 2**64]}
    assert encode_response(big) == standard_json(big)
    keyed = {1: "non-string key"}
    assert encode_response(keyed) == standard_json(keyed) == b'{"1":"non-string key"}'


def test_ascii_bodies_are_byte_identical() -> None:
    body = {"data": {"workloads": {"totalCount": 3, "nodes": [{"id": "V29y", "ageSeconds": 12, "ok": True}]}}}
    assert encode_response(body) == standard_json(body)


@pytest.mark.parametrize("route", sorted(ROUTES))
async def test_every_route_page_encodes_to_the_same_json(route: str) -> None:
    entry = ROUTES[route]
    persona = HARNESS_PERSONAS[entry["personas"][0]][0]
    harness = build_harness()
    async with harness.client() as client:
        response = await client.post(
            "/graphql",
            json={"query": document(entry), "variables": variable_sets(route, persona)[0]},
            headers={"authorization": f"Bearer {harness.token(persona)}"},
        )
    body = json.loads(response.content)
    assert body.get("data"), body
    assert ordered(response.content) == ordered(standard_json(body))
    assert_same_meaning(body)


def test_the_view_encodes_text_so_websocket_messages_go_out_as_text_frames() -> None:
    # Strawberry sends bytes from encode_json as binary websocket frames, which graphql-ws clients refuse.
    from gateway.app import GatewayGraphQL

    message = {"type": "next", "id": "1", "payload": {"data": {"name": "Zoë"}}}
    encoded = GatewayGraphQL.encode_json(object.__new__(GatewayGraphQL), message)
    assert isinstance(encoded, str)
    assert json.loads(encoded) == message
