"""The MDF ledger: the only writer of `mdf_entries`, and the reader of every balance.

Every post locks the partner's row first (FOR UPDATE on PostgreSQL; SQLite's transactions
already begin with the write lock), then derives the balance and refuses an entry that
would make a bucket negative: two requests racing for the last funds cannot both win.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import MdfEntry, Partner
from campaign_engine.domain.mdf import Balance, EntryKind, Period


@dataclass(frozen=True)
class Funds:
    """Which pot an entry belongs to: one partner, one period, one currency."""

    partner_id: int
    period: Period
    currency: str


def lock_partner(session: Session, partner_id: int) -> None:
    """Serialise every movement of one partner's money until the transaction ends."""
    session.execute(select(Partner.id).where(Partner.id == partner_id).with_for_update())


def balance(session: Session, funds: Funds) -> Balance:
    rows = session.execute(
        select(MdfEntry.kind, MdfEntry.amount)
        .where(
            MdfEntry.partner_id == funds.partner_id,
            MdfEntry.period == str(funds.period),
            MdfEntry.currency == funds.currency,
        )
        .order_by(MdfEntry.id)
    )
    return Balance.of(funds.currency, [(EntryKind(kind), Decimal(amount)) for kind, amount in rows])


def post(
    session: Session,
    funds: Funds,
    kind: EntryKind,
    amount: Decimal,
    *,
    actor: str,
    note: str = "",
    request_id: int | None = None,
    claim_id: int | None = None,
    rule: str | None = None,
) -> Balance:
    """Record one movement, or raise MdfError (nothing written) when a bucket would go
    negative; returns the balance after it."""
    lock_partner(session, funds.partner_id)
    after = balance(session, funds).after(kind, amount)
    session.add(
        MdfEntry(
            partner_id=funds.partner_id,
            period=str(funds.period),
            currency=funds.currency,
            kind=kind.value,
            amount=amount,
            request_id=request_id,
            claim_id=claim_id,
            rule=rule,
            note=note,
            actor=actor,
        )
    )
    session.flush()
    return after


def balances_of(session: Session, partner_id: int) -> dict[tuple[str, str], Balance]:
    """Every pot a partner has, by (period, currency)."""
    entries: dict[tuple[str, str], list[tuple[EntryKind, Decimal]]] = defaultdict(list)
    rows = session.execute(
        select(MdfEntry.period, MdfEntry.currency, MdfEntry.kind, MdfEntry.amount)
        .where(MdfEntry.partner_id == partner_id)
        .order_by(MdfEntry.id)
    )
    for period, code, kind, amount in rows:
        entries[(period, code)].append((EntryKind(kind), Decimal(amount)))
    return {key: Balance.of(key[1], moves) for key, moves in entries.items()}
