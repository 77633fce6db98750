"""Random tokens that are shown once (in a link or a cookie) and stored only as a hash:
a database dump or a log of queries reveals none that still works."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> tuple[str, str]:
    """(token to hand out, its SHA-256 to store)."""
    token = prefix + secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
