"""Review mode: a partner approves or skips each held item before its deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery, Partner
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import InvalidTransition, NotFound
from campaign_engine.infra.audit import record


def review_queue(session: Session, partner: Partner) -> list[Delivery]:
    """The partner's held items, grouped one per asset (email is one item, not one per
    recipient: the partner approves the email, not each customer)."""
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.partner_id == partner.id, Delivery.status == DeliveryStatus.HELD)
        .order_by(Delivery.due_at, Delivery.id)
    )
    seen: dict[tuple[int, str, str], Delivery] = {}
    for row in rows:
        seen.setdefault((row.campaign_id, row.channel, row.asset), row)
    return list(seen.values())


def decide(
    session: Session,
    partner: Partner,
    delivery_id: int,
    *,
    approve: bool,
    actor: str,
    via: str,
    now: datetime,
) -> int:
    """Approve (it goes out at its own time, at once if that has passed) or skip the item
    and its sibling rows (every recipient of the same email). Only the partner's own
    items can be decided."""
    item = session.get(Delivery, delivery_id)
    if item is None or item.partner_id != partner.id:
        raise NotFound(f"no item {delivery_id} in {partner.name}'s review queue")
    if item.status != DeliveryStatus.HELD:
        raise InvalidTransition(f"item {delivery_id} is {item.status}, not awaiting review")
    siblings = session.scalars(
        select(Delivery).where(
            Delivery.partner_id == partner.id,
            Delivery.campaign_id == item.campaign_id,
            Delivery.channel == item.channel,
            Delivery.asset == item.asset,
            Delivery.status == DeliveryStatus.HELD,
        )
    )
    count = 0
    for row in siblings:
        row.status = DeliveryStatus.PENDING if approve else DeliveryStatus.SKIPPED
        if approve:
            row.approved_at = now
        else:
            row.reason = Reason.DECLINED_IN_REVIEW
            row.last_error = "skipped by the partner in review"
        count += 1
    record(
        session,
        actor,
        "review.approve" if approve else "review.skip",
        "partner",
        partner.slug,
        {
            "campaign_id": item.campaign_id,
            "channel": item.channel,
            "asset": item.asset,
            "via": via,
            "rows": count,
        },
    )
    return count
