"""What partners said about one campaign, against the programme's baseline: the vendor's
feedback page (console), `campaigns feedback ID` and `GET /api/v1/campaigns/<id>/feedback`
all read this.

- opted out: partners that switched the whole campaign off (their latest decision for it).
- opt-out rate: opted out / targeted; the baseline is the same over every launched
  campaign of the programme.
- skipped: review items the partner declined.
- reasons, by channel and by tier: from the reasons partners gave (optional, so they may
  add up to fewer than the opt-outs).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Consent, Delivery, Partner, PartnerFeedback
from campaign_engine.domain.ledger import Reason
from campaign_engine.services.campaigns.ledger import targeted_partners
from campaign_engine.services.campaigns.lifecycle import get_campaign


def _opted_out(session: Session, campaign_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Consent.partner_id).where(
                Consent.scope == f"campaign:{campaign_id}",
                Consent.channel == "*",
                Consent.mode == "off",
            )
        )
    )


def _skipped(session: Session, campaign_id: int) -> int:
    return len(
        session.execute(
            select(Delivery.partner_id, Delivery.channel, Delivery.asset)
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.reason == Reason.DECLINED_IN_REVIEW,
            )
            .distinct()
        ).all()
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def baseline(session: Session) -> dict[str, Any]:
    """Opt-outs over targeted partners, over every launched campaign."""
    targeted = opted = 0
    for campaign in session.scalars(select(Campaign).where(Campaign.launched_at.is_not(None))):
        reached = targeted_partners(session, campaign)
        targeted += len(reached)
        opted += len(_opted_out(session, campaign.id) & reached)
    return {"targeted": targeted, "opted_out": opted, "opt_out_rate": _rate(opted, targeted)}


def campaign_feedback(session: Session, campaign_id: int) -> dict[str, Any]:
    campaign = get_campaign(session, campaign_id)
    targeted = targeted_partners(session, campaign)
    opted = (
        _opted_out(session, campaign.id) & targeted
        if targeted
        else _opted_out(session, campaign.id)
    )
    said = list(
        session.scalars(
            select(PartnerFeedback)
            .where(PartnerFeedback.campaign_id == campaign.id)
            .order_by(PartnerFeedback.at.desc())
        )
    )
    tiers = dict(session.execute(select(Partner.id, Partner.tier)).all())
    slugs = dict(session.execute(select(Partner.id, Partner.slug)).all())
    reasons = [f for f in said if f.kind in ("opt_out", "skip", "pause") and f.reason]
    ratings = [f for f in said if f.kind == "rating"]
    return {
        "campaign": {"id": campaign.id, "name": campaign.name},
        "targeted": len(targeted),
        "opted_out": len(opted),
        "opt_out_rate": _rate(len(opted), len(targeted)),
        "skipped": _skipped(session, campaign.id),
        "baseline": baseline(session),
        "reasons": dict(Counter(f.reason for f in reasons)),
        "reasons_by_channel": _by(reasons, lambda f: f.channel or "all"),
        "reasons_by_tier": _by(reasons, lambda f: tiers.get(f.partner_id) or "-"),
        "opted_out_by_tier": dict(Counter(tiers.get(p) or "-" for p in opted)),
        "ratings": {
            "useful": sum(bool(f.useful) for f in ratings),
            "not_useful": sum(f.useful is False for f in ratings),
        },
        "comments": [
            {
                "id": f.id,
                "partner": slugs.get(f.partner_id),
                "kind": f.kind,
                "asset": f.asset,
                "reason": f.reason,
                "useful": f.useful,
                "comment": f.comment,
                "at": f.at.isoformat(),
                "reply": f.reply or None,
            }
            for f in said
            if f.comment or f.kind == "rating"
        ],
    }


def _by(items: list[PartnerFeedback], key: Any) -> dict[str, dict[str, int]]:
    grouped: dict[str, Counter[str]] = {}
    for item in items:
        grouped.setdefault(key(item), Counter())[str(item.reason)] += 1
    return {name: dict(counts) for name, counts in sorted(grouped.items())}
