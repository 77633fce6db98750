"""Random tokens that are shown once (in a link or a cookie) and stored only as a hash:
a database dump or a log of queries reveals none that still works."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.errors import InvalidInput

if TYPE_CHECKING:
    from campaign_engine.db import EmailConfirmation, MagicLink

# The models of a link that works once, until it expires.
Link = TypeVar("Link", "MagicLink", "EmailConfirmation")


def new_token(prefix: str = "") -> tuple[str, str]:
    """(token to hand out, its SHA-256 to store)."""
    token = prefix + secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_link(session: Session, model: type[Link], token: str, *, now: datetime, why: str) -> Link:
    """The row of a single-use link (a model with token_sha256, used_at, expires_at) that
    still works; InvalidInput(where="link") saying `why` for any that does not."""
    row = session.scalar(select(model).where(model.token_sha256 == digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidInput(why, where="link")
    return row
