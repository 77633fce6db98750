"""The delivery pipeline at the service layer, on real databases and a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from campaign_engine import bootstrap, migrate
from campaign_engine.db import Delivery, Suppression
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.pipeline.delivery import deliver
from campaign_engine.pipeline.dispatcher import claim_due
from campaign_engine.pipeline.runner import run_until_sent
from campaign_engine.runtime import system_clock
from campaign_engine.services.campaigns import campaign_status, change_status, create_campaign
from campaign_engine.services.consent import set_consent
from campaign_engine.services.contacts import import_contacts
from campaign_engine.services.kits import load_kit
from campaign_engine.services.launch import launch_campaign
from campaign_engine.services.partners import get_partner, import_partners
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, Received, free_port, write_config
from tests.factories import partner_row, write_contacts, write_partners


class PickyHandler:
    """Accepts mail, except: 550 for 'reject' addresses, 451 once for 'tempfail' ones."""

    def __init__(self, received: Received) -> None:
        self.received = received
        self.deferred: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("tempfail") and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.received.lock:
            self.received.envelopes.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK"


class Clock:
    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def smtp():
    received = Received()
    port = free_port()
    controller = Controller(PickyHandler(received), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


@pytest.fixture
def engine(tmp_path, database_url, smtp):
    port, received = smtp
    settings = load_settings(
        write_config(
            tmp_path,
            database_url,
            email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": port}},
        )
    )
    runtime = bootstrap.build_runtime(settings)
    runtime.clock = Clock()
    migrate.upgrade(runtime.engine)
    rows = [partner_row(i) for i in range(4)]
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, rows))
        import_contacts(session, write_contacts(tmp_path, [r["slug"] for r in rows], 2))
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        campaign_id = create_campaign(session, version, "Pipeline", {}, None).id
    yield runtime, campaign_id, received
    runtime.close()


def launch(runtime, campaign_id):
    with runtime.sessions.begin() as session:
        from campaign_engine.services.campaigns import get_campaign

        return launch_campaign(
            session, get_campaign(session, campaign_id), now=runtime.clock(), actor="test"
        )


def email_counts(runtime, campaign_id):
    with runtime.sessions() as session:
        return campaign_status(session, campaign_id)["deliveries"]["email"]


def test_an_opt_out_after_planning_stops_the_unsent_emails(engine):
    runtime, campaign_id, received = engine
    launch(runtime, campaign_id)
    with runtime.sessions.begin() as session:
        set_consent(
            session,
            get_partner(session, "partner-02"),
            ConsentMode.OFF,
            campaign_id=campaign_id,
            actor="partner",
            via="portal",
        )
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert not [r for r in received.recipients() if "partner-02" in r]
    assert email_counts(runtime, campaign_id) == {
        "pending": 0,
        "sent": 6,
        "failed": 0,
        "skipped": 2,
    }


def test_a_crashed_workers_lease_expires_and_the_delivery_is_sent_once(engine):
    runtime, campaign_id, received = engine
    launch(runtime, campaign_id)
    with runtime.sessions.begin() as session:
        lost = claim_due(
            session,
            now=runtime.clock(),
            limit=3,
            lease_seconds=60,
            owner="dead-worker",
            campaign_id=campaign_id,
        )
    assert lost, "the dead worker held some deliveries"
    runtime.clock.now += timedelta(seconds=61)
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert len(received.recipients()) == len(set(received.recipients())) == 8
    with runtime.sessions() as session:
        retried = session.scalars(
            select(Delivery).where(Delivery.id.in_([d for item in lost for d in item.delivery_ids]))
        )
        assert all(d.status == "sent" and d.attempts == 2 for d in retried)


def test_a_worker_whose_lease_was_taken_over_does_not_send(engine):
    runtime, campaign_id, received = engine
    launch(runtime, campaign_id)
    with runtime.sessions.begin() as session:
        slow = claim_due(
            session,
            now=runtime.clock(),
            limit=2,
            lease_seconds=60,
            owner="slow-worker",
            campaign_id=campaign_id,
        )
    runtime.clock.now += timedelta(seconds=61)
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    before = len(received.recipients())
    for item in slow:  # the slow worker wakes up and tries to carry on
        deliver(runtime, item)
    assert len(received.recipients()) == before == 8


def test_smtp_550_fails_with_the_reason_and_451_is_retried(engine, tmp_path):
    runtime, campaign_id, received = engine
    contacts = tmp_path / "odd.csv"
    contacts.write_text(
        "partner,email,first_name,last_name,company\n"
        "partner-01,reject@bad.example,R,J,X\n"
        "partner-01,tempfail@slow.example,T,F,X\n"
    )
    with runtime.sessions.begin() as session:
        import_contacts(session, contacts)
    runtime.clock = system_clock  # the retry waits out a real (0.2 s based) backoff
    launch(runtime, campaign_id)
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    with runtime.sessions() as session:
        rows = {
            d.recipient: d
            for d in session.scalars(
                select(Delivery).where(
                    Delivery.recipient.in_(["reject@bad.example", "tempfail@slow.example"])
                )
            )
        }
    assert rows["reject@bad.example"].status == "failed"
    assert "550" in rows["reject@bad.example"].last_error
    assert rows["tempfail@slow.example"].status == "sent"
    assert rows["tempfail@slow.example"].attempts == 2
    assert received.recipients().count("tempfail@slow.example") == 1


def test_an_unsubscribed_recipient_is_not_mailed(engine):
    runtime, campaign_id, received = engine
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        session.add(
            Suppression(
                partner_id=partner.id,
                email="buyer0@partner-01-customer.example",
                reason="unsubscribe",
            )
        )
    launch(runtime, campaign_id)
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert "buyer0@partner-01-customer.example" not in received.recipients()
    assert len(received.recipients()) == 7


def test_pause_holds_every_send_and_resume_sends_each_once(engine):
    runtime, campaign_id, received = engine
    launch(runtime, campaign_id)
    with runtime.sessions.begin() as session:
        from campaign_engine.services.campaigns import get_campaign

        change_status(
            session, get_campaign(session, campaign_id), CampaignStatus.PAUSED, actor="test"
        )
    with runtime.sessions.begin() as session:
        assert (
            claim_due(
                session,
                now=runtime.clock(),
                limit=100,
                lease_seconds=60,
                owner="w",
                campaign_id=campaign_id,
            )
            == []
        )
    assert received.recipients() == []
    with runtime.sessions.begin() as session:
        from campaign_engine.services.campaigns import get_campaign

        change_status(
            session, get_campaign(session, campaign_id), CampaignStatus.LIVE, actor="test"
        )
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert sorted(received.recipients()) == sorted(set(received.recipients()))
    assert len(received.recipients()) == 8


def test_planning_twice_adds_nothing(engine):
    runtime, campaign_id, _ = engine
    first = launch(runtime, campaign_id)
    with runtime.sessions.begin() as session:
        from campaign_engine.pipeline.planner import plan_deliveries
        from campaign_engine.services.campaigns import get_campaign

        again = plan_deliveries(session, get_campaign(session, campaign_id), runtime.clock())
    assert first == again == 4 * 2 + 4 * (3 + 1 + 1)
