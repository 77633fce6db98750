"""Issue 30, numbers that resist inflation, for landing-page leads: a flood from one
network is held for review, counted nowhere, and leaves the form open for everyone
else; X-Forwarded-For is read only behind a trusted proxy; only the kit's landing links
open the form; with double opt-in a lead counts once its visitor confirms, once."""

from __future__ import annotations

import dataclasses
import re
import time
from unittest import mock

import pytest
from sqlalchemy import func, select

from campaign_engine.app import create_app
from campaign_engine.db import Event, Lead, Partner, TrackedLink
from campaign_engine.services.attribution.leads.intake import CLIENT_PER_HOUR, HELD_PER_NETWORK
from campaign_engine.services.insights.figures import lead_follow_up
from campaign_engine.services.insights.reports import campaign_report
from campaign_engine.services.partners.view import partner_results
from campaign_engine.settings_sections import WebSettings
from tests.worlds import launched_campaign, outbox_messages

AGENT = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"}


@pytest.fixture
def world(tmp_path, database_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, database_url, partners=2, contacts=1, name="Inflation Q3"
    )
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app, runtime, campaign_id
    runtime.close()


def token_of(runtime, slug: str, name: str = "assessment") -> tuple[str, int]:
    with runtime.sessions() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug))
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == partner.id,
                TrackedLink.channel == "email",
                TrackedLink.name == name,
            )
        )
        return token, partner.id


def submit(client, token: str, email: str, address: str, **headers: str):
    return client.post(
        f"/l/{token}",
        data={"email": email, "name": "A Visitor", "consent": "yes"},
        headers={**AGENT, **headers},
        environ_base={"REMOTE_ADDR": address},
    )


def counted(runtime, partner_id: int, campaign_id: int) -> dict[str, int]:
    """The partner's leads as every surface counts them, and the rows held."""
    with runtime.sessions() as session:
        results = partner_results(session, partner_id, now=runtime.clock())
        report = repr(campaign_report(session, campaign_id))
        slug = session.get(Partner, partner_id).slug
        follow_up = lead_follow_up(session)["partners"].get(slug, {"leads": 0})
        held = session.scalar(
            select(func.count()).where(Lead.partner_id == partner_id, Lead.state == "held")
        )
        events = session.scalar(
            select(func.count()).where(Event.partner_id == partner_id, Event.type == "lead.created")
        )
    found = re.search(r"'leads': (\d+)", report)
    return {
        "results": sum(c["leads"] for c in results["campaigns"].values()),
        "report": int(found.group(1)) if found else 0,
        "follow_up": follow_up["leads"],
        "events": events,
        "held": held,
    }


def test_a_flood_from_one_24_leaves_the_form_open_and_counts_no_held_lead(world):
    app, runtime, campaign_id = world
    token, partner_id = token_of(runtime, "partner-01")
    client = app.test_client()
    answers = [
        submit(client, token, f"fake{i}@flood.example", f"203.0.113.{i % 250}").status_code
        for i in range(200)
    ]
    # the flooding client's first few count, the next are held; past the hard bound it
    # alone is told to wait
    assert answers[: CLIENT_PER_HOUR + HELD_PER_NETWORK] == [200] * (
        CLIENT_PER_HOUR + HELD_PER_NETWORK
    )
    real = submit(client, token, "real@customer.example", "198.51.100.7")
    assert real.status_code == 200 and "will be in touch" in real.get_data(as_text=True)
    figures = counted(runtime, partner_id, campaign_id)
    leads = CLIENT_PER_HOUR + 1  # the flood's first few, and the real visitor
    assert figures == {
        "results": leads,
        "report": leads,
        "follow_up": leads,
        "events": leads,
        "held": HELD_PER_NETWORK,
    }
    mails = [m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example"]
    assert len([m for m in mails if "New lead" in m["Subject"]]) == leads, "held: not sent"


def test_x_forwarded_for_is_ignored_by_default_and_honoured_behind_one_proxy(world):
    app, runtime, _ = world
    token, partner_id = token_of(runtime, "partner-01")
    client = app.test_client()
    # no trusted proxy: whatever networks the header names, it is one client
    for i in range(CLIENT_PER_HOUR + 1):
        submit(
            client,
            token,
            f"direct{i}@c.example",
            "192.0.2.10",
            **{"X-Forwarded-For": f"10.{i}.0.1"},
        )
    with runtime.sessions() as session:
        states = sorted(session.scalars(select(Lead.state).where(Lead.partner_id == partner_id)))
    assert states == ["held"] + ["new"] * CLIENT_PER_HOUR
    # one trusted proxy: the address it appends is the client's, each its own network
    settings = runtime.settings.model_copy(update={"web": WebSettings(trusted_proxies=1)})
    proxied = create_app(dataclasses.replace(runtime, settings=settings))
    proxied.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    other, _ = token_of(runtime, "partner-00")
    behind = proxied.test_client()
    for i in range(CLIENT_PER_HOUR + 1):
        answer = submit(
            behind, other, f"p{i}@c.example", "192.0.2.10", **{"X-Forwarded-For": f"10.{i}.0.1"}
        )
        assert answer.status_code == 200
    with runtime.sessions() as session:
        partner_00 = session.scalar(select(Partner.id).where(Partner.slug == "partner-00"))
        states = set(session.scalars(select(Lead.state).where(Lead.partner_id == partner_00)))
    assert states == {"new"}, "four networks behind the proxy: four clients"


def test_only_the_kits_landing_links_open_the_form(world):
    app, runtime, _ = world
    landing, _ = token_of(runtime, "partner-01", "assessment")
    product, _ = token_of(runtime, "partner-01", "product")
    client = app.test_client()
    assert client.get(f"/l/{landing}").status_code == 200
    assert client.get(f"/l/{product}").status_code == 404
    posted = submit(client, product, "x@c.example", "198.51.100.1")
    assert posted.status_code == 404
    assert client.get(f"/r/{product}").location.startswith("https://northwind.example/")


def test_double_opt_in_counts_a_lead_once_its_visitor_confirms_once(world):
    app, runtime, campaign_id = world
    token, partner_id = token_of(runtime, "partner-01")
    with runtime.sessions.begin() as session:  # a partner in Germany: double opt-in
        session.get(Partner, partner_id).locale = "de-DE"
    client = app.test_client()
    answer = submit(client, token, "kunde@firma.example", "198.51.100.20")
    assert answer.status_code == 200
    assert counted(runtime, partner_id, campaign_id)["results"] == 0, "unconfirmed"
    assert not [m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example"]
    (asked,) = [m for m in outbox_messages(runtime) if m["To"] == "kunde@firma.example"]
    url = re.search(r"https://\S+/l/confirm/\S+", asked.get_body(("plain",)).get_content())
    path = url.group(0).split("partners.vendor.example", 1)[1]
    page = client.get(path)  # a mail scanner opening the link confirms nothing
    assert page.status_code == 200 and 'id="confirm"' in page.get_data(as_text=True)
    # the visitor sees what it confirms (someone may have typed its address in)
    shown = re.search(r'<dl id="given">(.*?)</dl>', page.get_data(as_text=True), re.S)
    assert shown and "A Visitor" in shown.group(1), "the name given on the form"
    assert counted(runtime, partner_id, campaign_id)["results"] == 0
    first, second = client.post(path), client.post(path)
    assert first.status_code == second.status_code == 200
    assert 'id="confirmed"' in second.get_data(as_text=True)
    assert counted(runtime, partner_id, campaign_id)["results"] == 1, "twice counts once"
    to_partner = [m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example"]
    assert len(to_partner) == 1 and "kunde@firma.example" in str(to_partner[0])
    # a forged link, an altered one and an expired one: clear pages, nothing counted
    signed = path.rsplit("/", 1)[1]
    forged = client.post("/l/confirm/WzEsImxhbmRpbmcteCJd.forged.sig")
    altered = client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert forged.status_code == altered.status_code == 400
    assert "not valid" in forged.get_data(as_text=True)
    # the link names no partner to trust: the page speaks the visitor's browser's language
    german = client.get(path[:-2] + "xx", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert german.status_code == 400 and "Dieser Link ist ungültig" in german.get_data(as_text=True)
    with runtime.sessions() as session:
        lead = session.scalar(select(Lead).where(Lead.partner_id == partner_id))
        old = time.time() - 100 * 3600
        with mock.patch("itsdangerous.timed.time.time", return_value=old):
            from campaign_engine.services.attribution.leads.optin import ConfirmLinks

            stale = ConfirmLinks(runtime.settings.signing_keys, 72).make(lead.id, lead.external_id)
    assert stale != signed
    expired = client.post(f"/l/confirm/{stale}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert counted(runtime, partner_id, campaign_id)["results"] == 1
