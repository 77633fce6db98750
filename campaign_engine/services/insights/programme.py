"""Programme analytics: participation, live rate, time to first pipeline, cohorts, spread."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, DealRecord, Delivery, Event, EventTally, Partner
from campaign_engine.db.runway import Enrollment, StepDelivery
from campaign_engine.services.campaigns.ledger import participating_partners, targeted_partners
from campaign_engine.services.insights.figures import (
    LIVE_WINDOW,
    first_pipeline,
    headline,
    lead_follow_up,
    live_partners,
    median_days_to_first_pipeline,
    opt_out_reasons,
)
from campaign_engine.services.insights.reports import PIPELINE_TYPES


def programme_report(session: Session, *, now: datetime) -> dict[str, Any]:
    partners = list(session.scalars(select(Partner)))
    recent = live_partners(session, now=now)
    top = headline(partners, recent)
    return {
        "partners": top.partners,
        "signed": top.signed,
        "live": top.live,
        "idle": top.idle,
        "live_rate": top.live_rate,
        "campaigns": participation(session),
        "median_days_to_first_pipeline": median_days_to_first_pipeline(
            partners, first_pipeline(session)
        ),
        "cohorts": _cohorts(partners, recent),
        "top_20_percent_share_of_pipeline": _spread(session),
        "live_rate_by_month": live_rate_by_month(session, partners, now=now),
        "top_partners": top_partners(session),
        "funnel": funnel(session),
        "lead_follow_up": lead_follow_up(session),
        "opt_out_reasons": opt_out_reasons(session),
        "summary": top.sentence,
    }


FUNNEL_STAGES = ("targeted", "delivered", "clicked", "lead", "opportunity", "won")


def funnel(session: Session) -> dict[str, int]:
    """Partners at each stage, over every campaign: targeted (the ledger's definition),
    something delivered, a click, a lead, an opportunity or registered deal, a deal won.
    Each stage counts distinct partners, so the bars read as a funnel."""
    targeted: set[int] = set()
    for campaign in session.scalars(select(Campaign)):
        targeted |= targeted_partners(session, campaign) if campaign.launched_at else set()
    delivered = set(
        session.scalars(select(Delivery.partner_id).where(Delivery.status == "sent").distinct())
    ) | set(
        session.scalars(
            select(Enrollment.partner_id)
            .join(StepDelivery, StepDelivery.enrollment_id == Enrollment.id)
            .where(StepDelivery.status == "sent")
            .distinct()
        )
    )
    clicked = set(
        session.scalars(
            select(EventTally.partner_id)
            .where(EventTally.type == "click", EventTally.count > 0)
            .distinct()
        )
    )

    def with_record(*types: str) -> set[int]:
        query = select(DealRecord.partner_id).where(DealRecord.type.in_(types)).distinct()
        return set(session.scalars(query))

    stages = [
        targeted,
        delivered,
        clicked,
        with_record("lead.created"),
        with_record("opportunity.created", "deal.registered"),
        with_record("deal.closed_won"),
    ]
    return {name: len(ids) for name, ids in zip(FUNNEL_STAGES, stages, strict=True)}


def _per_deal() -> Any:
    """One row per partner and CRM record, at the largest amount it was seen with."""
    return (
        select(Event.partner_id, Event.external_id, func.max(Event.amount).label("amount"))
        .where(Event.type.in_(PIPELINE_TYPES), Event.partner_id.is_not(None))
        .group_by(Event.partner_id, Event.external_id)
        .subquery()
    )


def participation(session: Session) -> list[dict[str, Any]]:
    """Per campaign, always-on ones included: targeted and participating partners, by the
    ledger's definitions (services/campaigns/ledger.py), so this page and the campaign's
    report say the same."""
    rows = []
    for campaign in session.scalars(select(Campaign).order_by(Campaign.id)):
        targeted = len(targeted_partners(session, campaign))
        taking_part = len(participating_partners(session, campaign))
        rows.append(
            {
                "id": campaign.id,
                "name": campaign.name,
                "status": campaign.status,
                "always_on": campaign.always_on,
                "targeted": targeted,
                "participating": taking_part,
                "participation_rate": round(taking_part / targeted, 4) if targeted else 0.0,
            }
        )
    return rows


def _cohorts(partners: list[Partner], live: set[int]) -> dict[str, dict[str, int]]:
    cohorts: dict[str, dict[str, int]] = defaultdict(lambda: {"signed": 0, "live": 0})
    for partner in partners:
        if partner.signed_at is None:  # "signed" in the headline counts the same partners
            continue
        month = partner.signed_at.strftime("%Y-%m")
        cohorts[month]["signed"] += 1
        cohorts[month]["live"] += partner.id in live
    return dict(sorted(cohorts.items()))


def _spread(session: Session) -> float | None:
    """Share of pipeline from the top 20% of partners with any: how concentrated it is."""
    per_deal = _per_deal()
    totals = [
        Decimal(v or 0)
        for v in session.scalars(
            select(func.sum(per_deal.c.amount)).group_by(per_deal.c.partner_id)
        )
    ]
    totals.sort(reverse=True)
    whole = sum(totals)
    if not totals or not whole:
        return None
    top = totals[: max(1, round(len(totals) * 0.2))]
    return round(float(sum(top) / whole), 4)


def live_rate_by_month(
    session: Session, partners: list[Partner], *, now: datetime, months: int = 12
) -> dict[str, float]:
    """The live rate as it stood at each month's end: partners signed by then with
    pipeline in the 90 days before, over partners signed by then."""
    pipeline = session.execute(
        select(Event.partner_id, Event.occurred_at).where(
            Event.type.in_(PIPELINE_TYPES), Event.partner_id.is_not(None)
        )
    ).all()
    series = {}
    year, month = now.year, now.month
    for _ in range(months):
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=now.tzinfo)
        signed = {p.id for p in partners if (p.signed_at or p.created_at) < end}
        live = {pid for pid, at in pipeline if end - LIVE_WINDOW <= at < end and pid in signed}
        series[f"{year}-{month:02d}"] = round(len(live) / len(signed), 4) if signed else 0.0
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return dict(sorted(series.items()))


def top_partners(session: Session, limit: int = 10) -> list[dict[str, Any]]:
    """Partners by pipeline (each deal at its largest amount)."""
    per_deal = _per_deal()
    rows = session.execute(
        select(Partner.slug, Partner.name, func.sum(per_deal.c.amount).label("pipeline"))
        .join(per_deal, per_deal.c.partner_id == Partner.id)
        .group_by(Partner.slug, Partner.name)
        .order_by(func.sum(per_deal.c.amount).desc())
        .limit(limit)
    ).all()
    names = Counter(n for _, n, _ in rows)
    return [
        # same_name: two partners trade under one name; the page adds the slug to tell them apart
        {"slug": s, "name": n, "pipeline": Decimal(v or 0), "same_name": names[n] > 1}
        for s, n, v in rows
    ]
