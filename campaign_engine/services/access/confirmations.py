"""A partner's new contact address takes effect only when its owner opens the link sent
to it. The contact address is where notices go; it never decides who may sign in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign_engine.db import EmailConfirmation, Membership, Partner, User
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.services.access.tokens import live_link, new_token

LIFETIME = timedelta(hours=24)


def request_contact_change(
    session: Session, partner: Partner, email: str, *, now: datetime, actor: str
) -> str:
    """Stores the pending change and returns the token for the confirmation link. An
    earlier pending change of the partner is superseded: only the newest link works."""
    session.execute(
        update(EmailConfirmation)
        .where(
            EmailConfirmation.partner_id == partner.id,
            EmailConfirmation.used_at.is_(None),
            EmailConfirmation.expires_at > now,
        )
        .values(expires_at=now)
    )
    token, hashed = new_token()
    session.add(
        EmailConfirmation(
            partner_id=partner.id,
            email=email.strip().lower(),
            token_sha256=hashed,
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


def pending_change(session: Session, token: str, *, now: datetime) -> tuple[str, Partner]:
    """(new address, partner) of a link that still works, for its confirmation page."""
    row = _usable(session, token, now)
    _check_requester(session, row)
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    return row.email, partner


def _usable(session: Session, token: str, now: datetime) -> EmailConfirmation:
    return live_link(
        session,
        EmailConfirmation,
        token,
        now=now,
        why=N_(
            "this confirmation link has expired, was already used, or a newer one was sent; "
            "change the address again in the portal to get a new one"
        ),
    )


def confirm_contact_change(session: Session, token: str, *, now: datetime) -> Partner:
    row = _usable(session, token, now)
    _check_requester(session, row)
    row.used_at = now
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    before, partner.contact_email = partner.contact_email, row.email
    record(session, row.email, "contact.confirmed", "partner", partner.slug, {"from": before})
    return partner


def _check_requester(session: Session, row: EmailConfirmation) -> None:
    if not _still_member(session, row.requested_by, row.partner_id):
        raise InvalidInput(
            "the person who asked for this change no longer acts for the partner", where="link"
        )


def _still_member(session: Session, email: str, partner_id: int) -> bool:
    return (
        session.scalar(
            select(Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(User.email == email, Membership.partner_id == partner_id)
        )
        is not None
    )
