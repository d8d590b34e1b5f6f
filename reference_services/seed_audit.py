"""Seed audit evidence: user, project, tenant and platform events for both tenants.

Targets are the seeded objects (workloads, buckets, grants, nodes, service accounts, credentials, ...),
so an event's target route opens something real. Workload, bucket and grant events are read off those
objects' own timelines (``timeline``): every launch, stop and terminate a person asked for, every bucket
change and every grant, at the time the object itself records. Some ``details`` carry secret values and every event
carries raw request headers, so the gateway's allow-list is exercised. Events are stored oldest first:
the service's newest-first pages are then newest by time too. ``scale`` repeats the sign-in traffic.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from reference_services import timeline
from reference_services.audit import grant_label
from reference_services.seed import PROJECTS, USERS, World, _iso, secret

IPS = ("203.0.113.24", "198.51.100.77", "192.0.2.141", "2001:db8:85a3::8a2e:370:7334", "203.0.113.200")
AGENT = "Mozilla/5.0 (X11; Linux x86_64) console/3"
TENANT_OF = {u[0]: u[3] for u in USERS}
PROJECT_NAMES = {p["id"]: p["name"] for p in PROJECTS}
# audit action -> the field of its target (an access object) that records when it happened
OBJECT_MOMENTS = {
    "service_account.created": "created_at",
    "membership.added": "created_at",
    "ssh_key.added": "created_at",
    "credential.created": "created_at",
    "credential.revoked": "revoked_at",
    "invite.sent": "created_at",
    "identity_provider.created": "created_at",
}
# bucket timeline event -> the audit action a person's change implies
BUCKET_ACTIONS = {
    "created": "bucket.created",
    "quota_changed": "bucket.quota_changed",
    "lifecycle_updated": "bucket.lifecycle_updated",
}


class _Events:
    """Collects events, then adds them to the world oldest first with sequential ids."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.items: list[tuple[float, dict[str, Any]]] = []

    def add(
        self,
        minutes_ago: float,
        actor: str,
        action: str,
        target: tuple[str, str, str],
        *,
        scope: str,
        tenant: str | None = None,
        project: str | None = None,
        outcome: str = "success",
        details: dict[str, Any] | None = None,
    ) -> None:
        actor_type = "service_account" if actor.startswith("sa-") else "system" if actor == "system" else "user"
        self.items.append(
            (
                minutes_ago,
                {
                    "tenant_id": tenant if tenant is not None or scope == "platform" else TENANT_OF.get(actor),
                    "project_id": project,
                    "scope": scope,
                    "actor_type": actor_type,
                    "actor_id": actor,
                    "action": action,
                    "target_type": target[0],
                    "target_id": target[1],
                    "target_label": target[2],
                    "outcome": outcome,
                    "source_ip": None if actor == "system" else IPS[len(self.items) % len(IPS)],
                    "user_agent": AGENT,
                    "details": details or {},
                    "request_headers": {
                        "authorization": f"Bearer {secret('bearer', actor, len(self.items))}",
                        "cookie": f"session={secret('cookie', actor)}",
                    },
                },
            )
        )

    def align_with_objects(self) -> None:
        """Move each event about a seeded access object to the moment the object itself records (created,
        sent, revoked): the object's own timeline, never a second invented time."""
        moments: dict[tuple[str, str], str] = {}
        for resource in ("credentials", "service-accounts", "invites", "memberships", "identity-providers"):
            for doc in self.world.domains.get("access", {}).get(resource, []):
                for action, field in OBJECT_MOMENTS.items():
                    if isinstance(doc.get(field), str):
                        moments[(action, doc["id"])] = doc[field]
        for index, (_, doc) in enumerate(self.items):
            moment = moments.get((doc["action"], doc["target_id"]))
            if moment is not None:
                self.items[index] = (_minutes_ago(self.world, moment), doc)

    def flush(self) -> None:
        ordered = sorted(enumerate(self.items), key=lambda pair: (-pair[1][0], pair[0]))
        for number, (_index, (minutes_ago, doc)) in enumerate(ordered, start=1):
            at = _iso(self.world.now - timedelta(minutes=minutes_ago))
            self.world.add("access", "audit-events", {"id": f"aud-{number:05d}", "at": at, **doc})


def seed_audit_events(world: World, scale: int = 1) -> None:
    """Dozens of audit events across every scope (more sign-ins with ``scale``)."""
    events = _Events(world)
    workloads = world.domains.get("workloads", {}).get("workloads", [])
    nodes = world.domains.get("platform", {}).get("nodes", [])
    _platform(events, nodes)
    _acme(events, world, workloads)
    _globex(events, world, workloads)
    _personal(events, scale)
    events.align_with_objects()
    events.flush()


def _platform(events: _Events, nodes: list[dict[str, Any]]) -> None:
    for minutes, node, action in (
        (50, 3, "node.cordoned"),
        (45, 4, "node.drain_started"),
        (2900, 5, "node.maintenance_started"),
        (8000, 0, "node.commissioned"),
    ):
        if node < len(nodes):
            target = ("node", nodes[node]["id"], nodes[node]["hostname"])
            events.add(
                minutes,
                "u-olivia",
                action,
                target,
                scope="platform",
                details={"region": nodes[node]["region"], "reason": "GPU XID errors reported"},
            )
    if nodes:
        events.add(
            55,
            "system",
            "node.health_check_failed",
            ("node", nodes[3]["id"], nodes[3]["hostname"]),
            scope="platform",
            outcome="failure",
            details={"error": "XID 79: GPU has fallen off the bus"},
        )
    events.add(
        1500,
        "u-olivia",
        "config.updated",
        ("config", "maas", "MAAS provisioning settings"),
        scope="platform",
        details={
            "setting": "default_image",
            "old_value": "ubuntu-22.04",
            "new_value": "ubuntu-24.04",
            "api_key": secret("maaskey", "cfg"),
        },
    )
    events.add(
        3000,
        "u-olivia",
        "entitlement.updated",
        ("entitlement", "ent-globex", "Globex Research quota"),
        scope="tenant",
        tenant="t-globex",
        details={"setting": "gpu_quota", "old_value": "32", "new_value": "48"},
    )
    events.add(
        600,
        "u-olivia",
        "support.session_started",
        ("tenant", "t-acme", "Acme AI Labs"),
        scope="tenant",
        tenant="t-acme",
        details={"reason": "Ticket 4821: quota increase request"},
    )


def _acme(events: _Events, world: World, workloads: list[dict[str, Any]]) -> None:
    acme = "t-acme"
    events.add(
        20000,
        "u-tara",
        "policy.updated",
        ("policy", "pol-acme", "Acme AI Labs policies"),
        scope="tenant",
        tenant=acme,
        details={"setting": "mfa_required", "old_value": "false", "new_value": "true"},
    )
    events.add(
        7200,
        "u-tara",
        "identity_provider.created",
        ("identity_provider", "idp-acme-google", "Contractors (Google Workspace)"),
        scope="tenant",
        tenant=acme,
        details={"protocol": "oidc", "provider": "google_workspace", "client_secret": secret("oidc", "new")},
    )
    events.add(
        120,
        "system",
        "identity_provider.synced",
        ("identity_provider", "idp-acme-okta", "Acme Okta"),
        scope="tenant",
        tenant=acme,
        details={"users_synced": 42},
    )
    events.add(
        4300,
        "u-tara",
        "invite.sent",
        ("invite", "inv-acme-4", "finance@acme.example"),
        scope="tenant",
        tenant=acme,
        details={"role": "tenant_admin", "email": "finance@acme.example"},
    )
    events.add(
        9000,
        "u-tara",
        "billing.payment_method_updated",
        ("billing_account", "bill-acme", "Acme billing"),
        scope="tenant",
        tenant=acme,
        details={"brand": "visa", "last4": "4242", "card_number": secret("pan", "acme")},
    )
    project_events = (
        (
            30000,
            "u-tara",
            "membership.added",
            ("membership", "m-marco-vision", "Marco Rossi in Vision Models"),
            "p-vision",
            {"role": "member"},
        ),
        (
            26000,
            "u-tara",
            "membership.added",
            ("membership", "m-priya-llm", "Priya Shah in LLM Serving"),
            "p-llm",
            {"role": "admin"},
        ),
        (
            1400,
            "u-priya",
            "membership.role_changed",
            ("membership", "m-marco-llm", "Marco Rossi in LLM Serving"),
            "p-llm",
            {"role": "member", "previous_role": "admin"},
        ),
        (5000, "u-priya", "service_account.created", ("service_account", "sa-llm-eval", "llm-eval"), "p-llm", {}),
        (
            4000,
            "u-priya",
            "credential.created",
            ("credential", "cred-sa-llm-gw-1", "llm-gateway-2025"),
            "p-llm",
            {"kind": "service_account_key", "secret_value": secret("apikey", "cred-sa-llm-gw-1")},
        ),
        (
            3900,
            "u-priya",
            "credential.revoked",
            ("credential", "cred-sa-llm-gw-0", "llm-gateway-2024"),
            "p-llm",
            {"kind": "service_account_key", "reason": "rotated"},
        ),
        (
            8000,
            "u-tara",
            "service_account.disabled",
            ("service_account", "sa-vision-labeler", "vision-labeler"),
            "p-vision",
            {"reason": "unused for 90 days"},
        ),
        (
            2800,
            "u-tara",
            "invite.sent",
            ("invite", "inv-acme-1", "lena@acme.example"),
            "p-vision",
            {"role": "member", "email": "lena@acme.example"},
        ),
        (
            8600,
            "u-priya",
            "invite.sent",
            ("invite", "inv-acme-2", "omar@acme.example"),
            "p-llm",
            {"role": "admin", "email": "omar@acme.example"},
        ),
        (
            1300,
            "u-priya",
            "invite.sent",
            ("invite", "inv-acme-3", "jun@acme.example"),
            "p-llm",
            {"role": "member", "email": "jun@acme.example"},
        ),
        (
            90,
            "u-marco",
            "credential.created",
            ("credential", "cred-marco-cli", "marco-cli"),
            "p-vision",
            {"kind": "api_key", "secret_value": secret("apikey", "cred-marco-cli")},
        ),
        (
            700,
            "u-priya",
            "service_account.permission_denied",
            ("service_account", "sa-llm-gateway", "llm-gateway"),
            "p-llm",
            {"reason": "project admin role required"},
        ),
    )
    for minutes, actor, action, target, project, details in project_events:
        events.add(minutes, actor, action, target, scope="project", tenant=acme, project=project, details=details)
    # Refused, so no object changed: the one service-account action recent enough for the audit's first page.
    events.add(
        45,
        "sa-llm-gateway",
        "credential.create_denied",
        ("service_account", "sa-llm-gateway", "llm-gateway"),
        scope="project",
        tenant=acme,
        project="p-llm",
        outcome="denied",
        details={"reason": "service accounts cannot mint their own keys; a project admin rotates them"},
    )
    _workload_events(events, world, workloads, acme)
    _bucket_events(events, world, acme)


def _workload_events(events: _Events, world: World, workloads: list[dict[str, Any]], tenant: str) -> None:
    """Every person's (or service account's) request on a workload's timeline, at the timeline's time."""
    by_id = {w["id"]: w for w in workloads if w["tenant_id"] == tenant}
    for step in world.domains.get("workloads", {}).get("workload-events", []):
        workload = by_id.get(step["workload_id"])
        action = timeline.REQUESTED.get(step.get("to_status") or "")
        if workload is None or step["type"] != "status_changed" or action is None or not step.get("actor_id"):
            continue
        details: dict[str, Any] = {"kind": workload["kind"]}
        if action == "workload.launched":
            details.update(gpu_model=workload["gpu"]["model"], gpu_count=workload["gpu"]["count"])
        events.add(
            _minutes_ago(world, step["at"]),
            step["actor_id"],
            action,
            ("workload", workload["id"], workload["name"]),
            scope="project",
            tenant=tenant,
            project=workload["project_id"],
            details=details,
        )


def _bucket_events(events: _Events, world: World, tenant: str) -> None:
    """Each bucket's own history (created, quota, lifecycle rules) and its grants, at their timeline's times."""
    storage = world.domains.get("storage", {})
    buckets = {b["id"]: b for b in storage.get("buckets", []) if b["tenant_id"] == tenant}
    for event in storage.get("bucket-events", []):
        bucket = buckets.get(event["bucket_id"])
        if bucket is None or not event.get("actor_id") or event["type"] not in BUCKET_ACTIONS:
            continue
        events.add(
            _minutes_ago(world, event["at"]),
            event["actor_id"],
            BUCKET_ACTIONS[event["type"]],
            ("bucket", bucket["id"], bucket["name"]),
            scope="project",
            tenant=tenant,
            project=bucket["project_id"],
            details={"provider": bucket["provider"], "region": bucket["region"]},
        )
    for grant in storage.get("grants", []):
        bucket = buckets.get(grant["bucket_id"])
        if bucket is None:
            continue
        label = grant_label(bucket["name"], PROJECT_NAMES[grant["grantee_project_id"]], grant["permission"])
        details = {"permission": grant["permission"], "grantee_project": grant["grantee_project_id"]}
        target = ("grant", grant["id"], label)
        for action, at, actor in (
            ("grant.created", grant["created_at"], grant["created_by"]),
            ("grant.revoked", grant.get("revoked_at"), grant.get("revoked_by") or grant["created_by"]),
        ):
            if at:
                events.add(
                    _minutes_ago(world, at),
                    actor,
                    action,
                    target,
                    scope="project",
                    tenant=tenant,
                    project=grant["owner_project_id"],
                    details=details,
                )


def _minutes_ago(world: World, at: str) -> float:
    return (world.now - datetime.fromisoformat(at.replace("Z", "+00:00"))).total_seconds() / 60


def _globex(events: _Events, world: World, workloads: list[dict[str, Any]]) -> None:
    globex = "t-globex"
    events.add(
        12000,
        "u-gina",
        "policy.updated",
        ("policy", "pol-globex", "Globex Research policies"),
        scope="tenant",
        tenant=globex,
        details={"setting": "max_session_hours", "old_value": "12", "new_value": "24"},
    )
    for n, hours in enumerate((73, 49, 25)):
        events.add(
            hours * 60,
            "system",
            "identity_provider.sync_failed",
            ("identity_provider", "idp-globex-entra", "Globex Entra ID"),
            scope="tenant",
            tenant=globex,
            outcome="failure",
            details={
                "error": "invalid_client: AADSTS7000222 client secret expired",
                "client_secret": secret("oidc", "idp-globex-entra", n),
            },
        )
    events.add(
        30,
        "system",
        "billing.low_balance",
        ("billing_account", "bill-globex", "Globex billing"),
        scope="tenant",
        tenant=globex,
        details={"reason": "runway below 72 hours"},
    )
    project_events = (
        (
            5600,
            "u-gina",
            "invite.sent",
            ("invite", "inv-globex-1", "ravi@globex.example"),
            "p-genomics",
            {"role": "member", "email": "ravi@globex.example"},
        ),
        (
            10,
            "u-gina",
            "invite.sent",
            ("invite", "inv-globex-2", "mia@globex.example"),
            "p-robotics",
            {"role": "admin", "email": "mia@globex.example"},
        ),
        (
            40000,
            "u-gina",
            "service_account.created",
            ("service_account", "sa-genomics-pipeline", "genomics-pipeline"),
            "p-genomics",
            {},
        ),
        (
            19000,
            "u-gina",
            "credential.created",
            ("credential", "cred-sa-genomics", "pipeline-key"),
            "p-genomics",
            {"kind": "service_account_key", "secret_value": secret("apikey", "cred-sa-genomics")},
        ),
        (
            2000,
            "u-sam",
            "credential.created",
            ("credential", "cred-sam-cli", "sam-cli"),
            "p-genomics",
            {"kind": "api_key", "secret_value": secret("apikey", "cred-sam-cli")},
        ),
        (
            300,
            "sa-genomics-pipeline",
            "workload.launch_denied",
            ("project", "p-genomics", "Genomics Pipeline"),
            "p-genomics",
            {"reason": "GPU quota exceeded", "gpu_model": "NVIDIA H100 80GB", "gpu_count": 8},
        ),
    )
    for minutes, actor, action, target, project, details in project_events:
        outcome = "denied" if action.endswith("denied") else "success"
        events.add(
            minutes,
            actor,
            action,
            target,
            scope="project",
            tenant=globex,
            project=project,
            outcome=outcome,
            details=details,
        )
    _workload_events(events, world, workloads, globex)
    _bucket_events(events, world, globex)


def _personal(events: _Events, scale: int) -> None:
    for round_index in range(scale):
        for index, (user_id, name, *_rest) in enumerate(USERS):
            target = ("user", user_id, name)
            for n in range(2):
                events.add(
                    5 + index * 13 + n * 1440 + round_index * 2880,
                    user_id,
                    "session.created",
                    target,
                    scope="user",
                    details={"method": "sso" if user_id != "u-olivia" else "webauthn"},
                )
    events.add(
        2000,
        "u-marco",
        "session.failed",
        ("user", "u-marco", "Marco Rossi"),
        scope="user",
        outcome="denied",
        details={"method": "password", "reason": "invalid_password", "password_attempt": secret("pw", "marco")},
    )
    events.add(
        20100,
        "u-marco",
        "ssh_key.added",
        ("credential", "cred-marco-laptop", "marco-laptop"),
        scope="user",
        details={"kind": "ssh_key"},
    )
    events.add(
        6000,
        "u-priya",
        "mfa.enabled",
        ("user", "u-priya", "Priya Shah"),
        scope="user",
        details={"method": "totp", "totp_secret": secret("totp", "u-priya")},
    )
    events.add(172800, "u-priya", "password.changed", ("user", "u-priya", "Priya Shah"), scope="user")
    events.add(
        65000, "u-gina", "mfa.enabled", ("user", "u-gina", "Gina Okafor"), scope="user", details={"method": "totp"}
    )
    events.add(
        2880,
        "u-sam",
        "ssh_key.added",
        ("credential", "cred-sam-ssh", "sam-desktop"),
        scope="user",
        details={"kind": "ssh_key"},
    )
    events.add(
        25,
        "u-olivia",
        "session.elevated",
        ("user", "u-olivia", "Olivia Park"),
        scope="user",
        details={"method": "webauthn", "reason": "platform operations"},
    )
