"""Vendor users with passwords, partner users, and API tokens (stored as hashes only)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from campaign_engine.db import ApiToken, User, utcnow
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.services.audit import record

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
    user = User(
        email=email,
        role=role,
        partner_id=partner_id,
        password_hash=generate_password_hash(password) if password else None,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", email, {"role": role})
    return user, password if role in VENDOR_ROLES else None


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.password_hash:
        check_password_hash(generate_password_hash("x"), password)  # same time either way
        return None
    return user if check_password_hash(user.password_hash, password) else None


def issue_token(session: Session, user: User, name: str) -> str:
    token = "ce_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id, name=name, token_sha256=hashlib.sha256(token.encode()).hexdigest()
        )
    )
    record(session, user.email, "token.issue", "user", user.email, {"name": name})
    return token


def user_for_token(session: Session, token: str) -> User | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_sha256 == digest, ApiToken.revoked_at.is_(None))
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
