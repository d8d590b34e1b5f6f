"""The HTTP client every domain client is built on: one pooled httpx client per service."""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, StrictStr, TypeAdapter, ValidationError

from gateway.errors import BackendBadResponse, BackendError, BackendTimeout, BackendUnavailable
from gateway.ids import is_valid_id
from gateway.resilience.policy import BackendPolicy, shared_read
from gateway.settings import BackendSettings
from gateway.telemetry import tracing
from gateway.telemetry.logging import log_backend_failure
from gateway.telemetry.metrics import BACKEND_CONTRACT_VIOLATIONS, endpoint_template

Model = TypeVar("Model", bound=BaseModel)
Item = TypeVar("Item")

# Backend calls of the request being served, as (domain, resource path) pairs.
call_log: contextvars.ContextVar[Counter[tuple[str, str]] | None] = contextvars.ContextVar(
    "gateway_backend_call_log", default=None
)
MAX_IDS_PER_CALL = 500
PAGE_LIMIT = 1000
# Query names and values made of these need no escaping but a comma's (ids, statuses, limits): the common case.
_PLAIN_QUERY_TEXT = re.compile(r"[A-Za-z0-9_.~,-]*")


def encode_query(params: Mapping[str, str]) -> str:
    """The query string httpx sends for ``params=`` (``urlencode``'s), with plain ids and words encoded directly."""
    parts = []
    for name, value in params.items():
        if _PLAIN_QUERY_TEXT.fullmatch(name) and _PLAIN_QUERY_TEXT.fullmatch(value):
            parts.append(f"{name.replace(',', '%2C')}={value.replace(',', '%2C')}")
        else:
            parts.append(urlencode({name: value}))
    return "&".join(parts)


class AllowListModel(BaseModel):
    """A backend document reduced to the fields the gateway knows; anything else is dropped."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Listing(BaseModel, Generic[Item]):
    """A listing's body as the services send it (a batch by ids carries ``items`` only)."""

    model_config = ConfigDict(extra="ignore", strict=False)

    items: list[Item]
    cursors: list[StrictStr] | None = None
    next_cursor: StrictStr | None = None
    total: int | None = None


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a backend listing."""

    items: list[Item]
    cursors: list[str]
    next_cursor: str | None
    total: int


class ServiceClient:
    """Calls to one domain service, mapping every failure onto the gateway's error tree.

    Every call runs under the service's ``BackendPolicy`` (total deadline, circuit breaker, metrics,
    spans, failure logs); GETs are also retried within the retry budget and deduplicated while an
    identical one is in flight in the same request. Use ``send`` for commands: never retried.
    """

    def __init__(self, domain: str, http: httpx.AsyncClient, policy: BackendPolicy | None = None) -> None:
        self.domain = domain
        self.http = http
        self.policy = policy or BackendPolicy(domain, BackendSettings())
        # httpx's merge appends a path, less its leading "/", to the base URL's path (which it ends with "/").
        base = str(http.base_url)
        self._base_url = base if base.endswith("/") else base + "/"

    def url(self, path: str, params: Mapping[str, str] | None = None) -> httpx.URL:
        """The absolute URL httpx would build from ``path`` and ``params`` on this client, parsed once instead of
        thrice (``base_url`` merge, then ``params``); an absolute URL passes through the client's merge as is."""
        text = self._base_url + path.lstrip("/")
        if params:
            text += "?" + encode_query(params)
        return httpx.URL(text)

    async def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The decoded JSON body of a successful GET."""
        key = (self.domain, path, tuple(sorted((params or {}).items())))
        return await shared_read(key, self.domain, lambda: self._read_json(path, params))

    async def _read_json(self, path: str, params: Mapping[str, str] | None, listing: Any = None) -> Any:
        calls = call_log.get()
        if calls is not None:
            calls[(self.domain, path)] += 1

        async def attempt() -> Any:
            response = await self._exchange("GET", path, params=params)
            if response.status_code >= 400:
                raise _with_status(
                    BackendBadResponse(
                        f"the {self.domain} service rejected the gateway's request (HTTP {response.status_code})",
                        service=self.domain,
                    ),
                    response.status_code,
                )
            if listing is not None:
                return self._read_listing(response.content, listing)
            try:
                return json.loads(response.content)
            except ValueError:
                raise self._malformed_json() from None

        return await self.policy.run("GET", endpoint_template(path), attempt)

    async def get_listing(self, path: str, params: Mapping[str, str], model: type[Model]) -> Listing[Model] | Any:
        """A listing's body decoded and validated in one pass from its bytes (``Listing``); when that fails, the
        decoded JSON, so the usual checks name what is wrong (malformed JSON is refused here, as by ``get_json``)."""
        listing = _listing_adapter(model)
        key = (self.domain, path, tuple(sorted(params.items())), model)
        return await shared_read(key, self.domain, lambda: self._read_json(path, params, listing))

    def _read_listing(self, content: bytes, listing: TypeAdapter[Any]) -> Any:
        try:
            return listing.validate_json(content)
        except ValidationError:
            pass
        try:
            return json.loads(content)  # not a valid listing (or JSON only Python reads): the usual checks decide
        except ValueError:
            raise self._malformed_json() from None

    def _malformed_json(self) -> BackendBadResponse:
        return BackendBadResponse(f"the {self.domain} service sent malformed JSON", service=self.domain)

    async def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One command (POST, PUT, DELETE...) under the policy, sent once: never retried here.

        Transport failures, timeouts and 5xx raise; any other response (4xx included) is returned.
        """
        return await self.policy.run(
            method,
            endpoint_template(path),
            lambda: self._exchange(method, path, params=params, json_body=json_body, headers=headers),
        )

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One HTTP attempt; transport failures and 5xx become backend errors."""
        tracing_on = tracing.enabled()
        if tracing_on:
            headers = dict(headers or {})
            tracing.inject(headers)
        try:
            response = await self.http.request(method, self.url(path, params), json=json_body, headers=headers)
        except httpx.TimeoutException:
            raise BackendTimeout(f"the {self.domain} service timed out", service=self.domain) from None
        except httpx.HTTPError:
            raise BackendUnavailable(f"the {self.domain} service is unreachable", service=self.domain) from None
        if tracing_on:
            tracing.set_attributes(http__response__status_code=response.status_code)
        if response.status_code >= 500:
            raise _with_status(
                BackendUnavailable(
                    f"the {self.domain} service failed (HTTP {response.status_code})", service=self.domain
                ),
                response.status_code,
            )
        return response

    async def batch(self, resource: str, ids: Sequence[str], model: type[Model]) -> list[Model]:
        """Documents by id, in chunks of at most ``MAX_IDS_PER_CALL``; unknown ids are absent.

        Identity is exact both ways: an id outside the grammar (``gateway.ids``: ``a,b`` would be read as
        two ids) names no document and is never sent, and a document whose id was not asked for breaks
        the service's contract (``BACKEND_BAD_RESPONSE``) instead of becoming data.
        """
        wanted = [i for i in ids if is_valid_id(i)]
        found: list[Model] = []
        for start in range(0, len(wanted), MAX_IDS_PER_CALL):
            chunk = wanted[start : start + MAX_IDS_PER_CALL]
            body = await self.get_listing(f"/v1/{resource}", {"ids": ",".join(chunk)}, model)
            with self._contract(f"/v1/{resource}"):
                items = body.items if isinstance(body, Listing) else self.parse_items(body, model)
                asked = set(chunk)
                if any(getattr(item, "id", None) not in asked for item in items):
                    raise BackendBadResponse(
                        f"the {self.domain} service answered {resource} the gateway did not ask for",
                        service=self.domain,
                    )
                found.extend(items)
        return found

    async def page(
        self,
        resource: str,
        model: type[Model],
        filters: Mapping[str, Iterable[str]],
        *,
        limit: int,
        after: str | None = None,
    ) -> Page[Model]:
        """One newest-first page of a filtered listing."""
        params = {name: ",".join(values) for name, values in filters.items()}
        params["limit"] = str(limit)
        if after is not None:
            params["after"] = after
        body = await self.get_listing(f"/v1/{resource}", params, model)
        with self._contract(f"/v1/{resource}"):
            return self._parse_page(body, model)

    def _parse_page(self, body: Any, model: type[Model]) -> Page[Model]:
        if isinstance(body, Listing):
            if body.total is None and "total" in body.model_fields_set:
                raise BackendBadResponse(f"the {self.domain} service sent a malformed page", service=self.domain)
            if body.cursors is None or len(body.cursors) != len(body.items):
                raise BackendBadResponse(f"the {self.domain} service sent malformed cursors", service=self.domain)
            total = len(body.items) if body.total is None else body.total
            return Page(items=body.items, cursors=body.cursors, next_cursor=body.next_cursor, total=total)
        items = self.parse_items(body, model)
        try:
            next_cursor = body.get("next_cursor")
            cursors = body.get("cursors")
            total = int(body.get("total", len(items)))
        except (AttributeError, TypeError, ValueError):
            raise BackendBadResponse(f"the {self.domain} service sent a malformed page", service=self.domain) from None
        if (
            (next_cursor is not None and not isinstance(next_cursor, str))
            or not isinstance(cursors, list)
            or len(cursors) != len(items)
            or not all(isinstance(c, str) for c in cursors)
        ):
            raise BackendBadResponse(f"the {self.domain} service sent malformed cursors", service=self.domain)
        return Page(items=items, cursors=cursors, next_cursor=next_cursor, total=total)

    async def all(self, resource: str, model: type[Model], filters: Mapping[str, Iterable[str]]) -> list[Model]:
        """Every document matching the filters, following cursors (one call for most listings)."""
        items: list[Model] = []
        after = None
        while True:
            page = await self.page(resource, model, filters, limit=PAGE_LIMIT, after=after)
            items.extend(page.items)
            if page.next_cursor is None:
                return items
            after = page.next_cursor

    @contextlib.contextmanager
    def _contract(self, path: str) -> Iterator[None]:
        """Count and log an answer that was JSON but broke the service's contract."""
        try:
            yield
        except BackendBadResponse:
            endpoint = endpoint_template(path)
            BACKEND_CONTRACT_VIOLATIONS.labels(self.domain, endpoint).inc()
            log_backend_failure(
                domain=self.domain,
                method="GET",
                endpoint=endpoint,
                code=BackendBadResponse.code,
                status=200,
                attempt=0,
                duration_ms=0.0,
            )
            raise

    def parse_items(self, body: Any, model: type[Model]) -> list[Model]:
        """Validate ``body["items"]`` against the allow-list model."""
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise BackendBadResponse(f"the {self.domain} service sent a malformed listing", service=self.domain)
        try:
            return _list_adapter(model).validate_python(body["items"])
        except ValidationError as error:
            raise BackendBadResponse(
                f"the {self.domain} service sent data that does not match its contract "
                f"({error.error_count()} problem(s))",
                service=self.domain,
            ) from None


def _with_status(error: BackendError, status: int) -> BackendError:
    """Keep the HTTP status for metrics and logs (not in ``extensions``: clients do not see it)."""
    error.http_status = status
    return error


@cache  # one adapter per model: building one compiles its validator
def _list_adapter(model: type[Model]) -> TypeAdapter[list[Model]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]  # a runtime-built type


@cache
def _listing_adapter(model: type[Model]) -> TypeAdapter[Listing[Model]]:
    return TypeAdapter(Listing[model])  # type: ignore[valid-type]  # a runtime-built type
