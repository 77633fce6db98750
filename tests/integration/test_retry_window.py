"""Retries by time on SQLite and PostgreSQL, through the real claim and delivery code and
a real SMTP server: a 451 is retried with capped backoff until the window closes (6 hours
here) and then failed with how long it was tried; a 550 fails at once; the clock is moved
from one due time to the next, nothing sleeps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaign_engine import bootstrap, migrate
from campaign_engine.db import Delivery, DeliveryWait
from campaign_engine.pipeline.delivery import deliver
from campaign_engine.pipeline.dispatcher import claim_due
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import campaign_status, create_campaign
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.settings import load_settings
from tests.conftest import running_smtp, write_config
from tests.factories import email_only_kit, partner_row, write_partners

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Deferring:
    """451 for 'slow' addresses (greylisting that never ends), 550 for 'gone' ones."""

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("gone"):
            return "550 5.1.1 no such user"
        return "451 4.7.1 greylisted, try again later"


@pytest.fixture
def engine(tmp_path, database_url):
    with running_smtp(Deferring()) as port:
        settings = load_settings(
            write_config(
                tmp_path,
                database_url,
                email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": port}},
                # the shipped backoff and cap; a 6-hour window (72 by default) keeps the
                # rounds few (tests/unit/test_retry_policy.py walks the default one)
                dispatch={"backoff_base_seconds": 30, "retry_window_hours": 6},
            )
        )
        runtime = bootstrap.build_runtime(settings)
        now = [START]
        runtime.clock = lambda: now[0]
        migrate.upgrade(runtime.engine)
        contacts = tmp_path / "contacts.csv"
        contacts.write_text(
            "partner,email,first_name,last_name,company\n"
            "partner-00,slow@greylist.example,S,L,X\npartner-00,gone@bad.example,G,O,X\n"
        )
        with runtime.sessions.begin() as session:
            import_partners(session, write_partners(tmp_path, [partner_row(0)]))
            import_contacts(session, contacts)
            version = load_kit(session, email_only_kit(tmp_path), bootstrap.make_renderers)
            campaign = create_campaign(session, version, "Window", {}, None)
            launch_campaign(
                session, campaign, now=START, actor="test", rules=settings.programme.rules()
            )
            campaign_id = campaign.id
        yield runtime, now, campaign_id
        runtime.close()


def run_due(runtime) -> int:
    """One dispatcher round, inline: claim what is due and deliver it."""
    with runtime.sessions.begin() as session:
        items = claim_due(session, now=runtime.clock(), limit=100, lease_seconds=60, owner="test/1")
    for item in items:
        deliver(runtime, item)
    return sum(len(i.delivery_ids) for i in items)


def row(runtime, address: str) -> Delivery:
    with runtime.sessions() as session:
        return session.scalar(select(Delivery).where(Delivery.recipient == address))


def test_a_transient_failure_is_retried_for_the_window_and_a_permanent_one_fails_at_once(
    engine,
):
    runtime, now, campaign_id = engine
    assert run_due(runtime) == 2
    gone = row(runtime, "gone@bad.example")
    assert (gone.status, gone.attempts) == ("failed", 1), "550: no retry"
    assert gone.last_error.startswith("SMTP 550")
    slow = row(runtime, "slow@greylist.example")
    assert slow.status == "pending" and slow.retry_until == START + timedelta(hours=6)
    with runtime.sessions() as session:
        waiting = campaign_status(session, campaign_id)["waiting"]
    assert [(w["channel"], w["pending"]) for w in waiting] == [("email", 1)]
    assert waiting[0]["reason"] == "SMTP 451 4.7.1 greylisted, try again later"
    assert waiting[0]["retrying_until"] == "2026-12-01T15:00:00+00:00"
    tries = [START]
    while (slow := row(runtime, "slow@greylist.example")).status == "pending":
        now[0] = slow.due_at  # the clock moves to the next try
        assert run_due(runtime) == 1
        tries.append(now[0])
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(tries)]
    assert tries[-1] == START + timedelta(hours=6), "the last try on the window's end"
    assert max(gaps) <= 900 and gaps[0] <= 30
    assert slow.status == "failed" and slow.attempts == len(tries)
    assert slow.last_error.startswith(
        f"gave up after {len(tries)} attempts until 2026-12-01 15:00 UTC: SMTP 451"
    )
    with runtime.sessions() as session:
        assert campaign_status(session, campaign_id)["waiting"] == [], "nothing pending"
        assert session.scalar(select(func.count()).select_from(DeliveryWait)) == 1


def test_twenty_minutes_of_4xx_fail_nothing_and_a_retry_gets_a_fresh_window(engine):
    from campaign_engine.services.campaigns.lifecycle import get_campaign, retry_failed

    runtime, now, campaign_id = engine
    run_due(runtime)
    while now[0] < START + timedelta(minutes=20):
        now[0] = row(runtime, "slow@greylist.example").due_at
        run_due(runtime)
    assert row(runtime, "slow@greylist.example").status == "pending"
    now[0] = START + timedelta(hours=7)
    run_due(runtime)
    assert row(runtime, "slow@greylist.example").status == "failed"
    with runtime.sessions.begin() as session:
        retry_failed(
            session, get_campaign(session, campaign_id), channel="email", now=now[0], actor="t"
        )
    assert row(runtime, "slow@greylist.example").retry_until is None
    run_due(runtime)
    slow = row(runtime, "slow@greylist.example")
    assert slow.status == "pending" and slow.retry_until == now[0] + timedelta(hours=6)
