"""Keeping the report's running counts as events arrive (see db.tracking.EventTally), and
rebuilding them from the events when data arrived another way (a bulk COPY, a restore)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from campaign_engine.db import DealRecord, Event, EventTally, UniqueEngagement
from campaign_engine.db.bulk import dialect_insert, insert_new
from campaign_engine.errors import InvalidInput

ENGAGEMENT = ("open", "click")
RECORDS = ("lead.created", "opportunity.created", "deal.registered", "deal.closed_won")


def count_engagement(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Add a batch of click and open rows (as the recorder inserts them) to the tallies:
    every one to the raw count, each visitor's first of the day on its link (or email) to
    the unique count."""
    counted = [
        row
        for row in rows
        if row["type"] in ENGAGEMENT
        and not row.get("is_bot")
        and row.get("campaign_id")
        and row.get("partner_id")
    ]
    counts = Counter(
        (row["campaign_id"], row["partner_id"], row.get("channel") or "", row["type"])
        for row in counted
    )
    _add(session, counts)
    _add(session, _first_visits(session, counted))


UNIQUE = {"click": "unique_click", "open": "unique_open"}


def _target(row: dict[str, Any]) -> str | None:
    """What a visitor is counted once on: the link clicked, or the email opened."""
    if row.get("link_id"):
        return f"link:{row['link_id']}"
    delivery = (row.get("data") or {}).get("delivery")
    return f"delivery:{delivery}" if delivery else None


def _first_visits(session: Session, rows: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    """Insert each (type, target, visitor, day) not seen before; count those inserted."""
    fresh: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        target = _target(row)
        if not row.get("visitor") or target is None:
            continue
        day = row["occurred_at"].date()
        key = (row["type"], target, row["visitor"], day)
        fresh.setdefault(
            key,
            {
                "type": row["type"],
                "target": target,
                "visitor": row["visitor"],
                "day": day,
                "campaign_id": row["campaign_id"],
                "partner_id": row["partner_id"],
                "channel": row.get("channel") or "",
            },
        )
    inserted = insert_new(
        session.connection(),
        UniqueEngagement.__table__,
        list(fresh.values()),
        returning=["campaign_id", "partner_id", "channel", "type"],
        conflict=["type", "target", "visitor", "day"],
    )
    return Counter((c, p, ch, UNIQUE[t]) for c, p, ch, t in inserted)


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
    """Recompute the tables from the events (one pass each, in the database); unique
    counts from the first-visit rows, which the events' visitors rebuild in Python.
    Refused once retention has pruned opens or clicks: their counts live only here."""
    from campaign_engine.services.stewardship.retention import engagement_pruned

    if engagement_pruned(session):
        raise InvalidInput(
            "opens and clicks older than retention.engagement_months were pruned, and "
            "the tallies are all that counts them; rebuilding would lose those counts",
            where="events recount",
        )
    session.execute(delete(EventTally))
    session.execute(delete(DealRecord))
    session.execute(delete(UniqueEngagement))
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
    _rebuild_first_visits(session)
    return session.scalar(select(func.count()).select_from(EventTally)) or 0


def _rebuild_first_visits(session: Session, batch: int = 5_000) -> None:
    """Unique counts anew from every counted click and open that names its visitor."""
    query = (
        select(
            Event.type,
            Event.campaign_id,
            Event.partner_id,
            Event.channel,
            Event.link_id,
            Event.visitor,
            Event.data,
            Event.occurred_at,
        )
        .where(
            Event.type.in_(ENGAGEMENT),
            Event.is_bot.is_(False),
            Event.visitor.is_not(None),
            Event.campaign_id.is_not(None),
            Event.partner_id.is_not(None),
        )
        .order_by(Event.id)
        .execution_options(yield_per=batch)
    )
    for part in session.execute(query).partitions(batch):
        rows = [dict(row._mapping) for row in part]
        _add(session, _first_visits(session, rows))
