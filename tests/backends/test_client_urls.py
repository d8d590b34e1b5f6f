"""The backend client builds each call's URL itself (one parse, no ``params=``): the URL httpx would have built."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.backends._client import ServiceClient, encode_query

BASES = ("http://127.0.0.1:8101", "http://workloads.embedded", "http://svc.test:9000/api", "http://svc.test/api/")
PATHS = ("/v1/workloads", "/v1/workloads/wl-0001/stop", "/v1/workloads:bulk", "/v1/buckets/b%2D1/grants", "v1/apps")
PARAMS: tuple[dict[str, str], ...] = (
    {},
    {"ids": "wl-0001"},
    {"ids": ",".join(f"wl-{n:04d}" for n in range(500))},
    {"status": "running,failed", "limit": "1000", "after": "c2VlZDoxMjM="},
    {"unexpired_at": "2026-12-06T15:00:00+00:00", "q": "a b&c=d/e?f#g"},
    {"odd": "%41%zz 100%", "plus": "+", "empty": "", "unicode": "bücket ☃"},
)


def httpx_url(client: ServiceClient, path: str, params: dict[str, str]) -> httpx.URL:
    """The URL httpx builds from the client's base URL, the path and ``params=`` (what the client sent before)."""
    return client.http.build_request("GET", path, params=params or None).url


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("params", PARAMS)
def test_the_url_is_the_one_httpx_builds_from_params(base: str, path: str, params: dict[str, str]) -> None:
    client = ServiceClient("workloads", httpx.AsyncClient(base_url=base))
    ours, theirs = client.url(path, params), httpx_url(client, path, params)
    assert str(ours) == str(theirs)
    assert ours.raw_path == theirs.raw_path  # the request target on the wire
    assert ours.host == theirs.host and ours.port == theirs.port


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(st.dictionaries(text.filter(bool), text, max_size=4))
def test_any_query_is_encoded_as_httpx_encodes_it(params: dict[str, str]) -> None:
    client = ServiceClient("storage", httpx.AsyncClient(base_url="http://storage.embedded"))
    expected = httpx_url(client, "/v1/buckets", params)
    assert str(client.url("/v1/buckets", params)) == str(expected)
    assert encode_query(params) == (expected.query.decode() if params else "")
