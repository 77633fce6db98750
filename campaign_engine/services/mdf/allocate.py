"""Giving funds: one partner at a time (CLI, console, API), a CSV all or nothing, or a rule
over the whole programme (fixed per tier, earned from last period's won revenue); and
taking back what a period left unspent when it ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Event, MdfEntry, Partner
from campaign_engine.domain.mdf import (
    CENT,
    AllocationRule,
    Balance,
    EntryKind,
    MdfError,
    Period,
    currency,
    money,
    plain,
)
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.csvrows import read_rows
from campaign_engine.services.mdf.ledger import Funds, balance, lock_partner, post


@dataclass(frozen=True)
class Grant:
    """Who may give how much: a marketer up to `admin_limit` per allocation, an admin any."""

    actor: str
    is_admin: bool
    admin_limit: Decimal | None


def _check_limit(amount: Decimal, code: str, grant: Grant, where: str, what: str = "") -> None:
    if grant.admin_limit is not None and amount > grant.admin_limit and not grant.is_admin:
        raise MdfError(
            f"{amount} {code}{what} is above the {grant.admin_limit} a marketer may "
            "allocate; ask an admin",
            where=where,
        )


def _partner(session: Session, slug: str, where: str) -> Partner:
    if "\x00" in slug:  # PostgreSQL refuses a NUL even in a query: a 500, not this 404
        raise NotFound(f"{where}: no partner {slug!r}")
    partner = session.scalar(select(Partner).where(Partner.slug == slug.strip()))
    if partner is None:
        raise NotFound(f"{where}: no partner '{slug}'")
    return partner


def allocate(
    session: Session,
    slug: str,
    amount: str,
    code: str,
    period: str,
    grant: Grant,
    *,
    rule: AllocationRule = AllocationRule.PROPOSAL,
    note: str = "",
) -> Balance:
    """Give one partner funds for a period; the balance after."""
    value, code, when = money(amount), currency(code), Period.parse(period)
    _check_limit(value, code, grant, "amount")
    partner = _partner(session, slug, "partner")
    funds = Funds(partner.id, when, code)
    return post(
        session, funds, EntryKind.ALLOCATION, value, actor=grant.actor, rule=rule.value, note=note
    )


class AllocationRow(BaseModel):
    partner: str
    amount: str
    currency: str
    period: str
    note: str = ""

    @field_validator("amount", "currency", "period")
    @classmethod
    def _checked(cls, value: str, info: ValidationInfo) -> str:
        """The ledger's own checks, as pydantic errors so the row and column are named."""
        checks: dict[str, Callable[[str], object]] = {
            "amount": money,
            "currency": currency,
            "period": Period.parse,
        }
        assert info.field_name is not None  # a field validator is always for a field
        check = checks[info.field_name]
        try:
            return str(check(value))
        except MdfError as exc:
            raise ValueError(exc.detail) from None

    @field_validator("partner", "note")
    @classmethod
    def _text(cls, value: str, info: ValidationInfo) -> str:
        try:
            return plain(value, field=str(info.field_name))
        except MdfError as exc:
            raise ValueError(exc.detail) from None


def allocate_csv(session: Session, path: Path, grant: Grant) -> int:
    """Every row or none: a bad row names its row and column and nothing is allocated
    (the caller's transaction rolls back). The file is one allocation: a marketer's limit
    holds for what it gives each partner in all, so splitting 20,000 into two rows of
    10,000 needs an admin as one row of 20,000 does."""
    rows = read_rows(path, AllocationRow, {"partner", "amount", "currency", "period"})
    given: dict[tuple[str, str, str], Decimal] = {}
    for number, row in rows:
        where = f"{path.name} row {number}"
        pot = (row.partner, row.period, row.currency)
        given[pot] = given.get(pot, Decimal("0")) + Decimal(row.amount)
        what = "" if given[pot] == Decimal(row.amount) else f" in this file for {row.partner}"
        try:
            _check_limit(given[pot], row.currency, grant, f"{where}, column amount", what)
            partner = _partner(session, row.partner, f"{where}, column partner")
        except NotFound as exc:
            raise InvalidInput(
                str(exc).split(": ", 1)[1], where=f"{where}, column partner"
            ) from None
        funds = Funds(partner.id, Period.parse(row.period), row.currency)
        post(
            session,
            funds,
            EntryKind.ALLOCATION,
            Decimal(row.amount),
            actor=grant.actor,
            rule=AllocationRule.PROPOSAL.value,
            note=row.note,
        )
    return len(rows)


def allocate_by_rule(
    session: Session,
    rule: AllocationRule,
    period: str,
    code: str,
    grant: Grant,
    *,
    per_tier: dict[str, Decimal],
    earned_percent: Decimal,
) -> dict[str, Decimal]:
    """Each partner's allocation by the rule (partner slug -> amount); a partner that
    already has an allocation by this rule for the period gets nothing new, so running it
    twice gives once."""
    when, code = Period.parse(period), currency(code)
    amounts = (
        {p.slug: per_tier.get(p.tier) for p in session.scalars(select(Partner))}
        if rule is AllocationRule.FIXED
        else _earned(session, when.previous(), code, earned_percent)
    )
    given: dict[str, Decimal] = {}
    for slug, amount in sorted(amounts.items()):
        if not amount or amount <= 0:
            continue
        partner = _partner(session, slug, "partner")
        if _already(session, partner.id, when, code, rule):
            continue
        value = Decimal(amount).quantize(CENT, rounding=ROUND_DOWN)
        _check_limit(value, code, grant, f"partner {slug}")
        post(
            session,
            Funds(partner.id, when, code),
            EntryKind.ALLOCATION,
            value,
            actor=grant.actor,
            rule=rule.value,
        )
        given[slug] = value
    return given


def _already(
    session: Session, partner_id: int, when: Period, code: str, rule: AllocationRule
) -> bool:
    return bool(
        session.scalar(
            select(func.count()).where(
                MdfEntry.partner_id == partner_id,
                MdfEntry.period == str(when),
                MdfEntry.currency == code,
                MdfEntry.kind == EntryKind.ALLOCATION,
                MdfEntry.rule == rule.value,
            )
        )
    )


def won_revenue(session: Session, when: Period, code: str) -> dict[str, Decimal]:
    """Attributed closed-won revenue per partner slug won in a period, in one currency (a
    deal without one is in it): each CRM record once, at the largest amount it was won for."""
    start = datetime.combine(when.starts_on, time(0), UTC)
    end = datetime.combine(when.next().starts_on, time(0), UTC)
    rows = session.execute(
        select(Partner.slug, Event.external_id, func.max(Event.amount))
        .join(Partner, Partner.id == Event.partner_id)
        .where(
            Event.type == "deal.closed_won",
            Event.amount.is_not(None),
            Event.is_bot.is_(False),
            (Event.currency == code) | Event.currency.is_(None),
            Event.occurred_at >= start,
            Event.occurred_at < end,
        )
        .group_by(Partner.slug, Event.external_id)
    )
    totals: dict[str, Decimal] = {}
    for slug, _, amount in rows:
        if amount is not None:  # the query's own condition, which the types cannot carry
            totals[slug] = totals.get(slug, Decimal("0")) + Decimal(amount)
    return totals


def _earned(session: Session, last: Period, code: str, percent: Decimal) -> dict[str, Decimal]:
    return {slug: won * percent / 100 for slug, won in won_revenue(session, last, code).items()}


def expire_period(
    session: Session, when: Period, *, carry_over: float, actor: str = "scheduler"
) -> dict[str, Decimal]:
    """At a period's end: each pot's available funds expire; `carry_over` of them is
    allocated again in the next period. Idempotent: an expired pot has nothing left."""
    expired: dict[str, Decimal] = {}
    pots = session.execute(
        select(MdfEntry.partner_id, MdfEntry.currency, Partner.slug)
        .join(Partner, Partner.id == MdfEntry.partner_id)
        .where(MdfEntry.period == str(when))
        .distinct()
    ).all()
    for partner_id, code, slug in pots:
        funds = Funds(partner_id, when, code)
        lock_partner(session, partner_id)  # an approval meanwhile must not be expired
        left = balance(session, funds).available
        if left <= 0:
            continue
        post(session, funds, EntryKind.EXPIRY, left, actor=actor, note=f"{when} ended")
        carried = (left * Decimal(str(carry_over))).quantize(CENT, rounding=ROUND_DOWN)
        if carried > 0:
            post(
                session,
                Funds(partner_id, when.next(), code),
                EntryKind.ALLOCATION,
                carried,
                actor=actor,
                rule="carry_over",
                note=f"carried over from {when}",
            )
        expired[slug] = left
    return expired
