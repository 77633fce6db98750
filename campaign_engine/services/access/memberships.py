"""Granting a person the right to act for a partner: only the vendor does it, by importing
the partner (its contact address) or by inviting someone. Nothing a partner can edit,
such as its contact address, ever grants or moves a membership."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Membership, Partner, User
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.services.access.accounts import VENDOR_ROLES, create_user


def membership_conflicts(
    session: Session, wanted: Iterable[tuple[str, str, str]]
) -> tuple[str, str] | None:
    """The first (where, message) for (where, email, partner slug) triples that cannot be
    granted: the address is a vendor account, or already acts for another partner.
    Checked before an import writes anything, so it stays all or nothing."""
    wanted = list(wanted)
    emails = {email.strip().lower() for _, email, _ in wanted}
    if not emails:
        return None
    holders = {
        email: (role, slug)
        for email, role, slug in session.execute(
            select(User.email, User.role, Partner.slug)
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Partner, Partner.id == Membership.partner_id)
            .where(User.email.in_(emails))
        )
    }
    for where, email, slug in wanted:
        role, member_of = holders.get(email.strip().lower(), (None, None))
        if role in VENDOR_ROLES:
            return where, (
                f"{email} is a vendor account; a partner's users need addresses of their own"
            )
        if member_of is not None and member_of != slug:
            return where, f"{email} already signs in for partner '{member_of}'"
    return None


def grant_membership(session: Session, partner: Partner, email: str, *, actor: str) -> User:
    """The partner user for this address, created and made a member when new. Raises
    InvalidInput for a vendor account or a member of another partner."""
    conflict = membership_conflicts(session, [("email", email, partner.slug)])
    if conflict is not None:
        raise InvalidInput(conflict[1], where=conflict[0])
    email = email.strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user, _ = create_user(session, email, "partner", partner_id=partner.id, actor=actor)
        return user
    if session.scalar(select(Membership.id).where(Membership.user_id == user.id)) is None:
        session.add(Membership(user_id=user.id, partner_id=partner.id, granted_by=actor))
        record(session, actor, "membership.grant", "partner", partner.slug, {"user": email})
    return user


def member_emails(session: Session, partner_id: int) -> list[str]:
    """The addresses of everyone who acts for the partner: who hears what concerns it."""
    return list(
        session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.partner_id == partner_id)
            .order_by(User.email)
        )
    )
