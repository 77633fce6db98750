"""Money and numbers as the reader writes them (web/formats.py, Flask-Babel): the
programme's currency on every amount, the locale's separators, and top partners told
apart when two trade under one name (issue 16)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import Partner
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.attribution.callbacks import Inbound, InboundEvent, record_events
from campaign_engine.web.formats import money
from tests.worlds import launched_campaign


def _deal(campaign_id: int, partner: str, n: int, amount: str) -> Inbound:
    event = InboundEvent(
        type="opportunity.created",
        external_id=f"O-{partner}-{n}",
        amount=Decimal(amount),
        occurred_at=datetime.now(UTC),
        partner=partner,
        campaign=campaign_id,
    )
    return Inbound(event, f"test:{partner}:{n}", "test")


def test_the_programme_page_shows_money_with_its_currency_and_tells_namesakes_apart(
    tmp_path, sqlite_url
):
    runtime, campaign_id = launched_campaign(
        tmp_path, sqlite_url, partners=2, contacts=1, name="Money Q3"
    )
    with runtime.sessions.begin() as session:
        for partner in session.scalars(select(Partner)):
            partner.name = "Northwind Systems"  # two partners, one trading name
        create_user(session, "marketer@vendor.example", "marketer", password="correct-horse-1")
        record_events(
            session,
            [
                _deal(campaign_id, "partner-00", 1, "12500"),
                _deal(campaign_id, "partner-01", 1, "980.50"),
            ],
        )
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login", data={"email": "marketer@vendor.example", "password": "correct-horse-1"})
    page = client.get("/programme").get_data(as_text=True)
    assert 'Northwind Systems <span class="muted">(partner-00)</span>: $12,500' in page
    assert "(partner-01)</span>: $980.50" in page
    german = runtime.settings.programme.model_copy(update={"locale": "de", "currency": "EUR"})
    settings = runtime.settings.model_copy(update={"programme": german})
    with create_app(replace(runtime, settings=settings)).test_request_context():
        assert money(Decimal("12500")) == "12.500\xa0€"
        assert money(Decimal("980.5")) == "980,50\xa0€"
        assert money(None) == "\u2013"
    runtime.close()
