"""A small SQLite document store: one table per resource, indexed columns for filters.

Each row keeps the whole JSON document plus the columns a caller may filter on, and an
insertion sequence that gives a stable newest-first order for keyset pagination. A listing may keep only the
newest document of each group (``query(latest_by=...)``), chosen from the stored rows as it is asked: nothing
derived is stored, so every upsert is reflected at once.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson

Document = dict[str, Any]
MAX_POSITION = 2**63 - 1  # SQLite's largest INTEGER: the largest cursor a listing can have issued
MAX_FILTER_VALUES = 1000  # values of one filter column (OR-ed); SQLite binds at most 32766 parameters
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19  # the shortest integer orjson may not keep exact has 19 digits (-2**63 - 1)


class BadQuery(ValueError):
    """A query the caller got wrong (a cursor this store never issued, too many values): ``400 code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_position(text: str) -> int:
    """The listing position a cursor names: ASCII digits of a SQLite integer, else ``BadQuery``."""
    if not (1 <= len(text) <= 19 and text.isascii() and text.isdigit()) or int(text) > MAX_POSITION:
        raise BadQuery("bad_cursor", "after is not a cursor this service issued")
    return int(text)


@dataclass(frozen=True)
class Page:
    """One page of a filtered listing, newest first: each document as stored (``texts``), decoded on first use."""

    texts: list[str]
    cursors: list[str]
    next_cursor: str | None
    total: int

    @cached_property
    def items(self) -> list[Document]:
        """The documents (decoded once; a caller that only forwards the stored JSON never pays for it)."""
        return documents(self.texts)


class DocumentStore:
    """JSON documents in SQLite, filterable on declared columns."""

    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._columns: dict[str, tuple[str, ...]] = {}
        # table -> callbacks(old, new) run inside every upsert's transaction (the event log, ``_events``)
        self._watchers: dict[str, list[Callable[[Document | None, Document], None]]] = {}

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection, for package modules that keep tables of their own (commands, events)."""
        return self._db

    @property
    def version(self) -> tuple[int, int] | None:
        """What the store holds, as a value that changes with every committed write: rows this connection has
        changed and SQLite's count of other connections' commits. None inside a transaction, whose reads may be
        rolled back: nothing read then may be kept."""
        if self._db.in_transaction:
            return None
        return self._db.total_changes, self._db.execute("PRAGMA data_version").fetchone()[0]

    def watch(self, table: str, callback: Callable[[Document | None, Document], None]) -> None:
        """Call ``callback(old, new)`` on every upsert into ``table``, atomically with the write."""
        self._watchers.setdefault(table, []).append(callback)

    def define(self, table: str, columns: Sequence[str], latest_by: tuple[str, str] | None = None) -> None:
        """Create the table for a resource (idempotent) with one index per filter column, and one on
        ``latest_by``'s (group, order) columns when the resource answers each group's newest document.

        A table kept in a file by an older declaration gains the columns it lacks, filled from its documents."""
        _check_identifier(table)
        for column in columns:
            _check_identifier(column)
        if latest_by is not None and not set(latest_by) <= set(columns):
            raise ValueError(f"latest_by columns {latest_by} of {table!r} must be among its columns")
        self._columns[table] = tuple(columns)
        column_sql = "".join(f', "{c}" TEXT' for c in columns)
        self._db.execute(
            f'CREATE TABLE IF NOT EXISTS "{table}" '
            f"(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, doc TEXT NOT NULL{column_sql})"
        )
        self._add_missing_columns(table, columns)
        for column in columns:
            self._db.execute(f'CREATE INDEX IF NOT EXISTS "{table}_{column}" ON "{table}" ("{column}")')
        if latest_by is not None:
            group, order = latest_by
            self._db.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{group}_{order}" ON "{table}" ("{group}", "{order}", seq)'
            )

    def _add_missing_columns(self, table: str, columns: Sequence[str]) -> None:
        present = {row[1] for row in self._db.execute(f'PRAGMA table_info("{table}")')}
        missing = [c for c in columns if c not in present]
        if not missing:
            return
        with self._transaction():
            for column in missing:
                self._db.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" TEXT')
            rows = self._db.execute(f'SELECT seq, doc FROM "{table}"').fetchall()
            assignments = ", ".join(f'"{c}" = ?' for c in missing)
            self._db.executemany(
                f'UPDATE "{table}" SET {assignments} WHERE seq = ?',
                [(*(_column_value(json.loads(doc).get(c)) for c in missing), seq) for seq, doc in rows],
            )

    def is_empty(self, table: str) -> bool:
        """True when the resource holds no documents yet."""
        row = self._db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()
        return row is None

    def insert_many(self, table: str, documents: Iterable[Document]) -> None:
        """Insert documents in order; later documents sort as newer."""
        columns = self._columns[table]
        placeholders = ", ".join("?" for _ in range(len(columns) + 2))
        column_sql = "".join(f', "{c}"' for c in columns)
        rows = [
            (doc["id"], json.dumps(doc, separators=(",", ":")), *(_column_value(doc.get(c)) for c in columns))
            for doc in documents
        ]
        with self._transaction():
            self._db.executemany(f'INSERT INTO "{table}" (id, doc{column_sql}) VALUES ({placeholders})', rows)

    def upsert(self, table: str, document: Document) -> None:
        """Insert a document or replace the one with the same id, keeping its position."""
        watchers = self._watchers.get(table)
        if not watchers:
            self._upsert(table, document)
            return
        self._db.execute("SAVEPOINT watched_upsert")  # the change and what watchers write commit together
        try:
            previous = self.get_many(table, [document["id"]])
            self._upsert(table, document)
            for watcher in watchers:
                watcher(previous[0] if previous else None, document)
        except BaseException:
            self._db.execute("ROLLBACK TO watched_upsert")
            self._db.execute("RELEASE watched_upsert")
            raise
        self._db.execute("RELEASE watched_upsert")

    def _upsert(self, table: str, document: Document) -> None:
        columns = self._columns[table]
        assignments = ", ".join(["doc = excluded.doc", *(f'"{c}" = excluded."{c}"' for c in columns)])
        column_sql = "".join(f', "{c}"' for c in columns)
        placeholders = ", ".join("?" for _ in range(len(columns) + 2))
        values = (
            document["id"],
            json.dumps(document, separators=(",", ":")),
            *(_column_value(document.get(c)) for c in columns),
        )
        self._db.execute(
            f'INSERT INTO "{table}" (id, doc{column_sql}) VALUES ({placeholders}) '
            f"ON CONFLICT(id) DO UPDATE SET {assignments}",
            values,
        )

    def get_many(self, table: str, ids: Sequence[str]) -> list[Document]:
        """Documents with the given ids, in the order asked; unknown ids are skipped."""
        return documents(self.get_many_texts(table, ids))

    def get_many_texts(self, table: str, ids: Sequence[str]) -> list[str]:
        """The stored JSON of the documents with the given ids, in the order asked; unknown ids are skipped."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self._db.execute(f'SELECT id, doc FROM "{table}" WHERE id IN ({marks})', list(ids)).fetchall()
        by_id = dict(rows)
        return [by_id[i] for i in ids if i in by_id]

    def query(
        self,
        table: str,
        filters: Mapping[str, Sequence[str]],
        *,
        limit: int,
        after: str | None = None,
        ranges: Sequence[tuple[str, str, str]] = (),
        latest_by: tuple[str, str] | None = None,
    ) -> Page:
        """Newest-first page of documents whose columns match every filter (values OR-ed) and range bound.

        ``ranges`` holds ``(column, "gte" | "lt", value)`` bounds, compared as text. ``latest_by`` ``(group,
        order)`` keeps, of the matching documents, only each group's newest: the greatest ``order`` (compared as
        text), the latest inserted among equals; ``total`` then counts groups. A malformed ``after`` or more than
        ``MAX_FILTER_VALUES`` values of one column raise ``BadQuery`` (the caller's mistake).
        """
        if not 0 <= limit < MAX_POSITION:
            raise BadQuery("bad_limit", "limit is out of range")
        position = parse_position(after) if after is not None else None
        where: list[str] = []
        params: list[Any] = []
        for column, values in filters.items():
            if column not in self._columns[table]:
                raise KeyError(column)
            if len(values) > MAX_FILTER_VALUES:
                raise BadQuery("too_many_values", f"at most {MAX_FILTER_VALUES} values of `{column}`")
            where.append(f'"{column}" IN ({", ".join("?" for _ in values)})')
            params.extend(values)
        for column, op, value in ranges:
            if column not in self._columns[table]:
                raise KeyError(column)
            where.append(f'"{column}" {">=" if op == "gte" else "<"} ?')
            params.append(value)
        where_sql = f"WHERE {' AND '.join(where)}" if where else ""
        if latest_by is not None:
            where, where_sql = self._newest_of_each(table, latest_by, where_sql)
        total = self._db.execute(f'SELECT COUNT(*) FROM "{table}" {where_sql}', params).fetchone()[0]
        page_where = list(where)
        page_params = list(params)
        if position is not None:
            page_where.append("seq < ?")
            page_params.append(position)
        page_sql = f"WHERE {' AND '.join(page_where)}" if page_where else ""
        rows = self._db.execute(
            f'SELECT seq, doc FROM "{table}" {page_sql} ORDER BY seq DESC LIMIT ?',
            [*page_params, limit + 1],
        ).fetchall()
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = str(rows[-1][0]) if has_more and rows else None
        return Page(
            texts=[row[1] for row in rows],
            cursors=[str(row[0]) for row in rows],
            next_cursor=next_cursor,
            total=total,
        )

    def _newest_of_each(self, table: str, latest_by: tuple[str, str], where_sql: str) -> tuple[list[str], str]:
        """The condition (and its WHERE clause) keeping each group's newest row among those ``where_sql`` matches;
        it binds the same parameters, in the same order."""
        group, order = latest_by
        if group not in self._columns[table] or order not in self._columns[table]:
            raise KeyError(latest_by)
        newest = (
            f'seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY "{group}" '
            f'ORDER BY "{order}" DESC, seq DESC) AS place FROM "{table}" {where_sql}) WHERE place = 1)'
        )
        return [newest], f"WHERE {newest}"

    @contextlib.contextmanager
    def write_transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write (``BEGIN IMMEDIATE``, so writers of a shared file serialise): commits on success,
        rolls back on error. Yields the connection for statements beyond ``upsert``/``get_many`` (commands)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _transaction(self) -> sqlite3.Connection:
        self._db.execute("BEGIN")
        return _Commit(self._db)  # type: ignore[return-value]


class _Commit:
    """Context manager that commits on success and rolls back on error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def documents(texts: Iterable[str]) -> list[Document]:
    """Stored JSON texts decoded into documents, exactly as ``json.loads`` decodes them.

    ``orjson.loads`` (a few times faster) gives the same values except for integers beyond 64 bits, which it turns
    into floats, and what it refuses (``NaN``, ``Infinity``, numbers beyond a double, lone surrogates): texts with
    a run of 19 digits, or that orjson refuses, go to ``json.loads``."""
    texts = list(texts)
    if _LONG_NUMBER in "".join(texts).encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO):
        return [json.loads(text) for text in texts]
    found = []
    for text in texts:
        try:
            found.append(orjson.loads(text))
        except orjson.JSONDecodeError:
            found.append(json.loads(text))
    return found


def _column_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_identifier(name: str) -> None:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a safe SQL identifier: {name!r}")
