"""A one-off campaign's deliveries counted per (partner, channel, status) in one read,
for the report (services/insights/reports), which counted them in six."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, NotPlanned
from campaign_engine.domain.lifecycle import DeliveryStatus


@dataclass(frozen=True)
class PairCounts:
    """A one-off campaign's (partner, channel) pairs: those targeted (a delivery, or the
    planner's reason for none), those taking part (a delivery not skipped), and the sent
    deliveries of each, from one read of the deliveries in the campaign index's order
    (the report read a million rows six times, 1.3 s for a million-email campaign)."""

    targeted_pairs: frozenset[tuple[int, str]]
    taking_part: frozenset[tuple[int, str]]
    sent: dict[tuple[int, str], int]

    def targeted(self) -> dict[str, int]:
        return _partners_per_channel(self.targeted_pairs)

    def participating(self) -> dict[str, int]:
        return _partners_per_channel(self.taking_part)


def _partners_per_channel(pairs: frozenset[tuple[int, str]]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for _, channel in pairs:
        counted[channel] = counted.get(channel, 0) + 1
    return counted


def pair_counts(session: Session, campaign: Campaign) -> PairCounts | None:
    """PairCounts of a one-off campaign; None for an always-on one (its runway steps).
    Grouped in the order of ix_deliveries_campaign_status (campaign, status, partner,
    channel): read from the index alone and counted as it goes, without hashing."""
    if campaign.always_on:
        return None
    order = (Delivery.status, Delivery.partner_id, Delivery.channel)
    rows = session.execute(
        select(*order, func.count())
        .where(Delivery.campaign_id == campaign.id)
        .group_by(*order)
        .order_by(*order)
    )
    planned: set[tuple[int, str]] = set()
    taking_part: set[tuple[int, str]] = set()
    sent: dict[tuple[int, str], int] = {}
    for status, partner_id, channel, n in rows:
        pair = (partner_id, channel)
        planned.add(pair)
        if status != DeliveryStatus.SKIPPED:
            taking_part.add(pair)
        if status == DeliveryStatus.SENT:
            sent[pair] = n
    skipped = session.execute(
        select(NotPlanned.partner_id, NotPlanned.channel)
        .where(NotPlanned.campaign_id == campaign.id, NotPlanned.channel != "*")
        .distinct()
    )
    planned.update((p, c) for p, c in skipped)
    return PairCounts(frozenset(planned), frozenset(taking_part), sent)
