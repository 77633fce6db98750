"""Partner import (all or nothing, upsert by slug) and listing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import ChannelEndpoint, Partner
from campaign_engine.domain.brand import normalise_hex
from campaign_engine.domain.plain_text import plain_text, shows_something
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.infra.csvrows import read_rows
from campaign_engine.services.access.memberships import grant_membership, membership_conflicts
from campaign_engine.services.assets.brand.logos import MAX_BYTES, normalise_logo
from campaign_engine.services.assets.brand.warnings import logo_warnings, name_warnings

REQUIRED_COLUMNS = {
    "slug",
    "name",
    "contact_email",
    "website",
    "phone",
    "logo",
    "primary_color",
    "tier",
    "region",
    "vertical",
    "timezone",
    "locale",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
LOCALE = re.compile(r"^[a-z]{2}([-_][A-Z]{2})?\Z")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


class PartnerRow(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    slug: str
    name: str
    contact_email: EmailStr
    # Lengths are the columns' (db/partners.py): a longer value is this field's clear
    # error here, not a database error (PostgreSQL) or a page that cannot render it.
    website: str = Field(max_length=500)
    phone: str = Field(max_length=64)
    logo: str
    primary_color: str
    secondary_color: str = ""
    tier: str = Field(max_length=40)
    region: str = Field(max_length=40)
    vertical: str = Field(max_length=60)
    timezone: str = Field(max_length=64)
    locale: str
    postal_address: str = Field("", max_length=500)
    short_name: str = ""
    logo_on_dark: str = ""
    tags: str = ""
    social_webhook_url: str = ""
    crm_webhook_url: str = ""

    @field_validator("*", mode="before")
    @classmethod
    def _plain(cls, v: object, info: ValidationInfo) -> object:
        """Every field is printed somewhere (an email's XML, a PDF, a CRM note): a control
        character, a lone surrogate or a bidi override is this field's error here, not a
        library that cannot render its own partner later. Only the address has lines."""
        if isinstance(v, str):
            text = plain_text(v, lines=info.field_name == "postal_address")
            if text.strip() and not shows_something(text):
                raise ValueError("nothing in it shows (only invisible characters)")
            return text
        return v

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("use lowercase letters, digits and dashes (max 63)")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v or len(v) > 200:
            raise ValueError("a name of 1 to 200 characters is required")
        return v

    @field_validator("short_name")
    @classmethod
    def _short_name(cls, v: str) -> str:
        if len(v) > 40:
            raise ValueError("a short name is at most 40 characters (it goes in subjects)")
        return v

    @field_validator("postal_address")
    @classmethod
    def _address(cls, v: str) -> str:
        """Its lines as the partner wrote them (a form sends \\r\\n), blank ones dropped."""
        lines = (line.strip() for line in v.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        return "\n".join(line for line in lines if line)

    @field_validator("primary_color")
    @classmethod
    def _colour(cls, v: str) -> str:
        return normalise_hex(v)

    @field_validator("secondary_color")
    @classmethod
    def _second_colour(cls, v: str) -> str:
        """Optional: many brands have one colour. Empty stays empty here and becomes the
        primary colour (model_post_init), so no asset gets a colour the partner lacks."""
        return normalise_hex(v) if v.strip() else ""

    def model_post_init(self, context: object, /) -> None:
        if not self.secondary_color:
            self.secondary_color = self.primary_color

    @field_validator("website", "social_webhook_url", "crm_webhook_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not URL.match(v):
            raise ValueError("not an http(s) URL")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA timezone such as Europe/Berlin") from None
        return v or "UTC"

    @field_validator("locale")
    @classmethod
    def _locale(cls, v: str) -> str:
        if not LOCALE.match(v or "en"):
            raise ValueError("use a locale such as en, de or en-US")
        return (v or "en").replace("_", "-")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    # What imported but will look wrong somewhere, each naming its row and column.
    warnings: tuple[str, ...] = ()


def import_partners(
    session: Session, path: Path, *, actor: str = "cli", confined: bool = False
) -> ImportResult:
    """Validate every row (logos included) before writing anything. `confined` (an
    uploaded CSV): logo paths must stay inside the CSV's own folder, so an upload cannot
    make the server read, or probe for, any file of its own."""
    rows = read_rows(path, PartnerRow, REQUIRED_COLUMNS)
    logos, warnings = _checked_rows(path, rows, confined)
    conflict = membership_conflicts(
        session,
        ((f"{path.name} row {n}, column contact_email", r.contact_email, r.slug) for n, r in rows),
    )
    if conflict is not None:
        raise InvalidInput(conflict[1], where=conflict[0])
    existing = {p.slug: p for p in session.scalars(select(Partner).where(Partner.slug.in_(logos)))}
    created = 0
    for _, row in rows:
        partner = existing.get(row.slug)
        if partner is None:
            partner = Partner(slug=row.slug)
            session.add(partner)
            created += 1
        _apply(partner, row, logos[row.slug])
    session.flush()
    for _, row in rows:
        partner = existing.get(row.slug) or _by_slug(session, row.slug)
        _set_endpoints(session, partner, row)
        # The vendor vouches for the contact address it imports: that person may sign in.
        grant_membership(session, partner, row.contact_email, actor=actor)
    warnings += _requirement_warnings(session, path, rows)
    record(
        session,
        actor,
        "partners.import",
        "file",
        path.name,
        {"created": created, "updated": len(rows) - created},
    )
    return ImportResult(created=created, updated=len(rows) - created, warnings=tuple(warnings))


def _requirement_warnings(
    session: Session, path: Path, rows: list[tuple[int, PartnerRow]]
) -> list[str]:
    """A row without a field a loaded kit requires for a channel (a postal address for
    its email, a phone for its brochure): said now, not first at a preview or a launch
    (a review by eye: four partners would never get an email or a brochure, and the
    import said nothing). The newest version of each kit."""
    from campaign_engine.db import KitVersion
    from campaign_engine.domain.kit import KitSpec

    newest = session.scalars(
        select(KitVersion).where(
            KitVersion.id.in_(select(func.max(KitVersion.id)).group_by(KitVersion.kit_id))
        )
    ).all()
    specs = [KitSpec.model_validate(version.spec) for version in newest]
    found = []
    for number, row in rows:

        def has(field: str, row: PartnerRow = row) -> bool:
            return bool(row.logo if field == "logo" else (getattr(row, field, "") or "").strip())

        for spec in specs:
            for channel in [*spec.channels(), "brochure"]:
                missing = [f for f in spec.requirements(channel) if not has(f)]
                if missing:
                    found.append(
                        f"{path.name} row {number}: no {', '.join(missing)}: kit "
                        f"'{spec.name}' makes no {channel} for this partner until it is added"
                    )
    return found


def _checked_rows(
    path: Path, rows: list[tuple[int, PartnerRow]], confined: bool
) -> tuple[dict[str, tuple[bytes | None, bytes | None]], list[str]]:
    """Each row's logos read, by slug in the file's order, and what will look wrong; a
    slug or a contact address that appears twice refuses the whole file."""
    seen: dict[str, int] = {}
    contacts: dict[str, int] = {}
    logos: dict[str, tuple[bytes | None, bytes | None]] = {}
    warnings: list[str] = []
    for number, row in rows:
        if row.slug in seen:
            raise InvalidInput(
                f"slug '{row.slug}' already appears in row {seen[row.slug]}",
                where=f"{path.name} row {number}, column slug",
            )
        email = row.contact_email.lower()
        if email in contacts:
            raise InvalidInput(
                f"{email} is already the contact of row {contacts[email]}; a person signs "
                "in for one partner only",
                where=f"{path.name} row {number}, column contact_email",
            )
        seen[row.slug], contacts[email] = number, number
        logos[row.slug] = (
            _read_logo(path, row.logo, f"{path.name} row {number}, column logo", confined),
            _read_logo(
                path, row.logo_on_dark, f"{path.name} row {number}, column logo_on_dark", confined
            ),
        )
        warnings += _row_warnings(path, number, row, logos[row.slug][0])
    return logos, warnings


def _row_warnings(path: Path, number: int, row: PartnerRow, logo: bytes | None) -> list[str]:
    found = [
        f"{path.name} row {number}, column logo: {w.message}"
        for w in (logo_warnings(logo, bool(row.logo_on_dark)) if logo else [])
    ]
    found += [f"{path.name} row {number}, column name: {w}" for w in name_warnings(row.name)]
    return found


def _read_logo(csv_path: Path, value: str, where: str, confined: bool) -> bytes | None:
    if not value:
        return None
    logo_path = Path(value)
    if not logo_path.is_absolute():
        logo_path = csv_path.parent / logo_path
    if confined and not logo_path.resolve().is_relative_to(csv_path.parent.resolve()):
        raise InvalidInput(
            "an uploaded CSV cannot name a logo file; leave the column empty and upload "
            "logos in the portal or with the command line import",
            where=where,
        )
    if not logo_path.is_file():
        raise InvalidInput(f"file {value} not found", where=where)
    if logo_path.stat().st_size > MAX_BYTES:
        raise InvalidInput(f"{value} is over 5 MB", where=where)
    return normalise_logo(logo_path.read_bytes(), where=where)


def _apply(partner: Partner, row: PartnerRow, logos: tuple[bytes | None, bytes | None]) -> None:
    logo, on_dark = logos
    for field in (
        "name",
        "short_name",
        "contact_email",
        "website",
        "phone",
        "primary_color",
        "secondary_color",
        "tier",
        "region",
        "vertical",
        "timezone",
        "locale",
        "postal_address",
    ):
        setattr(partner, field, getattr(row, field))
    partner.tags = [t.strip() for t in row.tags.split(";") if t.strip()]
    if logo is not None:
        partner.logo_png = logo
        partner.logo_sha256 = hashlib.sha256(logo).hexdigest()
    if on_dark is not None:
        partner.logo_on_dark_png = on_dark
        partner.logo_on_dark_sha256 = hashlib.sha256(on_dark).hexdigest()


def _set_endpoints(session: Session, partner: Partner, row: PartnerRow) -> None:
    for channel, url in (("social", row.social_webhook_url), ("crm", row.crm_webhook_url)):
        endpoint = session.scalar(
            select(ChannelEndpoint).where(
                ChannelEndpoint.partner_id == partner.id, ChannelEndpoint.channel == channel
            )
        )
        if url and endpoint is None:
            session.add(
                ChannelEndpoint(partner_id=partner.id, channel=channel, kind="webhook", url=url)
            )
        elif url and endpoint is not None:
            endpoint.kind, endpoint.url = "webhook", url
        elif endpoint is not None and endpoint.kind == "webhook":
            session.delete(endpoint)


def _by_slug(session: Session, slug: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        raise NotFound(f"no partner '{slug}'")
    return partner


def get_partner(session: Session, slug: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        raise NotFound(f"no partner with slug '{slug}' (see: campaign-engine partners list)")
    return partner


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.slug)))


SORTS = ("name", "slug", "tier", "region", "vertical", "signed")


@dataclass(frozen=True)
class PartnerQuery:
    """The partner list's search, filters and order, as the console and the API take them."""

    q: str = ""
    tier: str = ""
    region: str = ""
    vertical: str = ""
    sort: str = "name"
    descending: bool = False


def find_partners(
    session: Session, query: PartnerQuery, *, limit: int, offset: int = 0
) -> tuple[list[Partner], int]:
    """One page of partners in the database's order, and how many match in all: a
    programme of thousands is never loaded to show fifty."""
    if query.sort not in SORTS:
        raise InvalidInput(f"sort by one of {', '.join(SORTS)}", where="sort")
    wanted = select(Partner)
    for field in ("tier", "region", "vertical"):
        if getattr(query, field):
            wanted = wanted.where(getattr(Partner, field) == getattr(query, field))
    if query.q.strip():
        text = query.q.strip().lower()  # % and _ are letters here, not wildcards
        wanted = wanted.where(
            func.lower(Partner.name).contains(text, autoescape=True)
            | func.lower(Partner.slug).contains(text, autoescape=True)
        )
    total = session.scalar(select(func.count()).select_from(wanted.subquery())) or 0
    column = Partner.signed_at if query.sort == "signed" else getattr(Partner, query.sort)
    order = column.desc() if query.descending else column.asc()
    rows = session.scalars(
        wanted.order_by(column.is_(None), order, Partner.slug).limit(limit).offset(offset)
    )
    return list(rows), total
