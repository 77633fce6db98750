"""`backup DEST` and `restore SRC`: one consistent snapshot of what the engine keeps.

A backup is a folder:

    manifest.json       engine version, migration head, database kind, every file + SHA-256
    database.sqlite3    SQLite's online backup API: one consistent copy while writers go on
    database.pgdump     or pg_dump --format=custom (one repeatable-read snapshot)
    storage/...         the storage folder (rendered artifacts, uploads)
    outbox/...          the maildir outbox, when email.transport is outbox
    secrets.json        the generated secrets, when data_dir holds them: the sealed endpoint
                        tokens and every signed link already sent need the same keys

Sending is paused while the backup copies (pause.py): dispatchers claim nothing, and the
claims in flight are recorded before the snapshot, so the backup is a moment at which no
mail was half-sent. The database is copied first and the folders after it, so every file
a row names is in the backup (files are written before the rows that name them). What
the old machine sends after the backup is pending again once restored: the outbox, whose
files are named by idempotency key, does not write it twice, and over SMTP a resend
carries the same Message-ID (derived from the same key), which mailboxes fold.

The folder is built beside DEST and renamed into place at the end, so a backup cut short
(disk full, killed by cron's timeout) never looks complete. Restore checks the manifest
and every checksum before it touches anything, refuses a target that holds data, and
then gives the snapshot's claims back to the queue: none of the processes that held
them runs against the restored database (restore.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from campaign_engine.services.stewardship.backup_databases import (
    current_revision,
    database_kind,
    pg_dump,
    sqlite_revision,
    sqlite_snapshot,
)
from campaign_engine.services.stewardship.backup_format import (
    CHUNK,
    DUMPS,
    MANIFEST,
    BackupError,
    FileEntry,
    Manifest,
    engine_version,
    sha256_of,
    walk_files,
)
from campaign_engine.services.stewardship.pause import sending_paused
from campaign_engine.settings import Settings


def take_backup(
    settings: Settings, engine: Engine, dest: Path, *, drain_seconds: float = 60.0
) -> Manifest:
    """Write a complete backup to `dest`, which must not exist or be an empty folder.

    Sending is paused while it copies (pause.py): the backup is then one moment at which
    no mail was half-sent, and a restore sends again at most what was in flight."""
    if dest.is_symlink():
        raise BackupError(f"{dest}: a symbolic link; name a real folder to write the backup in")
    dest = dest.resolve()
    _refuse_existing(dest)
    with sending_paused(engine, drain_seconds=drain_seconds) as in_flight:
        return _write_backup(settings, engine, dest, in_flight)


def _write_backup(settings: Settings, engine: Engine, dest: Path, in_flight: int) -> Manifest:
    kind = database_kind(settings.database_url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # named first and made inside the try: a SIGTERM between mkdtemp's mkdir and its
    # return left the partial folder behind (a loaded suite run caught it)
    work = dest.parent / f".{dest.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        work.mkdir(mode=0o700)
        manifest = Manifest(
            engine_version=engine_version(),
            migration_head=None,
            database=kind,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            in_flight=in_flight,
        )
        dump = work / DUMPS[kind]
        if kind == "sqlite":
            sqlite_snapshot(settings.database_url, dump)
            manifest.migration_head = sqlite_revision(dump)
        else:
            manifest.migration_head = current_revision(engine)
            pg_dump(settings.database_url, dump)
        manifest.files.append(_entry(work, dump))
        for name, folder in folders(settings).items():
            manifest.files.extend(_copy_tree(folder, work / name, work, maildir=name == "outbox"))
        secrets = settings.data_dir / "secrets.json"
        if secrets.is_file():
            manifest.files.append(_copy_file(secrets, work / "secrets.json", work))
        (work / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        _fsync_tree(work)
        if dest.is_dir():
            dest.rmdir()  # empty (checked above): rename needs the name free
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def folders(settings: Settings) -> dict[str, Path]:
    """The folders a backup holds, by their name inside it."""
    chosen = {"storage": settings.storage_dir}
    if settings.email.transport == "outbox":
        chosen["outbox"] = settings.email.outbox_dir
    return chosen


def _refuse_existing(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest}: already exists and is not an empty folder; name a new one")


def _entry(root: Path, path: Path) -> FileEntry:
    return FileEntry(path.relative_to(root).as_posix(), path.stat().st_size, sha256_of(path))


def _copy_file(source: Path, target: Path, root: Path) -> FileEntry:
    """Copy and hash in one pass, so the checksum is of the bytes written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return FileEntry(target.relative_to(root).as_posix(), size, digest.hexdigest())


def _copy_tree(source: Path, target: Path, root: Path, *, maildir: bool) -> list[FileEntry]:
    """Every file under `source`, except a maildir's tmp/ (mails still being written) and
    files that vanish while being copied (a mail moved from new/ to cur/ is copied under
    its new name when the walk gets there, or was already)."""
    entries = []
    for path in walk_files(source):
        relative = path.relative_to(source)
        if maildir and relative.parts[0] == "tmp":
            continue
        try:
            entries.append(_copy_file(path, target / relative, root))
        except FileNotFoundError:
            continue
    return entries


def _fsync_tree(folder: Path) -> None:
    for path in walk_files(folder):
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
