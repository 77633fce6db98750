"""The files the engine wrote that may name a person: emails in the maildir outbox (a
campaign email to them, a lead's details mailed to its partner, a double opt-in link),
and anything under storage. A file that names the address is deleted whole: an email is
one person's, and a rendered asset that held an address would be someone's too.

Files are matched by content, not by what the database says, so a second erasure (or one
after a crash between the database and the disk) finds whatever the first left.
"""

from __future__ import annotations

import logging
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


def _mail_names(data: bytes, address: str) -> bool:
    """Whether an email names the address once decoded (headers, and text parts in
    quoted-printable or base64 that a byte search would not see)."""
    try:
        message = message_from_bytes(data, policy=policy.default)
    except Exception:  # not an email: the byte search has decided
        return False
    if not isinstance(message, EmailMessage):
        return False
    for name, value in message.items():
        if address in str(value).lower() or address in name.lower():
            return True
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            text = part.get_content()
        except (LookupError, ValueError):
            continue
        if isinstance(text, str) and address in text.lower():
            return True
    return False


def names(path: Path, address: str, *, mail: bool) -> bool:
    """Whether the file holds the address, in any case; `mail`: decode it as an email."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if address.encode() in data.lower():
        return True
    return mail and _mail_names(data, address)


def erase_files(address: str, *, outbox: Path, storage: Path) -> int:
    """Delete every file under the outbox and storage that names `address`; returns how
    many. Files that vanish meanwhile (a mail client moving new/ to cur/) are skipped."""
    removed = 0
    for path in _files([outbox]):
        if names(path, address, mail=True):
            removed += _unlink(path)
    for path in _files([storage]):
        if names(path, address, mail=False):
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
