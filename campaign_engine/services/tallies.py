"""Keeping the report's running counts as events arrive (see db.tracking.EventTally), and
rebuilding them from the events when data arrived another way (a bulk COPY, a restore)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import DealRecord, Event, EventTally
from campaign_engine.services.links import dialect_insert

ENGAGEMENT = ("open", "click")
RECORDS = ("lead.created", "opportunity.created", "deal.registered", "deal.closed_won")


def count_engagement(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Add a batch of click and open rows (as the recorder inserts them) to the tallies."""
    counts = Counter(
        (row["campaign_id"], row["partner_id"], row.get("channel") or "", row["type"])
        for row in rows
        if row["type"] in ENGAGEMENT
        and not row.get("is_bot")
        and row.get("campaign_id")
        and row.get("partner_id")
    )
    _add(session, counts)


def count_record(
    session: Session,
    *,
    campaign_id: int | None,
    partner_id: int | None,
    channel: str | None,
    kind: str,
    external_id: str,
    amount: Decimal | None,
) -> None:
    """A lead or deal stage seen (again): a new CRM record is a row; a known one only raises
    its amount. (Counting them is one GROUP BY over this narrow table at report time, which
    costs less than a second upsert on every callback.)"""
    if kind not in RECORDS or not campaign_id or not partner_id:
        return
    key = {
        "campaign_id": campaign_id,
        "partner_id": partner_id,
        "channel": channel or "",
        "type": kind,
    }
    inserted = session.execute(
        dialect_insert(session)(DealRecord)
        .values(**key, external_id=external_id, amount=amount)
        .on_conflict_do_nothing()
        .returning(DealRecord.id)
    ).scalar()
    if inserted is None and amount is not None:
        session.execute(
            update(DealRecord)
            .where(*[getattr(DealRecord, k) == v for k, v in key.items()])
            .where(DealRecord.external_id == external_id)
            .where((DealRecord.amount.is_(None)) | (DealRecord.amount < amount))
            .values(amount=amount)
        )


def _add(session: Session, counts: Counter[tuple[Any, ...]]) -> None:
    if not counts:
        return
    insert = dialect_insert(session)(EventTally)
    rows = [
        {"campaign_id": c, "partner_id": p, "channel": ch, "type": t, "count": n}
        for (c, p, ch, t), n in counts.items()
    ]
    statement = insert.on_conflict_do_update(
        index_elements=["campaign_id", "partner_id", "channel", "type"],
        set_={"count": EventTally.count + insert.excluded.count},
    )
    session.execute(statement, rows)


def rebuild_tallies(session: Session) -> int:
    """Recompute both tables from the events (one pass each, in the database)."""
    session.execute(delete(EventTally))
    session.execute(delete(DealRecord))
    channel = func.coalesce(Event.channel, "")
    records = (
        select(
            Event.campaign_id,
            Event.partner_id,
            channel,
            Event.type,
            Event.external_id,
            func.max(Event.amount),
        )
        .where(
            Event.type.in_(RECORDS),
            Event.campaign_id.is_not(None),
            Event.partner_id.is_not(None),
            Event.external_id.is_not(None),
        )
        .group_by(Event.campaign_id, Event.partner_id, channel, Event.type, Event.external_id)
    )
    session.execute(
        DealRecord.__table__.insert().from_select(
            ["campaign_id", "partner_id", "channel", "type", "external_id", "amount"], records
        )
    )
    engagement = (
        select(Event.campaign_id, Event.partner_id, channel, Event.type, func.count())
        .where(
            Event.type.in_(ENGAGEMENT),
            Event.is_bot.is_(False),
            Event.campaign_id.is_not(None),
            Event.partner_id.is_not(None),
        )
        .group_by(Event.campaign_id, Event.partner_id, channel, Event.type)
    )
    columns = ["campaign_id", "partner_id", "channel", "type", "count"]
    session.execute(EventTally.__table__.insert().from_select(columns, engagement))
    return session.scalar(select(func.count()).select_from(EventTally)) or 0
