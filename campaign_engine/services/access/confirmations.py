"""A partner's new contact address takes effect only when its owner opens the link sent
to it. The contact address is where notices go; it never decides who may sign in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import EmailConfirmation, Partner
from campaign_engine.errors import InvalidInput
from campaign_engine.services.audit import record

LIFETIME = timedelta(hours=24)


def request_contact_change(
    session: Session, partner: Partner, email: str, *, now: datetime, actor: str
) -> str:
    """Stores the pending change and returns the token for the confirmation link."""
    token = secrets.token_urlsafe(32)
    session.add(
        EmailConfirmation(
            partner_id=partner.id,
            email=email.strip().lower(),
            token_sha256=_digest(token),
            requested_by=actor,
            expires_at=now + LIFETIME,
        )
    )
    record(session, actor, "contact.requested", "partner", partner.slug, {"email": email})
    return token


def pending_contact(session: Session, partner_id: int, *, now: datetime) -> str | None:
    """The newest address still waiting for its owner to confirm, for the profile page."""
    return session.scalar(
        select(EmailConfirmation.email)
        .where(
            EmailConfirmation.partner_id == partner_id,
            EmailConfirmation.used_at.is_(None),
            EmailConfirmation.expires_at > now,
        )
        .order_by(EmailConfirmation.id.desc())
        .limit(1)
    )


def confirm_contact_change(session: Session, token: str, *, now: datetime) -> Partner:
    row = session.scalar(
        select(EmailConfirmation).where(EmailConfirmation.token_sha256 == _digest(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidInput(
            "this confirmation link has expired or was already used; change the address "
            "again in the portal to get a new one",
            where="link",
        )
    row.used_at = now
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    before, partner.contact_email = partner.contact_email, row.email
    record(session, row.email, "contact.confirmed", "partner", partner.slug, {"from": before})
    return partner


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
