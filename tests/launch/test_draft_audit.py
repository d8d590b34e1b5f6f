"""Launch drafts are audited: starting, saving, discarding and submitting a draft appear on the audit page with
the actor (person or service account) and the service clock's time; they are personal work, so an overview's
recent changes (changes to what others share) do not list them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from gateway.ids import encode_global_id
from tests.invariants.pages import (
    PROJECT_PAGE,
    act,
    audit_page,
    audit_summary,
    clock_of,
    data,
    fixed_harness,
    mutation,
    service_time,
)

SAVE = mutation("launch/SaveLaunchDraft")
DISCARD = mutation("launch/DiscardLaunchDraft")
VISION = encode_global_id("Project", "p-vision")
LLM = encode_global_id("Project", "p-llm")


async def test_each_draft_action_is_on_the_actors_audit_page_at_the_service_time() -> None:
    harness = fixed_harness()
    clock = clock_of(harness)
    started = await act(harness, SAVE, {"kind": "COMPUTE", "basics": {"projectId": VISION}}, "member")
    draft_id = started["draft"]["id"]
    [newest, *_] = await audit_page(harness, "member")
    assert audit_summary(newest) == (
        "launch_draft.started",
        "SUCCESS",
        "Marco Rossi",
        "Untitled (compute launch draft)",
        "/launch/compute",
    )
    assert (newest["at"], newest["target"]["nodeId"], newest["scope"]) == (service_time(clock), draft_id, "USER")

    clock.advance(timedelta(minutes=3))
    await act(
        harness, SAVE, {"draftId": draft_id, "currentStep": "HARDWARE", "basics": {"name": "audit-box"}}, "member"
    )
    [newest, previous, *_] = await audit_page(harness, "member")
    assert audit_summary(newest)[:4] == (
        "launch_draft.saved",
        "SUCCESS",
        "Marco Rossi",
        "audit-box (compute launch draft)",
    )
    assert newest["at"] == service_time(clock) and previous["action"] == "launch_draft.started"

    clock.advance(timedelta(minutes=2))
    await act(harness, DISCARD, {"draftId": draft_id}, "member")
    [newest, *_] = await audit_page(harness, "member")
    assert audit_summary(newest)[:3] == ("launch_draft.discarded", "SUCCESS", "Marco Rossi")
    assert newest["at"] == service_time(clock)

    # The project's audit page shows the three actions; its recent changes (what others share) none of them.
    project_audit = await audit_page(harness, "project-admin", scope="PROJECT", project=VISION)
    drafts = [e["action"] for e in project_audit if e["target"]["type"] == "launch_draft"]
    assert drafts == ["launch_draft.discarded", "launch_draft.saved", "launch_draft.started"]
    overview = await data(harness, PROJECT_PAGE, "project-admin", project=VISION, recent=50)
    assert all(c["target"]["type"] != "launch_draft" for c in overview["projectOverview"]["recentChanges"])


async def test_a_refused_draft_action_is_audited_as_a_failure_and_stays_out_of_recent_changes() -> None:
    harness = fixed_harness()
    started = await act(harness, SAVE, {"kind": "STORAGE", "basics": {"projectId": LLM}}, "project-admin")
    await act(harness, DISCARD, {"draftId": started["draft"]["id"]}, "project-admin")
    clock_of(harness).advance(timedelta(minutes=1))
    body = await harness.query(
        DISCARD,
        {"input": {"draftId": started["draft"]["id"]}},
        persona="project-admin",
        headers={"Idempotency-Key": f"draft-audit-{uuid.uuid4()}"},
    )  # discarded already: the service refuses
    assert [e["code"] for e in body["data"]["discardLaunchDraft"]["userErrors"]] == ["INVALID_STATE"]
    [newest, *_] = await audit_page(harness, "project-admin")
    assert (newest["action"], newest["outcome"]) == ("launch_draft.discarded", "FAILURE")
    assert newest["target"]["route"] == "/launch/storage"


async def test_a_service_accounts_draft_names_the_service_account() -> None:
    harness = fixed_harness()
    token = harness.token("sa-llm-eval", tenant="t-acme", roles=[], principal_type="service_account")
    async with harness.client() as client:
        response = await client.post(
            "/graphql",
            json={"query": SAVE, "variables": {"input": {"kind": "COMPUTE", "basics": {"projectId": LLM}}}},
            headers={"authorization": f"Bearer {token}", "idempotency-key": f"draft-audit-{uuid.uuid4()}"},
        )
    assert response.json()["data"]["saveLaunchDraft"]["userErrors"] == []
    audit = await audit_page(harness, "project-admin", scope="PROJECT", project=LLM)
    newest = next(e for e in audit if e["target"]["type"] == "launch_draft")
    assert (newest["action"], newest["actor"]["kind"], newest["actor"]["displayName"]) == (
        "launch_draft.started",
        "SERVICE_ACCOUNT",
        "llm-eval",
    )
    assert newest["at"] == service_time(clock_of(harness))


async def test_a_submitted_draft_is_audited_with_what_it_launched() -> None:
    harness = fixed_harness()
    saved = await act(
        harness,
        SAVE,
        {
            "kind": "STORAGE",
            "basics": {"projectId": LLM, "name": "audited-evals"},
            "bucket": {"purpose": "artifact", "provider": "VAST", "region": "us-east-1", "quotaBytes": 1024**4},
        },
        "project-admin",
    )
    clock_of(harness).advance(timedelta(minutes=1))
    await act(harness, mutation("launch/SubmitLaunchDraft"), {"draftId": saved["draft"]["id"]}, "project-admin")
    newest = [e for e in await audit_page(harness, "project-admin") if e["at"] == service_time(clock_of(harness))]
    assert sorted((e["action"], e["target"]["label"]) for e in newest) == [
        ("bucket.created", "audited-evals"),
        ("launch_draft.submitted", "audited-evals (storage launch draft)"),
    ]
    assert {e["actor"]["displayName"] for e in newest} == {"Priya Shah"}
