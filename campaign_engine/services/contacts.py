"""Contact import: the partner's customers that its campaign emails go to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, EmailStr, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Contact, Partner
from campaign_engine.errors import InvalidInput
from campaign_engine.services.audit import record
from campaign_engine.services.csvrows import read_rows

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


def import_contacts(session: Session, path: Path, *, actor: str = "cli") -> ContactImportResult:
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
        {"created": created, "updated": len(rows) - created},
    )
    return ContactImportResult(created=created, updated=len(rows) - created)
