"""Evidence: audit events as one table-and-detail model for user, project, tenant and platform scopes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.backends.access import models as models
from gateway.ids import encode_global_id
from resolvers.access import evidence as resolve
from resolvers.access import queries as access_queries
from resolvers.shared import links
from resolvers.shared.now import Now, then
from resolvers.shared.scope import local_id
from schema.access.members import ServiceAccount
from schema.access.types import Project, Tenant, User
from schema.shared.types import Info, Node, wire

# Target types whose objects can be fetched with `node(id:)`, and their GraphQL type names.
TARGET_NODE_TYPES = {
    "workload": "Workload",
    "bucket": "Bucket",
    "node": "GpuNode",
    "project": "Project",
    "tenant": "Tenant",
    "user": "User",
    "service_account": "ServiceAccount",
    "credential": "Credential",
    "identity_provider": "SsoIntegration",
    "launch_draft": "LaunchDraft",
    "notification": "Notification",
}


@strawberry.enum(description="A window of evidence, and the level an event belongs to.")
class EvidenceScope(Enum):
    USER = strawberry.enum_value("user", description="One user's own actions.")
    PROJECT = strawberry.enum_value("project", description="Everything in one project.")
    TENANT = strawberry.enum_value("tenant", description="Everything in one tenant (tenant admins, operators).")
    PLATFORM = strawberry.enum_value("platform", description="Everything on the platform (operators only).")


@strawberry.enum(description="How an audited action ended.")
class AuditOutcome(Enum):
    SUCCESS = strawberry.enum_value("success", description="The action took effect.")
    FAILURE = strawberry.enum_value("failure", description="The action was attempted and failed.")
    DENIED = strawberry.enum_value("denied", description="The action was refused (permissions, quota, credentials).")


@strawberry.enum(description="What kind of principal acted.")
class AuditActorKind(Enum):
    USER = strawberry.enum_value("user", description="A person.")
    SERVICE_ACCOUNT = strawberry.enum_value("service_account", description="A service account.")
    SYSTEM = strawberry.enum_value("system", description="The platform itself (syncs, health checks, billing).")


@strawberry.type(description="Who acted, as far as the viewer may know.")
class AuditActor:
    kind: AuditActorKind = strawberry.field(description="User, service account or system.")
    display_name: str = strawberry.field(description="Name to show (generic when the actor is not visible).")
    user: User | None = strawberry.field(description="The user, when visible to the viewer.")
    service_account: ServiceAccount | None = strawberry.field(description="The service account, when visible.")


@strawberry.type(description="What an audited action was done to.")
class AuditTarget:
    type: str = strawberry.field(description="Target type, e.g. workload, credential, membership, node, policy.")
    local_id: str | None = strawberry.field(description="The target's id as used in console routes.")
    label: str | None = strawberry.field(description="Name of the target when the action happened.")
    route: str | None = strawberry.field(description="Console route of the target, when it has one.")
    node_id: strawberry.ID | None = strawberry.field(
        description="Global id to fetch the target with `node(id:)` (null for types without one)."
    )


@strawberry.type(description="One allow-listed detail of an audit event.")
class AuditDetail:
    key: str = strawberry.field(description="Detail name, e.g. role, previous_role, reason, gpu_model.")
    value: str = strawberry.field(description="Detail value as text.")


@strawberry.type(
    description="A piece of audit evidence: who did what to which target, when, from where, with what outcome."
)
class AuditEvent(Node):
    action: str = strawberry.field(description="What happened, e.g. credential.created, node.cordoned.")
    title: str = strawberry.field(description="The action as a short sentence, e.g. 'Credential created'.")
    scope: EvidenceScope = strawberry.field(description="The level the event belongs to.")
    outcome: AuditOutcome = strawberry.field(description="Success, failure or denied.")
    at: datetime = strawberry.field(description="When it happened.")
    source_ip: str | None = strawberry.field(
        description="Network the request came from, masked to /24 (IPv4) or /48 (IPv6); null for system actions."
    )
    target: AuditTarget = strawberry.field(description="What it was done to.")
    details: list[AuditDetail] = strawberry.field(description="Allow-listed details; secrets are never included.")
    route: str = strawberry.field(description="Console route of the event's detail drawer.")
    model: strawberry.Private[models.AuditEvent]

    @classmethod
    def of(cls, model: models.AuditEvent) -> AuditEvent:
        """From the access service's audit event."""
        global_id = strawberry.ID(encode_global_id("AuditEvent", model.id))
        node_type = TARGET_NODE_TYPES.get(model.target_type)
        page = "/platform/evidence" if model.scope == "platform" else "/evidence"
        return cls(
            id=global_id,
            action=model.action,
            title=resolve.title(model),
            scope=EvidenceScope(model.scope),
            outcome=AuditOutcome(model.outcome),
            at=model.at,
            source_ip=model.source_ip,
            target=AuditTarget(
                type=model.target_type,
                local_id=model.target_id,
                label=model.target_label,
                route=resolve.target_route(model),
                node_id=strawberry.ID(encode_global_id(node_type, model.target_id))
                if node_type and model.target_id
                else None,
            ),
            details=[AuditDetail(key=k, value=v) for k, v in resolve.details(model)],
            route=links.route(page, event=global_id),
            model=model,
        )

    @strawberry.field(description="Who acted.", graphql_type=AuditActor)
    def actor(self, info: Info) -> Now[AuditActor]:
        return then(resolve.actor(info.context, self.model), _audit_actor)

    @strawberry.field(
        description="The project the event belongs to, when visible to the viewer.", graphql_type=Project | None
    )
    def project(self, info: Info) -> Now[Project | None]:
        return then(access_queries.viewer_project(info.context, self.model.project_id), Project.maybe)

    @strawberry.field(description="The tenant the event belongs to (null for platform events).")
    async def tenant(self, info: Info) -> Tenant | None:
        found = await resolve.tenant(info.context, self.model)
        return Tenant.of(found) if found else None


@strawberry.input(description="Narrow evidence; every given condition must hold (values of one condition are OR-ed).")
class EvidenceFilter:
    actions: list[str] | None = strawberry.field(default=None, description="Only these actions (at most 50).")
    actor_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only actions by these users (User global ids, at most 50)."
    )
    target_types: list[str] | None = strawberry.field(
        default=None, description="Only these target types, e.g. credential, workload (at most 50)."
    )
    outcomes: list[AuditOutcome] | None = strawberry.field(default=None, description="Only these outcomes.")
    since: datetime | None = strawberry.field(default=None, description="Only events at or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Only events before this time.")


def evidence_filter(given: EvidenceFilter | None) -> resolve.EvidenceFilter:
    """The resolvers' filter from the GraphQL input (actor ids decoded)."""
    if given is None:
        return resolve.EvidenceFilter()
    return resolve.EvidenceFilter(
        actions=given.actions or (),
        actor_ids=[local_id(a, "User", "filter.actorIds") for a in given.actor_ids or ()],
        target_types=given.target_types or (),
        outcomes=[wire(o) for o in given.outcomes or ()],
        since=given.since,
        until=given.until,
    )


def _audit_actor(found: resolve.Actor) -> AuditActor:
    return AuditActor(
        kind=AuditActorKind(found.kind),
        display_name=found.display_name,
        user=User.of(found.user) if found.user else None,
        service_account=ServiceAccount.of(found.service_account) if found.service_account else None,
    )
