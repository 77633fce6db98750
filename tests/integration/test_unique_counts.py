"""Issue 30, numbers that resist inflation: fifty clicks from one client are fifty raw
clicks and one unique click; another browser, another network or another day is another
unique click; opens alike; a rebuild of the tallies from the events agrees."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import Event
from campaign_engine.services.attribution.tallies import rebuild_tallies
from campaign_engine.services.insights.reports import campaign_report
from tests.worlds import launched_campaign, outbox_messages

BASE = "https://partners.vendor.example"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0) Firefox/130.0"
SAFARI = "Mozilla/5.0 (Macintosh) Safari/605.1.15"


@pytest.fixture
def world(tmp_path, database_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, database_url, partners=2, contacts=1, name="Unique Q4"
    )
    app = create_app(runtime)
    yield app, runtime, campaign_id
    runtime.close()


def figures(app, runtime, campaign_id) -> dict:
    app.extensions["event_recorder"].flush()
    with runtime.sessions() as session:
        return campaign_report(session, campaign_id)["partners"]["partner-01"]


def test_fifty_clicks_from_one_client_are_one_unique_click(world):
    app, runtime, campaign_id = world
    mail = next(m for m in outbox_messages(runtime) if m["To"].startswith("buyer0@partner-01"))
    html = mail.get_body(("html",)).get_content()
    link = re.search(rf'href="{BASE}(/r/[^"]+)"', html).group(1)
    pixel = re.search(rf'src="{BASE}(/o/[^"]+\.gif)"', html).group(1)
    client = app.test_client()
    one = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(50):
        assert (
            client.get(link, headers={"User-Agent": FIREFOX}, environ_base=one).status_code == 302
        )
        client.get(pixel, headers={"User-Agent": FIREFOX}, environ_base=one)
    row = figures(app, runtime, campaign_id)
    assert (row["clicks"], row["unique_clicks"]) == (50, 1)
    assert (row["opens"], row["unique_opens"]) == (50, 1)
    # the same /24 with another address is the same visitor; another browser is not;
    # another network is not
    client.get(link, headers={"User-Agent": FIREFOX}, environ_base={"REMOTE_ADDR": "203.0.113.99"})
    client.get(link, headers={"User-Agent": SAFARI}, environ_base=one)
    client.get(link, headers={"User-Agent": FIREFOX}, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    client.get(link, headers={"User-Agent": FIREFOX}, environ_base={"REMOTE_ADDR": "2001:db8::1"})
    client.get(link, headers={"User-Agent": FIREFOX}, environ_base={"REMOTE_ADDR": "2001:db8::2"})
    row = figures(app, runtime, campaign_id)
    assert (row["clicks"], row["unique_clicks"]) == (55, 4)
    with runtime.sessions() as session:  # the raw address is stored nowhere
        stored = session.scalars(select(Event.visitor).where(Event.type == "click")).all()
        assert all(v and len(v) == 16 and "203" not in v for v in stored)
    with runtime.sessions.begin() as session:
        rebuild_tallies(session)
    assert figures(app, runtime, campaign_id) == row
    # one client clicking partner-00's link sixty times ranks below partner-01's four
    # people: the report ranks partners by unique counts, not by requests (or by name)
    other = next(m for m in outbox_messages(runtime) if m["To"].startswith("buyer0@partner-00"))
    html = other.get_body(("html",)).get_content()
    theirs = re.search(rf'href="{BASE}(/r/[^"]+)"', html).group(1)
    for _ in range(60):
        client.get(
            theirs, headers={"User-Agent": SAFARI}, environ_base={"REMOTE_ADDR": "192.0.2.1"}
        )
    app.extensions["event_recorder"].flush()
    with runtime.sessions() as session:
        report = campaign_report(session, campaign_id)["partners"]
    assert report["partner-00"]["clicks"] == 60 > report["partner-01"]["clicks"] == 55
    assert list(report) == ["partner-01", "partner-00"]


def test_the_partners_results_read_the_same_unique_clicks(world):
    from campaign_engine.services.partners.directory import get_partner
    from campaign_engine.services.partners.view import partner_results

    app, runtime, campaign_id = world
    mail = next(m for m in outbox_messages(runtime) if m["To"].startswith("buyer0@partner-01"))
    link = re.search(rf'href="{BASE}(/r/[^"]+)"', mail.get_body(("html",)).get_content()).group(1)
    client = app.test_client()
    for address in ("203.0.113.7", "203.0.113.8", "198.51.100.4"):
        client.get(link, headers={"User-Agent": FIREFOX}, environ_base={"REMOTE_ADDR": address})
    report = figures(app, runtime, campaign_id)
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        results = partner_results(session, partner.id, now=runtime.clock())
    (row,) = results["campaigns"].values()
    assert (row["clicks"], row["unique_clicks"]) == (report["clicks"], report["unique_clicks"])
    assert (row["clicks"], row["unique_clicks"]) == (3, 2)
