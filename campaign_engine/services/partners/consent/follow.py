"""The ledger follows decisions the moment they are made.

A partner's opt-out, a switch to review, a campaign's default changed, a partner leaving
the audience: each moves every affected future delivery at once (not sent with its
reason, or held for review with its deadline), and switching back moves them back. So the
campaign page, `campaigns status`, the not-sent list and the portal agree in the same
request, not when each send comes due. The worker's check before each send stays, for a
decision made while a send is already under way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, NotPlanned, Partner
from campaign_engine.domain.consent import (
    ConsentMode,
    ConsentRules,
    campaign_mode,
    deciding,
    decision_words,
    resolve,
)
from campaign_engine.domain.kit import KitSpec
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.services.campaigns.audience import audience_partners
from campaign_engine.services.campaigns.lifecycle import change_status, refresh_completion
from campaign_engine.services.campaigns.planner import plan_deliveries, review_deadline
from campaign_engine.services.partners.consent.read import decisions_for

# Campaigns whose future can still change; drafts and scheduled ones have no rows yet
# (their planner applies the decisions at launch). A completed campaign whose every item
# was skipped by a decision comes back when the decision is undone before their time.
RUNNING = (CampaignStatus.LAUNCHING, CampaignStatus.LIVE, CampaignStatus.PAUSED)
FOLLOWED = (*RUNNING, CampaignStatus.COMPLETED)
# Rows a decision may bring back: skipped by a decision (or by the worker's own check of
# one), never handed to a connector, and whose time is ahead or only just passed: undoing
# an opt-out within the hour sends what it stopped; undoing it a week later does not send
# last week's email today. A completed campaign reopens only for rows still ahead.
RESTORABLE = (Reason.OPTED_OUT, Reason.LEFT_AUDIENCE)
RESTORE_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Target:
    """Where a row belongs now: a status, and for a skipped row its reason and words."""

    status: DeliveryStatus
    reason: Reason | None = None
    detail: str | None = None


def follow_partner(
    session: Session,
    partner_id: int,
    rules: ConsentRules,
    *,
    now: datetime,
    campaign_id: int | None = None,
) -> int:
    """After a decision of one partner's: every running campaign (or the one it was
    about) moves that partner's future items. Returns how many rows moved."""
    query = _followed(now, partner_id)
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    return sum(
        follow_campaign(session, campaign, rules, now=now, partner_ids=[partner_id])
        for campaign in session.scalars(query.order_by(Campaign.id))
    )


def follow_running(session: Session, rules: ConsentRules, *, now: datetime) -> int:
    """After partners changed (an import: a tier, a region, a tag): every running campaign
    moves the rows of partners who left its audience and plans those who entered it."""
    query = _followed(now, None)
    return sum(
        follow_campaign(session, campaign, rules, now=now)
        for campaign in session.scalars(query.order_by(Campaign.id))
    )


def _followed(now: datetime, partner_id: int | None) -> Select[Campaign]:
    """Running campaigns, and completed ones only where a decision could still bring an
    item back (skipped by one, its time ahead): a partner's every switch must not walk
    every campaign the programme ever ran."""
    ahead = select(Delivery.id).where(
        Delivery.campaign_id == Campaign.id,
        Delivery.status == DeliveryStatus.SKIPPED,
        Delivery.reason.in_([r.value for r in RESTORABLE]),
        func.coalesce(Delivery.review_by, Delivery.due_at) > now,
    )
    if partner_id is not None:
        ahead = ahead.where(Delivery.partner_id == partner_id)
    return select(Campaign).where(
        Campaign.always_on.is_(False),
        or_(
            Campaign.status.in_(RUNNING),
            and_(Campaign.status == CampaignStatus.COMPLETED, ahead.exists()),
        ),
    )


def follow_campaign(
    session: Session,
    campaign: Campaign,
    rules: ConsentRules,
    *,
    now: datetime,
    partner_ids: Collection[int] | None = None,
) -> int:
    """Move the campaign's future rows (of these partners, or all) to what the decisions,
    the defaults and the audience say now, and plan partners who came back in.

    A completed campaign has only final rows: it goes live again only for items a
    decision skipped whose time is still ahead (undoing an opt-out never sends last
    quarter's email today), and plans nobody."""
    if campaign.status not in FOLLOWED or campaign.always_on:
        return 0
    reopening = campaign.status == CampaignStatus.COMPLETED
    rows = _movable(
        session, campaign.id, partner_ids, since=now if reopening else now - RESTORE_GRACE
    )
    if reopening and not rows:
        return 0
    audience = {p.id for p in audience_partners(session, campaign.audience)}
    wanted = (
        set(partner_ids) if partner_ids is not None else audience | {r.partner_id for r in rows}
    )
    decisions = decisions_for(session, campaign.id, list(wanted))
    targets = [
        (row, _target(campaign, row, audience, decisions.get(row.partner_id, {}), rules))
        for row in rows
    ]
    changes = [(row, t) for row, t in targets if (row.status, row.reason) != _key(t)]
    if reopening and changes:
        change_status(session, campaign, CampaignStatus.LIVE, actor="engine", now=now)
    for row, target in changes:
        _move(session, campaign, row, target, rules, now)
    moved = len(changes)
    comeback = (
        [] if reopening else _unplanned(session, campaign, audience & wanted, decisions, rules)
    )
    if comeback:
        before = session.scalar(select(func.count()).where(Delivery.campaign_id == campaign.id))
        moved += plan_deliveries(session, campaign, now, rules, partner_ids=comeback) - (
            before or 0
        )
    session.flush()
    refresh_completion(session, campaign, now=now)
    return moved


def _movable(
    session: Session,
    campaign_id: int,
    partner_ids: Collection[int] | None,
    *,
    since: datetime,
) -> list[Delivery]:
    """Rows not yet sent nor being sent: waiting, held, or restorable (RESTORABLE).

    Locked on PostgreSQL: the dispatcher's claim skips locked rows, and a row claimed
    while we waited is re-read as `sending` and left to the worker, so a decision never
    marks as skipped an email that a worker sent meanwhile."""
    query = select(Delivery).where(
        Delivery.campaign_id == campaign_id,
        or_(
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.HELD]),
            and_(
                Delivery.status == DeliveryStatus.SKIPPED,
                Delivery.reason.in_([r.value for r in RESTORABLE]),
                Delivery.sent_at.is_(None),
                Delivery.provider_ref.is_(None),
                func.coalesce(Delivery.review_by, Delivery.due_at) > since,
            ),
        ),
    )
    if partner_ids is not None:
        query = query.where(Delivery.partner_id.in_(list(partner_ids)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Delivery)
    return list(session.scalars(query.order_by(Delivery.id)))


def _target(
    campaign: Campaign,
    row: Delivery,
    audience: set[int],
    decisions: dict[tuple[str, str], str],
    rules: ConsentRules,
) -> Target:
    if row.partner_id not in audience:
        return Target(DeliveryStatus.SKIPPED, Reason.LEFT_AUDIENCE, "left the audience")
    mode = resolve(
        decisions,
        campaign.id,
        row.channel,
        campaign_mode(campaign.consent_default),
        rules.programme_default,
    )
    if mode is ConsentMode.OFF:
        words = decision_words(deciding(decisions, campaign.id, row.channel))
        return Target(DeliveryStatus.SKIPPED, Reason.OPTED_OUT, f"opted out of {words}")
    if mode is ConsentMode.REVIEW and row.approved_at is None:
        return Target(DeliveryStatus.HELD)
    return Target(DeliveryStatus.PENDING)


def _key(target: Target) -> tuple[str, str | None]:
    return target.status.value, target.reason and target.reason.value


def _move(
    session: Session,
    campaign: Campaign,
    row: Delivery,
    target: Target,
    rules: ConsentRules,
    now: datetime,
) -> None:
    row.status, row.reason = target.status.value, target.reason and target.reason.value
    row.last_error = target.detail
    row.updated_at = now
    if target.status is DeliveryStatus.HELD:
        hold_for_review(session, campaign, row, rules, now)


def hold_for_review(
    session: Session, campaign: Campaign, row: Delivery, rules: ConsentRules, now: datetime
) -> None:
    """A row waits for the partner's approval until its deadline: its own time or the end
    of the review window from now, whichever is later (planner.review_deadline). Used here
    and by the worker that finds a review item unapproved when it comes to send it."""
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    row.status = DeliveryStatus.HELD.value
    row.review_by = review_deadline(campaign, partner, row.due_at, now, rules.review_hours)


def _unplanned(
    session: Session,
    campaign: Campaign,
    partner_ids: set[int],
    decisions: dict[int, dict[tuple[str, str], str]],
    rules: ConsentRules,
) -> list[int]:
    """Partners in the audience with a channel that is on for them now and has no row:
    they opted out before the launch (or left the audience) and came back."""
    if not partner_ids:
        return []
    planned = set(
        session.execute(
            select(Delivery.partner_id, Delivery.channel)
            .where(Delivery.campaign_id == campaign.id, Delivery.partner_id.in_(partner_ids))
            .distinct()
        ).all()
    )
    # Planned already, with nothing to send for a reason no decision changes (no contacts).
    planned |= set(
        session.execute(
            select(NotPlanned.partner_id, NotPlanned.channel).where(
                NotPlanned.campaign_id == campaign.id,
                NotPlanned.partner_id.in_(partner_ids),
                NotPlanned.reason.not_in([Reason.OPTED_OUT.value, Reason.OUTSIDE_AUDIENCE.value]),
            )
        ).all()
    )
    channels = KitSpec.model_validate(campaign.kit_version.spec).channels()
    default = campaign_mode(campaign.consent_default)
    return sorted(
        {
            pid
            for pid in partner_ids
            for channel in channels
            if (pid, channel) not in planned
            and resolve(
                decisions.get(pid, {}), campaign.id, channel, default, rules.programme_default
            )
            is not ConsentMode.OFF
        }
    )
