"""Vendor users with passwords, partner users, and API tokens (stored as hashes only).

A vendor account and a partner account are never the same row: a partner user belongs to
its partner through a Membership, and a vendor role can neither gain one nor be given to
a member. Changing a password or a role ends every session of that user."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from campaign_engine.db import ApiToken, Membership, User, utcnow
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.services.access.sessions import revoke_all
from campaign_engine.services.access.tokens import digest, new_token

VENDOR_ROLES = ("admin", "marketer")
ROLES = (*VENDOR_ROLES, "partner")


def create_user(
    session: Session,
    email: str,
    role: str,
    *,
    password: str | None = None,
    partner_id: int | None = None,
    actor: str = "cli",
) -> tuple[User, str | None]:
    """Returns the user and, for vendor users, the password (generated when not given)."""
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput(f"'{email}' is not an email address", where="email")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", where="role")
    if role == "partner" and partner_id is None:
        raise InvalidInput("a partner user belongs to a partner", where="partner")
    if session.scalar(select(User.id).where(User.email == email)):
        raise InvalidInput(f"{email} already has an account", where="email")
    if role in VENDOR_ROLES:
        password = password or secrets.token_urlsafe(12)
        if len(password) < 10:
            raise InvalidInput("use at least 10 characters", where="password")
    if role in VENDOR_ROLES and partner_id is not None:
        raise InvalidInput("a vendor account cannot belong to a partner", where="partner")
    user = User(
        email=email,
        role=role,
        password_hash=generate_password_hash(password) if password else None,
    )
    session.add(user)
    session.flush()
    if partner_id is not None:
        session.add(Membership(user_id=user.id, partner_id=partner_id, granted_by=actor))
    record(session, actor, "user.create", "user", email, {"role": role})
    return user, password if role in VENDOR_ROLES else None


@cache
def _decoy_hash() -> str:
    """Checked when there is no password to check, so an unknown address costs the same
    one scrypt run as a known one (computed once per process, not per attempt)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else None
    matches = check_password_hash(stored or _decoy_hash(), password)
    return user if matches and stored else None


def partner_of(session: Session, user_id: int) -> int | None:
    """The partner this user acts for, from its membership row (None for vendor users)."""
    return session.scalar(select(Membership.partner_id).where(Membership.user_id == user_id))


def _vendor_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user {email}")
    if user.role not in VENDOR_ROLES:
        raise InvalidInput(
            f"{email} is a partner user; partner users have no password", where="email"
        )
    return user


def set_password(
    session: Session, email: str, password: str | None, *, now: datetime, actor: str = "cli"
) -> str:
    """A new password (generated when not given); every session and API token of the
    user ends (a password changed because it leaked must take its tokens with it)."""
    user = _vendor_user(session, email)
    password = password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise InvalidInput("use at least 10 characters", where="password")
    user.password_hash = generate_password_hash(password)
    ended = revoke_all(session, user.id, now=now)
    tokens = revoke_tokens(session, user.email)
    detail = {"sessions_ended": ended, "tokens_revoked": tokens}
    record(session, actor, "user.password", "user", user.email, detail)
    return password


def set_role(session: Session, email: str, role: str, *, now: datetime, actor: str = "cli") -> int:
    """Between vendor roles only (a partner user never becomes a vendor user, nor the
    reverse); every session of the user ends, so the new role applies at once (its API
    tokens act with the user's current role on every call)."""
    if role not in VENDOR_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(VENDOR_ROLES)}", where="role")
    user = _vendor_user(session, email)
    before, user.role = user.role, role
    ended = revoke_all(session, user.id, now=now)
    record(session, actor, "user.role", "user", user.email, {"from": before, "to": role})
    return ended


def issue_token(session: Session, user: User, name: str) -> str:
    token, hashed = new_token("ce_")
    session.add(ApiToken(user_id=user.id, name=name, token_sha256=hashed))
    record(session, user.email, "token.issue", "user", user.email, {"name": name})
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_sha256 == digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    return session.get(User, row.user_id) if row else None


def revoke_tokens(session: Session, email: str) -> int:
    user = session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise NotFound(f"no user {email}")
    rows = list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
    )
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def remove_user(session: Session, email: str, *, actor: str) -> None:
    """Deletes the user; its sessions, tokens, links and membership go with it (cascade),
    so a copied cookie or token stops working on its next request."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user {email}")
    session.delete(user)
    session.flush()
    record(session, actor, "user.remove", "user", user.email, {"role": user.role})
