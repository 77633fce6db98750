"""The delivery pipeline at the service layer, on real databases and a real SMTP server."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaign_engine import bootstrap, migrate
from campaign_engine.db import Delivery, Suppression
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.pipeline.delivery import deliver
from campaign_engine.pipeline.dispatcher import claim_due
from campaign_engine.pipeline.runner import run_until_sent
from campaign_engine.runtime import system_clock
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import (
    campaign_status,
    change_status,
    create_campaign,
)
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import get_partner, import_partners
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, CollectingHandler, Received, running_smtp, write_config
from tests.factories import partner_row, write_contacts, write_partners


class PickyHandler(CollectingHandler):
    """Accepts mail, except: 550 for 'reject' addresses, 451 once for 'tempfail' ones."""

    def __init__(self, received: Received) -> None:
        super().__init__(received)
        self.deferred: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("tempfail") and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
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
    with running_smtp(PickyHandler(received)) as port:
        yield port, received


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


def claim(session, runtime, campaign_id, *, limit, owner):
    """Claim due rows under a 60-second lease, as a worker that then stalls or dies would."""
    return claim_due(
        session,
        now=runtime.clock(),
        limit=limit,
        lease_seconds=60,
        owner=owner,
        campaign_id=campaign_id,
    )


def launch(runtime, campaign_id):
    with runtime.sessions.begin() as session:
        from campaign_engine.services.campaigns.lifecycle import get_campaign

        return launch_campaign(
            session,
            get_campaign(session, campaign_id),
            now=runtime.clock(),
            actor="test",
            rules=runtime.settings.programme.rules(),
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
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
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
        lost = claim(session, runtime, campaign_id, limit=3, owner="dead-worker")
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
        slow = claim(session, runtime, campaign_id, limit=2, owner="slow-worker")
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
    with runtime.sessions() as session:
        bounce = session.scalar(
            select(Suppression).where(Suppression.email == "reject@bad.example")
        )
    assert bounce is not None and bounce.reason == "bounce", "hard bounces are suppressed"
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
        from campaign_engine.services.campaigns.lifecycle import get_campaign

        change_status(
            session, get_campaign(session, campaign_id), CampaignStatus.PAUSED, actor="test"
        )
    with runtime.sessions.begin() as session:
        assert claim(session, runtime, campaign_id, limit=100, owner="w") == []
    assert received.recipients() == []
    with runtime.sessions.begin() as session:
        from campaign_engine.services.campaigns.lifecycle import get_campaign

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
        from campaign_engine.services.campaigns.lifecycle import get_campaign
        from campaign_engine.services.campaigns.planner import plan_deliveries

        again = plan_deliveries(
            session,
            get_campaign(session, campaign_id),
            runtime.clock(),
            runtime.settings.programme.rules(),
        )
    assert first == again == 4 * 2 + 4 * (3 + 1 + 1 + 1)  # email, social, crm, web, signature


def test_a_plan_committed_in_chunks_resumes_after_its_planner_died(engine, monkeypatch):
    """A million-email plan is written a chunk at a time, each committed: a planner that
    dies part way leaves the campaign "launching" with some rows, which the next launch
    completes with the same rows a plan in one piece writes, none twice."""
    from campaign_engine.services.campaigns import planner
    from campaign_engine.services.campaigns.lifecycle import get_campaign

    runtime, campaign_id, _ = engine
    monkeypatch.setattr(planner, "PLAN_CHUNK", 5)  # a few partners' rows at a time
    commits = []

    def dying_commit(session):
        def commit():
            commits.append(1)
            session.commit()
            if len(commits) == 3:  # "launching", then two chunks of the plan
                raise SystemExit("planner killed")

        return commit

    rules = runtime.settings.programme.rules()
    with pytest.raises(SystemExit), runtime.sessions() as session:
        launch_campaign(
            session,
            get_campaign(session, campaign_id),
            now=runtime.clock(),
            actor="scheduler",
            rules=rules,
            commit=dying_commit(session),
        )
    with runtime.sessions() as session:
        campaign = get_campaign(session, campaign_id)
        part = session.scalar(select(func.count()).where(Delivery.campaign_id == campaign_id))
        assert campaign.status == CampaignStatus.LAUNCHING
    assert 0 < part < 4 * 2 + 4 * 6
    from apscheduler.schedulers.background import BackgroundScheduler

    from campaign_engine.pipeline import jobs

    jobs.bind(runtime, BackgroundScheduler())
    jobs.sync_schedule()  # the planner may still be at work: left alone
    with runtime.sessions() as session:
        assert (
            session.scalar(select(func.count()).where(Delivery.campaign_id == campaign_id)) == part
        )
    runtime.clock.now += jobs.STALE_PLAN + timedelta(seconds=1)
    jobs.sync_schedule()  # its plan has not moved for five minutes: the scheduler resumes it
    total = 4 * 2 + 4 * (3 + 1 + 1 + 1)
    with runtime.sessions() as session:
        assert get_campaign(session, campaign_id).status == CampaignStatus.LIVE
        keys = list(
            session.scalars(
                select(Delivery.idempotency_key).where(Delivery.campaign_id == campaign_id)
            )
        )
    assert len(keys) == len(set(keys)) == total


def set_mode(runtime, slug, mode, **kwargs):
    with runtime.sessions.begin() as session:
        set_consent(
            session,
            get_partner(session, slug),
            mode,
            actor="partner",
            via="portal",
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
            **kwargs,
        )


def statuses(runtime, slug):
    with runtime.sessions() as session:
        partner = get_partner(session, slug)
        return Counter(
            session.scalars(
                select(Delivery.status).where(
                    Delivery.partner_id == partner.id, Delivery.channel == "email"
                )
            )
        )


def test_review_mode_holds_items_until_the_partner_approves(engine):
    from campaign_engine.services.campaigns.review import decide, review_queue

    runtime, campaign_id, received = engine
    set_mode(runtime, "partner-01", ConsentMode.REVIEW, channel="email")
    set_mode(runtime, "partner-02", ConsentMode.REVIEW, channel="email")
    launch(runtime, campaign_id)
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert not [r for r in received.recipients() if "partner-01" in r or "partner-02" in r]
    assert statuses(runtime, "partner-01") == {"held": 2}
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        queue = review_queue(session, partner)
        assert [(d.channel, d.asset) for d in queue] == [("email", "email")]
        now = runtime.clock()
        assert (
            decide(session, partner, queue[0].id, approve=True, actor="p1", via="p", now=now) == 2
        )
        other = get_partner(session, "partner-02")
        with pytest.raises(Exception, match="no item"):
            decide(session, other, queue[0].id, approve=False, actor="p2", via="p", now=now)
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert statuses(runtime, "partner-01") == {"sent": 2}, "approved: out at once, its time passed"
    assert statuses(runtime, "partner-02") == {"held": 2}
    runtime.clock.now += timedelta(hours=49)  # past the review window
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert statuses(runtime, "partner-02") == {"skipped": 2}, "review: never sent unapproved"
    with runtime.sessions() as session:
        reasons = session.scalars(select(Delivery.reason).where(Delivery.status == "skipped"))
        assert set(reasons) == {"not_approved"}


def test_the_shared_rate_limit_holds_across_worker_threads(engine):
    runtime, campaign_id, _ = engine
    runtime.clock = system_clock
    runtime.settings = runtime.settings.model_copy(
        update={
            "rate_limits": runtime.settings.rate_limits.model_copy(update={"email_per_second": 4})
        }
    )
    launch(runtime, campaign_id)
    run_until_sent(runtime, campaign_id, workers=4, timeout=60)
    with runtime.sessions() as session:
        sent = sorted(
            session.scalars(
                select(Delivery.sent_at).where(
                    Delivery.campaign_id == campaign_id, Delivery.channel == "email"
                )
            )
        )
    assert len(sent) == 8
    # 4 per second with a burst of 4: the 8th send cannot start before 1 s after the first.
    # sent_at is when the server accepted, so the first one's own send time (tens of ms on
    # a busy machine) comes off that second; without the limit all 8 finish in ~0.1 s.
    assert (sent[-1] - sent[0]).total_seconds() >= 0.75


def bounced_and_failed(runtime, campaign_id, tmp_path) -> None:
    """A campaign sent with two kinds of failure: partner-02 lacks the postal address the
    email needs (fixed afterwards, so a retry can send) and reject@bad.example bounced
    with a 550 (so it is suppressed, and a retry cannot send it)."""
    contacts = tmp_path / "bad.csv"
    contacts.write_text(
        "partner,email,first_name,last_name,company\npartner-01,reject@bad.example,R,J,X\n"
    )
    rows = [partner_row(i) for i in range(4)]
    with runtime.sessions.begin() as session:
        import_contacts(session, contacts)
        import_partners(session, write_partners(tmp_path, [{**rows[2], "postal_address": ""}]))
    launch(runtime, campaign_id)
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    assert email_counts(runtime, campaign_id)["failed"] == 3
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, rows, "fixed.csv"))


def test_a_retry_queues_what_can_be_sent_and_counts_the_suppressed_it_leaves(engine, tmp_path):
    """`campaigns retry` said "63 failed deliveries queued again" and then skipped all 63:
    a 550 had suppressed every one of them."""
    from campaign_engine.services.campaigns.lifecycle import get_campaign, retry_failed

    runtime, campaign_id, _received = engine
    bounced_and_failed(runtime, campaign_id, tmp_path)
    with runtime.sessions.begin() as session:
        outcome = retry_failed(
            session,
            get_campaign(session, campaign_id),
            channel="email",
            now=runtime.clock(),
            actor="test",
        )
    assert (outcome.queued, outcome.not_resent) == (2, {"suppressed": 1})
    assert outcome.sentence() == (
        "2 failed deliveries queued again; 1 not resent: 1 recipient is suppressed "
        "(unsubscribed or bounced): lift one with "
        "`campaign-engine contacts unsuppress EMAIL`"
    )
    assert email_counts(runtime, campaign_id)["pending"] == 2
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    counts = email_counts(runtime, campaign_id)
    assert (counts["failed"], counts["skipped"]) == (1, 0), "the bounced one was not queued"


def test_every_surface_says_what_a_retry_will_not_resend(engine, tmp_path):
    """The command line, the API and the console's button all report the breakdown."""
    from tests.conftest import Cli
    from tests.worlds import marketer_client

    runtime, campaign_id, _received = engine
    bounced_and_failed(runtime, campaign_id, tmp_path)
    cli = Cli(tmp_path / "config.yaml")
    said = cli("campaigns", "retry", str(campaign_id), "--channel", "email").output.strip()
    assert said == (
        "2 failed deliveries queued again; 1 not resent: 1 recipient is suppressed "
        "(unsubscribed or bounced): lift one with "
        "`campaign-engine contacts unsuppress EMAIL`"
    )
    client = marketer_client(runtime)
    answer = client.post(f"/api/v1/campaigns/{campaign_id}/retry", json={})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["deliveries"], body["not_resent"]) == (0, {"suppressed": 1})
    assert body["message"].startswith("0 failed deliveries queued again; 1 not resent: ")
    page = client.post(f"/campaigns/{campaign_id}/retry", follow_redirects=True)
    assert "1 recipient is suppressed (unsubscribed or bounced)" in page.get_data(as_text=True)


def test_lifting_the_suppression_lets_the_next_retry_queue_it(engine, tmp_path):
    """What the retry's sentence says to do works: the bounced address is queued again."""
    from tests.conftest import Cli

    runtime, campaign_id, _received = engine
    bounced_and_failed(runtime, campaign_id, tmp_path)
    cli = Cli(tmp_path / "config.yaml")
    lifted = cli("contacts", "unsuppress", "reject@bad.example").output.strip()
    assert lifted == (
        "reject@bad.example may be mailed again for partner-01 (it was suppressed: bounce)"
    )
    said = cli("campaigns", "retry", str(campaign_id), "--channel", "email").output.strip()
    assert said == "3 failed deliveries queued again"


def test_local_send_time_plans_each_partner_in_its_own_timezone(engine, tmp_path):
    from campaign_engine.services.campaigns.lifecycle import get_campaign

    runtime, campaign_id, _ = engine
    berlin = partner_row(10, timezone="Europe/Berlin")
    tokyo = partner_row(11, timezone="Asia/Tokyo")
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, [berlin, tokyo], "tz.csv"))
        import_contacts(
            session, write_contacts(tmp_path, ["partner-10", "partner-11"], 1, "tz-contacts.csv")
        )
        campaign = get_campaign(session, campaign_id)
        campaign.send_time, campaign.send_weekday = "10:00", 1  # Tuesday
    launch(runtime, campaign_id)  # the clock says Monday 23 November 2026, 09:00 UTC
    with runtime.sessions() as session:
        due = dict(
            session.execute(
                select(Delivery.recipient, Delivery.due_at).where(
                    Delivery.channel == "email", Delivery.recipient.like("buyer0@partner-1_-%")
                )
            ).all()
        )
    assert due["buyer0@partner-10-customer.example"].isoformat() == "2026-11-24T09:00:00+00:00"
    assert due["buyer0@partner-11-customer.example"].isoformat() == "2026-11-24T01:00:00+00:00"


def test_the_preview_notice_tells_each_partner_the_date_and_how_to_opt_out(engine):
    from campaign_engine.services.campaigns.lifecycle import get_campaign
    from campaign_engine.services.campaigns.notices import send_preview_notices

    runtime, campaign_id, received = engine
    with runtime.sessions.begin() as session:
        campaign = get_campaign(session, campaign_id)
        campaign.launch_at = runtime.clock() + timedelta(days=7)
        campaign.status = "scheduled"
        set_consent(
            session,
            get_partner(session, "partner-03"),
            ConsentMode.OFF,
            campaign_id=campaign_id,
            actor="p3",
            via="portal",
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
        )
    assert send_preview_notices(runtime, campaign_id) == 3
    assert send_preview_notices(runtime, campaign_id) == 0, "sent once"
    notices = {m["To"]: m for m in received.messages()}
    assert set(notices) == {
        "sales@partner00.example",
        "sales@partner01.example",
        "sales@partner02.example",
    }
    body = notices["sales@partner01.example"].get_content()
    assert "Monday 30 November 2026 at 09:00 (GMT)" in body
    assert "/portal/opt-out/" in body and "/portal/preview/" in body


def test_the_notice_states_the_partners_own_go_live_time(engine, tmp_path):
    """Issue 15: the notice said the launch instant, not when the partner's first item goes
    out (the campaign's send time and weekday in the partner's timezone)."""
    from datetime import UTC, datetime

    from campaign_engine.services.campaigns.lifecycle import get_campaign
    from campaign_engine.services.campaigns.notices import send_preview_notices

    runtime, campaign_id, received = engine
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        partner.timezone = "Asia/Tokyo"
        campaign = get_campaign(session, campaign_id)
        campaign.launch_at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
        campaign.send_time, campaign.send_weekday = "10:30", 2  # Wednesdays, 10:30 local
        campaign.status = "scheduled"
    send_preview_notices(runtime, campaign_id)
    notices = {m["To"]: m for m in received.messages()}
    body = notices["sales@partner01.example"].get_content()
    assert "goes live on Wednesday 02 December 2026 at 10:30 (JST)" in body
    london = notices["sales@partner02.example"].get_content()
    assert "goes live on Wednesday 02 December 2026 at 10:30 (GMT)" in london


def test_a_reviewing_partners_notice_counts_its_review_window(engine):
    from datetime import UTC, datetime

    from campaign_engine.services.campaigns.lifecycle import get_campaign
    from campaign_engine.services.campaigns.notices import send_preview_notices

    runtime, campaign_id, received = engine
    set_mode(runtime, "partner-01", ConsentMode.REVIEW, channel="email")
    with runtime.sessions.begin() as session:
        campaign = get_campaign(session, campaign_id)
        campaign.launch_at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
        campaign.send_time = "10:30"
        campaign.status = "scheduled"
    send_preview_notices(runtime, campaign_id)
    notices = {m["To"]: m for m in received.messages()}
    reviewer = notices["sales@partner01.example"].get_content()
    assert "goes live on Wednesday 02 December 2026 at 10:30 (GMT)" in reviewer, "48 h later"
    other = notices["sales@partner02.example"].get_content()
    assert "goes live on Monday 30 November 2026 at 10:30 (GMT)" in other


def test_a_recurring_campaign_relaunches_to_the_current_audience_once(engine, tmp_path):
    from campaign_engine.db import Campaign
    from campaign_engine.services.campaigns.recurring import relaunch

    runtime, campaign_id, _ = engine
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, [partner_row(20)], "new.csv"))
        rules = runtime.settings.programme.rules()
        assert relaunch(session, campaign_id, now=runtime.clock(), rules=rules) > 0
        assert relaunch(session, campaign_id, now=runtime.clock(), rules=rules) == 0
    with runtime.sessions() as session:
        child = session.scalar(select(Campaign).where(Campaign.parent_id == campaign_id))
        partners = set(
            session.scalars(select(Delivery.partner_id).where(Delivery.campaign_id == child.id))
        )
    assert child.status == "live" and len(partners) == 5


def test_a_launch_renders_no_brochure_and_a_preview_renders_it_once(tmp_path, sqlite_url):
    """The brochure goes out with no campaign send: a launch does not spend a WeasyPrint
    render per partner on it. A preview renders it on first use and caches it."""
    import io

    from pypdf import PdfReader

    from campaign_engine.db import Artifact, Campaign, Partner
    from campaign_engine.services.assets.kits import materialise
    from campaign_engine.services.assets.preview import preview_partner
    from tests.worlds import launched_campaign

    runtime, campaign_id = launched_campaign(
        tmp_path, sqlite_url, partners=2, contacts=1, name="Lazy brochure"
    )
    storage = runtime.settings.storage_dir
    with runtime.sessions() as session:
        indexed = session.scalars(select(Artifact)).all()
        assert {a.channel for a in indexed} == {"email", "social", "crm", "web", "signature"}
        launched_files = [f["name"] for a in indexed for f in a.files]
        assert "email.html" in launched_files
        assert not [name for name in launched_files if name.endswith(".pdf")]
        partner = session.scalars(select(Partner).order_by(Partner.id)).first()
        campaign = session.get(Campaign, campaign_id)
        kit = materialise(session, campaign.kit_version, storage)
        renderers = runtime.renderers(kit)
        first = preview_partner(kit, renderers, partner, "https://x.example", storage_dir=storage)
        again = preview_partner(kit, renderers, partner, "https://x.example", storage_dir=storage)
    brochure = next(f for a in first.assets for f in a.files if f.name == "brochure.pdf")
    assert len(PdfReader(io.BytesIO(brochure.content)).pages) == 2
    assert first.rendered >= 1  # the brochure (and the preview links' channels) rendered now
    assert again.rendered == 0  # all from the artifact cache the second time


def test_a_held_item_waits_for_the_partners_send_time_after_its_review_window(engine):
    """Issue 15: a held item was due when the 48-hour window ended, at whatever hour."""
    from zoneinfo import ZoneInfo

    from campaign_engine.services.campaigns.lifecycle import get_campaign

    runtime, campaign_id, _ = engine
    set_mode(runtime, "partner-01", ConsentMode.REVIEW, channel="email")
    with runtime.sessions.begin() as session:
        get_campaign(session, campaign_id).send_time = "10:00"
        get_partner(session, "partner-01").timezone = "America/New_York"
    launch(runtime, campaign_id)
    with runtime.sessions() as session:
        partner = get_partner(session, "partner-01")
        held = session.scalars(
            select(Delivery).where(Delivery.partner_id == partner.id, Delivery.status == "held")
        ).all()
    assert len(held) == 2
    deadline = runtime.clock() + timedelta(hours=48)
    for row in held:
        local = row.review_by.astimezone(ZoneInfo("America/New_York"))
        assert (local.hour, local.minute) == (10, 0), local
        assert deadline <= row.review_by < deadline + timedelta(days=1)
        assert row.due_at < deadline, "approved, it goes at its own time, not the deadline's"


def test_a_post_the_partner_left_out_is_skipped_not_sent_as_another(tmp_path, sqlite_url):
    """A partner's `posts` choice renders only its posts; the left-out posts' deliveries
    went out as whichever post did render (the launch post three times)."""
    from sqlalchemy import update

    from campaign_engine.db import Customisation, KitVersion, Partner
    from campaign_engine.pipeline.runner import run_until_sent
    from tests.worlds import planned_campaign

    runtime, campaign_id = planned_campaign(
        tmp_path, sqlite_url, partners=1, contacts=1, name="Chosen posts"
    )
    with runtime.sessions.begin() as session:
        partner = session.scalar(select(Partner))
        kit_id = session.scalar(select(KitVersion.kit_id))
        session.add(
            Customisation(partner_id=partner.id, kit_id=kit_id, values={"posts": ["launch"]})
        )
        session.execute(  # every post due now, not on its cadence day
            update(Delivery).where(Delivery.channel == "social").values(due_at=runtime.clock())
        )
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    with runtime.sessions() as session:
        posts = dict(
            session.execute(
                select(Delivery.asset, Delivery.reason).where(Delivery.channel == "social")
            ).all()
        )
        statuses = dict(
            session.execute(
                select(Delivery.asset, Delivery.status).where(Delivery.channel == "social")
            ).all()
        )
    assert statuses == {"launch": "sent", "webinar": "skipped", "proof": "skipped"}
    assert posts["webinar"] == posts["proof"] == "not_chosen"
    runtime.close()
