"""Issue 30, lead disposition: every attributed lead gets a state its partner sets (the
first change is its first touch); a lead untouched for 48 hours reminds the partner and
alerts its owner, once; another partner's lead is a 404; the dashboard's open deals leave
out what the partner closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import Lead
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.attribution.leads.sla import sweep
from tests.processes import signed
from tests.worlds import launched_campaign


@pytest.fixture
def world(tmp_path, database_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, database_url, partners=2, contacts=1, name="Leads Q4"
    )
    with runtime.sessions.begin() as session:
        create_user(session, "boss@vendor.example", "admin", password="correct-horse-1")
    app = create_app(runtime)
    yield app, runtime, campaign_id
    runtime.close()


def lead_from_crm(app, runtime, campaign_id: int, external_id: str) -> None:
    body = {
        "type": "lead.created",
        "external_id": external_id,
        "occurred_at": runtime.clock().isoformat(),
        "partner": "partner-01",
        "campaign": campaign_id,
    }
    answer = app.test_client().post(
        "/api/v1/events", **signed(runtime, body, msg_id=f"msg-{external_id}")
    )
    assert answer.status_code in (200, 201, 202), answer.get_data(as_text=True)


def test_a_lead_gets_a_state_and_an_untouched_one_is_chased_once(world):
    app, runtime, campaign_id = world
    lead_from_crm(app, runtime, campaign_id, "crm-lead-1")
    lead_from_crm(app, runtime, campaign_id, "crm-lead-1")  # a retry opens nothing new
    with runtime.sessions() as session:
        leads = session.scalars(select(Lead)).all()
        assert [(lead.state, lead.external_id) for lead in leads] == [("new", "crm-lead-1")]
        arrived = leads[0].received_at

    def chased(hours: float) -> list[str]:
        with runtime.sessions.begin() as session:
            now = arrived + timedelta(hours=hours)
            return sorted(a.recipient for a in sweep(session, now=now, hours=48, base_url="x"))

    assert chased(47.5) == []
    assert chased(48.5) == ["boss@vendor.example", "sales@partner01.example"]
    assert chased(72) == []  # once
