"""The runway through its front doors: signed milestone callbacks, the CSV import, the
console's runway and partner pages, and owners assigned in bulk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.db import MilestoneRecord, Partner, User
from campaign_engine.errors import InvalidInput
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.services.partners.runway.milestones import import_milestones
from campaign_engine.settings import load_settings
from tests.conftest import write_config
from tests.factories import partner_row, write_partners
from tests.processes import signed

PASSWORD = "correct-horse-1"


@pytest.fixture
def site(tmp_path, sqlite_url):
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, [partner_row(i) for i in (1, 2, 3)]))
        for i, days in ((1, 40), (2, 5), (3, 60)):
            partner = session.scalar(select(Partner).where(Partner.slug == f"partner-{i:02d}"))
            partner.signed_at = now - timedelta(days=days)
        create_user(session, "ann@vendor.example", "marketer", password=PASSWORD)
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login", data={"email": "ann@vendor.example", "password": PASSWORD})
    yield app, client, runtime
    runtime.close()


def signed_post(client, runtime, payload: dict, msg_id: str):
    return client.post("/api/v1/milestones", **signed(runtime, payload, msg_id=msg_id))


def test_a_signed_callback_records_a_milestone_once_and_a_forged_one_is_refused(site):
    app, _, runtime = site
    anonymous = app.test_client()
    payload = {
        "partner": "partner-01",
        "milestone": "certified",
        "reached_at": "2026-11-01T10:00:00Z",
    }
    first = signed_post(anonymous, runtime, payload, "msg-1")
    assert first.status_code == 200 and first.get_json()["changed"] is True
    again = signed_post(anonymous, runtime, payload, "msg-2")
    assert again.get_json()["changed"] is False
    forged = anonymous.post("/api/v1/milestones", json=payload, headers={"webhook-id": "x"})
    assert forged.status_code == 401
    unknown = signed_post(anonymous, runtime, {**payload, "partner": "nobody"}, "msg-3")
    assert unknown.status_code == 404
    with runtime.sessions() as session:
        assert len(session.scalars(select(MilestoneRecord)).all()) == 1


def test_a_bad_milestone_row_is_named_and_nothing_is_imported(site, tmp_path):
    _, _, runtime = site
    path = tmp_path / "milestones.csv"
    path.write_text(
        "partner,milestone,reached_at\n"
        "partner-01,onboarded,2026-10-01T09:00:00Z\n"
        "partner-02,knighted,2026-10-02T09:00:00Z\n"
    )
    with runtime.sessions.begin() as session, pytest.raises(InvalidInput) as error:
        import_milestones(session, path, actor="test")
    assert "row 3" in str(error.value.where) and "milestone" in str(error.value.where)
    with runtime.sessions() as session:
        assert session.scalars(select(MilestoneRecord)).all() == []


def test_the_runway_page_flags_the_quiet_partners_and_owners_are_assigned_in_bulk(site):
    _, client, runtime = site
    page = client.get("/runway").get_data(as_text=True)
    assert "3 partners (3 signed), 0 live in the last 90 days, 3 idle" in page
    risky = set(re.findall(r'<tr data-partner="([^"]+)" class="risk"', page))
    assert risky == {"partner-01", "partner-03"}, "partner-02 signed 5 days ago"
    response = client.post(
        "/partners/owner",
        data={"owner": "ann@vendor.example", "partner": ["partner-01", "partner-03"]},
        follow_redirects=True,
    )
    assert "now owns 2 partner(s)" in response.get_data(as_text=True)
    with runtime.sessions() as session:
        ann = session.scalar(select(User).where(User.email == "ann@vendor.example"))
        owned = session.scalars(select(Partner.slug).where(Partner.owner_id == ann.id)).all()
    assert sorted(owned) == ["partner-01", "partner-03"]
    recorded = client.post(
        "/partners/partner-01/milestones", data={"milestone": "onboarded"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "onboarded recorded" in recorded
    page = client.get("/runway").get_data(as_text=True)
    assert set(re.findall(r'<tr data-partner="([^"]+)" class="risk"', page)) == {"partner-03"}
    csv = client.get("/runway/report.csv").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("partner,") and "partner-03" in csv
    summary = client.get("/runway/report.csv?table=summary").get_data(as_text=True)
    assert "hit_rate,onboarded,0.3333" in summary and "metric,key,value" in summary
    api = client.get("/api/v1/runway/report").get_json()
    assert (
        api["headline"]["sentence"] == "3 partners (3 signed), 0 live in the last 90 days, 3 idle"
    )


def test_the_runway_page_names_milestones_as_people_read_them(site):
    """Issue 16: snake_case names ("first_closed_won") read as column names, not labels."""
    _, client, _ = site
    page = client.get("/runway").get_data(as_text=True)
    assert "Signed to onboarded" in page and "First deal won" in page
    visible = re.sub(r'<script[^>]*id="programme-data"[^>]*>.*?</script>', "", page, flags=re.S)
    assert not re.search(r">[^<]*\b(first_closed_won|joint_plan|first_campaign_live)\b", visible)


def test_every_runway_stage_has_a_chart_colour_of_its_own():
    """The cohort chart drew seven stages with five colours: two pairs looked the same."""
    import re
    from pathlib import Path

    from campaign_engine.domain.runway import Milestone

    source = (Path(__file__).parents[2] / "campaign_engine/web/static/charts.js").read_text()
    palette = re.findall(r"#[0-9a-f]{6}", re.search(r"const palette = \[(.*?)\]", source)[1])
    assert len(set(palette)) == len(palette) >= len(Milestone)
