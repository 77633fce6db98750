"""Contact import: the partner's customers that its campaign emails go to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, EmailStr, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Contact, Partner, Suppression
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.infra.csvrows import read_rows
from campaign_engine.services.partners.directory import get_partner

REQUIRED_COLUMNS = {"partner", "email", "first_name", "last_name", "company"}


class ContactRow(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    partner: str
    email: EmailStr
    first_name: str = ""
    last_name: str = ""
    company: str = ""

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.lower()


@dataclass(frozen=True)
class ContactImportResult:
    created: int
    updated: int
    # "contacts.csv row 4: skipped, ..." for each address erased at its owner's request
    skipped: tuple[str, ...] = ()


def import_contacts(
    session: Session, path: Path, *, actor: str = "cli", keys: Sequence[str] = ()
) -> ContactImportResult:
    """Create or update the file's contacts, all rows or none. With the accepted secret
    keys (settings.signing_keys), rows naming an erased address (services/stewardship) are
    skipped, each with its row's message: that person is never imported again."""
    rows = read_rows(path, ContactRow, REQUIRED_COLUMNS)
    slugs = {row.partner for _, row in rows}
    partners = {
        p.slug: p.id for p in session.scalars(select(Partner).where(Partner.slug.in_(slugs)))
    }
    seen: dict[tuple[str, str], int] = {}
    for number, row in rows:
        if row.partner not in partners:
            raise InvalidInput(
                f"no partner with slug '{row.partner}'",
                where=f"{path.name} row {number}, column partner",
            )
        key = (row.partner, row.email)
        if key in seen:
            raise InvalidInput(
                f"{row.email} already appears in row {seen[key]}",
                where=f"{path.name} row {number}, column email",
            )
        seen[key] = number
    skipped = _erased_rows(session, path.name, rows, partners, keys)
    rows = [(number, row) for number, row in rows if number not in skipped]
    existing = {
        (c.partner_id, c.email): c
        for c in session.scalars(select(Contact).where(Contact.partner_id.in_(partners.values())))
    }
    created = 0
    for _, row in rows:
        contact = existing.get((partners[row.partner], row.email))
        if contact is None:
            contact = Contact(partner_id=partners[row.partner], email=row.email)
            session.add(contact)
            created += 1
        contact.first_name, contact.last_name = row.first_name, row.last_name
        contact.company = row.company
    record(
        session,
        actor,
        "contacts.import",
        "file",
        path.name,
        {"created": created, "updated": len(rows) - created, "skipped_erased": len(skipped)},
    )
    return ContactImportResult(
        created=created, updated=len(rows) - created, skipped=tuple(skipped.values())
    )


def _erased_rows(
    session: Session,
    filename: str,
    rows: list[tuple[int, ContactRow]],
    partners: dict[str, int],
    keys: Sequence[str],
) -> dict[int, str]:
    """Row number: message, for the rows whose address was erased for their partner."""
    if not keys:
        return {}
    from campaign_engine.services.stewardship.keys import ErasedList

    erased = ErasedList(session, keys, partners.values())
    return {
        number: f"{filename} row {number}: skipped, this address was erased at its owner's "
        "request and is never imported again"
        for number, row in rows
        if erased.holds(row.email, partners[row.partner])
    }


@dataclass(frozen=True)
class LiftedSuppression:
    email: str  # as stored: lowercased
    partner: str  # slug
    reason: str  # why it was suppressed: bounce, unsubscribe


def lift_suppression(
    session: Session, email: str, *, partner_slug: str | None, actor: str
) -> list[LiftedSuppression]:
    """Take the address off one partner's suppression list, or every list it is on: the
    way back after a bounce that was the receiving server's mistake, or a recipient who
    asked to be mailed again. Each lift is audited with what it was suppressed for."""
    address = email.strip().lower()
    found = _suppressions_of(session, address)
    if partner_slug is not None:
        partner = get_partner(session, partner_slug)
        wanted = [(s, slug) for s, slug in found if s.partner_id == partner.id]
        if not wanted:
            raise NotFound(_not_suppressed(address, partner.slug, [slug for _, slug in found]))
        found = wanted
    if not found:
        raise NotFound(_not_suppressed(address, None, []))
    for suppression, slug in found:
        detail = {"email": address, "reason": suppression.reason, "detail": suppression.detail}
        record(session, actor, "suppression.lift", "partner", slug, detail)
        session.delete(suppression)
    session.flush()
    return [LiftedSuppression(address, slug, suppression.reason) for suppression, slug in found]


def _suppressions_of(session: Session, address: str) -> list[tuple[Suppression, str]]:
    """Every suppression of the (lowercased) address, with its partner's slug."""
    query = (
        select(Suppression, Partner.slug)
        .join(Partner, Partner.id == Suppression.partner_id)
        .where(Suppression.email == address)
        .order_by(Partner.slug)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def _not_suppressed(address: str, partner: str | None, elsewhere: list[str]) -> str:
    """Names the address, and the partners it is suppressed for when not the one asked."""
    if partner is None:
        return f"{address} is not suppressed for any partner"
    also = f" (it is for {', '.join(elsewhere)})" if elsewhere else ""
    return f"{address} is not suppressed for {partner}{also}"
