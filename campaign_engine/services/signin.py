"""Partners sign in without a password: a link by email (15 minutes, used once), or the
signed link in a notice they received. Either way they act as their partner's user."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import MagicLink, Partner, User
from campaign_engine.errors import InvalidInput
from campaign_engine.services.accounts import create_user
from campaign_engine.services.audit import record

LIFETIME = timedelta(minutes=15)


def partner_user(session: Session, partner: Partner, email: str | None = None) -> User:
    """The partner's user for this address (its contact by default), created on first use."""
    email = (email or partner.contact_email).strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user, _ = create_user(session, email, "partner", partner_id=partner.id, actor="engine")
    return user


def request_link(session: Session, email: str, *, now: datetime) -> tuple[User, str] | None:
    """A fresh token for a partner user or a partner's contact address; None for anything
    else (the page says the same either way, so it does not reveal who is a partner)."""
    email = email.strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        partner = session.scalar(select(Partner).where(Partner.contact_email == email))
        if partner is None:
            return None
        user = partner_user(session, partner, email)
    if user.role != "partner":
        return None  # vendor users sign in with their password
    token = secrets.token_urlsafe(32)
    session.add(MagicLink(user_id=user.id, token_sha256=_digest(token), expires_at=now + LIFETIME))
    return user, token


def redeem(session: Session, token: str, *, now: datetime) -> User:
    link = session.scalar(select(MagicLink).where(MagicLink.token_sha256 == _digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise InvalidInput(
            "this sign-in link has expired or was already used; ask for a new one",
            where="link",
        )
    link.used_at = now
    user = session.get(User, link.user_id)
    assert user is not None
    record(session, user.email, "signin.link", "user", user.email)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
