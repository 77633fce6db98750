"""Issue 30 attacked: what a partner of the programme, a partner's member, a vendor
marketer and an outsider tried against ratings, replies, reasons and leads, each with
what it must get: the vendor's figures moved only by what a partner really did, a 4xx
naming the field instead of a 500, and no inbox flooded by one person's clicks."""

from __future__ import annotations

from tests.security.conftest import (
    PARTNER_A,
    PARTNER_B,
    World,
    page_csrf,
    partner_client,
    vendor_client,
)


def _feedback(world: World, campaign_id: int) -> dict:
    return vendor_client(world).get(f"/api/v1/campaigns/{campaign_id}/feedback").get_json()


def _reason(client, token: str, **given: object) -> int:
    return client.post(
        "/portal/feedback/reason", data={"reason": "quality", "csrf_token": token, **given}
    ).status_code


def test_a_reason_explains_only_a_decision_the_partner_made(world):
    """/portal/feedback/reason took any campaign id, kind and channel: partner A put a
    "quality" reason on the report of a campaign only B was in, and one partner that had
    opted out of nothing gave its campaign five opt-out reasons (one per kind and channel,
    each counted on its own)."""
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/")
    tries = [
        {"kind": "opt_out", "campaign_id": world.b_only},  # another audience's campaign
        {"kind": "opt_out", "campaign_id": world.campaign},  # never switched off
        {"kind": "opt_out", "campaign_id": world.campaign, "channel": "email"},
        {"kind": "opt_out", "campaign_id": world.campaign, "channel": "social"},
        {"kind": "pause", "campaign_id": world.campaign},  # a pause is programme-wide
        {"kind": "pause", "channel": "email"},  # nothing paused
        {"kind": "opt_out"},  # no campaign at all
    ]
    for given in tries:
        assert _reason(a, token, **given) in (404, 409, 422), given
    assert _feedback(world, world.b_only)["reasons"] == {}
    assert _feedback(world, world.campaign)["reasons"] == {}
    # what A really did can carry its reason, as before
    switched = a.post(
        "/portal/consent",
        data={"mode": "off", "campaign_id": world.campaign, "csrf_token": token},
    )
    assert switched.status_code == 302
    assert _reason(a, token, kind="opt_out", campaign_id=world.campaign) == 302
    paused = a.post(
        "/portal/consent", data={"mode": "off", "channel": "social", "csrf_token": token}
    )
    assert paused.status_code == 302
    assert _reason(a, token, kind="pause", channel="social", reason="too_frequent") == 302
    feedback = _feedback(world, world.campaign)
    assert feedback["reasons"] == {"quality": 1}
    # the API's reason goes with its own decision, as before
    world.app.config["WTF_CSRF_ENABLED"] = False
    b = partner_client(world, PARTNER_B)
    body = {"mode": "off", "campaign_id": world.campaign, "channel": "email", "reason": "timing"}
    assert b.put("/api/v1/me/consent", json=body).status_code == 200
    assert _feedback(world, world.campaign)["reasons"] == {"quality": 1, "timing": 1}


def test_a_second_reason_replaces_the_first_so_comments_cannot_flood(world):
    """Every post of the reason form added a row: the latest counted once, but each
    comment was listed on the vendor's campaign and kit pages, as many as a script sent."""
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/")
    a.post(
        "/portal/consent", data={"mode": "off", "campaign_id": world.campaign, "csrf_token": token}
    )
    for n in range(6):
        given = {"kind": "opt_out", "campaign_id": world.campaign, "comment": f"spam {n}"}
        assert _reason(a, token, reason="other", **given) == 302
    feedback = _feedback(world, world.campaign)
    assert feedback["reasons"] == {"other": 1}
    assert [c["comment"] for c in feedback["comments"]] == ["spam 5"]
    kit = vendor_client(world).get("/api/v1/kits/secure-cloud-q3/feedback").get_json()
    assert [c["comment"] for c in kit["comments"]] == ["spam 5"]


def test_a_reason_the_vendor_answered_stays_beside_its_reply(world):
    """Replacing a reason never deletes one the vendor has replied to."""
    a = partner_client(world, PARTNER_A)
    token = page_csrf(a, "/portal/")
    a.post(
        "/portal/consent", data={"mode": "off", "campaign_id": world.campaign, "csrf_token": token}
    )
    given = {"kind": "opt_out", "campaign_id": world.campaign, "reason": "other"}
    assert _reason(a, token, comment="first", **given) == 302
    first = _feedback(world, world.campaign)["comments"][0]["id"]
    world.app.config["WTF_CSRF_ENABLED"] = False
    marketer = vendor_client(world)
    assert (
        marketer.post(f"/api/v1/feedback/{first}/reply", json={"reply": "Noted"}).status_code == 200
    )
    world.app.config["WTF_CSRF_ENABLED"] = True
    assert _reason(a, token, comment="second", **given) == 302
    comments = _feedback(world, world.campaign)["comments"]
    assert [(c["comment"], c["reply"]) for c in comments] == [("second", None), ("first", "Noted")]
    assert _feedback(world, world.campaign)["reasons"] == {"other": 1}
