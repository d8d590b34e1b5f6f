"""What identifies a mutation request: its scope (who, which field, which key) and its fingerprint.

The fingerprint is the SHA-256 of the canonical JSON (sorted keys, no whitespace) of the field's arguments as
the resolver receives them: coerced (variables substituted, defaults applied), then converted to input
objects, enums as their values. So key order, literals versus variables, explicit defaults and the selection
set do not change it. The key itself (``input.idempotencyKey``) is left out.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry import UNSET

from gateway.idempotency.keys import INPUT_FIELD


def canonical(value: Any) -> Any:
    """A JSON-ready form of a converted argument with a single spelling for each meaning (unset: absent)."""
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items() if v is not UNSET}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
        return {name: canonical(v) for name, v in fields if v is not UNSET}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(arguments: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical arguments, without the idempotency key."""
    document = canonical(arguments)
    for value in document.values():
        if isinstance(value, dict):
            value.pop(INPUT_FIELD, None)
            value.pop("idempotency_key", None)
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def root_field_count(operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]) -> int:
    """How many fields the operation selects at its root (fragments expanded, ``__typename`` ignored)."""

    def count(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += 0 if selection.name.value == "__typename" else 1
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    total += count(fragment.selection_set, seen | {selection.name.value})
        return total

    return count(operation.selection_set, frozenset())


def record_key(tenant: str, principal: str, field: str, key: str) -> str:
    """The store key of a scope (tenant, principal, mutation field, key): a digest, so keys stay bounded."""
    return hashlib.sha256(json.dumps(["record", tenant, principal, field, key]).encode()).hexdigest()


def backend_key(tenant: str, principal: str, field: str, key: str) -> str:
    """The key forwarded to domain services: scoped, so two principals' equal keys never meet there."""
    return "gw-" + hashlib.sha256(json.dumps(["backend", tenant, principal, field, key]).encode()).hexdigest()
