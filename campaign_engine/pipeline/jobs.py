"""The scheduler's jobs. APScheduler stores them in the database by reference
(`module:function` plus arguments), so they are plain functions over the bound runtime.

The schedule mirrors the campaigns table: `sync_schedule` adds a date job per scheduled
launch and preview notice and a cron job per recurring campaign, and launches anything
overdue (after downtime), so nothing depends on a job surviving in memory.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from campaign_engine.db import Campaign
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.runtime import Runtime
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.notices import send_preview_notices
from campaign_engine.services.campaigns.recurring import relaunch
from campaign_engine.services.delivery.health.waits import QUIET, wake_canaries
from campaign_engine.services.delivery.token_expiry import warn_expiring_tokens
from campaign_engine.services.partners.runway.digest import send_digest
from campaign_engine.services.partners.runway.sequence import run_runway

log = logging.getLogger(__name__)
_bound: dict[str, object] = {}


def bind(runtime: Runtime, scheduler: BaseScheduler) -> None:
    _bound["runtime"] = runtime
    _bound["scheduler"] = scheduler


def _runtime() -> Runtime:
    runtime = _bound.get("runtime")
    assert isinstance(runtime, Runtime), "jobs run only inside a bound scheduler"
    return runtime


def launch_job(campaign_id: int) -> None:
    runtime = _runtime()
    # not sessions.begin(): the plan commits a chunk at a time (services/campaigns/planner)
    with runtime.sessions() as session:
        campaign = session.get(Campaign, campaign_id, with_for_update={"of": Campaign})
        if campaign is None or campaign.status not in LAUNCHABLE:
            return  # launched by hand, cancelled or already done: nothing to do
        launch_campaign(
            session,
            campaign,
            now=runtime.clock(),
            actor="scheduler",
            rules=runtime.settings.programme.rules(),
            commit=session.commit,
        )
        session.commit()


# Scheduled, or left "launching" by a planner that died part way (planning is resumed).
LAUNCHABLE = (CampaignStatus.SCHEDULED, CampaignStatus.LAUNCHING)
# A launching campaign whose plan has not moved for this long lost its planner.
STALE_PLAN = timedelta(minutes=5)


def notice_job(campaign_id: int) -> None:
    runtime = _runtime()
    send_preview_notices(runtime, campaign_id)


def recurring_job(campaign_id: int) -> None:
    runtime = _runtime()
    with runtime.sessions.begin() as session:
        relaunch(
            session,
            campaign_id,
            now=runtime.clock(),
            rules=runtime.settings.programme.rules(),
        )


CANARY_SECONDS = QUIET.total_seconds()  # how often canary_job runs


def canary_job() -> None:
    """A waiting channel that has not failed for a while gets one retrying item brought
    forward (services/delivery/health/waits.py): sending resumes within seconds of an outage's
    end, not at the next capped backoff."""
    runtime = _runtime()
    with runtime.sessions.begin() as session:
        wake_canaries(session, now=runtime.clock())


def token_warning_job() -> None:
    runtime = _runtime()
    warned = warn_expiring_tokens(
        runtime, within_days=runtime.settings.connectors.token_warning_days
    )
    if warned:
        log.info("warned partners about expiring tokens: %s", ", ".join(warned))


def mdf_job() -> None:
    """Every few minutes: reminders at half an MDF request's clock, escalations when it
    lapses, and the expiry of the quarter that has ended (idempotent: an expired pot has
    nothing left, so a second run or a second scheduler after failover expires nothing)."""
    from campaign_engine.domain.mdf import Period
    from campaign_engine.services.mdf.allocate import expire_period
    from campaign_engine.services.mdf.mail import send_alerts
    from campaign_engine.services.mdf.sla import sweep

    runtime = _runtime()
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        alerts = sweep(session, now=now, base_url=runtime.settings.public_base_url)
        ended = Period.of(now.date()).previous()
        expired = expire_period(session, ended, carry_over=runtime.settings.mdf.carry_over)
    if alerts:
        log.info("MDF: %d reminder(s) and escalation(s) sent", send_alerts(runtime, alerts))
    if expired:
        log.info("MDF: %s funds expired for %d partner(s)", ended, len(expired))


def leads_job() -> None:
    """Every few minutes: leads nobody touched within leads.first_touch_hours remind their
    partner and alert its owner (once each); unconfirmed leads whose confirmation link
    has expired are discarded."""
    from campaign_engine.services.attribution.leads.intake import expire_unconfirmed
    from campaign_engine.services.attribution.leads.sla import sweep
    from campaign_engine.services.mdf.mail import send_alerts

    runtime = _runtime()
    with runtime.sessions.begin() as session:
        expire_unconfirmed(session, now=runtime.clock(), hours=runtime.settings.leads.confirm_hours)
        alerts = sweep(
            session,
            now=runtime.clock(),
            hours=runtime.settings.leads.first_touch_hours,
            base_url=runtime.settings.public_base_url,
        )
    if alerts:
        log.info("leads: %d reminder(s) and alert(s) sent", send_alerts(runtime, alerts))


def feedback_job() -> None:
    """Every few minutes: partners silent for feedback.silent_days alert their owner (once
    per silence), and every feedback mail still unsent (alerts, replies) goes out."""
    from campaign_engine.services.feedback.alerts import sweep_silence
    from campaign_engine.services.feedback.mail import send_pending

    runtime = _runtime()
    with runtime.sessions.begin() as session:
        silent = sweep_silence(
            session, now=runtime.clock(), days=runtime.settings.feedback.silent_days
        )
    if silent:
        log.info("feedback: %d partner(s) gone silent", len(silent))
    sent = send_pending(runtime)
    if sent:
        log.info("feedback: %d mail(s) sent", sent)


def runway_job() -> None:
    """Always-on sequences: enrol partners entering audiences, send the steps now due."""
    counts = run_runway(_runtime())
    if counts.get("sent"):
        log.info("runway: %s", dict(counts))


def retention_job() -> None:
    """Daily: open and click details, lead details and outbox emails past their windows
    (settings.retention) are deleted; the tallies every report reads stay."""
    from campaign_engine.services.stewardship.retention import run_retention

    pruned = run_retention(_runtime())
    if pruned.total():
        log.info("retention: %s", pruned)


def digest_job() -> None:
    runtime = _runtime()
    sent = send_digest(runtime, now=runtime.clock())
    log.info("at-risk digest sent to %d owners", len(sent))


def sync_schedule() -> None:
    runtime = _runtime()
    scheduler = _bound["scheduler"]
    assert isinstance(scheduler, BaseScheduler)
    now = runtime.clock()
    with runtime.sessions() as session:
        campaigns = list(
            session.scalars(
                select(Campaign).where(
                    (Campaign.status == CampaignStatus.SCHEDULED) | Campaign.recurrence.is_not(None)
                )
            )
        )
        stale = list(
            session.scalars(
                select(Campaign.id).where(
                    Campaign.status == CampaignStatus.LAUNCHING,
                    Campaign.updated_at < now - STALE_PLAN,
                )
            )
        )
    for campaign_id in stale:
        launch_job(campaign_id)  # its planner died part way: plan the rest
    for campaign in campaigns:
        if campaign.status == CampaignStatus.SCHEDULED and campaign.launch_at:
            notice_at = campaign.launch_at - timedelta(days=campaign.preview_days)
            if campaign.notice_sent_at is None and campaign.preview_days > 0:
                scheduler.add_job(
                    notice_job,
                    "date",
                    run_date=max(notice_at, now),
                    args=[campaign.id],
                    id=f"notice:{campaign.id}",
                    replace_existing=True,
                )
            if campaign.launch_at <= now:
                launch_job(campaign.id)  # overdue (the scheduler was down): launch now
            else:
                scheduler.add_job(
                    launch_job,
                    "date",
                    run_date=campaign.launch_at,
                    args=[campaign.id],
                    id=f"launch:{campaign.id}",
                    replace_existing=True,
                )
        if campaign.recurrence and campaign.status != CampaignStatus.CANCELLED:
            scheduler.add_job(
                recurring_job,
                CronTrigger.from_crontab(campaign.recurrence, timezone="UTC"),
                args=[campaign.id],
                id=f"recur:{campaign.id}",
                replace_existing=True,
            )
