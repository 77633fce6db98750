"""Issue 30: a partner says what became of its own leads, in the portal and the API; a
rejection needs a reason; another partner's lead is a 404; a closed lead leaves the
dashboard's open deals."""

from __future__ import annotations

from tests.security.conftest import PARTNER_A, PARTNER_B, page_csrf, partner_client


def test_a_partner_sets_its_own_leads_state(world):
    world.app.config["WTF_CSRF_ENABLED"] = False
    a, b = partner_client(world, PARTNER_A), partner_client(world, PARTNER_B)
    listed = a.get("/api/v1/me/leads").get_json()["items"]
    assert [(lead["id"], lead["state"]) for lead in listed] == [(world.lead, "new")]
    assert b.get("/api/v1/me/leads").get_json()["items"] == []
    path = f"/api/v1/me/leads/{world.lead}"
    assert b.patch(path, json={"state": "won"}).status_code == 404
    refused = a.patch(path, json={"state": "rejected"})
    assert refused.status_code == 422 and "reason" in refused.get_json()["detail"]
    assert a.patch(path, json={"state": "new"}).status_code == 422
    changed = a.patch(path, json={"state": "contacted"}).get_json()
    assert changed["state"] == "contacted" and changed["first_touch_at"]
    rejected = a.patch(path, json={"state": "rejected", "reason": "spam"}).get_json()
    assert rejected["first_touch_at"] == changed["first_touch_at"]  # the first touch stays


def test_the_portal_page_lists_and_changes_leads(world):
    a = partner_client(world, PARTNER_A)
    page = a.get("/portal/leads/").get_data(as_text=True)
    assert f'id="lead-{world.lead}"' in page and 'data-state="new"' in page
    token = page_csrf(a, "/portal/leads/")
    answer = a.post(f"/portal/leads/{world.lead}", data={"state": "won", "csrf_token": token})
    assert answer.status_code == 302
    assert 'data-state="won"' in a.get("/portal/leads/").get_data(as_text=True)
    b = partner_client(world, PARTNER_B)
    token_b = page_csrf(b, "/portal/leads/")
    stolen = b.post(f"/portal/leads/{world.lead}", data={"state": "lost", "csrf_token": token_b})
    assert stolen.status_code == 404


def _held_lead(world) -> int:
    """Partner A's landing-page lead held for review, as services/attribution/leads/
    intake.py keeps one."""
    from sqlalchemy import select

    from campaign_engine.db import Campaign, Partner, TrackedLink
    from campaign_engine.services.attribution.leads.intake import Arrival, Visitor, admit

    with world.runtime.sessions.begin() as session:
        a = session.scalar(select(Partner).where(Partner.slug == "partner-01"))
        link = session.scalar(select(TrackedLink).where(TrackedLink.partner_id == a.id))
        campaign = session.get(Campaign, link.campaign_id)
        arrival = Arrival(
            a.id, campaign.id, link.channel, link.token, "k" * 64, {"email": "held@c.example"}, "ok"
        )
        lead = admit(session, arrival, Visitor("c" * 16, "n" * 16), "held", world.runtime.clock())
        return lead.id


def test_a_held_lead_is_its_partners_alone_to_release(world):
    """Held: listed for its own partner only, counted nowhere; another partner can neither
    see, release nor discard it; its own partner releases it and it counts."""
    world.app.config["WTF_CSRF_ENABLED"] = False
    held = _held_lead(world)
    a, b = partner_client(world, PARTNER_A), partner_client(world, PARTNER_B)
    listed = {lead["id"]: lead for lead in a.get("/api/v1/me/leads").get_json()["items"]}
    assert listed[held]["state"] == "held"
    assert listed[held]["contact"] == {"email": "held@c.example"}
    assert b.get("/api/v1/me/leads").get_json()["items"] == []
    assert "held@c.example" not in b.get("/portal/leads/").get_data(as_text=True)
    for state in ("released", "discarded"):
        assert b.patch(f"/api/v1/me/leads/{held}", json={"state": state}).status_code == 404
        assert b.post(f"/portal/leads/{held}", data={"state": state}).status_code == 404
    refused = a.patch(f"/api/v1/me/leads/{held}", json={"state": "won"})
    assert refused.status_code == 422 and "release" in refused.get_json()["detail"]
    page = a.get("/portal/leads/").get_data(as_text=True)
    assert f'id="lead-{held}" data-state="held"' in page and 'value="released"' in page
    released = a.patch(f"/api/v1/me/leads/{held}", json={"state": "released"}).get_json()
    assert released["state"] == "new"
    again = a.patch(f"/api/v1/me/leads/{held}", json={"state": "discarded"})
    assert again.status_code == 422, "only a held lead can be discarded"


def test_a_held_lead_released_on_an_eu_partners_page_asks_its_visitor_first(world):
    """Double opt-in (on for EU partners): releasing a held lead does not count it yet; its
    visitor is emailed a confirmation link, and the partner is told why the lead leaves
    its list, instead of a bare "Saved." over a lead that vanished."""
    from sqlalchemy import select

    from campaign_engine.db import Campaign, Lead, Partner, TrackedLink
    from campaign_engine.services.attribution.leads.intake import Arrival, Visitor, admit
    from tests.worlds import outbox_messages

    client = partner_client(world, PARTNER_A)  # signed in first: its link mail is English
    with world.runtime.sessions.begin() as session:
        a = session.scalar(select(Partner).where(Partner.slug == "partner-01"))
        a.locale = "de-DE"
        link = session.scalar(
            select(TrackedLink).where(
                TrackedLink.partner_id == a.id, TrackedLink.name == "assessment"
            )
        )
        campaign = session.get(Campaign, link.campaign_id)
        lead = {"email": "eu-visitor@c.example", "name": "Eva", "consent": "yes"}
        arrival = Arrival(a.id, campaign.id, link.channel, link.token, "e" * 64, lead, "ok")
        held = admit(session, arrival, Visitor("c" * 16, "n" * 16), "held", world.runtime.clock())
        held_id = held.id
    token = page_csrf(client, "/portal/leads/")
    client.post(f"/portal/leads/{held_id}", data={"state": "released", "csrf_token": token})
    page = client.get("/portal/leads/").get_data(as_text=True)
    assert "zu bestätigen" in page or "bestätigt" in page, "told, in its language, why"
    assert f'id="lead-{held_id}"' not in page
    with world.runtime.sessions() as session:
        assert session.get(Lead, held_id).state == "unconfirmed"
    asked = [m for m in outbox_messages(world.runtime) if m["To"] == "eu-visitor@c.example"]
    assert len(asked) == 1 and "/l/confirm/" in asked[0].get_content()
