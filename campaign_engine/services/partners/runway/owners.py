"""Owners: the vendor user responsible for a partner's runway, assigned in bulk."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Partner, User
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.services.access.accounts import VENDOR_ROLES


def assign_owner(session: Session, owner_email: str, slugs: list[str], *, actor: str) -> int:
    owner = session.scalar(select(User).where(User.email == owner_email.strip().lower()))
    if owner is None or owner.role not in VENDOR_ROLES:
        raise InvalidInput(f"no vendor user {owner_email}", where="owner")
    partners = list(session.scalars(select(Partner).where(Partner.slug.in_(slugs))))
    missing = sorted(set(slugs) - {p.slug for p in partners})
    if missing:
        raise InvalidInput(f"no partner {', '.join(missing)}", where="partners")
    for partner in partners:
        partner.owner_id = owner.id
    record(session, actor, "owner.assign", "user", owner.email, {"partners": sorted(slugs)})
    return len(partners)


def vendor_users(session: Session) -> list[User]:
    return list(
        session.scalars(select(User).where(User.role.in_(VENDOR_ROLES)).order_by(User.email))
    )


def admin_emails(session: Session) -> list[str]:
    return list(
        session.scalars(select(User.email).where(User.role == "admin").order_by(User.email))
    )


def owner_or_admins(session: Session, partner: Partner) -> list[str]:
    """Who hears what needs a person about this partner: its owner, or every admin when it
    has none, so nothing falls through (the lead SLA, the feedback loop's alerts)."""
    owner = session.get(User, partner.owner_id) if partner.owner_id else None
    if owner is not None:
        return [owner.email]
    return admin_emails(session)
