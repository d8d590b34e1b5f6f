"""The read endpoints' bodies: what the stored documents and the views give is what ``JSONResponse`` wrote.

The services answer plain documents as stored, views' documents with orjson, and decode stored documents with
orjson (``reference_services._responses``, ``_store.documents``). Each must give the standard library's JSON
values (and its errors) for every document, including the ones those shortcuts do not take.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse

from reference_services._responses import encode, verbatim
from reference_services._service import Resource, create_service
from reference_services._store import DocumentStore, documents

BIG = 2**70  # past 64 bits: orjson writes none, and would decode it as a float
DOCUMENTS: list[dict[str, Any]] = [
    {"id": "d-plain", "kind": "a", "name": "plain", "count": 3, "ratio": 0.25, "tags": ["x", None, True]},
    {"id": "d-accents", "kind": "a", "name": "Zoë's café \u2028 ✓ 😀", "count": 1},
    {"id": "d-big", "kind": "a", "count": BIG, "negative": -(2**63) - 1, "unsigned": 2**64 - 1},
    {"id": "d-float", "kind": "b", "tiny": 1e-07, "huge": 1e16, "third": 1 / 3, "zero": -0.0},
    {"id": "d-escapes", "kind": "b", "text": 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f'},
    {"id": "d-words", "kind": "b", "text": "NaN Infinity are words here \\u0041"},
]
SICK: list[dict[str, Any]] = [  # documents JSONResponse cannot write: the services answer 500 as before
    {"id": "s-nan", "kind": "c", "value": float("nan")},
    {"id": "s-inf", "kind": "c", "value": float("-inf")},
    {"id": "s-surrogate", "kind": "c", "text": "\ud800"},
]


def standard(content: Any) -> bytes:
    """What Starlette's JSONResponse writes."""
    return JSONResponse(content).body


def with_a_view(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**doc, "derived": len(doc), "big": BIG} for doc in documents]


def service(rows: list[dict[str, Any]], view: bool) -> Starlette:
    store = DocumentStore()
    resource = Resource(name="things", description="things", fields={"id": "string"}, filters=("kind",))
    app = create_service(
        title="Things",
        description="test",
        resources=[resource],
        store=store,
        views={"things": with_a_view} if view else None,
    )
    store.insert_many("things", rows)
    return app


@pytest.fixture(params=[False, True], ids=["plain", "view"])
def app(request: pytest.FixtureRequest) -> Iterator[Starlette]:
    yield service([*DOCUMENTS, *SICK], view=request.param)


async def get(app: Starlette, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://things.test") as client:
        return await client.get(path)


@pytest.mark.parametrize("ids", [["d-plain"], [d["id"] for d in DOCUMENTS], ["d-accents", "d-plain"], ["d-big"]])
async def test_a_batch_has_the_standard_json_values_and_exact_big_integers(app: Starlette, ids: list[str]) -> None:
    response = await get(app, f"/v1/things?ids={','.join(ids)}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    items = json.loads(response.content)["items"]  # the standard library's reading: exact integers
    stored = [next(doc for doc in DOCUMENTS if doc["id"] == i) for i in ids]
    # the stored fields, in their order, with their values (a view adds its fields after them)
    assert [dict(list(item.items())[: len(doc)]) for item, doc in zip(items, stored, strict=True)] == stored
    assert [list(item)[: len(doc)] for item, doc in zip(items, stored, strict=True)] == [list(d) for d in stored]


async def test_plain_documents_are_answered_byte_for_byte_as_the_standard_encoder_wrote_them() -> None:
    app = service(DOCUMENTS, view=False)
    for doc in DOCUMENTS:
        assert (await get(app, f"/v1/things/{doc['id']}")).content == standard(doc)
    page = await get(app, "/v1/things?kind=a,b&limit=4")
    cursors = page.json()["cursors"]
    newest = list(reversed(DOCUMENTS))[:4]
    assert page.content == standard({"items": newest, "cursors": cursors, "next_cursor": cursors[-1], "total": 6})


async def test_views_answer_the_standard_json_values() -> None:
    app = service(DOCUMENTS, view=True)
    page = await get(app, "/v1/things?limit=10")
    rest = {key: page.json()[key] for key in ("cursors", "next_cursor", "total")}
    assert json.loads(page.content) == json.loads(standard({"items": with_a_view(list(reversed(DOCUMENTS))), **rest}))
    one = await get(app, "/v1/things/d-big")
    assert json.loads(one.content) == with_a_view([DOCUMENTS[2]])[0]


@pytest.mark.parametrize("sick", [doc["id"] for doc in SICK])
async def test_what_the_standard_encoder_refuses_still_fails(app: Starlette, sick: str) -> None:
    assert (await get(app, f"/v1/things/{sick}")).status_code == 500
    assert (await get(app, f"/v1/things?ids=d-plain,{sick}")).status_code == 500
    assert (await get(app, "/v1/things?kind=c")).status_code == 500


def test_verbatim_takes_only_texts_that_re_encode_to_themselves() -> None:
    texts = [json.dumps(doc, separators=(",", ":")) for doc in DOCUMENTS]
    for text, doc in zip(texts, DOCUMENTS, strict=True):
        array = verbatim([text])
        if array is not None:
            assert array.encode() == standard([doc])
    assert verbatim(texts[:1]) is not None  # the common case is taken
    assert verbatim([texts[1]]) is None  # non-ASCII is stored escaped, answered as UTF-8
    assert verbatim([json.dumps({"v": float("nan")})]) is None


@pytest.mark.parametrize(
    "content",
    [
        {"text": "Zoë ✓ 😀 \u2028", "big": BIG, "small": -(2**63) - 1},
        {"floats": [1e-07, 1e16, 5e-324, 1.7976931348623157e308, -0.0], "ok": [True, False, None]},
        {"nested": [{"a": [{"b": "\x00\x1f\x7f"}]}]},
        {1: "an integer key", "b": (1, 2)},
        "Zoë",
        0.1,
    ],
)
def test_encode_gives_the_standard_values(content: Any) -> None:
    assert json.loads(encode(content)) == json.loads(standard(content))


@pytest.mark.parametrize(
    "content",
    [
        float("nan"),
        {"v": float("nan")},
        [[float("inf")]],
        {"t": "\udfff"},
        {"at": datetime(2026, 12, 1, tzinfo=UTC)},
        [uuid.UUID(int=7)],
    ],
)
def test_encode_fails_where_the_standard_encoder_fails(content: Any) -> None:
    with pytest.raises((TypeError, ValueError)) as refused:  # UnicodeEncodeError is a ValueError
        standard(content)
    with pytest.raises(type(refused.value)):
        encode(content)


def test_stored_documents_decode_to_the_standard_values_with_exact_big_integers() -> None:
    docs = [*DOCUMENTS, {"id": "n", "v": float("nan")}, {"id": "i", "v": 1e308 * 10}]
    texts = [json.dumps(doc, separators=(",", ":")) for doc in docs]
    decoded = documents(texts)
    assert json.dumps(decoded) == json.dumps([json.loads(text) for text in texts])
    assert type(documents([texts[2]])[0]["count"]) is int
    assert documents([texts[2]])[0]["count"] == BIG
