"""Launching: the campaign moves to launching, its deliveries are planned, it goes live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from campaign_engine.db import Campaign
from campaign_engine.domain.consent import ConsentRules
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.services.campaigns.lifecycle import (
    RetryOutcome,
    change_status,
    refresh_completion,
    retry_failed,
)
from campaign_engine.services.campaigns.planner import plan_deliveries


def launch_campaign(
    session: Session,
    campaign: Campaign,
    *,
    now: datetime,
    actor: str,
    rules: ConsentRules,
    commit: Callable[[], None] | None = None,
) -> int:
    """Plan now; returns the number of delivery rows. A campaign with nothing to send
    (everyone opted out) completes at once rather than sitting "live" forever.

    With `commit` (the scheduler's launch job), "launching" is committed first and the
    plan a chunk at a time: sending starts while a large plan is still being written,
    and a campaign left "launching" by a planner that died is launched again, planning
    only what is missing."""
    if campaign.status != CampaignStatus.LAUNCHING:
        change_status(session, campaign, CampaignStatus.LAUNCHING, actor=actor, now=now)
        if commit is not None:
            commit()
    if campaign.always_on:
        # Nothing to plan now: the runway job enrols partners as they enter the audience
        # and sends each its sequence; the campaign stays live until paused or cancelled.
        change_status(session, campaign, CampaignStatus.LIVE, actor=actor, now=now)
        return 0
    count = plan_deliveries(session, campaign, now, rules, commit=commit)
    change_status(session, campaign, CampaignStatus.LIVE, actor=actor, now=now)
    refresh_completion(session, campaign, now=now)
    return count


def replan(
    session: Session,
    campaign: Campaign,
    *,
    now: datetime,
    actor: str,
    rules: ConsentRules,
) -> int:
    """Add partners who joined the audience since launch; existing rows are untouched."""
    if campaign.status == CampaignStatus.COMPLETED:
        change_status(session, campaign, CampaignStatus.LIVE, actor=actor, now=now)
    count = plan_deliveries(session, campaign, now, rules)
    refresh_completion(session, campaign, now=now)
    return count


_STATUS = {
    "pause": CampaignStatus.PAUSED,
    "resume": CampaignStatus.LIVE,
    "cancel": CampaignStatus.CANCELLED,
}


def run_action(
    session: Session,
    campaign: Campaign,
    action: str,
    *,
    now: datetime,
    actor: str,
    rules: ConsentRules,
) -> int | RetryOutcome | None:
    """What the console's buttons and the API's action routes do; the number of
    deliveries planned (launch), what a retry queued and left (retry), None for a status
    change."""
    if action == "launch":
        return launch_campaign(
            session,
            campaign,
            now=now,
            actor=actor,
            rules=rules,
        )
    if action == "retry":
        return retry_failed(session, campaign, channel=None, now=now, actor=actor)
    change_status(session, campaign, _STATUS[action], actor=actor, now=now)
    return None
