"""Stateful property test of sharing: owners and admins grant and revoke buckets between Acme's projects while
the clock moves, and after every step each project (read as its service account) reaches exactly what is granted
to it (in its storage list and by id, read-only for READ) and nothing else, the audit page and the tenant's
recent changes list exactly the actions the machine took (actor and kind), and every link on every page the
machine reads (the projects' storage pages, the tenant overview) resolves through its route
(``tests.invariants.links``).

``make test`` runs a short, derandomised profile; ``GATEWAY_INVARIANT_EXAMPLES`` and ``GATEWAY_INVARIANT_STEPS``
run a longer, random one (the same variables as the figures machine). Each run prints what it explored.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from gateway.ids import decode_global_id, encode_global_id
from tests.idempotency_support import key
from tests.invariants.links import LinkCheck
from tests.invariants.pages import clock_of, fixed_harness, mutation
from tests.invariants.test_figures_machine import EXAMPLES, LONG, STEPS
from tests.support import GatewayHarness

TENANT = "t-acme"
# Each project is read as its own service account: a viewer of that project only.
READERS = {"p-vision": "sa-vision-ci", "p-llm": "sa-llm-eval", "p-research": "sa-research-bot"}
# Who shares: the tenant admin (any project) and a project admin (their project).
SHARERS = {"u-tara": ("p-vision", "p-llm", "p-research"), "u-priya": ("p-llm",)}
# The projects a sharer can see: a grant to a project outside them answers NOT_FOUND (the gateway does not reveal
# projects the viewer is not in), the machine checks that too.
SEES = {"u-tara": ("p-vision", "p-llm", "p-research"), "u-priya": ("p-vision", "p-llm")}
NAMES = {"u-tara": "Tara Nguyen", "u-priya": "Priya Shah"}
TITLES = {"grant.created": "Grant created", "grant.revoked": "Grant revoked"}
EXPLORED: Counter[str] = Counter()
AUDIT = """query($after: String) { evidence(scope: TENANT, first: 100, after: $after) {
  edges { node { id action outcome actor { displayName } target { localId } } }
  pageInfo { hasNextPage endCursor } } }"""
LIST = """{ buckets(first: 100) { nodes { id project { id } viewerAccess { kind readOnly } } } }"""
DETAIL = """query($id: ID!) { bucket(id: $id) { id viewerAccess { kind readOnly grant { id permission } } } }"""


def _local(global_id: str) -> str:
    return decode_global_id(global_id)[1]


class SharingMachine(RuleBasedStateMachine):
    """The gateway on freshly seeded services; the machine keeps its own model of the active grants and its log."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.harness: GatewayHarness = fixed_harness()
        self.clock = clock_of(self.harness)
        storage = self.harness.services["storage"].state.store
        self.buckets: dict[str, str] = {
            b["id"]: b["project_id"] for b in storage.query("buckets", {"tenant_id": [TENANT]}, limit=1000).items
        }
        # grant id -> (bucket, grantee project, permission) of every active grant
        self.active: dict[str, tuple[str, str, str]] = {
            g["id"]: (g["bucket_id"], g["grantee_project_id"], g["permission"])
            for g in storage.query("grants", {"tenant_id": [TENANT]}, limit=1000).items
            if g["revoked_at"] is None
        }
        # (action, actor name, grant id or None, outcome) of every action taken, oldest first
        self.log: list[tuple[str, str, str | None, str]] = []
        self.audited_before = {e["id"] for e in self._audit()}
        self.links = LinkCheck(
            lambda query, who, given: self._ask(query, who, **given), recheck=LONG, explored=EXPLORED
        )
        EXPLORED["sequences"] += 1

    def teardown(self) -> None:
        self.loop.close()

    def _ask(self, query: str, who: str, **variables: Any) -> dict[str, Any]:
        headers, persona = None, who
        if who.startswith("sa-"):
            security = self.harness.app.state.settings.security
            signer = self.harness.app.state.guard.authenticator.signer
            token = signer.mint(
                who, audience=security.jwt_audience, tenant=TENANT, roles=[], principal_type="service_account"
            )
            headers, persona = {"authorization": f"Bearer {token}"}, None
        body: dict[str, Any] = self.loop.run_until_complete(
            self.harness.query(query, variables, persona=persona, headers=headers)
        )
        return body

    def _data(self, query: str, who: str, **variables: Any) -> dict[str, Any]:
        body = self._ask(query, who, **variables)
        assert "errors" not in body, (who, body["errors"])
        found: dict[str, Any] = body["data"]
        return found

    def _audit(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after = None
        while True:
            page = self._data(AUDIT, "u-tara", after=after)["evidence"]
            found += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def _acted(
        self, action: str, actor: str, grant_id: str | None, outcome: str = "SUCCESS", bucket: str | None = None
    ) -> None:
        self.links.changed(*([encode_global_id("Bucket", bucket)] if bucket else []))
        self.log.append((action, NAMES[actor], grant_id, outcome))
        self.clock.advance(timedelta(minutes=1))  # each action at its own minute: newest first is well defined
        EXPLORED["steps"] += 1
        EXPLORED[f"{action} ({outcome.lower()})"] += 1

    # --- rules ----------------------------------------------------------------------------------------------

    @initialize(actor=st.sampled_from(sorted(SHARERS)), read_only=st.booleans(), data=st.data())
    def first_grant(self, actor: str, read_only: bool, data: st.DataObject) -> None:
        """Every sequence starts with a grant, so even the short profile shares something new."""
        self.grant(actor, read_only, data)

    @rule(actor=st.sampled_from(sorted(SHARERS)), read_only=st.booleans(), data=st.data())
    def grant(self, actor: str, read_only: bool, data: st.DataObject) -> None:
        owned = sorted(b for b, p in self.buckets.items() if p in SHARERS[actor])
        bucket = data.draw(st.sampled_from(owned), label="bucket")
        grantee = data.draw(st.sampled_from(sorted(set(READERS) - {self.buckets[bucket]})), label="grantee")
        given = {
            "bucketId": encode_global_id("Bucket", bucket),
            "projectId": encode_global_id("Project", grantee),
            "permission": "READ" if read_only else "READ_WRITE",
            "idempotencyKey": key("share"),
        }
        if grantee not in SEES[actor]:
            body = self._ask(mutation("storage/CreateStorageGrant"), actor, input=given)
            assert [e["extensions"]["code"] for e in body.get("errors", [])] == ["NOT_FOUND"], body
            EXPLORED["grant refused (grantee not visible)"] += 1
            return
        payload = self._data(mutation("storage/CreateStorageGrant"), actor, input=given)["createStorageGrant"]
        already = any(b == bucket and p == grantee for b, p, _ in self.active.values())
        if payload["userErrors"]:
            assert already and [e["code"] for e in payload["userErrors"]] == ["ALREADY_EXISTS"], (
                "only a second active grant to the same project is refused",
                given,
                payload["userErrors"],
            )
            self._acted("grant.created", actor, None, "FAILURE", bucket)  # audited as a failed attempt
            return
        grant_id = _local(payload["grant"]["id"])
        self.active[grant_id] = (bucket, grantee, "read" if read_only else "read_write")
        self._acted("grant.created", actor, grant_id, bucket=bucket)

    @rule(actor=st.sampled_from(sorted(SHARERS)), data=st.data())
    def revoke(self, actor: str, data: st.DataObject) -> None:
        mine = sorted(g for g, (b, _, _) in self.active.items() if self.buckets[b] in SHARERS[actor])
        if not mine:
            EXPLORED["revoke with nothing to revoke"] += 1
            return
        grant_id = data.draw(st.sampled_from(mine), label="grant")
        given = {"grantId": encode_global_id("StorageGrant", grant_id), "idempotencyKey": key("unshare")}
        payload = self._data(mutation("storage/RevokeStorageGrant"), actor, input=given)["revokeStorageGrant"]
        assert payload["userErrors"] == [] and payload["grant"]["active"] is False, payload
        bucket = self.active.pop(grant_id)[0]
        self._acted("grant.revoked", actor, grant_id, bucket=bucket)

    @rule(minutes=st.integers(min_value=1, max_value=24 * 60))
    def advance(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        self.links.changed()
        EXPLORED["steps"] += 1
        EXPLORED["advance"] += 1

    # --- invariants -------------------------------------------------------------------------------------------

    @invariant()
    def each_project_reaches_exactly_what_is_granted(self) -> None:
        for project, reader in READERS.items():
            granted = {b: permission for b, p, permission in self.active.values() if p == project}
            listed = self._data(LIST, reader)["buckets"]["nodes"]
            shared = {_local(n["id"]): n["viewerAccess"] for n in listed if _local(n["project"]["id"]) != project}
            assert set(shared) == set(granted), (project, sorted(shared), sorted(granted))
            for bucket, access in shared.items():
                assert access == {"kind": "GRANT", "readOnly": granted[bucket] == "read"}, (project, bucket, access)
            for bucket, owner in self.buckets.items():
                if owner == project:
                    continue
                body = self._ask(DETAIL, reader, id=encode_global_id("Bucket", bucket))
                if bucket in granted:
                    assert "errors" not in body, (project, bucket, body)
                    access = body["data"]["bucket"]["viewerAccess"]
                    assert (access["kind"], access["readOnly"]) == ("GRANT", granted[bucket] == "read")
                else:
                    assert [e["extensions"]["code"] for e in body.get("errors", [])] == ["NOT_FOUND"], (project, body)
        EXPLORED["access checks"] += 1

    @invariant()
    def the_history_is_what_the_machine_did(self) -> None:
        new = [e for e in self._audit() if e["id"] not in self.audited_before]
        found = [(e["action"], e["actor"]["displayName"], e["target"]["localId"], e["outcome"]) for e in new]
        assert found == list(reversed(self.log)), (found, self.log)  # newest first, nothing more, nothing less
        # Recent changes: the changes only (a refused attempt changed nothing), newest first.
        recent = self.links.page("u-tara", "/tenant/overview")["tenantOverview"]
        changes = [(c["title"], c["actor"]["displayName"]) for c in recent["recentChanges"]]
        expected = [(TITLES[action], name) for action, name, _, outcome in reversed(self.log) if outcome == "SUCCESS"]
        shown = min(len(changes), len(expected))
        assert changes[:shown] == expected[:shown], (changes, expected)
        self.links.check()

    @invariant()
    def every_link_on_the_storage_pages_resolves(self) -> None:
        # One project in turn in the short profile, every project in the long one: its storage list and the
        # detail pages of the buckets shared with it (every listed bucket in the long profile).
        turn = EXPLORED["link checks"] % len(READERS)
        readers = list(READERS.values()) if LONG else [list(READERS.values())[turn]]
        for reader in readers:
            listed = [n["node"] for n in self.links.page(reader, "/storage")["buckets"]["edges"]]
            for bucket in sorted(n["id"] for n in listed if LONG or n["viewerAccess"]["kind"] == "GRANT"):
                self.links.page(reader, "/storage/{id}", id=bucket)
        self.links.check()
        EXPLORED["link checks"] += 1


SharingMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=not LONG,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing sequence is reported as found: shrinking
    # one re-reads every page per step and runs for minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class TestSharing(SharingMachine.TestCase):  # type: ignore[misc,valid-type]
    """The machine as a test; prints what it explored."""

    @classmethod
    def tearDownClass(cls) -> None:
        print(f"\nsharing machine explored: {dict(sorted(EXPLORED.items()))}")
        super().tearDownClass()
