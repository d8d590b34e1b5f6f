"""The console's navigation: seven groups in order, their routes, utilities and persona landings.

This table is the one source the shell field and the route-operations index agree on (a test keeps
``operations/index.json`` in step with it).
"""

from __future__ import annotations

from dataclasses import dataclass

TENANT_PERSONAS = frozenset({"member", "project_admin", "tenant_admin"})
ADMINS = frozenset({"project_admin", "tenant_admin"})
EVERYONE = frozenset({"member", "project_admin", "tenant_admin", "operator"})
OPERATORS = frozenset({"operator"})


@dataclass(frozen=True)
class Route:
    """A console route and the personas that may open it; ``id_type`` names the type whose global id fills
    ``{id}`` (operations/index.json's route variables agree)."""

    path: str
    label: str
    personas: frozenset[str]
    id_type: str | None = None


@dataclass(frozen=True)
class Group:
    """A group of the left rail."""

    key: str
    label: str
    icon: str
    routes: tuple[Route, ...]

    @property
    def personas(self) -> frozenset[str]:
        """Personas that see the group: those that may open at least one of its routes."""
        return frozenset().union(*(r.personas for r in self.routes))


GROUPS: tuple[Group, ...] = (
    Group(
        "workloads",
        "Workloads",
        "cpu",
        (
            Route("/workloads", "All workloads", TENANT_PERSONAS),
            Route("/workloads/{id}", "Workload detail", TENANT_PERSONAS, "Workload"),
            Route("/launch/compute", "Launch compute", TENANT_PERSONAS),
        ),
    ),
    Group("compute", "Compute", "server", (Route("/compute", "GPU types", TENANT_PERSONAS),)),
    Group(
        "apps",
        "Apps",
        "grid",
        (
            Route("/apps", "App catalog", TENANT_PERSONAS),
            Route("/apps/{slug}", "App detail", TENANT_PERSONAS),
            Route("/launch/app/{slug}", "Launch app", TENANT_PERSONAS),
        ),
    ),
    Group(
        "storage",
        "Storage",
        "database",
        (
            Route("/storage", "Buckets", TENANT_PERSONAS),
            Route("/storage/{id}", "Bucket detail", TENANT_PERSONAS, "Bucket"),
            Route("/launch/storage", "Create bucket", TENANT_PERSONAS),
        ),
    ),
    Group(
        "access",
        "Access",
        "key",
        (
            Route("/access", "Access overview", TENANT_PERSONAS),
            Route("/access/memberships", "Memberships", TENANT_PERSONAS),
            Route("/access/service-accounts", "Service accounts", TENANT_PERSONAS),
            Route("/access/credentials", "Credentials", TENANT_PERSONAS),
            Route("/access/entitlements", "Entitlements", TENANT_PERSONAS),
            Route("/access/connectivity", "Connectivity", TENANT_PERSONAS),
            Route("/access/identity", "Identity", ADMINS),
            Route("/access/audit", "Access audit", ADMINS),
            Route("/evidence", "Evidence", TENANT_PERSONAS),
        ),
    ),
    Group(
        "account",
        "Account",
        "user",
        (
            Route("/account", "Account overview", EVERYONE),
            Route("/account/profile", "Profile", EVERYONE),
            Route("/account/security", "Security", EVERYONE),
            Route("/account/billing", "Billing", ADMINS),
            Route("/account/sessions", "Sessions", EVERYONE),
        ),
    ),
    Group(
        "platform",
        "Platform",
        "globe",
        (
            Route("/platform/overview", "Platform overview", OPERATORS),
            Route("/platform/ops", "Ops", OPERATORS),
            Route("/platform/lifecycle", "Lifecycle", OPERATORS),
            Route("/platform/config", "Config", OPERATORS),
            Route("/platform/evidence", "Evidence", OPERATORS),
            Route("/platform/finance", "Finance", OPERATORS),
            Route("/platform/iam", "IAM", OPERATORS),
            Route("/platform/nodes/{id}", "Node detail", OPERATORS, "PlatformNode"),
            Route("/platform/maas/hubs/{id}", "MAAS hub detail", OPERATORS, "MaasHub"),
            Route("/platform/maas/sites/{id}", "MAAS site detail", OPERATORS, "MaasSite"),
            Route("/platform/onboarding/{id}", "Onboarding detail", OPERATORS, "OnboardingTask"),
            Route("/platform/decommission/{id}", "Decommission detail", OPERATORS, "DecommissionTask"),
        ),
    ),
)

# Entry points outside the seven-group rail: top bar and help/session menus.
UTILITIES: tuple[Route, ...] = (
    Route("/notifications", "Notifications", EVERYONE),
    Route("/developer/downloads", "Developer downloads", EVERYONE),
    Route("/schedulers", "Scheduler guidance", TENANT_PERSONAS),
)

LANDINGS: tuple[Route, ...] = (
    # Operators call tenantOverview too (naming the tenant, read-only): the shell offers it to them.
    Route("/tenant/overview", "Tenant overview", frozenset({"tenant_admin", "operator"})),
    Route("/project/overview", "Project overview", TENANT_PERSONAS),
)

DEFAULT_LANDING = {
    "operator": "/platform/overview",
    "tenant_admin": "/tenant/overview",
    "project_admin": "/project/overview",
    "member": "/project/overview",
}


def all_routes() -> tuple[Route, ...]:
    """Every route of the console: groups, utilities and landings."""
    return (*(r for g in GROUPS for r in g.routes), *UTILITIES, *LANDINGS)
