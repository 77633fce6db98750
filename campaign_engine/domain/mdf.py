"""Market development funds: periods, the ledger's entry kinds and the balance they add up
to. No database here: services/mdf posts entries and asks this module what they mean.

Money never lives in a balance column. Every movement is an entry, always a positive
amount, and its kind says which buckets it moves between:

    allocation   -> available          (the vendor gives funds for a period)
    commitment   available -> committed (a request is approved)
    release      committed -> available (an approved request spent less, or was cancelled)
    claim        committed -> claimed   (the vendor accepts a claim, fully or in part)
    payment      claimed -> paid        (the vendor pays an accepted claim)
    expiry       available -> expired   (the period ended with funds unspent)

A bucket can never go negative: `Balance.after` refuses the entry that would make it so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from campaign_engine.errors import InvalidInput

CENT = Decimal("0.01")
MOST = Decimal("1e12")  # what Numeric(14, 2) holds
PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
# An amount as it is typed: ASCII digits, a comma only between groups of three (2,000.00),
# a point before the cents. Decimal() alone also read "1e3", Arabic-Indic or full-width
# digits and "1_000", and dropping every comma made a German "1.500,00" 1.50, "2,5" 25.
AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?", re.ASCII)


class EntryKind(StrEnum):
    ALLOCATION = "allocation"
    COMMITMENT = "commitment"
    RELEASE = "release"
    CLAIM = "claim"
    PAYMENT = "payment"
    EXPIRY = "expiry"


class Activity(StrEnum):
    EMAIL = "email"
    PAID_SOCIAL = "paid_social"
    EVENT = "event"
    OTHER = "other"


class RequestStatus(StrEnum):
    PENDING = "pending"  # waiting for the vendor, against the SLA clock
    CHANGES_REQUESTED = "changes_requested"  # back with the partner, clock stopped
    APPROVED = "approved"  # funds committed; a kit request has its campaign
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn by the partner before a decision
    CLAIMED = "claimed"  # a claim was accepted; what it did not use is released


class ClaimStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"  # `approved_amount` may be less than asked
    REJECTED = "rejected"
    PAID = "paid"


class AllocationRule(StrEnum):
    FIXED = "fixed"  # an amount per tier
    EARNED = "earned"  # a share of last period's attributed won revenue
    PROPOSAL = "proposal"  # nothing up front: the vendor allocates per request


class MdfError(InvalidInput):
    """An amount, a date or a movement the ledger refuses; the message names the field or
    the balance it would break (a 422 on the web, one line on the command line)."""


def money(value: object, *, field: str = "amount") -> Decimal:
    """A positive amount with at most two decimals, from a string, int or Decimal (never a
    float: 0.1 + 0.2 is not 0.3 in binary). Only the digits a person types are read: an
    exponent, other scripts' digits and decimal commas are refused, not guessed at."""
    if isinstance(value, float):
        raise MdfError('give the amount as a string such as "2000.00"', where=field)
    text = str(value).strip()
    found = AMOUNT.fullmatch(text)
    if found is None:
        if text.startswith("-") and AMOUNT.fullmatch(text[1:]):
            raise MdfError("the amount must be more than 0", where=field)
        if "," in text:
            raise MdfError(
                f"{text[:40]!r}: write the cents after a point, as in 2000.50", where=field
            )
        raise MdfError(f"{text[:40]!r} is not an amount such as 2000.00", where=field)
    if len(found.group(1) or "") > 2:
        raise MdfError("at most two decimals (cents)", where=field)
    amount = Decimal(text.replace(",", ""))
    if amount <= 0:
        raise MdfError("the amount must be more than 0", where=field)
    if amount >= MOST:
        raise MdfError(f"more than this ledger holds (at most {MOST - CENT})", where=field)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: object, *, field: str) -> str:
    """Words a person typed, stripped. A NUL is refused by name: PostgreSQL refuses it in a
    text column (and in a query), which was a 500 instead of the field's error."""
    text = str(value or "").strip()
    if "\x00" in text:
        raise MdfError("remove the NUL character", where=field)
    return text


def currency(value: str) -> str:
    """An ISO 4217 code the world uses (Babel's list: "ZZZ" is three letters, not money)."""
    from babel.numbers import list_currencies

    code = value.strip()
    if not CURRENCY.match(code) or code not in list_currencies():
        raise MdfError(f"{value!r} is not a three-letter ISO 4217 code like EUR", where="currency")
    return code


@dataclass(frozen=True, order=True)
class Period:
    """A calendar quarter, "2026-Q4": the unit funds are given and expire in."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        found = PERIOD.match(text.strip().upper())
        if not found:
            raise MdfError(f"{text!r} is not a quarter such as 2026-Q4", where="period")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def ends_on(self) -> date:
        """The last day funds of this period can be spent."""
        return self.next().starts_on - timedelta(days=1)

    def next(self) -> Period:
        return Period(self.year + self.quarter // 4, self.quarter % 4 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.quarter == 1), (self.quarter - 2) % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"


ZERO = Decimal("0.00")
# kind: (bucket it takes from, bucket it adds to); None is outside the partner's funds
MOVES: dict[EntryKind, tuple[str | None, str]] = {
    EntryKind.ALLOCATION: (None, "available"),
    EntryKind.COMMITMENT: ("available", "committed"),
    EntryKind.RELEASE: ("committed", "available"),
    EntryKind.CLAIM: ("committed", "claimed"),
    EntryKind.PAYMENT: ("claimed", "paid"),
    EntryKind.EXPIRY: ("available", "expired"),
}
WORDS = {
    "available": "available",
    "committed": "committed to approved requests",
    "claimed": "claimed and not yet paid",
}


@dataclass(frozen=True)
class Balance:
    """One partner's funds for one period and currency, derived from its entries."""

    currency: str
    allocated: Decimal = ZERO
    available: Decimal = ZERO
    committed: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    expired: Decimal = ZERO

    def after(self, kind: EntryKind, amount: Decimal) -> Balance:
        """The balance with one more entry, or MdfError when a bucket would go negative."""
        source, target = MOVES[kind]
        changed = {target: getattr(self, target) + amount}
        if source is not None:
            left = getattr(self, source) - amount
            if left < 0:
                raise MdfError(
                    f"{amount} {self.currency} is more than the "
                    f"{getattr(self, source)} {self.currency} {WORDS.get(source, source)}",
                    where="amount",
                )
            changed[source] = left
        if kind is EntryKind.ALLOCATION:
            changed["allocated"] = self.allocated + amount
        return replace(self, **changed)

    @classmethod
    def of(cls, currency_code: str, entries: list[tuple[EntryKind, Decimal]]) -> Balance:
        """Entries in the order they were posted."""
        balance = cls(currency_code)
        for kind, amount in entries:
            balance = balance.after(kind, amount)
        return balance
