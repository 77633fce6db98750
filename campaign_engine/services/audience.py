"""Audiences: who a campaign's filter reaches, and the builder's live count of them."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from campaign_engine.db import Consent, Partner
from campaign_engine.domain.consent import ALL_CHANNELS, PROGRAMME, ConsentMode


def audience_query(audience: dict[str, list[str]]) -> Select[tuple[Partner]]:
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
