"""Attribution end to end: real email links, signed callbacks, the report agreeing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import Event, TrackedLink
from campaign_engine.services.access.accounts import create_user, issue_token
from campaign_engine.services.attribution.eventimport import import_events
from campaign_engine.services.insights.programme import programme_report
from campaign_engine.services.insights.reports import campaign_report
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.partners.runway.nextaction import next_action
from tests.processes import signed
from tests.worlds import launched_campaign, outbox_messages

BASE = "https://partners.vendor.example"
BROWSER = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/130.0"}


@pytest.fixture
def world(tmp_path, database_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, database_url, partners=3, contacts=2, name="Attribution Q3"
    )
    app = create_app(runtime)
    yield app, runtime, campaign_id
    runtime.close()


def report(app, runtime, campaign_id):
    """The campaign report once the app's queued clicks and opens are written."""
    app.extensions["event_recorder"].flush()
    with runtime.sessions() as session:
        return campaign_report(session, campaign_id)


def test_a_real_email_link_and_pixel_count_for_the_right_partner(world):
    app, runtime, campaign_id = world
    mail = next(m for m in outbox_messages(runtime) if m["To"].startswith("buyer0@partner-02"))
    html = mail.get_body(("html",)).get_content()
    link = re.search(rf'href="{BASE}(/r/[^"]+)"', html).group(1)
    pixel = re.search(rf'src="{BASE}(/o/[^"]+\.gif)"', html).group(1)
    client = app.test_client()
    assert client.get(link, headers=BROWSER).status_code == 302
    client.get(link, headers={"User-Agent": "Mozilla/5.0 (compatible; Proofpoint scanner)"})
    assert client.get(pixel, headers=BROWSER).mimetype == "image/gif"
    assert client.get("/o/forged.gif").status_code == 200, "a broken image helps nobody"
    data = report(app, runtime, campaign_id)
    assert data["partners"]["partner-02"]["clicks"] == 1, "the scanner is not a click"
    assert data["partners"]["partner-02"]["opens"] == 1
    assert data["channels"]["email"]["clicks"] == 1
    assert data["totals"]["clicks"] == 1
    assert data["partners"]["partner-01"]["clicks"] == 0


def test_the_footer_link_to_the_partners_website_is_tracked(world):
    """The footer's website link counts as the partner's click, tagged as the partner's own
    site, and leads to the website the email shows even when the profile changes later."""
    app, runtime, campaign_id = world
    mail = next(m for m in outbox_messages(runtime) if m["To"].startswith("buyer0@partner-02"))
    html = mail.get_body(("html",)).get_content()
    with runtime.sessions() as session:
        website = get_partner(session, "partner-02").website
    footer = re.search(rf'<a href="{BASE}(/r/[^"]+)"[^>]*>{re.escape(website)}</a>', html)
    assert footer, "the footer's website is a tracked link"
    client = app.test_client()
    answer = client.get(footer.group(1), headers=BROWSER)
    assert answer.status_code == 302
    assert answer.location.startswith(f"{website}?utm_source=partner-02&utm_medium=email")
    assert "utm_content=partner-website" in answer.location
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-02").website = "javascript:alert(1)"
    answer = client.get(footer.group(1), headers=BROWSER)
    assert answer.location.startswith(website), "where the email said, never a script"
    data = report(app, runtime, campaign_id)
    assert data["partners"]["partner-02"]["clicks"] == 2
    assert data["channels"]["email"]["clicks"] == 2


@pytest.mark.parametrize("website", ["javascript:alert(1)", "data:text/html,x", "www.x.example"])
def test_a_website_that_is_not_a_web_address_is_no_link_in_the_email(website):
    """Import refuses such a website; an older row still holding one is shown as text,
    never made a link."""
    from dataclasses import replace

    from campaign_engine.services.assets.kits import read_kit
    from campaign_engine.services.assets.sample_partner import sample_brand
    from renderers.email import EmailRenderer
    from tests.conftest import SAMPLE_KIT

    kit, _ = read_kit(SAMPLE_KIT)
    brand = replace(sample_brand(), website=website)
    links = {name: f"{BASE}/r/{name}" for name in kit.spec.links}  # no tracked website
    email = EmailRenderer(kit).render(brand, links.__getitem__)
    html = next(f for f in email.files if f.name == "email.html").content.decode()
    assert f'href="{website}' not in html
    assert website.replace("&", "&amp;") in html, "shown as the text the partner wrote"


def test_signed_callbacks_attribute_a_lead_and_a_won_deal(world):
    app, runtime, campaign_id = world
    with runtime.sessions() as session:
        partner_id = get_partner(session, "partner-01").id
        token = session.scalar(
            select(TrackedLink.token)
            .where(TrackedLink.partner_id == partner_id, TrackedLink.channel == "email")
            .limit(1)
        )
    client = app.test_client()
    now = datetime.now(UTC).isoformat()
    lead = {
        "type": "lead.created",
        "external_id": "L-1",
        "occurred_at": now,
        "tracking_token": token,
    }
    won = {
        "type": "deal.closed_won",
        "external_id": "D-9",
        "occurred_at": now,
        "amount": "12500.00",
        "currency": "eur",
        "partner": "partner-00",
        "campaign": campaign_id,
    }
    assert client.post("/api/v1/events", **signed(runtime, lead, msg_id="msg_1")).status_code == 202
    assert client.post("/api/v1/events", **signed(runtime, won, msg_id="msg_2")).status_code == 202
    repeat = client.post("/api/v1/events", **signed(runtime, won, msg_id="msg_2"))
    assert repeat.status_code == 200 and repeat.get_json()["status"] == "duplicate"
    data = report(app, runtime, campaign_id)
    slug = "partner-01"
    assert data["partners"][slug]["leads"] == 1
    assert data["partners"]["partner-00"]["closed_won"] == 1
    assert str(data["partners"]["partner-00"]["revenue"]) == "12500.00"
    assert str(data["partners"]["partner-00"]["pipeline"]) == "12500.00"
    assert data["totals"]["closed_won"] == 1 and data["totals"]["leads"] == 1


def test_forged_stale_and_unresolvable_callbacks_are_refused(world):
    app, runtime, campaign_id = world
    client = app.test_client()
    event = {
        "type": "lead.created",
        "external_id": "L-2",
        "occurred_at": datetime.now(UTC).isoformat(),
        "partner": "partner-01",
        "campaign": campaign_id,
    }
    forged = signed(runtime, event, msg_id="msg_f")
    forged["headers"]["webhook-signature"] = "v1,bm90IGEgc2lnbmF0dXJl"
    assert client.post("/api/v1/events", **forged).status_code == 401
    stale = signed(runtime, event, msg_id="msg_s", when=datetime.now(UTC) - timedelta(minutes=6))
    assert client.post("/api/v1/events", **stale).status_code == 401
    nothing = {**event, "partner": "nobody", "campaign": None}
    refused = client.post("/api/v1/events", **signed(runtime, nothing, msg_id="msg_n"))
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    bad = client.post("/api/v1/events", **signed(runtime, {**event, "type": "x"}, msg_id="m_b"))
    assert bad.status_code == 422 and "type" in bad.get_json()["detail"]
    partly = {**event, "external_id": "L-3", "campaign": 99999}
    kept = client.post("/api/v1/events", **signed(runtime, partly, msg_id="msg_p"))
    assert kept.status_code == 202
    with runtime.sessions() as session:
        stored = session.scalar(select(Event).where(Event.external_id == "L-3"))
        assert stored.data["unattributed"] == "unknown campaign"
        assert session.scalar(select(Event).where(Event.external_id == "L-2")) is None
    assert report(app, runtime, campaign_id)["totals"]["leads"] == 0


def test_csv_deals_import_all_or_nothing_and_report_as_csv(world, tmp_path):
    app, runtime, campaign_id = world
    good = tmp_path / "deals.csv"
    good.write_text(
        "type,external_id,occurred_at,amount,currency,partner,campaign\n"
        f"opportunity.created,O-1,2026-11-20T10:00:00Z,4000,EUR,partner-01,{campaign_id}\n"
        f"deal.closed_won,O-1,2026-11-21T10:00:00Z,5000,EUR,partner-01,{campaign_id}\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "type,external_id,occurred_at,partner,campaign\n"
        f"lead.created,L-7,2026-11-20T10:00:00Z,partner-01,{campaign_id}\n"
        "lead.created,L-8,2026-11-20T10:00:00Z,ghost,\n"
    )
    with runtime.sessions.begin() as session, pytest.raises(Exception, match=r"bad\.csv row 3"):
        import_events(session, bad)
    with runtime.sessions.begin() as session:
        assert session.scalar(select(Event).where(Event.external_id == "L-7")) is None
        first = import_events(session, good)
    with runtime.sessions.begin() as session:
        again = import_events(session, good)
    assert (first.recorded, again.recorded, again.repeated) == (2, 0, 2)
    data = report(app, runtime, campaign_id)["partners"]["partner-01"]
    assert str(data["pipeline"]) == "5000.00" and str(data["revenue"]) == "5000.00"
    with runtime.sessions.begin() as session:
        user, _ = create_user(session, "analyst@vendor.example", "marketer")
        token = issue_token(session, user, "reports")
    csv_text = (
        app.test_client()
        .get(
            f"/api/v1/campaigns/{campaign_id}/report?format=csv",
            headers={"Authorization": f"Bearer {token}"},
        )
        .get_data(as_text=True)
    )
    assert "partner,partner-01" in csv_text and csv_text.startswith("scope,key,targeted")


def test_programme_report_and_next_actions_agree_with_a_hand_count(world, tmp_path):
    _app, runtime, campaign_id = world
    deals = tmp_path / "won.csv"
    deals.write_text(
        "type,external_id,occurred_at,amount,partner,campaign\n"
        f"deal.registered,R-1,{datetime.now(UTC).isoformat()},900,partner-02,"
        f"{campaign_id}\n"
    )
    with runtime.sessions.begin() as session:
        import_events(session, deals)
        data = programme_report(session, now=runtime.clock())
        assert data["partners"] == 3 and data["live"] == 1 and data["live_rate"] == 0.3333
        assert data["campaigns"][0]["participation_rate"] == 1.0
        assert data["top_20_percent_share_of_pipeline"] == 1.0
        assert data["summary"] == "3 partners (0 signed), 1 live in the last 90 days, 2 idle"
        partner = get_partner(session, "partner-01")
        assert next_action(session, partner, now=runtime.clock()).startswith("You are all set")
        partner.logo_sha256 = None
        assert "logo is missing" in next_action(session, partner, now=runtime.clock())


def test_the_running_tallies_equal_a_recount_from_the_events(world):
    """Clicks (a bot among them), opens, a lead sent twice under two webhook-ids, a deal
    whose amount grows, an unattributed event: counted as they arrive, the tallies match
    a rebuild from the stored events, and so does the report."""
    from campaign_engine.db import DealRecord, EventTally
    from campaign_engine.services.attribution.tallies import rebuild_tallies
    from campaign_engine.services.insights.reports import campaign_report

    app, runtime, campaign_id = world
    client = app.test_client()
    with runtime.sessions() as session:
        links = session.scalars(
            select(TrackedLink).where(TrackedLink.campaign_id == campaign_id)
        ).all()
    for link in links[:4]:
        client.get(f"/r/{link.token}", headers={"User-Agent": "Mozilla/5.0 Firefox/130"})
    client.get(f"/r/{links[0].token}", headers={"User-Agent": "Barracuda Sentinel (EE)"})
    app.extensions["event_recorder"].flush()
    base = {"occurred_at": datetime.now(UTC).isoformat(), "tracking_token": links[0].token}
    for n, payload in enumerate(
        [
            {**base, "type": "lead.created", "external_id": "L-1"},
            {**base, "type": "lead.created", "external_id": "L-1"},
            {**base, "type": "deal.registered", "external_id": "D-1", "amount": "1000"},
            {**base, "type": "deal.registered", "external_id": "D-1", "amount": "4000"},
            {**base, "type": "deal.closed_won", "external_id": "D-1", "amount": "3500"},
            {
                **base,
                "type": "lead.created",
                "external_id": "L-9",
                "tracking_token": None,
                "partner": "partner-01",
                "campaign": 99999,
            },
        ]
    ):
        assert (
            client.post("/api/v1/events", **signed(runtime, payload, msg_id=f"t{n}")).status_code
            == 202
        )

    def snapshot():
        with runtime.sessions() as session:
            tallies = sorted(
                (t.campaign_id, t.partner_id, t.channel, t.type, t.count)
                for t in session.scalars(select(EventTally))
            )
            records = sorted(
                (r.partner_id, r.type, r.external_id, str(r.amount))
                for r in session.scalars(select(DealRecord))
            )
            return tallies, records, campaign_report(session, campaign_id)

    running = snapshot()
    with runtime.sessions.begin() as session:
        rebuild_tallies(session)
    assert snapshot() == running
    totals = running[2]["totals"]
    assert (totals["clicks"], totals["leads"], totals["deals_registered"]) == (4, 1, 1)
    assert (str(totals["pipeline"]), str(totals["revenue"])) == ("4000.00", "3500.00")
