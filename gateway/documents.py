"""Trusted documents and automatic persisted queries (APQ).

The registry is every ``*.graphql`` file under the operations directory (the committed route
operations and the console's mutation documents), keyed by the SHA-256 of the file's text. A request
may name a document by hash (``extensions.persistedQuery.sha256Hash``, Apollo's protocol) or send its
text. With trusted documents on (production mode), who may run what depends on the caller
(safelisting by client identity, as Apollo Router does; arbitrary documents for API clients, as
GitHub's and Shopify's public APIs allow):

- people (the console, a browser): registered documents only;
- service accounts (integrators' clients): any document, still within the operation and cost limits
  every document passes (``GATEWAY_SERVICE_ACCOUNT_DOCUMENTS=registered`` holds them to the registry too);
- no principal: registered documents only (and over HTTP no request gets this far without credentials).

When APQ is enabled, documents a client registered by sending text and matching hash run too (the hash
is always verified). APQ on therefore means "any document, sent once": enable it in production only on
purpose. With trusted documents off (development), every document runs.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.auth.principal import Principal
from gateway.rejections import RequestRejected
from gateway.security_settings import SecuritySettings

DEFAULT_OPERATIONS_DIR = Path(__file__).resolve().parents[1] / "operations"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def document_hash(text: str) -> str:
    """The hash clients send for a document: hex SHA-256 of its UTF-8 text."""
    return hashlib.sha256(text.encode()).hexdigest()


class DocumentRegistry:
    """The committed documents, by hash."""

    def __init__(self, documents: Mapping[str, str], names: Mapping[str, str] | None = None) -> None:
        self._documents = dict(documents)
        self.names = dict(names or {})

    @classmethod
    def load(cls, directory: str | Path | None) -> DocumentRegistry:
        """Every ``*.graphql`` file under ``directory`` (none when it does not exist)."""
        root = Path(directory) if directory else DEFAULT_OPERATIONS_DIR
        documents: dict[str, str] = {}
        names: dict[str, str] = {}
        if root.is_dir():
            for path in sorted(root.rglob("*.graphql")):
                text = path.read_text(encoding="utf-8")
                digest = document_hash(text)
                documents[digest] = text
                names[digest] = path.relative_to(root).as_posix()
        return cls(documents, names)

    def get(self, digest: str) -> str | None:
        """The registered document with this hash."""
        return self._documents.get(digest)

    def __contains__(self, digest: object) -> bool:
        return digest in self._documents

    def __len__(self) -> int:
        return len(self._documents)


class PersistedQueries:
    """Resolves a request's document from its text and/or persisted-query hash, enforcing trust."""

    def __init__(self, security: SecuritySettings, registry: DocumentRegistry | None = None) -> None:
        self.registry = registry if registry is not None else DocumentRegistry.load(security.operations_dir)
        self.trusted_only = security.trusted_documents_enabled
        self.service_accounts_run_any = security.service_account_documents == "any"
        self.apq_enabled = security.apq
        self._apq: OrderedDict[str, str] = OrderedDict()
        self._apq_max = security.apq_max_documents

    def runs_any_document(self, principal: Principal | None) -> bool:
        """True when ``principal`` may run documents outside the registry (the policy in the module docstring)."""
        if not self.trusted_only:
            return True
        return principal is not None and principal.is_service_account and self.service_accounts_run_any

    def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None, principal: Principal | None = None
    ) -> str | None:
        """The document text to run for ``principal`` (None: no document at all, which the view reports)."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if query is not None and not self.runs_any_document(principal) and not self._known(document_hash(query)):
                raise _untrusted()
            return query
        digest = _requested_hash(persisted)
        if query is None:
            found = self.registry.get(digest) or (self._apq_get(digest) if self.apq_enabled else None)
            if found is None:
                raise RequestRejected(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            return found
        if document_hash(query) != digest:
            raise RequestRejected(400, "PERSISTED_QUERY_HASH_MISMATCH", "the query does not hash to sha256Hash")
        if digest not in self.registry:
            if self.apq_enabled:
                self._apq_put(digest, query)
            elif not self.runs_any_document(principal):
                raise _untrusted()
        return query

    def _known(self, digest: str) -> bool:
        return digest in self.registry or (self.apq_enabled and digest in self._apq)

    def _apq_get(self, digest: str) -> str | None:
        found = self._apq.get(digest)
        if found is not None:
            self._apq.move_to_end(digest)
        return found

    def _apq_put(self, digest: str, query: str) -> None:
        self._apq[digest] = query
        self._apq.move_to_end(digest)
        while len(self._apq) > self._apq_max:
            self._apq.popitem(last=False)


def _requested_hash(persisted: Any) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise RequestRejected(400, "BAD_REQUEST", "extensions.persistedQuery must have version 1 and a sha256Hash")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise RequestRejected(
            400, "BAD_REQUEST", "extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits"
        )
    return digest


def _untrusted() -> RequestRejected:
    return RequestRejected(
        400, "TRUSTED_DOCUMENT_REQUIRED", "this gateway only runs registered operations (trusted documents)"
    )
