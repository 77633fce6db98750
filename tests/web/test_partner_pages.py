"""The partner list a page at a time (searched and sorted in the database), and one
partner's page: consent per campaign and channel, what went out and why not, results,
owner, brand warnings, and an overdue runway said as such."""

from __future__ import annotations

import re
from datetime import timedelta

from campaign_engine.domain.consent import ConsentMode
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.directory import get_partner
from tests.conftest import SAMPLE_KIT
from tests.factories import partner_row
from tests.web.test_console import console, upload_kit, upload_partners, zipped  # noqa: F401


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-slug="([^"]+)"', html)


def test_partners_come_fifty_a_page_searched_and_sorted(console):  # noqa: F811
    client, _ = console
    upload_partners(client, [partner_row(i, logo="") for i in range(120)])
    first = client.get("/partners").get_data(as_text=True)
    assert len(rows_of(first)) == 50
    assert "1\u201350 of 120 partners" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    last = client.get("/partners?page=3").get_data(as_text=True)
    assert len(rows_of(last)) == 20 and "101\u2013120 of 120" in last
    newest = client.get("/partners?sort=slug&order=desc").get_data(as_text=True)
    assert rows_of(newest)[:2] == ["partner-99", "partner-98"], "slugs sort as text"
    found = client.get("/partners?q=partner+07").get_data(as_text=True)
    assert rows_of(found) == ["partner-07"]
    gold = client.get("/partners?tier=gold&sort=slug").get_data(as_text=True)
    assert rows_of(gold)[:2] == ["partner-01", "partner-03"], "odd partners are gold"
    for bad in ("page=0", "page=x", "sort=password"):
        answer = client.get(f"/partners?{bad}")
        assert answer.status_code in (400, 422), bad
        assert "page" in answer.get_data(as_text=True) or "sort" in answer.get_data(as_text=True)

    api = client.get("/api/v1/partners?per_page=10&page=2&sort=slug").get_json()
    assert api["total"] == 120 and api["items"][0]["slug"] == "partner-10"


def test_a_partner_page_shows_consent_deliveries_owner_and_warnings(console):  # noqa: F811
    client, runtime = console
    upload_partners(client, [partner_row(1, logo=""), partner_row(2, logo="")])
    upload_kit(client, zipped(SAMPLE_KIT))
    created = client.post(
        "/campaigns",
        data={"name": "Spring", "kit": "secure-cloud-q3", "consent_default": "auto"},
    )
    campaign_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        set_consent(
            session,
            partner,
            ConsentMode.OFF,
            campaign_id=campaign_id,
            channel="email",
            actor="partner",
            via="portal",
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
        )
        partner.signed_at = runtime.clock() - timedelta(days=212)
    client.post(f"/campaigns/{campaign_id}/launch")

    page = client.get("/partners/partner-01").get_data(as_text=True)
    consent = page[page.index('id="consent"') : page.index('id="deliveries"')]
    assert re.search(r'data-channel="email"><span class="pill cancelled">opted out', consent)
    assert re.search(r'data-channel="social"><span class="pill live">on', consent)
    deliveries = page[page.index('id="deliveries"') : page.index('id="results"')]
    assert "Spring" in deliveries and "1 \u00d7 Opted out" in deliveries
    assert "Owner: nobody yet" in page
    assert "No logo" in page[page.index('id="brand-warnings"') :]
    assert "Day 212: 92 days overdue (the runway is 120)" in page
    assert "of 120" not in page
    assert "First campaign live" in page and "first_campaign_live</th>" not in page


def test_search_takes_percent_and_underscore_as_letters_and_folds_greek(console):  # noqa: F811
    client, _ = console
    rows = [
        partner_row(
            1, name="\u0391\u0398\u0397\u039d\u0391 \u0394\u03af\u03ba\u03c4\u03c5\u03b1", logo=""
        )
    ]
    rows += [partner_row(2, name="100% Cloud", logo=""), partner_row(3, logo="")]
    upload_partners(client, rows)
    assert rows_of(client.get("/partners?q=%25").get_data(as_text=True)) == ["partner-02"]
    assert rows_of(client.get("/partners?q=_").get_data(as_text=True)) == []
    greek = client.get("/partners?q=\u03b1\u03b8\u03b7\u03bd\u03b1").get_data(as_text=True)
    assert rows_of(greek) == ["partner-01"], "lower case finds upper case in every script"
    past = client.get("/partners?page=9")
    assert past.status_code in (400, 422) and "past the last one" in past.get_data(as_text=True)
    assert client.get("/api/v1/partners?per_page=201").status_code == 422


def test_a_website_that_is_not_http_is_never_a_link(console):  # noqa: F811
    client, runtime = console
    upload_partners(client, [partner_row(1, logo="")])
    with runtime.sessions.begin() as session:  # a row no import would write (an old one)
        get_partner(session, "partner-01").website = "javascript:alert(1)"
    page = client.get("/partners/partner-01").get_data(as_text=True)
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page
