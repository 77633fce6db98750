"""Retention (services/stewardship/retention.py): with the engine's clock moved past each
window, the daily job deletes open and click rows (13 months), strips what leads' visitors
gave (24 months) and empties the outbox (30 days), and every report figure stays as it
was; a recount from the rows is then refused rather than losing the pruned counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from campaign_engine.db import Event, Lead, UniqueEngagement
from campaign_engine.pipeline import jobs
from tests.conftest import Cli
from tests.privacy_world import PERSON, build, figures


@pytest.fixture
def world(tmp_path, database_url):
    world = build(tmp_path, database_url)
    jobs.bind(world.runtime, BackgroundScheduler())
    yield world
    world.runtime.close()


def counts(world) -> dict[str, int]:
    with world.runtime.sessions() as session:
        engagement = session.scalar(select(func.count()).where(Event.type.in_(["open", "click"])))
        visits = session.scalar(select(func.count()).select_from(UniqueEngagement))
        given = [e.data for e in session.scalars(select(Event).where(Event.type == "lead.created"))]
        leads = session.scalar(select(func.count()).select_from(Lead))
    outbox = world.runtime.settings.email.outbox_dir / "new"
    return {
        "engagement": engagement,
        "first_visits": visits,
        "leads": leads,
        "leads_with_details": sum("lead" in (d or {}) for d in given),
        "outbox": len(list(outbox.iterdir())),
    }


def run_job_at(world, when) -> None:
    world.runtime.clock = lambda: when
    jobs.retention_job()


def test_details_expire_by_their_windows_and_no_figure_changes(world):
    start = world.runtime.clock()
    fresh = counts(world)
    assert fresh["engagement"] >= 3 and fresh["first_visits"] >= 2, fresh
    assert fresh["leads_with_details"] == 1 and fresh["outbox"] >= 5, fresh

    run_job_at(world, start + timedelta(days=1))  # within every window: nothing goes
    assert counts(world) == fresh

    later = start + relativedelta(months=13, days=2)
    before = figures(world.runtime, world.campaign_id, now=later)
    run_job_at(world, later)
    assert counts(world) == {
        **fresh,
        "engagement": 0,
        "first_visits": 0,
        "outbox": 0,
    }, "opens, clicks and the outbox expired; the lead's details have 11 months left"
    assert figures(world.runtime, world.campaign_id, now=later) == before

    latest = start + relativedelta(months=24, days=2)
    before = figures(world.runtime, world.campaign_id, now=latest)
    run_job_at(world, latest)
    after = counts(world)
    assert after["leads_with_details"] == 0 and after["leads"] == fresh["leads"]
    assert figures(world.runtime, world.campaign_id, now=latest) == before
    with world.runtime.sessions() as session:
        assert all(lead.pending is None for lead in session.scalars(select(Lead)))
        texts = [str(e.data) for e in session.scalars(select(Event))]
    assert not any(PERSON.lower() in t.lower() for t in texts)

    run_job_at(world, latest)  # a second round finds nothing
    assert counts(world) == after
    refused = Cli(world.config)("events", "recount", ok=False)
    assert refused.exit_code != 0 and "were pruned" in refused.output
