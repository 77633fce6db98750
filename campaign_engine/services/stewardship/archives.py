"""The zips `partners offboard` writes when the console asks for it: kept in the storage
folder (offboarded/) for an admin to download and send to the leaving partner, and
deleted by the daily retention job after `retention.offboard_days`, as they hold every
customer the partner had. A person erased meanwhile leaves them too (scrub_archives): the
files are compressed, so the byte search that deletes other files cannot see them."""

from __future__ import annotations

import csv
import io
import os
import re
import time
import zipfile
from datetime import datetime
from pathlib import Path

from campaign_engine.services.stewardship.files import mentions

FOLDER = "offboarded"


def archive_path(storage_dir: Path, slug: str, now: datetime) -> Path:
    return storage_dir / FOLDER / f"{slug}-data-{now:%Y%m%d-%H%M%S}.zip"


def _pattern(slug: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(slug)}-data-\d{{8}}-\d{{6}}\.zip")


def archives_of(storage_dir: Path, slug: str) -> list[str]:
    """The names of the partner's archives still kept, newest first."""
    folder = storage_dir / FOLDER
    if not folder.is_dir():
        return []
    pattern = _pattern(slug)
    return sorted((p.name for p in folder.iterdir() if pattern.fullmatch(p.name)), reverse=True)


def archive_file(storage_dir: Path, slug: str, name: str) -> Path | None:
    """One of the partner's archives by name, or None: a name that is not one of its own
    (another partner's, a path) finds nothing."""
    return storage_dir / FOLDER / name if name in archives_of(storage_dir, slug) else None


def prune_archives(storage_dir: Path, *, days: int, now: float | None = None) -> int:
    """Delete archives older than `days` (by file time); returns how many."""
    folder = storage_dir / FOLDER
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - days * 86_400
    removed = 0
    for entry in os.scandir(folder):
        if entry.is_file() and entry.stat().st_mtime < cutoff:
            os.unlink(entry.path)
            removed += 1
    return removed


def scrub_archives(storage_dir: Path, address: str, *, partner: str | None = None) -> int:
    """Remove every CSV row naming `address` (any case) from the kept zips (given a
    partner, its own only); returns how many zips changed. Each is rewritten beside itself
    and renamed over it, with its time kept, so retention counts from the day it was made."""
    folder = storage_dir / FOLDER
    changed = 0
    names = archives_of(storage_dir, partner) if partner else None
    for path in sorted(folder.glob("*.zip")) if folder.is_dir() else []:
        if names is not None and path.name not in names:
            continue
        rewritten = _without(path.read_bytes(), address)
        if rewritten is None:
            continue
        stat = path.stat()
        staging = path.with_suffix(".zip.tmp")
        staging.write_bytes(rewritten)
        os.utime(staging, (stat.st_atime, stat.st_mtime))
        os.replace(staging, path)
        changed += 1
    return changed


def _without(data: bytes, address: str) -> bytes | None:
    """The zip with the rows naming `address` left out, or None when none does."""
    found = False
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            text = source.read(info).decode("utf-8")
            if info.filename.endswith(".csv") and mentions(text, address):
                rows = list(csv.reader(io.StringIO(text)))
                kept = [row for row in rows if not any(mentions(c, address) for c in row)]
                buffer = io.StringIO()
                csv.writer(buffer).writerows(kept)
                text, found = buffer.getvalue(), True
            target.writestr(info.filename, text)
    return out.getvalue() if found else None
