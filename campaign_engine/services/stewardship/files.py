"""The files the engine wrote that may name a person: emails in the maildir outbox (a
campaign email to them, a lead's details mailed to its partner, a double opt-in link),
and anything under storage but the kits. A file that names the address is deleted whole:
an email is one person's, and a rendered asset that held an address would be someone's
too. A partner's own erasure reaches only its own mails (X-Campaign-Partner).

Files are matched by content, not by what the database says, so a second erasure (or one
after a crash between the database and the disk) finds whatever the first left.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger(__name__)


def _files(folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        if folder.is_dir():
            yield from (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


PARTNER_HEADER = "X-Campaign-Partner"
# Where a mail names its subject: who it went to, what it says. Not From, Reply-To or
# List-Unsubscribe: those name the programme or the partner, never the person it is about.
NAMING_HEADERS = ("to", "cc", "subject")


def mentions(text: str, address: str) -> bool:
    """`address` in `text`, in any case, as a whole address: "ann@x.example" is not in
    "joann@x.example"."""
    pattern = rf"(?<![\w.+%-]){re.escape(address)}(?![\w.-])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def parsed_mail(data: bytes) -> EmailMessage | None:
    try:
        message = message_from_bytes(data, policy=policy.default)
    except Exception:  # not an email
        return None
    return message if isinstance(message, EmailMessage) else None


def mail_names(message: EmailMessage, address: str) -> bool:
    """Whether a mail is about the person: sent to them, or naming them in its subject or
    its text (a lead's details mailed to the partner), decoded as a mail client reads it."""
    for name, value in message.items():
        if name.lower() in NAMING_HEADERS and mentions(str(value), address):
            return True
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            text = part.get_content()
        except (LookupError, ValueError):
            continue
        if isinstance(text, str) and mentions(text, address):
            return True
    return False


def mail_partner(message: EmailMessage) -> str | None:
    """The partner a mail is for or about (campaign emails, lead and confirmation mails)."""
    value = message.get(PARTNER_HEADER)
    return str(value) if value is not None else None


def erase_mail(address: str, outbox: Path, *, partner: str | None) -> int:
    """Delete the outbox emails about `address`; given a partner (a partner's own
    erasure), only that partner's. Files that vanish meanwhile (a mail client moving
    new/ to cur/) are skipped."""
    removed = 0
    for path in _files([outbox]):
        try:
            message = parsed_mail(path.read_bytes())
        except OSError:
            continue
        if message is None or (partner is not None and mail_partner(message) != partner):
            continue
        if mail_names(message, address):
            removed += _unlink(path)
    return removed


def erase_stored(address: str, storage: Path) -> int:
    """Delete the files under storage that name `address` (rendered assets are made per
    partner, so one that names a person is that person's). Kits are the vendor's, read by
    every partner's renders, and never a person's: left out."""
    removed = 0
    kits = storage / "kits"
    for path in _files([storage]):
        if path.is_relative_to(kits):
            continue
        try:
            text = path.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if mentions(text, address):
            removed += _unlink(path)
    return removed


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return 1


def checkpoint(engine: Engine, *, tries: int = 5, pause: float = 0.2) -> bool:
    """SQLite: copy the write-ahead log into the database file and empty it, so the
    rewritten pages (zeroed by secure_delete) replace the old ones and no frame of the
    log keeps what was erased. A reader in the middle of a transaction (another request,
    the click recorder) holds the log: tried again a few times, then left to the daily
    retention job's checkpoint (False). Nothing to do on PostgreSQL (docs/privacy.md:
    VACUUM)."""
    if engine.dialect.name != "sqlite":
        return True
    for attempt in range(tries):
        raw = engine.raw_connection()
        try:
            busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        if not busy:
            return True
        if attempt + 1 < tries:
            time.sleep(pause)
    log.warning("the write-ahead log is in use; the daily retention job empties it")
    return False
