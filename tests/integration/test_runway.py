"""The activation runway with a clock that moves: an always-on campaign sends each partner
its sequence on the right local day, stops when it opts out, skips what a milestone made
unnecessary, survives leaving and re-entering the audience and a crash mid-send; the
digest names exactly the quiet partners; the reports agree with hand-counted fixtures."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from campaign_engine import bootstrap, migrate
from campaign_engine.db import Event, StepDelivery
from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.domain.runway import Milestone
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import get_partner, import_partners
from campaign_engine.services.partners.runway.digest import send_digest
from campaign_engine.services.partners.runway.milestones import set_milestone
from campaign_engine.services.partners.runway.reports import runway_report
from campaign_engine.services.partners.runway.sequence import run_runway
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, write_config
from tests.factories import partner_row, write_contacts, write_partners
from tests.worlds import outbox_messages

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings

DAY0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York (EST); DST starts March 8


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def runway(tmp_path, database_url):
    """partner-01 in New York and partner-03 in Tokyo, both gold: the audience."""
    clock = Clock(DAY0)
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, database_url)))
    runtime.clock = clock
    migrate.upgrade(runtime.engine)
    rows = [
        partner_row(1, timezone="America/New_York"),
        partner_row(3, timezone="Asia/Tokyo"),
        partner_row(2),  # silver: outside the audience
    ]
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, rows))
        import_contacts(session, write_contacts(tmp_path, [r["slug"] for r in rows], 1))
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Runway", {"tier": ["gold"]}, None)
        campaign.always_on = True
        launch_campaign(session, campaign, now=clock(), actor="test", rules=RULES)
    yield runtime, clock
    runtime.close()


def sent_to(runtime, email: str) -> list[str]:
    return sorted(m["Subject"] for m in outbox_messages(runtime) if m["To"] == email)


def at(clock: Clock, day: int, hour: int, minute: int = 0) -> None:
    clock.at = (DAY0 + timedelta(days=day)).replace(hour=hour, minute=minute)


def test_each_step_arrives_on_its_local_day_at_nine_across_a_dst_change(runway):
    runtime, clock = runway
    run_runway(runtime)
    welcome = sent_to(runtime, "sales@partner01.example")
    assert welcome == ["Welcome, Partner 01 Systems: your co-branded starter kit"]
    mail = next(m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example")
    pdf = next(p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf")
    text = PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "Partner 01 Systems" in text, "the starter kit is co-branded"
    assert sent_to(runtime, "sales@partner02.example") == [], "silver is outside the audience"

    at(clock, 7, 12, 59)  # 08:59 in New York: clocks went forward on March 8
    run_runway(runtime)
    assert len(sent_to(runtime, "sales@partner01.example")) == 1
    at(clock, 7, 13, 0)  # 09:00 EDT
    run_runway(runtime)
    assert "Partner 01 Systems, your first campaign is ready to go" in sent_to(
        runtime, "sales@partner01.example"
    )
    assert len(sent_to(runtime, "sales@partner03.example")) == 1, (
        "Tokyo entered on its March 3: its day 7 is March 10, 09:00 JST"
    )
    at(clock, 8, 0, 0)  # March 10, 00:00 UTC = 09:00 in Tokyo
    run_runway(runtime)
    assert len(sent_to(runtime, "sales@partner03.example")) == 2

    at(clock, 21, 13, 0)
    run_runway(runtime)
    nudge = next(
        m
        for m in outbox_messages(runtime)
        if m["To"] == "sales@partner01.example" and "One thing" in m["Subject"]
    )
    assert (
        "You are all set: your next campaign goes out automatically"
        in nudge.get_body(("plain",)).get_content()
    )

    at(clock, 46, 13, 0)
    run_runway(runtime)
    assert not any("joint plan" in s for s in sent_to(runtime, "sales@partner01.example")), (
        "the joint plan waits for certification"
    )
    at(clock, 46, 14, 0)  # certified at 10:00 New York time: the step waits for 09:00 tomorrow
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        set_milestone(session, partner, Milestone.CERTIFIED, clock(), source="console", actor="t")
    run_runway(runtime)
    at(clock, 47, 12, 59)
    run_runway(runtime)
    assert not any("joint plan" in s for s in sent_to(runtime, "sales@partner01.example"))
    at(clock, 47, 13, 0)
    run_runway(runtime)
    run_runway(runtime)
    subjects = sent_to(runtime, "sales@partner01.example")
    assert len(subjects) == 4 and len(set(subjects)) == 4, "each step once"


def test_an_opted_out_partner_gets_no_further_step(runway):
    runtime, clock = runway
    run_runway(runtime)
    with runtime.sessions.begin() as session:
        set_consent(
            session,
            get_partner(session, "partner-01"),
            ConsentMode.OFF,
            channel="email",
            actor="sales@partner01.example",
            via="portal",
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
        )
    for day in (7, 21, 60):
        at(clock, day, 14)
        run_runway(runtime)
    assert len(sent_to(runtime, "sales@partner01.example")) == 1
    with runtime.sessions() as session:
        reasons = {r.reason for r in session.scalars(select(StepDelivery)) if r.status == "skipped"}
    assert "partner opted out" in reasons


def test_a_step_whose_milestone_is_reached_is_skipped(runway):
    runtime, clock = runway
    run_runway(runtime)
    with runtime.sessions.begin() as session:
        partner = get_partner(session, "partner-01")
        set_milestone(
            session, partner, Milestone.FIRST_CAMPAIGN_LIVE, clock(), source="engine", actor="e"
        )
    at(clock, 7, 14)
    run_runway(runtime)
    assert not any("first campaign" in s for s in sent_to(runtime, "sales@partner01.example"))


def test_leaving_and_reentering_the_audience_skips_what_fell_due_outside_and_repeats_nothing(
    runway, tmp_path
):
    runtime, clock = runway
    run_runway(runtime)
    at(clock, 5, 14)
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").tier = "silver"
    run_runway(runtime)
    at(clock, 7, 14)
    run_runway(runtime)
    at(clock, 10, 14)
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").tier = "gold"
    run_runway(runtime)
    at(clock, 21, 14)
    run_runway(runtime)
    run_runway(runtime)
    subjects = sent_to(runtime, "sales@partner01.example")
    assert len(subjects) == 2 and any("One thing" in s for s in subjects)
    assert not any("first campaign" in s for s in subjects)
    with runtime.sessions() as session:
        skipped = session.scalar(select(StepDelivery).where(StepDelivery.step == "first-campaign"))
    assert skipped.reason == "not in the audience on its day"


def test_a_crash_after_sending_resends_that_step_once_with_the_same_message_id(runway):
    runtime, clock = runway
    email = runtime.connector("email")

    class DiesAfterSending:
        name = "dies"

        def publish(self, message, endpoint, key):
            email.publish(message, endpoint, key)
            raise RuntimeError("killed after the SMTP server accepted it")

        def validate(self, endpoint):
            return None

    runtime.connectors["email"] = DiesAfterSending()
    with pytest.raises(RuntimeError):
        run_runway(runtime)
    runtime.connectors["email"] = email
    run_runway(runtime)  # the lease still holds: nothing resent yet
    assert len(outbox_messages(runtime)) == 1
    clock.at += timedelta(minutes=6)
    run_runway(runtime)
    messages = [m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example"]
    assert len(messages) == 1, "same idempotency key: the outbox keeps one copy"
    with runtime.sessions() as session:
        rows = session.scalars(select(StepDelivery).where(StepDelivery.step == "welcome")).all()
    # New York's welcome went out; Tokyo's waits for 09:00 there (00:00 UTC).
    assert sorted(r.status for r in rows) == ["pending", "sent"]


def test_the_digest_names_exactly_the_partners_past_their_deadline(tmp_path, sqlite_url):
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    runtime.clock = Clock(now)
    migrate.upgrade(runtime.engine)
    days_since = {1: 30, 2: 10, 3: 50, 4: 200, 5: 40}  # signed this many days ago
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, [partner_row(i) for i in days_since]))
        ann, _ = create_user(session, "ann@vendor.example", "marketer", password="pw-123456789")
        create_user(session, "boss@vendor.example", "admin", password="pw-123456789")
        for i, days in days_since.items():
            partner = get_partner(session, f"partner-{i:02d}")
            partner.signed_at = now - timedelta(days=days)
            partner.owner_id = ann.id if i in (1, 2, 3) else None
        # partner-03 onboarded 5 days ago: not quiet. partner-05 won a deal: runway done.
        three = get_partner(session, "partner-03")
        set_milestone(
            session, three, Milestone.ONBOARDED, now - timedelta(days=5), source="csv", actor="t"
        )
        five = get_partner(session, "partner-05")
        for m in Milestone:
            if m is not Milestone.SIGNED:
                set_milestone(session, five, m, now - timedelta(days=30), source="csv", actor="t")
    sent = send_digest(runtime, now=now)
    assert sent == {"ann@vendor.example": 1}, (
        "partner-01 only: 02 is new, 03 moved, 04 is past 120 days, 05 is done"
    )
    (mail,) = outbox_messages(runtime)
    body = mail.get_body(("plain",)).get_content()
    assert "partner-01" in body and "book their onboarding call" in body
    assert all(f"partner-0{i}" not in body for i in (2, 3, 4, 5))
    assert send_digest(runtime, now=now + timedelta(hours=1)) == {"ann@vendor.example": 1}
    assert len(outbox_messages(runtime)) == 1, "one digest per owner per week"
    runtime.close()


def test_the_reports_agree_with_hand_counted_fixtures(tmp_path, sqlite_url):
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    signed = {1: 100, 2: 80, 3: 60, 4: 20, 5: 400}  # days before now
    # partner -> {milestone: days after signing}
    progress = {
        1: {Milestone.ONBOARDED: 10, Milestone.CERTIFIED: 30, Milestone.FIRST_DEAL_REGISTERED: 70},
        2: {Milestone.ONBOARDED: 20, Milestone.CERTIFIED: 40},
        3: {Milestone.ONBOARDED: 30},
        4: {},
        5: {Milestone.ONBOARDED: 5},
    }
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, [partner_row(i) for i in signed]))
        for i, days in signed.items():
            partner = get_partner(session, f"partner-{i:02d}")
            partner.signed_at = now - timedelta(days=days)
            for milestone, after in progress[i].items():
                when = partner.signed_at + timedelta(days=after)
                set_milestone(session, partner, milestone, when, source="csv", actor="t")
        one = get_partner(session, "partner-01")
        session.add(
            Event(
                type="deal.registered",
                partner_id=one.id,
                external_id="D1",
                amount=5000,
                occurred_at=one.signed_at + timedelta(days=70),
            )
        )
    with runtime.sessions() as session:
        report = runway_report(session, now=now, quiet_days=21)
    # Five partners, all signed. Live (pipeline in 90 days): 1 (day 70 = 30 days ago).
    assert (
        report["headline"]["sentence"]
        == "5 partners (5 signed), 1 live in the last 90 days, 4 idle"
    )
    assert report["hit_rate"]["onboarded"] == 0.8  # 4 of 5
    assert report["hit_rate"]["certified"] == 0.4
    assert report["median_days_in_stage"]["signed -> onboarded"] == 15.0  # 10, 20, 30, 5 -> 15
    assert report["median_days_in_stage"]["onboarded -> certified"] == 20.0
    assert report["median_days_to_first_pipeline"] == 70.0
    cohort = report["cohorts"][(now - timedelta(days=100)).strftime("%Y-%m")]
    assert cohort["certified"] == 1 and cohort["signed"] >= 1
    at_risk = {p["partner"] for p in report["positions"] if p["at_risk"]}
    # 02: certified 40 days ago; 03: onboarded 30 ago; 04: signed 20 ago (not yet quiet);
    # 01: a deal 30 days ago; 05: past its 120 days with no deal: overdue, not at risk.
    assert at_risk == {"partner-01", "partner-02", "partner-03"}
    five = next(p for p in report["positions"] if p["partner"] == "partner-05")
    assert five["overdue_days"] == five["day"] - 120 > 0
    assert five["day_words"] == (
        f"Day {five['day']}: {five['overdue_days']} days overdue (the runway is 120)"
    )
    runtime.close()


def test_an_always_on_campaign_is_counted_like_any_other(runway):
    """Its page, `campaigns status` (same service), the report and the ledger count its
    steps: due, waiting, sent and skipped, not zeros while the runway has sent some."""
    from campaign_engine.services.campaigns.ledger import not_sent
    from campaign_engine.services.campaigns.lifecycle import campaign_status, get_campaign
    from campaign_engine.services.insights.programme import participation
    from campaign_engine.services.insights.reports import campaign_report

    runtime, clock = runway
    counted = run_runway(runtime)
    with runtime.sessions.begin() as session:
        set_consent(
            session,
            get_partner(session, "partner-01"),
            ConsentMode.OFF,
            channel="email",
            actor="sales@partner01.example",
            via="portal",
            rules=runtime.settings.programme.rules(),
            now=runtime.clock(),
        )
    at(clock, 21, 14)
    counted += run_runway(runtime)
    with runtime.sessions() as session:
        status = campaign_status(session, 1)
        steps = status["steps"]
        assert steps["sent"] == counted["sent"] > 0
        assert steps["skipped"] > 0, "partner-01 opted out: its due steps are skipped"
        assert steps["waiting"] > 0, "later steps wait for their day or a milestone"
        assert status["deliveries"]["email"]["sent"] == steps["sent"]
        assert status["ledger"]["targeted"] == {"email": 2}
        reasons = {r["reason"] for r in status["ledger"]["not_sent"]}
        assert "opted_out" in reasons
        rows, _ = not_sent(session, get_campaign(session, 1), reason="opted_out")
        assert {r.partner_slug for r in rows} == {"partner-01"}
        report = campaign_report(session, 1)
        assert report["totals"]["targeted"] == 2
        assert report["totals"]["delivered"] == steps["sent"]
        row = next(r for r in participation(session) if r["id"] == 1)
        assert row["always_on"] and row["targeted"] == 2 and row["participating"] >= 1


def test_a_step_subject_is_plain_text_not_html(runway):
    """Issue 15: the subject came out as "O&#39;Brien &amp; Sons" (autoescaped)."""
    runtime, _ = runway
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").name = "O'Brien & Sons <Cloud>"
    run_runway(runtime)
    subjects = sent_to(runtime, "sales@partner01.example")
    assert subjects == ["Welcome, O'Brien & Sons <Cloud>: your co-branded starter kit"]


def test_a_step_carries_the_partners_and_the_vendors_logos_and_escapes_the_text(runway):
    """Issue 15: runway steps were plain text with no logo of either side."""
    runtime, _ = runway
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").name = "O'Brien & Sons <Cloud>"
    run_runway(runtime)
    (mail,) = [m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example"]
    html = mail.get_body(("html",)).get_content()
    assert 'src="cid:runway-partner-logo"' in html and 'src="cid:runway-vendor-logo"' in html
    assert "O&#39;Brien &amp; Sons &lt;Cloud&gt;" in html and "<Cloud>" not in html
    assert re.search(r'<a href="https://partners\.vendor\.example/portal/preview/[^"]+">', html)
    images = {part["Content-ID"]: part for part in mail.walk() if part["Content-ID"]}
    logo = images["<runway-partner-logo>"].get_content()
    assert logo.startswith(b"\x89PNG"), "the partner's own logo, inline"


def test_a_german_partners_steps_are_german_with_its_next_action_in_german(runway):
    """Issue 15: the runway wrote to every partner in English. A kit may give each step a
    subject and a body per language (welcome.de.txt beside welcome.txt)."""
    runtime, _ = runway
    with runtime.sessions.begin() as session:
        get_partner(session, "partner-01").locale = "de-DE"
    run_runway(runtime)
    (mail,) = [m for m in outbox_messages(runtime) if m["To"] == "sales@partner01.example"]
    assert mail["Subject"] == "Willkommen, Partner 01 Systems: Ihr Starterpaket in Ihrem Branding"
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith("Guten Tag Partner 01 Systems,") and "Ihr Partnerportal:" in text
    assert "Welcome" not in text and "partner team" not in text
