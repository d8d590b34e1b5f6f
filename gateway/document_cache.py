"""Parse and validate each GraphQL document once per process, not once per request.

The console sends the same few page documents over and over; parsing and validating a page
document costs several milliseconds (the bench profile: ``python -m bench.profile``). Both results
depend only on the document text, the parse options (token limit) and the validation rules, so
they are cached by exactly those, in small LRU caches. Failures are not cached: Strawberry parses
again and reports the error as usual. Another extension that already supplied a document or
validation errors (persisted documents, operation limits) is left alone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Any, Generic, TypeVar

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")

MAX_DOCUMENTS = 128
# Larger texts are parsed every time: the cache must not become a way to pin big documents in memory.
MAX_CACHED_QUERY_CHARS = 32_000


class LruCache(Generic[Key, Value]):
    """A small thread-safe LRU mapping."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Key, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        """The cached value (now most recently used), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Key, value: Value) -> None:
        """Store a value, evicting the least recently used beyond ``maxsize``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


# (query text, parse options) -> document
documents: LruCache[tuple[str, tuple[tuple[str, Any], ...]], DocumentNode] = LruCache(MAX_DOCUMENTS)
# (id of a cached document, rules) -> (that document, errors); the document is kept so the id stays its own
validations: LruCache[tuple[int, tuple[Any, ...]], tuple[DocumentNode, tuple[GraphQLError, ...]]] = LruCache(
    MAX_DOCUMENTS
)


class DocumentCache(SchemaExtension):
    """Reuse the parsed document and its validation result for a document seen before."""

    def on_parse(self) -> Iterator[None]:
        """Supply the cached document, or cache the one Strawberry parses."""
        context = self.execution_context
        query = context.query
        key = None
        if context.graphql_document is None and query and len(query) <= MAX_CACHED_QUERY_CHARS:
            key = (query, tuple(sorted(context.parse_options.items())))
            cached = documents.get(key)
            if cached is None:
                try:
                    cached = parse(query, **context.parse_options)
                except GraphQLError:
                    cached = None  # Strawberry parses again and reports the error its usual way
                else:
                    documents.put(key, cached)
            context.graphql_document = cached
        yield

    def on_validate(self) -> Iterator[None]:
        """Supply the cached validation errors of a cached document (usually none)."""
        context = self.execution_context
        document = context.graphql_document
        if document is None or context.pre_execution_errors is not None or not is_cached(context):
            yield
            return
        key = (id(document), tuple(context.validation_rules))
        cached = validations.get(key)
        if cached is not None and cached[0] is document:
            context.pre_execution_errors = list(cached[1])
            yield
            return
        from strawberry.schema.schema import validate_document

        errors = validate_document(context.schema._schema, document, context.validation_rules)
        validations.put(key, (document, tuple(errors)))
        context.pre_execution_errors = errors
        yield


def is_cached(context: Any) -> bool:
    """Whether the execution context's document is the one this cache holds for its text (so its id is stable)."""
    query = context.query
    if not query or len(query) > MAX_CACHED_QUERY_CHARS:
        return False
    return documents.get((query, tuple(sorted(context.parse_options.items())))) is context.graphql_document
