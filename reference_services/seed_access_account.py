"""Seed data of the access and account domains beyond tenants, projects, users and memberships.

Service accounts, credentials (some expiring within 14 days), entitlements whose usage is derived
from the seeded workloads and buckets (one project near its GPU and storage limits), SSH gateways,
SSO integrations (one degraded), invites, policies, audit evidence in every scope, and per user
profiles, security settings and sessions; per tenant billing whose burn is the seeded workloads'
(Globex on a short runway). Runs after workloads and buckets are seeded; uses its own RNG-free
arithmetic so the other domains' data does not shift.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from datetime import timedelta
from typing import Any

from reference_services.quotas import QUOTA_STATES
from reference_services.seed import PROJECTS, TENANTS, USERS, World, _iso, secret
from reference_services.seed_audit import seed_audit_events
from reference_services.seed_billing import credits_cents

FAKE_KEY_PREFIX = "fake-ssh-private-key:"  # a seed-only marker, not key material
TIB = 1024**4

# (id, project, name, description, created_by, days since last use or None, disabled)
SERVICE_ACCOUNTS = (
    ("sa-vision-ci", "p-vision", "vision-ci", "CI pipeline that launches evaluation runs", "u-tara", 0, False),
    ("sa-vision-labeler", "p-vision", "vision-labeler", "Legacy labelling export job", "u-tara", 95, True),
    ("sa-llm-gateway", "p-llm", "llm-gateway", "Product API calling the vLLM endpoints", "u-priya", 0, False),
    ("sa-llm-eval", "p-llm", "llm-eval", "Nightly evaluation harness", "u-priya", 1, False),
    ("sa-research-bot", "p-research", "research-bot", "Notebook scheduler for the sandbox", "u-tara", None, False),
    (
        "sa-genomics-pipeline",
        "p-genomics",
        "genomics-pipeline",
        "Nextflow pipeline submitting jobs",
        "u-gina",
        0,
        False,
    ),
    ("sa-genomics-airflow", "p-genomics", "genomics-airflow", "Airflow DAGs for nightly alignment", "u-gina", 3, False),
    ("sa-robotics-sim", "p-robotics", "robotics-sim", "Simulation farm controller", "u-gina", 12, False),
)

# (id, owner, project or None, name, kind, days until expiry or None, days since last use or None, revoked)
CREDENTIALS = (
    ("cred-marco-laptop", "u-marco", None, "marco-laptop", "ssh_key", None, 0, False),
    ("cred-marco-cli", "u-marco", "p-vision", "marco-cli", "api_key", 5, 0, False),
    ("cred-marco-old", "u-marco", "p-llm", "marco-notebook-token", "api_key", -20, 40, False),
    ("cred-priya-ws", "u-priya", None, "priya-workstation", "ssh_key", None, 1, False),
    ("cred-priya-cli", "u-priya", "p-llm", "priya-cli", "api_key", 12, 0, False),
    ("cred-tara-admin", "u-tara", None, "tara-admin-key", "api_key", 11, 2, False),
    ("cred-tara-ssh", "u-tara", None, "tara-macbook", "ssh_key", None, 30, False),
    ("cred-sa-vision-ci", "sa-vision-ci", "p-vision", "vision-ci-key", "service_account_key", 45, 0, False),
    ("cred-sa-llm-gw-1", "sa-llm-gateway", "p-llm", "llm-gateway-2025", "service_account_key", 9, 0, False),
    ("cred-sa-llm-gw-0", "sa-llm-gateway", "p-llm", "llm-gateway-2024", "service_account_key", 120, 70, True),
    ("cred-sa-llm-eval", "sa-llm-eval", "p-llm", "llm-eval-key", "service_account_key", 200, 1, False),
    ("cred-sa-research", "sa-research-bot", "p-research", "research-bot-key", "service_account_key", 30, None, False),
    ("cred-olivia-ssh", "u-olivia", None, "olivia-yubikey", "ssh_key", None, 0, False),
    ("cred-olivia-cli", "u-olivia", None, "olivia-ops-cli", "api_key", 6, 0, False),
    ("cred-gina-cli", "u-gina", None, "gina-cli", "api_key", 80, 1, False),
    ("cred-sam-ssh", "u-sam", None, "sam-desktop", "ssh_key", None, 2, False),
    ("cred-sam-cli", "u-sam", "p-genomics", "sam-cli", "api_key", 3, 0, False),
    ("cred-sa-genomics", "sa-genomics-pipeline", "p-genomics", "pipeline-key", "service_account_key", 13, 0, False),
    ("cred-sa-airflow", "sa-genomics-airflow", "p-genomics", "airflow-key", "service_account_key", 150, 3, False),
    ("cred-sa-robotics", "sa-robotics-sim", "p-robotics", "sim-controller-key", "service_account_key", 300, 12, False),
)

# project -> fraction of its GPU and storage quota in use (near the limit for p-llm and p-genomics)
QUOTA_HEADROOM = {"p-llm": 0.93, "p-genomics": 0.88}
FEATURES = {
    "t-acme": {"vllm_serving": True, "multi_node_training": True, "dedicated_nodes": False, "sso": True},
    "t-globex": {"vllm_serving": True, "multi_node_training": False, "dedicated_nodes": False, "sso": True},
}

IDENTITY_PROVIDERS = (
    # id, tenant, name, provider, protocol, status, reason, domains, hours since sync, users synced
    (
        "idp-acme-okta",
        "t-acme",
        "Acme Okta",
        "okta",
        "saml",
        "active",
        None,
        ["acme.example", "acme-ai.example"],
        2,
        42,
    ),
    (
        "idp-acme-google",
        "t-acme",
        "Contractors (Google Workspace)",
        "google_workspace",
        "oidc",
        "active",
        None,
        ["contractors.acme.example"],
        5,
        7,
    ),
    (
        "idp-globex-entra",
        "t-globex",
        "Globex Entra ID",
        "microsoft_entra_id",
        "oidc",
        "degraded",
        "The last three directory syncs failed: the identity provider rejected the client credentials.",
        ["globex.example"],
        73,
        18,
    ),
)

# id, tenant, project or None, email, role, invited by, days since invited, days until expiry
INVITES = (
    ("inv-acme-1", "t-acme", "p-vision", "lena@acme.example", "member", "u-tara", 2, 5),
    ("inv-acme-2", "t-acme", "p-llm", "omar@acme.example", "admin", "u-priya", 6, 1),
    ("inv-acme-3", "t-acme", "p-llm", "jun@acme.example", "member", "u-priya", 1, 6),
    ("inv-acme-4", "t-acme", None, "finance@acme.example", "tenant_admin", "u-tara", 3, 4),
    ("inv-globex-1", "t-globex", "p-genomics", "ravi@globex.example", "member", "u-gina", 4, 3),
    ("inv-globex-2", "t-globex", "p-robotics", "mia@globex.example", "admin", "u-gina", 0, 7),
)

POLICIES = {
    "t-acme": {
        "mfa_required": True,
        "max_session_hours": 12,
        "idle_timeout_minutes": 60,
        "allowed_regions": ["us-east-1", "eu-west-1"],
        "ip_allowlist_enabled": False,
        "credential_max_lifetime_days": 90,
        "updated_by": "u-tara",
    },
    "t-globex": {
        "mfa_required": False,
        "max_session_hours": 24,
        "idle_timeout_minutes": 240,
        "allowed_regions": ["us-east-1"],
        "ip_allowlist_enabled": False,
        "credential_max_lifetime_days": 365,
        "updated_by": "u-gina",
    },
}

# user -> (timezone, locale, MFA method or None, days since password change)
PEOPLE = {
    "u-olivia": ("America/New_York", "en-US", "webauthn", 30),
    "u-tara": ("America/Los_Angeles", "en-US", "webauthn", 45),
    "u-priya": ("Europe/London", "en-GB", "totp", 120),
    "u-marco": ("Europe/Rome", "it-IT", None, 410),
    "u-gina": ("Africa/Lagos", "en-NG", "totp", 60),
    "u-sam": ("Asia/Singapore", "en-SG", None, 200),
}
# device, browser, ip, location
SESSION_PLACES = (
    ("MacBook Pro", "Chrome 131", "203.0.113.24", "San Francisco, US"),
    ("iPhone 15", "Safari 18", "198.51.100.77", "Oakland, US"),
    ("ThinkPad X1", "Firefox 133", "192.0.2.141", "Dublin, IE"),
    ("Linux workstation", "Chrome 131", "2001:db8:85a3::8a2e:370:7334", "Rome, IT"),
)

# tenant -> (balance over hourly burn in hours, card brand, last four)
BILLING = {"t-acme": ("visa", "4242"), "t-globex": ("mastercard", "5454")}  # runways: seed_billing


def seed_access_account(world: World, scale: int = 1) -> None:
    """Add every access and account document that depends on the seeded workloads and buckets."""
    _service_accounts(world)
    _credentials(world)
    _entitlements(world)
    _connectivity_identity_invites_policies(world)
    _account(world)
    seed_audit_events(world, scale)
    from reference_services.seed_sharing import seed_sharing  # revoked grant, grantee mount, launch drafts

    seed_sharing(world)


def _ago(world: World, **delta: float) -> str:
    return _iso(world.now - timedelta(**delta))


def _ahead(world: World, **delta: float) -> str:
    return _iso(world.now + timedelta(**delta))


def _tenant_of(project_id: str) -> str:
    return next(p["tenant_id"] for p in PROJECTS if p["id"] == project_id)


def _service_accounts(world: World) -> None:
    for sa_id, project_id, name, description, created_by, last_used, disabled in SERVICE_ACCOUNTS:
        world.add(
            "access",
            "service-accounts",
            {
                "id": sa_id,
                "tenant_id": _tenant_of(project_id),
                "project_id": project_id,
                "name": name,
                "description": description,
                "created_at": _ago(world, days=180 - len(name)),
                "created_by": created_by,
                "last_used_at": None if last_used is None else _ago(world, days=last_used, hours=3),
                "disabled": disabled,
            },
        )


def _credentials(world: World) -> None:
    user_tenants = {u[0]: u[3] for u in USERS}
    sa_tenants = {sa[0]: _tenant_of(sa[1]) for sa in SERVICE_ACCOUNTS}
    for cred_id, owner, project_id, name, kind, expires_in, last_used, revoked in CREDENTIALS:
        digest = hashlib.sha256(cred_id.encode()).hexdigest()
        is_ssh = kind == "ssh_key"
        world.add(
            "access",
            "credentials",
            {
                "id": cred_id,
                "tenant_id": user_tenants.get(owner) or sa_tenants.get(owner),
                "project_id": project_id,
                "name": name,
                "kind": kind,
                "owner_type": "service_account" if owner.startswith("sa-") else "user",
                "owner_id": owner,
                "prefix": None if is_ssh else f"gpc_{digest[:6]}",
                "last_four": digest[-4:],
                "fingerprint": f"SHA256:{digest[8:51]}" if is_ssh else None,
                "created_at": _ago(world, days=(90 if expires_in is None else max(30, 90 - expires_in)) + len(name)),
                "last_used_at": None if last_used is None else _ago(world, days=last_used, hours=1),
                "expires_at": None if expires_in is None else _ahead(world, days=expires_in),
                "revoked_at": _ago(world, days=60) if revoked else None,
                "secret_value": None if is_ssh else f"gpc_{digest[:6]}_{secret('apikey', cred_id)}",
                "private_key": f"{FAKE_KEY_PREFIX}{secret('sshpriv', cred_id)}" if is_ssh else None,
            },
        )


def _entitlements(world: World) -> None:
    # Limits are facts chosen from the seeded use (one project near each limit); use is derived when read.
    gpus: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for workload in world.domains.get("workloads", {}).get("workloads", []):
        if workload["status"] in QUOTA_STATES:
            gpus[workload["project_id"]][workload["gpu"]["model"]] += workload["gpu"]["count"]
    storage: dict[str, int] = defaultdict(int)
    for bucket in world.domains.get("storage", {}).get("buckets", []):
        storage[bucket["project_id"]] += bucket["used_bytes"]
    models = sorted({w["gpu"]["model"] for w in world.domains.get("workloads", {}).get("workloads", [])})
    for tenant in TENANTS:
        projects = [p for p in PROJECTS if p["tenant_id"] == tenant["id"]]
        tenant_limits: dict[str, int] = {m: 0 for m in models}
        tenant_storage = 0
        for project in projects:
            fill = QUOTA_HEADROOM.get(project["id"], 0.5)
            quotas = []
            for model in models:
                used = gpus[project["id"]][model]
                near = project["id"] in QUOTA_HEADROOM  # exact limits near usage; others round up to 8 GPUs
                limit = max(8, math.ceil(used / fill)) if near else max(8, 8 * math.ceil(used / fill / 8))
                quotas.append({"gpu_model": model, "limit": limit})
                tenant_limits[model] += limit
            quota_bytes = max(TIB, math.ceil(storage[project["id"]] / fill / TIB) * TIB)
            tenant_storage += quota_bytes
            world.add("access", "entitlements", _entitlement(world, tenant["id"], project["id"], quotas, quota_bytes))
        quotas = [{"gpu_model": m, "limit": limit} for m, limit in tenant_limits.items()]
        world.add("access", "entitlements", _entitlement(world, tenant["id"], None, quotas, tenant_storage))


def _entitlement(
    world: World,
    tenant_id: str,
    project_id: str | None,
    quotas: list[dict[str, Any]],
    quota_bytes: int,
) -> dict[str, Any]:
    return {
        "id": f"ent-{(project_id or tenant_id)[2:]}",
        "tenant_id": tenant_id,
        "project_id": project_id,
        "gpu_quotas": quotas,
        "storage_quota_bytes": quota_bytes,
        "features": [{"name": name, "enabled": enabled} for name, enabled in FEATURES[tenant_id].items()],
        "updated_at": _ago(world, days=14),
    }


def _connectivity_identity_invites_policies(world: World) -> None:
    for tenant in TENANTS:
        slug = tenant["slug"]
        regions = (("us-east-1", f"ssh.{slug}.gpucloud.example"), ("eu-west-1", f"ssh-eu.{slug}.gpucloud.example"))
        for index, (region, hostname) in enumerate(regions):
            digest = hashlib.sha256(hostname.encode()).hexdigest()
            world.add(
                "access",
                "ssh-gateways",
                {
                    "id": f"sshgw-{slug}-{region}",
                    "tenant_id": tenant["id"],
                    "region": region,
                    "hostname": hostname,
                    "port_range": "22000-22999",
                    "status": "active",
                    "host_key_fingerprint": f"SHA256:{digest[:43]}",
                    "created_at": _ago(world, days=380 - index * 100),
                    "host_private_key": f"{FAKE_KEY_PREFIX}{secret('hostkey', hostname)}",
                },
            )
        policy = POLICIES[tenant["id"]]
        world.add(
            "access",
            "policies",
            {"id": f"pol-{slug}", "tenant_id": tenant["id"], **policy, "updated_at": _ago(world, days=21)},
        )
    for idp_id, tenant_id, name, provider, protocol, status, reason, domains, synced, users in IDENTITY_PROVIDERS:
        world.add(
            "access",
            "identity-providers",
            {
                "id": idp_id,
                "tenant_id": tenant_id,
                "display_name": name,
                "provider": provider,
                "protocol": protocol,
                "status": status,
                "status_reason": reason,
                "domains": domains,
                "last_sync_at": _ago(world, hours=synced),
                "users_synced": users,
                "created_at": _ago(world, days=300),
                "issuer_url": f"https://{provider}.idp.example/{secret('issuer', idp_id)}",
                "client_secret": secret("oidc", idp_id) if protocol == "oidc" else None,
                "signing_private_key": f"fake-saml-signing-key:{secret('samlkey', idp_id)}",
            },
        )
    for inv_id, tenant_id, project_id, email, role, invited_by, since, until in INVITES:
        world.add(
            "access",
            "invites",
            {
                "id": inv_id,
                "tenant_id": tenant_id,
                "project_id": project_id,
                "email": email,
                "role": role,
                "invited_by": invited_by,
                "created_at": _ago(world, days=since, hours=2),
                "expires_at": _ahead(world, days=until),
                "invite_token": secret("invite", inv_id),
            },
        )


def _account(world: World) -> None:
    for index, (user_id, name, email, _tenant, _roles, _projects) in enumerate(USERS):
        timezone, locale, mfa, password_days = PEOPLE[user_id]
        world.add(
            "account",
            "profiles",
            {
                "id": f"prof-{user_id[2:]}",
                "user_id": user_id,
                "name": name,
                "email": email,
                "timezone": timezone,
                "locale": locale,
                "avatar_initials": "".join(part[0] for part in name.split()[:2]).upper(),
                "updated_at": _ago(world, days=10 + index),
                "recovery_codes": [secret("recovery", user_id, n) for n in range(4)],
            },
        )
        devices = [
            {
                "id": f"dev-{user_id[2:]}-{n}",
                "name": SESSION_PLACES[(index + n) % 4][0],
                "added_at": _ago(world, days=90 - n * 30),
                "last_used_at": _ago(world, hours=n * 20 + 1),
            }
            for n in range(1 + index % 2)
        ]
        world.add(
            "account",
            "security-settings",
            {
                "id": f"sec-{user_id[2:]}",
                "user_id": user_id,
                "mfa_enabled": mfa is not None,
                "mfa_method": mfa,
                "password_changed_at": _ago(world, days=password_days),
                "trusted_devices": devices,
                "totp_secret": secret("totp", user_id) if mfa == "totp" else None,
            },
        )
        for n in range(2 + index % 2):
            device, browser, ip, location = SESSION_PLACES[(index + n) % len(SESSION_PLACES)]
            world.add(
                "account",
                "sessions",
                {
                    "id": f"ses-{user_id[2:]}-{n}",
                    "user_id": user_id,
                    "device": device,
                    "browser": browser,
                    "ip_address": ip,
                    "location": location,
                    "created_at": _ago(world, days=n * 3, hours=2),
                    "last_seen_at": _ago(world, minutes=1 + n * 600),
                    "current": n == 0,
                    "session_token": secret("session", user_id, n),
                },
            )
    _billing(world)


def _billing(world: World) -> None:
    # Credits and the payment method are facts; balance, month to date, spend and burn are derived when read.
    for tenant in TENANTS:
        brand, last_four = BILLING[tenant["id"]]
        slug = tenant["slug"]
        world.add(
            "account",
            "billing-accounts",
            {
                "id": f"bill-{slug}",
                "tenant_id": tenant["id"],
                "currency": "USD",
                "credits_cents": credits_cents(world, tenant["id"]),
                "payment_method": {"brand": brand, "last4": last_four, "exp_month": 8, "exp_year": 2028},
                "updated_at": _ago(world, minutes=5),
                "card_number": f"{last_four}-{secret('pan', slug)}",
                "payment_token": secret("paytok", slug),
            },
        )
