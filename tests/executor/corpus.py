"""A seeded generator of query documents over the schema, for comparing the executors on documents nobody wrote.

Each document walks the query type from a random root field that needs no argument, choosing a few fields
per selection set, with aliases (the same field twice under two names, too), ``__typename``, inline fragments
on the concrete types of interfaces and unions, named fragments, and ``@skip``/``@include`` on fields and
fragments reading ``$shown: Boolean!`` and ``$hidden: Boolean! = false`` (a variable with a default).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

MAX_DEPTH = 4
MAX_FIELDS = 5


def _needs_arguments(definition: GraphQLField) -> bool:
    return any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in definition.args.values())


@dataclass
class Document:
    """A generated document and the variables to send with it."""

    text: str
    variables: dict[str, Any]


@dataclass
class _Builder:
    schema: GraphQLSchema
    rng: random.Random
    fragments: list[str] = field(default_factory=list)
    aliases: int = 0

    def directive(self) -> str:
        roll = self.rng.random()
        if roll < 0.12:
            return " @include(if: $shown)"
        if roll < 0.24:
            return " @skip(if: $hidden)"
        if roll < 0.28:
            return " @include(if: true)"  # a literal condition
        return ""

    def alias(self, name: str) -> str:
        if self.rng.random() < 0.2:
            self.aliases += 1
            return f"a{self.aliases}_{name}: "
        return ""

    def selection(self, named: Any, depth: int) -> str:
        parts = ["__typename"] if self.rng.random() < 0.4 or isinstance(named, GraphQLUnionType) else []
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            candidates = [(n, d) for n, d in named.fields.items() if not _needs_arguments(d)]
            self.rng.shuffle(candidates)
            for name, definition in candidates[: self.rng.randint(1, MAX_FIELDS)]:
                parts.append(self.field(name, definition, depth))
                if self.rng.random() < 0.1:  # the same field again under another name
                    parts.append(self.field(name, definition, depth, force_alias=True))
        if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)) and depth < MAX_DEPTH:
            possible = list(self.schema.get_possible_types(named))
            for concrete in self.rng.sample(possible, k=min(len(possible), self.rng.randint(1, 2))):
                inner = self.selection(concrete, depth + 1)
                if self.rng.random() < 0.5:
                    parts.append(f"... on {concrete.name}{self.directive()} {{ {inner} }}")
                else:
                    name = f"F{len(self.fragments)}"
                    self.fragments.append(f"fragment {name} on {concrete.name} {{ {inner} }}")
                    parts.append(f"...{name}{self.directive()}")
        if isinstance(named, GraphQLInterfaceType) and self.rng.random() < 0.3:
            name = f"F{len(self.fragments)}"
            fields = [n for n, d in named.fields.items() if not _needs_arguments(d) and _is_leaf(d)]
            chosen = " ".join(self.rng.sample(fields, k=min(2, len(fields)))) or "__typename"
            self.fragments.append(f"fragment {name} on {named.name} {{ {chosen} }}")
            parts.append(f"...{name}")
        return " ".join(parts) or "__typename"

    def field(self, name: str, definition: GraphQLField, depth: int, force_alias: bool = False) -> str:
        named = get_named_type(definition.type)
        alias = f"dup{depth}_{name}: " if force_alias else self.alias(name)
        head = f"{alias}{name}{self.directive()}"
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
            if depth >= MAX_DEPTH:
                return f"{head} {{ __typename }}"
            return f"{head} {{ {self.selection(named, depth + 1)} }}"
        return head


def _is_leaf(definition: GraphQLField) -> bool:
    return not isinstance(get_named_type(definition.type), (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType))


def generate(schema: GraphQLSchema, seed: int) -> Document:
    """One document (deterministic per seed) and its variables."""
    rng = random.Random(seed)
    builder = _Builder(schema, rng)
    query_type = schema.query_type
    assert query_type is not None
    roots = sorted(n for n, d in query_type.fields.items() if not _needs_arguments(d))
    chosen = rng.sample(roots, k=rng.randint(1, 3))
    body = " ".join(builder.field(name, query_type.fields[name], 1) for name in chosen)
    text = "query Generated($shown: Boolean!, $hidden: Boolean! = false) { " + body + " }"
    if builder.fragments:
        text += "\n" + "\n".join(builder.fragments)
    variables: dict[str, Any] = {"shown": rng.random() < 0.5}
    if rng.random() < 0.5:
        variables["hidden"] = rng.random() < 0.5
    return Document(text, variables)
