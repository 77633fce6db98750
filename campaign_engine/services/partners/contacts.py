"""Contact import: the partner's customers that its campaign emails go to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, field_validator
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from campaign_engine.db import Contact, Partner, Suppression
from campaign_engine.db.base import utcnow
from campaign_engine.db.staging import Staging
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.infra.csvrows import iter_rows
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
    skipped, each with its row's message: that person is never imported again.

    Streamed: rows are validated as they are read (a bad row early in a large file is
    reported at once) and written to a staging table a chunk at a time (COPY on
    PostgreSQL), then merged by one statement; a million contacts were a million ORM
    objects in memory."""
    partners = {slug: pid for slug, pid in session.execute(select(Partner.slug, Partner.id))}
    erased = _erased_list(session, keys, partners.values())
    stage = Staging(session, "contacts_in", STAGE_COLUMNS)
    skipped: dict[int, str] = {}
    chunk: list[tuple[Any, ...]] = []
    for number, row in iter_rows(path, ContactRow, REQUIRED_COLUMNS):
        partner_id = partners.get(row.partner)
        if partner_id is None:
            raise InvalidInput(
                f"no partner with slug '{row.partner}'",
                where=f"{path.name} row {number}, column partner",
            )
        if erased is not None and erased.holds(row.email, partner_id):
            skipped[number] = (
                f"{path.name} row {number}: skipped, this address was erased at its owner's "
                "request and is never imported again"
            )
            continue
        chunk.append((number, partner_id, row.email, row.first_name, row.last_name, row.company))
        if len(chunk) >= STAGE_CHUNK:
            stage.write(chunk)
            chunk = []
    stage.write(chunk)
    _refuse_duplicates(session, path.name)
    total, updated = session.execute(_COUNTS).one()
    session.execute(_MERGE, {"now": utcnow()})
    stage.drop()
    created = total - updated
    record(
        session,
        actor,
        "contacts.import",
        "file",
        path.name,
        {"created": created, "updated": updated, "skipped_erased": len(skipped)},
    )
    return ContactImportResult(created=created, updated=updated, skipped=tuple(skipped.values()))


STAGE_CHUNK = 10_000
STAGE_COLUMNS = (
    ("row_number", "INTEGER"),
    ("partner_id", "INTEGER"),
    ("email", "VARCHAR(254)"),
    ("first_name", "VARCHAR(100)"),
    ("last_name", "VARCHAR(100)"),
    ("company", "VARCHAR(200)"),
)
# the rows and how many of them already exist
_COUNTS = text(
    "SELECT count(*), count(c.id) FROM contacts_in i "
    "LEFT JOIN contacts c ON c.partner_id = i.partner_id AND c.email = i.email"
)
# WHERE true: SQLite's parser needs it between INSERT ... SELECT and ON CONFLICT
_MERGE = text(
    "INSERT INTO contacts (partner_id, email, first_name, last_name, company, created_at) "
    "SELECT partner_id, email, first_name, last_name, company, :now FROM contacts_in WHERE true "
    "ON CONFLICT (partner_id, email) DO UPDATE SET first_name = excluded.first_name, "
    "last_name = excluded.last_name, company = excluded.company"
).bindparams(bindparam("now", type_=Contact.__table__.c.created_at.type))
# the earliest row repeating an address of its partner, and the row it repeats
_DUPLICATE = text(
    "SELECT later.row_number, later.email, min(earlier.row_number) FROM contacts_in later "
    "JOIN contacts_in earlier ON earlier.partner_id = later.partner_id "
    "AND earlier.email = later.email AND earlier.row_number < later.row_number "
    "GROUP BY later.row_number, later.email ORDER BY later.row_number LIMIT 1"
)


def _refuse_duplicates(session: Session, filename: str) -> None:
    """An address twice for one partner is an error naming both rows (the file's second
    row of it), found by the database rather than a million keys held here."""
    session.execute(text("CREATE INDEX ix_contacts_in ON contacts_in (partner_id, email)"))
    found = session.execute(_DUPLICATE).first()
    if found is not None:
        row, email, first = found
        raise InvalidInput(
            f"{email} already appears in row {first}", where=f"{filename} row {row}, column email"
        )


def _erased_list(session: Session, keys: Sequence[str], partner_ids: Iterable[int]) -> Any:
    """The erased addresses of these partners (services/stewardship), or None without keys."""
    if not keys:
        return None
    from campaign_engine.services.stewardship.keys import ErasedList

    return ErasedList(session, keys, partner_ids)


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
