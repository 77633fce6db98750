"""Milestones per partner: set by the engine (first delivery out, first deal registered or
won), by signed callbacks, by CSV import, or by hand. The earliest date wins, and setting
one twice changes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery, Event, Partner
from campaign_engine.db.runway import MilestoneRecord
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.domain.runway import Milestone
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.infra.csvrows import read_rows

ENGINE_EVENTS = {
    Milestone.FIRST_DEAL_REGISTERED: "deal.registered",
    Milestone.FIRST_CLOSED_WON: "deal.closed_won",
}


def reached(
    session: Session, partner_ids: list[int] | None = None
) -> dict[int, dict[Milestone, datetime]]:
    """partner id -> milestone -> date, with `signed` from the partner record."""
    query = select(MilestoneRecord.partner_id, MilestoneRecord.kind, MilestoneRecord.reached_at)
    signed = select(Partner.id, Partner.signed_at).where(Partner.signed_at.is_not(None))
    if partner_ids is not None:
        query = query.where(MilestoneRecord.partner_id.in_(partner_ids))
        signed = signed.where(Partner.id.in_(partner_ids))
    result: dict[int, dict[Milestone, datetime]] = {}
    for partner_id, at in session.execute(signed):
        if at is not None:  # the query's own condition, which the types cannot carry
            result.setdefault(partner_id, {})[Milestone.SIGNED] = at
    for partner_id, kind, at in session.execute(query):
        result.setdefault(partner_id, {})[Milestone(kind)] = at
    return result


def set_milestone(
    session: Session,
    partner: Partner,
    kind: Milestone,
    reached_at: datetime,
    *,
    source: str,
    actor: str,
) -> bool:
    """True when this changed something (new, or an earlier date than the one known)."""
    if reached_at.tzinfo is None:
        raise InvalidInput("give a timezone, e.g. 2026-11-22T10:00:00Z", where="reached_at")
    if kind is Milestone.SIGNED:
        if partner.signed_at is not None and partner.signed_at <= reached_at:
            return False
        partner.signed_at = reached_at
    elif not _record_earlier(session, partner, kind, reached_at, source=source, actor=actor):
        return False
    record(
        session,
        actor,
        "milestone.set",
        "partner",
        partner.slug,
        {"kind": kind.value, "source": source, "reached_at": reached_at.isoformat()},
    )
    return True


def _record_earlier(
    session: Session,
    partner: Partner,
    kind: Milestone,
    reached_at: datetime,
    *,
    source: str,
    actor: str,
) -> bool:
    """Store the milestone unless the same or an earlier date is already known."""
    row = session.scalar(
        select(MilestoneRecord).where(
            MilestoneRecord.partner_id == partner.id, MilestoneRecord.kind == kind.value
        )
    )
    if row is not None and row.reached_at <= reached_at:
        return False
    if row is None:
        session.add(
            MilestoneRecord(
                partner_id=partner.id,
                kind=kind.value,
                reached_at=reached_at,
                source=source,
                actor=actor,
            )
        )
    else:
        row.reached_at, row.source, row.actor = reached_at, source, actor
    return True


def sync_engine_milestones(session: Session) -> int:
    """What the engine knows by itself: a partner's first delivery out, and its first
    registered and won deals from attribution events."""
    changed = 0
    firsts = [
        (
            Milestone.FIRST_CAMPAIGN_LIVE,
            select(Delivery.partner_id, func.min(Delivery.sent_at))
            .where(Delivery.status == DeliveryStatus.SENT)
            .group_by(Delivery.partner_id),
        ),
        *[
            (
                milestone,
                select(Event.partner_id, func.min(Event.occurred_at))
                .where(Event.type == event_type, Event.partner_id.is_not(None))
                .group_by(Event.partner_id),
            )
            for milestone, event_type in ENGINE_EVENTS.items()
        ],
    ]
    known = reached(session)
    for milestone, query in firsts:
        for partner_id, at in session.execute(query):
            if partner_id is None or at is None:  # events without a partner are filtered out
                continue
            if known.get(partner_id, {}).get(milestone, at) < at:
                continue
            if known.get(partner_id, {}).get(milestone) == at:
                continue
            partner = session.get(Partner, partner_id)
            if partner is not None:
                changed += set_milestone(
                    session, partner, milestone, at, source="engine", actor="engine"
                )
    return changed


class MilestoneRow(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    partner: str
    milestone: Milestone
    reached_at: datetime

    @field_validator("reached_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a timezone, e.g. 2026-11-22T10:00:00Z")
        return value


def import_milestones(session: Session, path: Path, *, actor: str) -> int:
    """All rows checked (partners included) before any is written."""
    rows = read_rows(path, MilestoneRow, {"partner", "milestone", "reached_at"})
    slugs = {r.partner for _, r in rows}
    partners = {p.slug: p for p in session.scalars(select(Partner).where(Partner.slug.in_(slugs)))}
    for number, row in rows:
        if row.partner not in partners:
            raise InvalidInput(
                f"no partner '{row.partner}'", where=f"{path.name} row {number}, column partner"
            )
    return sum(
        set_milestone(
            session, partners[r.partner], r.milestone, r.reached_at, source="csv", actor=actor
        )
        for _, r in rows
    )
