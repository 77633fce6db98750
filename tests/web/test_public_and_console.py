"""The web layer over a launched campaign: tracked links, unsubscribe, console, API."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import Event, Suppression, TrackedLink
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.campaigns.lifecycle import get_campaign
from tests.worlds import launched_campaign, outbox_messages

BASE = "https://partners.vendor.example"


@pytest.fixture
def launched(tmp_path, sqlite_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, sqlite_url, partners=2, contacts=2, name="Web Test Q3"
    )
    with runtime.sessions.begin() as session:
        create_user(session, "marketer@vendor.example", "marketer", password="correct-horse-1")
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app, runtime, campaign_id
    runtime.close()


def signed_in(app):
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "marketer@vendor.example", "password": "correct-horse-1"}
    )
    assert response.status_code == 302
    return client


def test_a_real_email_link_redirects_with_utm_tags_and_counts_the_click(launched):
    app, runtime, campaign_id = launched
    mail = next(m for m in outbox_messages(runtime) if m["To"].startswith("buyer0@partner-01"))
    html = mail.get_body(("html",)).get_content()
    links = re.findall(rf'href="{BASE}(/r/[^"]+)"', html)
    browser = {"User-Agent": "Mozilla/5.0 Firefox/130"}
    answers = [app.test_client().get(link, headers=browser) for link in links]
    assert [a.status_code for a in answers] == [302] * len(links) and len(links) >= 2
    # The kit's assessment link leads to the partner's own landing page (landing: true).
    landing = [a for a in answers if a.headers["Location"].startswith("/l/")]
    assert len(landing) == 1
    target = urlsplit(next(a for a in answers if a not in landing).headers["Location"])
    assert target.netloc == "northwind.example"
    tags = parse_qs(target.query)
    assert tags["utm_source"] == ["partner-01"]
    assert tags["utm_medium"] == ["email"]
    assert tags["utm_campaign"] == ["web-test-q3"]
    assert tags["utm_term"] == ["ransomware-readiness"], "the link's own default tags"
    app.extensions["event_recorder"].flush()
    with runtime.sessions() as session:
        clicks = session.scalars(select(Event).where(Event.type == "click")).all()
    assert [(c.campaign_id, c.is_bot) for c in clicks] == [(campaign_id, False)] * len(links)


def test_an_unknown_link_is_a_helpful_404_page(launched):
    app, _, _ = launched
    response = app.test_client().get("/r/not-a-token")
    assert response.status_code == 404
    assert b"What to do" in response.data


def _first_link(runtime):
    with runtime.sessions() as session:
        return session.scalars(select(TrackedLink).order_by(TrackedLink.id)).first()


def test_a_redirect_carries_the_headers_of_every_answer(launched):
    """Known links are answered in front of Flask (web/clicks.py): the 302 must still say
    what every page says, or the visitor's referrer and framing rules would change."""
    app, runtime, _ = launched
    link = _first_link(runtime)
    client = app.test_client()
    response = client.get(f"/r/{link.token}")
    page = client.get("/login")
    assert response.status_code == 302
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Strict-Transport-Security",  # base_url is https
    ):
        assert response.headers[name] == page.headers[name], name
    assert client.head(f"/r/{link.token}").status_code == 302
    assert client.post(f"/r/{link.token}").status_code == 405
    assert client.get(f"/r/{link.token}/more").status_code == 404


def test_a_non_ascii_target_is_sent_percent_encoded(launched):
    app, runtime, _ = launched
    link = _first_link(runtime)
    with runtime.sessions.begin() as session:
        session.get(TrackedLink, link.id).target_url = "https://northwind.example/über/ψ"
    response = app.test_client().get(f"/r/{link.token}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("https://northwind.example/%C3%BCber/%CF%88?"), location


def test_a_link_unknown_at_first_works_once_it_exists(launched):
    """A 404 is not remembered: the per-process cache holds only links that exist."""
    app, runtime, _ = launched
    link = _first_link(runtime)
    client = app.test_client()
    with runtime.sessions.begin() as session:
        session.get(TrackedLink, link.id).token = "renamed-token"
    assert client.get("/r/renamed-token").status_code == 302
    assert client.get("/r/later-token").status_code == 404
    with runtime.sessions.begin() as session:
        session.get(TrackedLink, link.id).token = "later-token"
    assert client.get("/r/later-token").status_code == 302
    app.extensions["event_recorder"].flush()
    with runtime.sessions() as session:
        clicks = session.scalars(select(Event).where(Event.type == "click")).all()
    assert len(clicks) == 2


def test_one_click_unsubscribe_suppresses_the_recipient_without_login(launched):
    app, runtime, _ = launched
    mail = next(m for m in outbox_messages(runtime) if m["To"].startswith("buyer1@partner-00"))
    url = re.search(r"<([^>]+)>", mail["List-Unsubscribe"]).group(1)
    path = urlsplit(url).path
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and b"Unsubscribe?" in page.data
    with runtime.sessions() as session:
        assert session.scalars(select(Suppression)).all() == []
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"You are unsubscribed" in done.data
    with runtime.sessions() as session:
        assert [s.email for s in session.scalars(select(Suppression))] == [
            "buyer1@partner-00-customer.example"
        ]
    assert client.post(path + "x").status_code == 404, "a forged token is refused"


def test_console_shows_the_campaign_and_its_progress(launched):
    app, _, campaign_id = launched
    assert app.test_client().get("/").status_code == 302, "sign in first"
    client = signed_in(app)
    home = client.get("/")
    assert home.status_code == 200 and b"Web Test Q3" in home.data
    page = client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200 and b'role="progressbar"' in page.data
    assert b"Partner 01 Systems" in client.get("/partners").data


def test_api_status_matches_the_ledger(launched):
    app, runtime, campaign_id = launched
    data = signed_in(app).get(f"/api/v1/campaigns/{campaign_id}/status").get_json()
    assert data["deliveries"]["email"] == {"pending": 0, "sent": 4, "failed": 0, "skipped": 0}
    assert len(outbox_messages(runtime)) == 4
    with runtime.sessions() as session:
        assert get_campaign(session, campaign_id).status == data["status"]


def test_api_errors_are_problem_json(launched):
    app, _, _ = launched
    response = signed_in(app).get("/api/v1/campaigns/999/status")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_the_notice_links_show_the_preview_and_opt_out_in_one_click(launched):
    from campaign_engine.db import ConsentEvent
    from campaign_engine.services.access.partnerlinks import PartnerLinks
    from campaign_engine.services.partners.directory import get_partner

    app, runtime, campaign_id = launched
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
    token = PartnerLinks(runtime.settings.secret_key).make(partner.id, campaign_id)
    client = app.test_client()
    page = client.get(f"/portal/preview/{token}")
    assert page.status_code == 200
    assert b"Partner 01 Systems" in page.data and b"Email preview" in page.data
    assert client.get(f"/portal/opt-out/{token}").status_code == 200
    done = client.post(f"/portal/opt-out/{token}")
    assert done.status_code == 200 and b"will not go out" in done.data
    with runtime.sessions() as session:
        event = session.scalars(select(ConsentEvent)).one()
    assert (event.partner_id, event.campaign_id, event.mode, event.via) == (
        partner.id,
        campaign_id,
        "off",
        "link",
    )
    assert client.post(f"/portal/opt-out/{token[:-2]}xx").status_code == 404


def test_the_website_embed_serves_live_content_with_etag_and_empties_on_opt_out(launched):
    from campaign_engine.domain.consent import ConsentMode
    from campaign_engine.services.partners.consent.record import set_consent
    from campaign_engine.services.partners.directory import get_partner
    from campaign_engine.services.workspace.syndication import EmbedTokens

    app, runtime, _campaign_id = launched
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
    token = EmbedTokens(runtime.settings.secret_key).make(partner.id)
    client = app.test_client()
    frame = client.get(f"/embed/{token}")
    # the partner's name is its own span (language and direction); the sentence reads whole
    words = re.sub(r"<[^>]+>", "", frame.get_data(as_text=True))
    assert frame.status_code == 200 and "Secure Cloud Backup from Partner 01 Systems" in words
    assert b"/r/" in frame.data, "links in the snippet are tracked"
    again = client.get(f"/embed/{token}", headers={"If-None-Match": frame.headers["ETag"]})
    assert again.status_code == 304
    script = client.get(f"/embed/{token}.js")
    assert script.mimetype == "application/javascript" and b"insertBefore" in script.data
    assert f"/embed/{token}".encode() in script.data and b"sandbox" in script.data  # fallback
    assert b"attachShadow" in script.data and b"Secure Cloud Backup" in script.data
    assert b"<script" not in script.data.replace(b"<script src", b""), "allowlisted HTML only"
    with runtime.sessions.begin() as session:
        set_consent(
            session,
            get_partner(session, "partner-01"),
            ConsentMode.OFF,
            channel="web",
            actor="p1",
            via="portal",
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
        )
    emptied = client.get(f"/embed/{token}", headers={"If-None-Match": frame.headers["ETag"]})
    assert emptied.status_code == 200 and b"Secure Cloud Backup" not in emptied.data
    assert client.get("/embed/forged").status_code == 404


def test_a_partner_without_a_postal_address_is_shown_its_email_held_not_as_sent(launched):
    """Issue #28: the preview showed the email as sent to a partner lacking the postal
    address the kit requires for it, which a launch would never send. The partner reads
    why, in its language, and the console says which asset is not made."""
    from campaign_engine.db import Partner
    from campaign_engine.services.access.partnerlinks import PartnerLinks

    app, runtime, campaign_id = launched
    with runtime.sessions.begin() as session:
        partner = session.scalars(select(Partner).where(Partner.slug == "partner-00")).one()
        partner.postal_address, partner.locale = "", "de"
        partner_id = partner.id
    token = PartnerLinks(runtime.settings.secret_key).make(partner_id, campaign_id)
    page = app.test_client().get(f"/portal/preview/{token}").get_data(as_text=True)
    held = re.search(r'<p id="email-held"[^>]*>(.*?)</p>', page, re.S)
    assert held and "Postanschrift" in held.group(1), page
    assert "Email preview" not in page and "E-Mail-Vorschau" not in page
    console = signed_in(app).get(f"/campaigns/{campaign_id}/preview?partner=partner-00")
    text = console.get_data(as_text=True)
    assert 'data-held="email"' in text and "postal address" in text
    assert 'class="email-preview"' not in text
