"""What a partner sees of the programme: its campaigns with its own switches, and its
own results. Everything here is scoped to one partner id by construction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from campaign_engine.db import Campaign, Delivery, Event, EventTally, Partner
from campaign_engine.domain.consent import ConsentRules, campaign_mode, resolve
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.ports import CHANNELS
from campaign_engine.services.campaigns.audience import audience_partners
from campaign_engine.services.campaigns.upcoming import Upcoming, upcoming
from campaign_engine.services.partners.consent.read import decisions_for

# A partner sees a campaign from the moment the vendor creates it for it: a draft or a
# scheduled one is where it chooses review or off before anything goes out.
VISIBLE = (
    CampaignStatus.DRAFT,
    CampaignStatus.SCHEDULED,
    CampaignStatus.LAUNCHING,
    CampaignStatus.LIVE,
    CampaignStatus.PAUSED,
    CampaignStatus.COMPLETED,
)


@dataclass
class PartnerCampaign:
    campaign: Campaign
    modes: dict[str, str]  # channel -> auto | review | off, as it applies now
    delivered: int = 0
    waiting: int = 0  # items held for this partner's review
    upcoming: list[Upcoming] = field(default_factory=list)  # what is still to come, when
    extra: dict[str, Any] = field(default_factory=dict)


def partner_campaigns(
    session: Session, partner: Partner, rules: ConsentRules
) -> list[PartnerCampaign]:
    """Campaigns whose audience includes the partner, newest first."""
    campaigns = session.scalars(
        select(Campaign).where(Campaign.status.in_(VISIBLE)).order_by(Campaign.id.desc())
    )
    counts = _delivery_counts(session, partner.id)
    shown = []
    for campaign in campaigns:
        in_audience = any(p.id == partner.id for p in audience_partners(session, campaign.audience))
        if not in_audience and campaign.id not in counts:
            continue
        decisions = decisions_for(session, campaign.id, [partner.id]).get(partner.id, {})
        modes = {
            channel: resolve(
                decisions,
                campaign.id,
                channel,
                campaign_mode(campaign.consent_default),
                rules.programme_default,
            ).value
            for channel in CHANNELS
        }
        sent, held = counts.get(campaign.id, (0, 0))
        coming = upcoming(session, partner, campaign, rules)
        shown.append(PartnerCampaign(campaign, modes, sent, held, coming))
    return shown


def _delivery_counts(session: Session, partner_id: int) -> dict[int, tuple[int, int]]:
    sent = func.sum(case((Delivery.status == DeliveryStatus.SENT, 1), else_=0))
    held = func.sum(case((Delivery.status == DeliveryStatus.HELD, 1), else_=0))
    rows = session.execute(
        select(Delivery.campaign_id, sent, held)
        .where(Delivery.partner_id == partner_id)
        .group_by(Delivery.campaign_id)
    )
    return {cid: (int(s or 0), int(h or 0)) for cid, s, h in rows}


def _result_names(session: Session, campaign_ids: set[int]) -> dict[int, str]:
    """Each campaign as the partner reads it: its title (never the vendor's own name),
    with the launch day where two share a title, so their results are not added up."""
    campaigns = list(
        session.scalars(
            select(Campaign)
            .where(Campaign.id.in_(campaign_ids))
            .options(selectinload(Campaign.kit_version))
            .order_by(Campaign.id)
        )
    )
    seen: dict[str, int] = defaultdict(int)
    for campaign in campaigns:
        seen[campaign.title] += 1
    names: dict[int, str] = {}
    for campaign in campaigns:
        name = campaign.title
        if seen[name] > 1:
            when = campaign.launched_at or campaign.created_at
            name = f"{name} ({when:%d %b %Y}, #{campaign.id})"
        names[campaign.id] = name
    return names


def partner_results(session: Session, partner_id: int, *, now: datetime) -> dict[str, Any]:
    """Clicks (raw and unique: each visitor once per link and day), leads, pipeline and
    revenue per campaign, and clicks and leads per week (last 12 weeks)."""
    per_campaign: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "clicks": 0,
            "unique_clicks": 0,
            "leads": 0,
            "pipeline": Decimal(0),
            "revenue": Decimal(0),
        }
    )
    start = (now - timedelta(weeks=11)).date()
    start = start - timedelta(days=start.weekday())
    weeks = [(start + timedelta(weeks=i)).isoformat() for i in range(12)]
    weekly: dict[str, dict[str, int]] = {w: {"clicks": 0, "leads": 0} for w in weeks}
    rows = session.execute(
        select(Event.campaign_id, Event.type, Event.amount, Event.occurred_at).where(
            Event.partner_id == partner_id, Event.is_bot.is_(False)
        )
    ).all()
    # clicks, raw and unique, by the tallies' own definition (services/attribution/tallies.py): they
    # outlive the click details, which expire (services/stewardship/retention.py)
    clicks = session.execute(
        select(EventTally.campaign_id, EventTally.type, func.sum(EventTally.count))
        .where(
            EventTally.partner_id == partner_id,
            EventTally.type.in_(["click", "unique_click"]),
        )
        .group_by(EventTally.campaign_id, EventTally.type)
    ).all()
    ids = {r.campaign_id for r in rows if r.campaign_id} | {c[0] for c in clicks}
    names = _result_names(session, ids)
    for campaign_id, kind, amount, at in rows:
        unattributed = "Not attributed to a campaign"
        name = unattributed if campaign_id is None else names.get(campaign_id, unattributed)
        row = per_campaign[name]
        metric = {"click": "clicks", "lead.created": "leads"}.get(kind)
        if metric:
            if metric == "leads":
                row[metric] += 1
            day = at.date()
            week = (day - timedelta(days=day.weekday())).isoformat()
            if week in weekly:
                weekly[week][metric] += 1
        if kind in ("opportunity.created", "deal.registered") and amount:
            row["pipeline"] += amount
        if kind == "deal.closed_won" and amount:
            row["revenue"] += amount
    for campaign_id, kind, count in clicks:
        name = names.get(campaign_id, "Not attributed to a campaign")
        per_campaign[name]["clicks" if kind == "click" else "unique_clicks"] = int(count or 0)
    return {"campaigns": dict(per_campaign), "weeks": weekly}
