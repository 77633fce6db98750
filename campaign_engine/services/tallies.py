"""Keeping the report's running counts as events arrive (see db.tracking.EventTally), and
rebuilding them from the events when data arrived another way (a bulk COPY, a restore)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from campaign_engine.db import DealRecord, Event, EventTally
from campaign_engine.db.bulk import insert_new
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


def count_records(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Lead and deal stages seen (again), from a batch of event rows: a new CRM record is a
    row; a known one only raises its amount. (Counting them is one GROUP BY over this narrow
    table at report time, which costs less than a second upsert on every callback.)"""
    records: dict[tuple[Any, ...], Decimal | None] = {}
    for row in rows:
        if row["type"] not in RECORDS or not row.get("campaign_id") or not row.get("partner_id"):
            continue
        key = (
            row["campaign_id"],
            row["partner_id"],
            row.get("channel") or "",
            row["type"],
            row["external_id"],
        )
        amount = row.get("amount")
        if key in records and (amount is None or (records[key] or 0) >= amount):
            continue
        records[key] = amount
    if not records:
        return
    names = ["campaign_id", "partner_id", "channel", "type", "external_id"]
    inserted = insert_new(
        session.connection(),
        DealRecord.__table__,
        [
            {**dict(zip(names, key, strict=True)), "amount": amount}
            for key, amount in records.items()
        ],
        returning=names,
    )
    new = {tuple(row) for row in inserted}
    raises = [
        {**{f"k_{n}": v for n, v in zip(names, key, strict=True)}, "new_amount": amount}
        for key, amount in records.items()
        if key not in new and amount is not None
    ]
    if raises:
        table = DealRecord.__table__
        session.connection().execute(
            table.update()
            .where(*[table.c[n] == bindparam(f"k_{n}") for n in names])
            .where(table.c.amount.is_(None) | (table.c.amount < bindparam("new_amount")))
            .values(amount=bindparam("new_amount")),
            raises,
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
