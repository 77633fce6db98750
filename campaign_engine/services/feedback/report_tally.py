"""Who was targeted, who switched off and which review items were skipped, over a set of
campaigns (Tally), and the programme's baseline from the same count."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Consent, Delivery
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.services.campaigns.ledger import targeted_partners
from campaign_engine.services.feedback.report_models import Baseline


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


Pair = tuple[int, int]  # (campaign, partner)
Item = tuple[int, int, str, str]  # (campaign, partner, channel, asset)


@dataclass
class Tally:
    """Who was targeted, who switched off, which review items were skipped, over a set
    of campaigns; the figures per segment are filters of these."""

    targeted: set[Pair] = field(default_factory=set)
    opted: set[Pair] = field(default_factory=set)
    channel_off: dict[str, set[Pair]] = field(default_factory=dict)
    review: set[Item] = field(default_factory=set)
    skipped: set[Item] = field(default_factory=set)

    @property
    def any_off(self) -> set[Pair]:
        """Opted out: the campaign switched off wholly or for one of its channels (the
        portal's switches are per channel, so a whole-campaign count alone reads 0 while
        the reasons table fills)."""
        return self.opted.union(*self.channel_off.values())


def tally_of(session: Session, campaigns: list[Campaign]) -> Tally:
    tally = Tally()
    if not campaigns:
        return tally
    by_scope = {f"campaign:{c.id}": c.id for c in campaigns}
    for campaign in campaigns:
        tally.targeted |= {(campaign.id, p) for p in targeted_partners(session, campaign)}
    switched = session.execute(
        select(Consent.scope, Consent.partner_id, Consent.channel).where(
            Consent.scope.in_(by_scope), Consent.mode == "off"
        )
    )
    for scope, partner_id, channel in switched:
        pair = (by_scope[scope], partner_id)
        if channel == "*":
            tally.opted.add(pair)
        else:
            tally.channel_off.setdefault(channel, set()).add(pair)
    items = session.execute(
        select(
            Delivery.campaign_id,
            Delivery.partner_id,
            Delivery.channel,
            Delivery.asset,
            Delivery.reason,
        )
        .where(
            Delivery.campaign_id.in_(by_scope.values()),
            or_(
                Delivery.review_by.is_not(None),
                Delivery.status == DeliveryStatus.HELD,
                Delivery.reason == Reason.DECLINED_IN_REVIEW,
            ),
        )
        .distinct()
    )
    for campaign_id, partner_id, channel, asset, reason in items:
        item = (campaign_id, partner_id, channel, asset)
        tally.review.add(item)
        if reason == Reason.DECLINED_IN_REVIEW:
            tally.skipped.add(item)
    return tally


def launched_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.launched_at.is_not(None))))


def baseline(session: Session, tally: Tally | None = None) -> Baseline:
    """Opt-outs over targeted partners and skips over review items, over every launched
    campaign."""
    tally = tally or tally_of(session, launched_campaigns(session))
    opted = tally.any_off & tally.targeted
    return Baseline(
        targeted=len(tally.targeted),
        opted_out=len(opted),
        opt_out_rate=rate(len(opted), len(tally.targeted)),
        review_items=len(tally.review),
        skipped=len(tally.skipped),
        skip_rate=rate(len(tally.skipped), len(tally.review)),
    )
