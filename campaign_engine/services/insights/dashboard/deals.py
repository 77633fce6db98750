"""Open deals: leads, opportunities and registered deals attributed to a partner that no
closed-won or closed-lost event has ended, each CRM record once at its furthest stage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, DealRecord, Event, Lead
from campaign_engine.domain.words import N_

STAGES = ("lead.created", "opportunity.created", "deal.registered")
CLOSED = ("deal.closed_won", "deal.closed_lost")
# the stage as the partner reads it (translated where it is shown)
STAGE_WORDS = {
    "lead.created": N_("lead"),
    "opportunity.created": N_("opportunity"),
    "deal.registered": N_("registered deal"),
}


@dataclass(frozen=True)
class OpenDeal:
    external_id: str
    stage: str  # lead | opportunity | registered deal
    amount: Decimal | None
    campaign_id: int
    campaign: str


def open_deals(session: Session, partner_id: int, *, limit: int = 50) -> list[OpenDeal]:
    closed = set(
        session.scalars(
            select(Event.external_id).where(Event.partner_id == partner_id, Event.type.in_(CLOSED))
        )
    ) | set(  # the partner said so: rejected, won or lost
        session.scalars(
            select(Lead.external_id).where(
                Lead.partner_id == partner_id, Lead.state.in_(["rejected", "won", "lost"])
            )
        )
    )
    rows = session.execute(
        select(
            DealRecord.external_id,
            DealRecord.type,
            DealRecord.amount,
            Campaign.id,
            Campaign.name,
            Campaign.partner_title,
        )
        .join(Campaign, Campaign.id == DealRecord.campaign_id)
        .where(DealRecord.partner_id == partner_id, DealRecord.type.in_(STAGES))
        .order_by(DealRecord.id.desc())
    )
    furthest: dict[str, tuple[int, OpenDeal]] = {}  # external id -> (stage's rank, deal)
    for external_id, kind, amount, campaign_id, name, title in rows:
        rank = STAGES.index(kind)
        if external_id in closed or rank <= furthest.get(external_id, (-1, None))[0]:
            continue
        furthest[external_id] = (
            rank,
            OpenDeal(
                external_id,
                STAGE_WORDS[kind],
                None if amount is None else Decimal(amount),
                campaign_id,
                title or name,
            ),
        )
    return [deal for _, deal in furthest.values()][:limit]
