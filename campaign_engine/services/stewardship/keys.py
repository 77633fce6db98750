"""The keyed hash an erased address is remembered by.

HMAC-SHA256 under a key derived from the secret key: anyone who reads the table (a backup,
a leaked dump) cannot test addresses against it, and the engine can still say "this one
was erased" when an import or a send names it again. Every accepted secret key is tried
(secret_key_fallbacks), so rotating the key keeps erased addresses out; an address
erased under a key no longer accepted is not recognised any more (docs/privacy.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.errors import InvalidInput

DOMAIN = b"campaign-engine erased addresses|"


def normalise(address: str) -> str:
    """As the engine stores addresses (contacts, suppressions): as email_validator writes
    it on import (Unicode NFC, an IDNA domain in Unicode), then lowercased. So "Zoë" typed
    with a combining diaeresis, or a punycode domain, names the person the import stored.
    Not an address by email_validator's rules: trimmed and lowercased only."""
    from email_validator import EmailNotValidError, validate_email

    text = address.strip()
    if text.isascii() and "xn--" not in text.lower():
        return text.lower()  # what validation would give, at a send's cost
    with contextlib.suppress(EmailNotValidError):  # not an address: as typed
        text = validate_email(text, check_deliverability=False).normalized
    return text.lower()


def checked(address: str, where: str = "email") -> str:
    """The normalised address, or InvalidInput naming `where` when it is not one by the
    rules imports apply (email_validator): "f@." or a NUL byte never reaches a search."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput("not an email address, e.g. name@company.example", where=where) from None
    return normalise(address)


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(DOMAIN + secret_key.encode()).digest()


def address_hash(address: str, secret_key: str) -> str:
    """The hash stored for `address` under the signing key."""
    return hmac.new(_key(secret_key), normalise(address).encode(), hashlib.sha256).hexdigest()


def address_hashes(address: str, keys: Iterable[str]) -> set[str]:
    """The hash under every accepted key (settings.signing_keys)."""
    return {address_hash(address, key) for key in keys}


def keyed(value: str, secret_key: str, length: int = 24) -> str:
    """A stable pseudonym for an identifier that was derived from an address (a lead's
    external id, a delivery's idempotency key): unique as the value was, and without the
    key not traceable back to it."""
    digest = hmac.new(_key(secret_key), b"pseudonym|" + value.encode(), hashlib.sha256)
    return digest.hexdigest()[:length]


class ErasedList:
    """The erased hashes that apply to one partner (its own and the programme-wide ones),
    read once: an import or a planner checks many addresses against it."""

    def __init__(self, session: Session, keys: Iterable[str], partner_ids: Iterable[int]) -> None:
        from campaign_engine.db import ErasedAddress

        self.keys = list(keys)
        self.by_partner: dict[int | None, set[str]] = {}
        ids = list(partner_ids)
        rows = session.execute(
            select(ErasedAddress.partner_id, ErasedAddress.email_hash).where(
                ErasedAddress.partner_id.is_(None) | ErasedAddress.partner_id.in_(ids)
            )
        )
        for partner_id, email_hash in rows:
            self.by_partner.setdefault(partner_id, set()).add(email_hash)

    def __bool__(self) -> bool:
        return bool(self.by_partner)

    def holds(self, address: str, partner_id: int) -> bool:
        """Whether `address` was erased for this partner or for every partner."""
        if not self.by_partner:
            return False
        wanted = self.by_partner.get(None, set()) | self.by_partner.get(partner_id, set())
        return bool(wanted and address_hashes(address, self.keys) & wanted)


def is_erased(session: Session, address: str, partner_id: int, keys: Iterable[str]) -> bool:
    """One address, one partner: the check at the moment of sending (one indexed probe)."""
    from campaign_engine.db import ErasedAddress

    found = session.scalar(
        select(ErasedAddress.id)
        .where(
            ErasedAddress.email_hash.in_(address_hashes(address, keys)),
            ErasedAddress.partner_id.is_(None) | (ErasedAddress.partner_id == partner_id),
        )
        .limit(1)
    )
    return found is not None


def erased_hashes(session: Session, partner_id: int) -> frozenset[str]:
    """Every hash erased for this partner or for all: what a sending worker checks its
    recipients against (empty, as usual, costs nothing per message)."""
    from campaign_engine.db import ErasedAddress

    return frozenset(
        session.scalars(
            select(ErasedAddress.email_hash).where(
                ErasedAddress.partner_id.is_(None) | (ErasedAddress.partner_id == partner_id)
            )
        )
    )
