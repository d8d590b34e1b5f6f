"""`@scopedTo`: a field whose nullness or list contents depend on who asks, declared in the schema.

A null or a short list there is an access rule, not missing data. The parity pass reads these declarations
(a variant a declaration keeps from a persona is "not applicable to this persona", never a gap), and
tests/parity/test_scoping.py checks each one against what the resolvers really answer.
"""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.schema_directive import Location

DIRECTIVE_NAME = "scopedTo"
OPERATOR_TENANT = "Platform operators act across tenants and belong to none."
MEMBER_CREDENTIALS = (
    "A member sees only their own credentials; service-account keys go to those who manage the project."
)


@strawberry.enum(description="The role a viewer acts in, which decides their landing page and scope.")
class Persona(Enum):
    MEMBER = strawberry.enum_value("member", description="Member of one or more projects.")
    PROJECT_ADMIN = strawberry.enum_value("project_admin", description="Administers at least one project.")
    TENANT_ADMIN = strawberry.enum_value("tenant_admin", description="Administers the whole tenant.")
    OPERATOR = strawberry.enum_value("operator", description="Platform operator.")


@strawberry.enum(description="What the viewers a `@scopedTo` declaration names receive in the field.")
class ScopedContent(Enum):
    NULL = strawberry.enum_value("null", description="Always null for them.")
    NO_ITEMS = strawberry.enum_value("no_items", description="Always an empty list (or null) for them.")
    OWN_ITEMS = strawberry.enum_value(
        "own_items",
        description="Only the items they hold themselves (the item path `heldBy` is the viewer's user); the item "
        "paths in `unseen` are never set for them.",
    )


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    repeatable=True,
    description="The field's value depends on who asks: an access rule, not missing data. `personas`: the "
    "viewer personas the rule applies to (empty: every viewer). `whenField`/`whenValues`: the rule applies only "
    "where this object's enum field `whenField` has one of `whenValues` (the viewer's relation to the object, "
    "e.g. kind OWNER). `gets`: what they receive. `heldBy`, `unseen`: for OWN_ITEMS, the item path naming the "
    "holder and the item paths they never see set. `reason`: the rule in words.",
)
class ScopedTo:
    gets: ScopedContent
    reason: str
    personas: list[Persona] = strawberry.field(default_factory=list)
    when_field: str | None = None
    when_values: list[str] = strawberry.field(default_factory=list)
    held_by: str | None = None
    unseen: list[str] = strawberry.field(default_factory=list)


def null_for(*personas: Persona, reason: str) -> ScopedTo:
    """The field is null for these personas."""
    return ScopedTo(gets=ScopedContent.NULL, personas=list(personas), reason=reason)


def null_when(field: str, *values: str, reason: str) -> ScopedTo:
    """The field is null where the object's enum ``field`` (GraphQL name) has one of ``values``."""
    return ScopedTo(gets=ScopedContent.NULL, when_field=field, when_values=list(values), reason=reason)


def no_items_for(*personas: Persona, reason: str) -> ScopedTo:
    """The list is empty for these personas."""
    return ScopedTo(gets=ScopedContent.NO_ITEMS, personas=list(personas), reason=reason)


def own_items_for(*personas: Persona, held_by: str, unseen: list[str], reason: str) -> ScopedTo:
    """The list holds only the viewer's own items for these personas; ``unseen`` item paths are never set."""
    return ScopedTo(
        gets=ScopedContent.OWN_ITEMS, personas=list(personas), held_by=held_by, unseen=unseen, reason=reason
    )
