"""Server-side sessions: the browser's cookie holds a random id, the database its hash.

Flask's signed cookie alone cannot be taken back: a copy stays valid for as long as the
secret does. A row per sign-in can, so sign-out, a password or role change, and the idle
timeout end every copy of the cookie on the next request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaign_engine.db import Membership, User, UserSession
from campaign_engine.db.results import affected_rows
from campaign_engine.services.access.tokens import digest, new_token

# last_seen_at is written at most this often: a write per request would be the only
# write of most page views.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    role: str
    partner_id: int | None


def start_session(session: Session, user: User, *, now: datetime) -> str:
    token, hashed = new_token()
    session.add(UserSession(user_id=user.id, token_sha256=hashed, created_at=now, last_seen_at=now))
    session.flush()
    return token


def resolve_session(
    session: Session, token: str, *, now: datetime, idle: timedelta, lifetime: timedelta
) -> SignedIn | None:
    """The user behind a cookie's session id, or None when it was revoked, has been idle
    too long or is older than its absolute lifetime."""
    row = session.execute(
        select(UserSession, User, Membership.partner_id)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(UserSession.token_sha256 == digest(token))
    ).first()
    if row is None:
        return None
    record, user, partner_id = row
    if (
        record.revoked_at is not None
        or record.last_seen_at + idle <= now
        or record.created_at + lifetime <= now
    ):
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
    return SignedIn(user.id, user.email, user.role, partner_id)


def end_session(session: Session, token: str, *, now: datetime) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.token_sha256 == digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_all(session: Session, user_id: int, *, now: datetime) -> int:
    """Ends every session of the user; returns how many were open."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return affected_rows(result)
