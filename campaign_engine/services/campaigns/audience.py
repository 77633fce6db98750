"""Audiences: who a campaign's filter reaches, and the builder's live count of them."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from campaign_engine.db import Consent, Partner
from campaign_engine.domain.audience import AUDIENCE_KEYS
from campaign_engine.domain.consent import ALL_CHANNELS, PROGRAMME, ConsentMode
from campaign_engine.errors import InvalidInput

SHOWN_VALUES = 10  # a refusal lists the values partners do have, up to this many


def audience_query(audience: dict[str, list[str]]) -> Select[Partner]:
    query = select(Partner)
    if audience.get("tier"):
        query = query.where(Partner.tier.in_(audience["tier"]))
    if audience.get("region"):
        query = query.where(Partner.region.in_(audience["region"]))
    if audience.get("vertical"):
        query = query.where(Partner.vertical.in_(audience["vertical"]))
    if audience.get("partner"):
        query = query.where(Partner.slug.in_(audience["partner"]))
    if audience.get("exclude"):
        query = query.where(Partner.slug.not_in(audience["exclude"]))
    return query.order_by(Partner.id)


def audience_partners(session: Session, audience: dict[str, list[str]]) -> list[Partner]:
    partners = list(session.scalars(audience_query(audience)))
    tags = set(audience.get("tag", []))
    return [p for p in partners if not tags or tags & set(p.tags or [])]


def audience_count(session: Session, audience: dict[str, list[str]]) -> dict[str, int]:
    partners = audience_partners(session, audience)
    ids = [p.id for p in partners]
    opted_out = set(
        session.scalars(
            select(Consent.partner_id).where(
                Consent.partner_id.in_(ids),
                Consent.scope == PROGRAMME,
                Consent.channel == ALL_CHANNELS,
                Consent.mode == ConsentMode.OFF,
            )
        )
    )
    return {"partners": len(ids), "opted_out": len(opted_out), "reached": len(ids) - len(opted_out)}


def audience_choices(session: Session) -> dict[str, list[str]]:
    """Values present in the partner list, for the builder's filters."""
    partners = list(session.scalars(select(Partner).order_by(Partner.slug)))
    return {
        "tier": sorted({p.tier for p in partners if p.tier}),
        "region": sorted({p.region for p in partners if p.region}),
        "vertical": sorted({p.vertical for p in partners if p.vertical}),
        "tag": sorted({t for p in partners for t in (p.tags or [])}),
        "partner": [p.slug for p in partners],
    }


def check_audience_values(session: Session, audience: dict[str, list[str]]) -> None:
    """Refuse values no partner has at all (a slug never imported, a tier misspelt): such
    an audience silently targets nobody. Values that each exist but match nobody
    together are left alone; the builder's live count shows those."""
    present = audience_choices(session)
    problems = [
        _unmatched(key, missing, present[_field(key)])
        for key in AUDIENCE_KEYS
        if (missing := [v for v in audience.get(key, []) if v not in present[_field(key)]])
    ]
    if len(problems) == 1:
        key, message = problems[0]
        raise InvalidInput(message, where=f"audience.{key}")
    if problems:
        raise InvalidInput(
            "; ".join(f"{key}: {message}" for key, message in problems), where="audience"
        )


def _field(key: str) -> str:
    """The partner field an audience key matches: `exclude` names slugs, as `partner` does."""
    return "partner" if key == "exclude" else key


def _unmatched(key: str, missing: list[str], present: list[str]) -> tuple[str, str]:
    """(key, message) naming each missing value, and the values partners do have."""
    quoted = " or ".join(f"'{value}'" for value in missing)
    if _field(key) == "partner":
        return key, f"no partner with slug {quoted}"
    shown = ", ".join(present[:SHOWN_VALUES]) + (", ..." if len(present) > SHOWN_VALUES else "")
    have = f"partners have: {shown}" if present else f"no partner has a {key} yet"
    return key, f"no partner has {key} {quoted} ({have})"


def completeness(partner: Partner) -> int:
    """Share of the profile fields the kits use that are filled in, in percent."""
    fields = [
        bool(partner.logo_sha256),
        bool(partner.phone),
        bool(partner.website),
        bool(partner.postal_address),
        bool(partner.contact_email),
        bool(partner.tier),
    ]
    return round(100 * sum(fields) / len(fields))
