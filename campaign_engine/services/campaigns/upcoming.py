"""What is coming for one partner: each item of a campaign with its time, in the partner's
timezone, from the moment the campaign is created, not only once it sends.

For a launched campaign the ledger says it (its waiting and held rows); for a draft or a
scheduled one, the planner's own timing applied to the launch time says it, with the
partner's current decisions: so a partner can choose review or off before the first send,
whatever the preview window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.domain.consent import ConsentMode, ConsentRules, campaign_mode, resolve
from campaign_engine.domain.kit import KitSpec
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.services.campaigns.planner import item_times, review_deadline
from campaign_engine.services.partners.consent.read import decisions_for

NOT_LAUNCHED = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


@dataclass(frozen=True)
class Upcoming:
    channel: str
    asset: str
    due_at: datetime | None  # in the partner's timezone; None: the launch has no date yet
    waits_for_review: bool
    review_by: datetime | None  # held: approve before this, or it is not sent
    count: int = 1  # an email goes to this many contacts

    def as_json(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "asset": self.asset,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "waits_for_review": self.waits_for_review,
            "review_by": self.review_by.isoformat() if self.review_by else None,
            "recipients": self.count,
        }


def upcoming(
    session: Session, partner: Partner, campaign: Campaign, rules: ConsentRules
) -> list[Upcoming]:
    """The partner's items still to come in this campaign, soonest first."""
    zone = ZoneInfo(partner.timezone)
    if campaign.status in NOT_LAUNCHED:
        items = _planned_at_launch(session, partner, campaign, rules)
    else:
        items = _from_ledger(session, partner.id, campaign.id)
    return sorted(
        (
            replace(
                i,
                due_at=i.due_at and i.due_at.astimezone(zone),
                review_by=i.review_by and i.review_by.astimezone(zone),
            )
            for i in items
        ),
        key=lambda i: (i.due_at is None, i.due_at or datetime.max.replace(tzinfo=zone)),
    )


def _from_ledger(session: Session, partner_id: int, campaign_id: int) -> list[Upcoming]:
    rows = session.execute(
        select(
            Delivery.channel,
            Delivery.asset,
            Delivery.status,
            func.min(Delivery.due_at),
            func.min(Delivery.review_by),
            func.count(),
        )
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.partner_id == partner_id,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.HELD]),
        )
        .group_by(Delivery.channel, Delivery.asset, Delivery.status)
    )
    return [
        Upcoming(channel, asset, due, status == DeliveryStatus.HELD, review_by, count)
        for channel, asset, status, due, review_by, count in rows
    ]


def _planned_at_launch(
    session: Session, partner: Partner, campaign: Campaign, rules: ConsentRules
) -> list[Upcoming]:
    spec = KitSpec.model_validate(campaign.kit_version.spec)
    decisions = decisions_for(session, campaign.id, [partner.id]).get(partner.id, {})
    default = campaign_mode(campaign.consent_default)
    launch = campaign.launch_at
    items = []
    for channel in spec.channels():
        mode = resolve(decisions, campaign.id, channel, default, rules.programme_default)
        if mode is ConsentMode.OFF:
            continue
        review = mode is ConsentMode.REVIEW
        if launch is None:
            items.append(Upcoming(channel, channel, None, review, None))
            continue
        for asset, due in item_times(campaign, partner, channel, spec, launch):
            deadline = (
                review_deadline(campaign, partner, due, launch, rules.review_hours)
                if review
                else None
            )
            items.append(Upcoming(channel, asset, due, review, deadline))
    return items
