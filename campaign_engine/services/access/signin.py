"""Partners sign in without a password: a link by email (15 minutes, used once), sent only
to a user who is a member of a partner. A partner's contact address grants nothing by
itself: the vendor's import or an invitation made that person a member."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import MagicLink, Membership, Partner, User
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.services.access.tokens import live_link, new_token

LIFETIME = timedelta(minutes=15)


def request_link(session: Session, email: str, *, now: datetime) -> tuple[User, str] | None:
    """A fresh token for a partner member; None for anything else (the page says the same
    either way, so it does not reveal who is a partner). Vendor users sign in with their
    password and never receive one."""
    email = email.strip().lower()
    user = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email == email, User.role == "partner")
    )
    if user is None:
        return None
    token, hashed = new_token()
    session.add(MagicLink(user_id=user.id, token_sha256=hashed, expires_at=now + LIFETIME))
    return user, token


SPENT = N_("this sign-in link has expired or was already used; ask for a new one")


def link_partner(session: Session, token: str, *, now: datetime) -> Partner | None:
    """The partner of the member a sign-in link that still works was sent to, without
    using the link up: the page it opens speaks the partner's language, as its email did.
    None for a link that no longer works."""
    try:
        link = live_link(session, MagicLink, token, now=now, why=SPENT)
    except InvalidInput:
        return None
    return session.scalar(
        select(Partner)
        .join(Membership, Membership.partner_id == Partner.id)
        .where(Membership.user_id == link.user_id)
        .limit(1)
    )


def redeem(session: Session, token: str, *, now: datetime) -> User:
    link = live_link(session, MagicLink, token, now=now, why=SPENT)
    link.used_at = now
    user = session.get(User, link.user_id)
    assert user is not None
    record(session, user.email, "signin.link", "user", user.email)
    return user
