"""Issue 30 attacked: what a partner of the programme, a partner's member, a vendor
marketer and an outsider tried against ratings, replies, reasons and leads, each with
what it must get: the vendor's figures moved only by what a partner really did, a 4xx
naming the field instead of a 500, and no inbox flooded by one person's clicks."""

from __future__ import annotations

from sqlalchemy import select

from campaign_engine.db import FeedbackMail
from tests.security.conftest import (
    PARTNER_A,
    PARTNER_B,
    OnPostgres,
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


def test_control_characters_in_what_partners_write_are_a_422_naming_the_field(world):
    """A comment is printed by `campaigns feedback` to the vendor's terminal: an escape
    sequence in it (here OSC 52, which writes the clipboard) reached it as typed."""
    world.app.config["WTF_CSRF_ENABLED"] = False
    a = partner_client(world, PARTNER_A)
    sneaky = "Fine\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"
    rated = a.post(
        f"/api/v1/me/campaigns/{world.campaign}/assets/email/rating",
        json={"useful": False, "comment": sneaky},
    )
    assert rated.status_code == 422 and "comment" in rated.get_json()["detail"]
    reversed_ = a.post(
        f"/api/v1/me/campaigns/{world.campaign}/assets/email/rating",
        json={"useful": False, "comment": "ok \u202egnirts"},
    )
    assert reversed_.status_code == 422
    # a textarea's line breaks and a pasted tab are plain text, as before
    fine = a.post(
        f"/api/v1/me/campaigns/{world.campaign}/assets/email/rating",
        json={"useful": False, "comment": "Two lines\r\nand\ta tab"},
    )
    assert fine.status_code == 200 and fine.get_json()["comment"] == "Two lines\nand a tab"


class TestOnPostgres(OnPostgres):
    """The security world on PostgreSQL, which refuses NUL in text and in queries."""

    def test_a_nul_anywhere_in_feedback_is_a_4xx_not_a_500(self, world):
        """Each of these was a 500 (psycopg: "PostgreSQL text fields cannot contain NUL")."""
        world.app.config["WTF_CSRF_ENABLED"] = False
        world.app.config["PROPAGATE_EXCEPTIONS"] = False
        a = partner_client(world, PARTNER_A)
        c = world.campaign
        rating = f"/api/v1/me/campaigns/{c}/assets/email/rating"
        assert a.post(rating, json={"useful": False, "comment": "a\x00b"}).status_code == 422
        form = {"campaign_id": c, "useful": "no", "asset": "email", "comment": "a\x00b"}
        assert a.post("/portal/ratings", data=form).status_code == 422
        off = {"mode": "off", "campaign_id": c, "reason": "other", "comment": "a\x00b"}
        assert a.put("/api/v1/me/consent", json=off).status_code == 422
        assert a.put("/api/v1/me/consent", json={**off, "comment": "fine"}).status_code == 200
        reason = {"kind": "opt_out", "campaign_id": c, "reason": "other", "comment": "a\x00b"}
        assert a.post("/portal/feedback/reason", data=reason).status_code == 422
        skip = {**reason, "kind": "skip", "channel": "social", "asset": "a\x00", "comment": ""}
        assert a.post("/portal/feedback/reason", data=skip).status_code == 404
        stranger = world.app.test_client()
        notice = f"/portal/feedback/notice/{world.notice['A']}"
        given = stranger.post(notice, data={"reason": "other", "comment": "a\x00b"})
        assert given.status_code == 422
        rated = a.post(rating, json={"useful": False, "comment": "ok"}).get_json()["id"]
        marketer = vendor_client(world)
        replied = marketer.post(f"/api/v1/feedback/{rated}/reply", json={"reply": "a\x00b"})
        assert replied.status_code == 422 and "reply" in replied.get_json()["detail"]
        console = marketer.post(f"/campaigns/{c}/feedback/{rated}/reply", data={"reply": "a\x00"})
        assert console.status_code == 422
        assert marketer.get("/kits/x%00/feedback").status_code == 404
        assert marketer.get("/api/v1/kits/x%00/feedback").status_code == 404
        # the landing page's visitor
        with world.runtime.sessions() as session:
            from campaign_engine.db import TrackedLink

            token = session.scalar(
                select(TrackedLink.token)
                .where(TrackedLink.campaign_id == c, TrackedLink.name == "assessment")
                .limit(1)
            )
        assert stranger.get(f"/l/{token}").status_code == 200
        for field in ("name", "email", "company", "message"):
            lead = {"email": "v@c.example", "name": "V", "consent": "on", field: "a\x00b"}
            answer = stranger.post(f"/l/{token}", data=lead)
            assert answer.status_code == 422, field


def test_switching_everything_off_and_on_again_alerts_the_owner_once_a_day(world):
    """Each programme-wide "off" after an "on" was a new alert: a member's script switching
    off and on sent the partner's owner (here the admins) one email per round."""
    world.app.config["WTF_CSRF_ENABLED"] = False
    a = partner_client(world, PARTNER_A)
    for _ in range(5):
        assert a.put("/api/v1/me/consent", json={"mode": "off"}).status_code == 200
        assert a.put("/api/v1/me/consent", json={"mode": "auto"}).status_code == 200
    with world.runtime.sessions() as session:
        alerts = list(
            session.scalars(
                select(FeedbackMail.recipient).where(FeedbackMail.kind == "opt_out_all")
            )
        )
    assert alerts == ["admin@vendor.example"]


AGENT = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"}


def _landing(world: World, client, email: str, address: str):
    with world.runtime.sessions() as session:
        from campaign_engine.db import Partner, TrackedLink

        a = session.scalar(select(Partner.id).where(Partner.slug == "partner-01"))
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == a,
                TrackedLink.channel == "email",
                TrackedLink.name == "assessment",
            )
        )
    return client.post(
        f"/l/{token}",
        data={"email": email, "name": "A Visitor", "consent": "yes"},
        headers=AGENT,
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_discarded_lead_does_not_silence_its_address_for_good(world):
    """One lead per address and page, "whatever state the first is in": a flooder naming
    a customer's address got it held, its partner discarded it as spam, and the customer's
    own request from then on was thanked and dropped; so was any visitor's second try
    after its double opt-in link expired (discarded too), told to check an inbox that
    never got a mail."""
    world.app.config["WTF_CSRF_ENABLED"] = False
    flooder, customer = world.app.test_client(), world.app.test_client()
    for n in range(3):
        assert _landing(world, flooder, f"junk{n}@x.example", "198.51.100.7").status_code == 200
    assert _landing(world, flooder, "buyer@customer.example", "198.51.100.7").status_code == 200
    a = partner_client(world, PARTNER_A)
    held = [
        lead
        for lead in a.get("/api/v1/me/leads").get_json()["items"]
        if lead["contact"].get("email") == "buyer@customer.example"
    ]
    assert [lead["state"] for lead in held] == ["held"]
    discarded = a.patch(f"/api/v1/me/leads/{held[0]['id']}", json={"state": "discarded"})
    assert discarded.status_code == 200
    assert _landing(world, customer, "buyer@customer.example", "203.0.113.9").status_code == 200
    mine = [
        lead
        for lead in a.get("/api/v1/me/leads").get_json()["items"]
        if lead["contact"].get("email") == "buyer@customer.example"
    ]
    assert [lead["state"] for lead in mine] == ["new"]
