"""`restore SRC`: check the manifest and every checksum before touching anything, refuse a
target that holds data, restore, then give the snapshot's claims back to the queue."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import Engine, delete, inspect, update

from campaign_engine.errors import InvalidInput
from campaign_engine.services.stewardship.backup import folders
from campaign_engine.services.stewardship.backup_databases import (
    database_kind,
    pg_restore,
    sqlite_path,
    sqlite_restore,
)
from campaign_engine.services.stewardship.backup_format import (
    DUMPS,
    FORMAT,
    MANIFEST,
    BackupError,
    FileEntry,
    Manifest,
    engine_version,
    sha256_of,
    walk_files,
)
from campaign_engine.settings import Settings


def verify_backup(src: Path) -> Manifest:
    """Read the manifest and check every file against it; change nothing."""
    src = src.resolve()
    if not src.is_dir():
        raise InvalidInput("not a folder" if src.exists() else "no such folder", where=str(src))
    manifest = read_manifest(src)
    listed = {entry.path for entry in manifest.files}
    for entry in manifest.files:
        _check_entry(src, entry)
    for path in walk_files(src):
        relative = path.relative_to(src).as_posix()
        if relative != MANIFEST and relative not in listed:
            raise InvalidInput("not in the manifest (a backup is never added to)", where=relative)
    if DUMPS.get(manifest.database) not in listed:
        raise InvalidInput(f"no {DUMPS.get(manifest.database, 'database')} listed", where=MANIFEST)
    return manifest


def read_manifest(src: Path) -> Manifest:
    path = src / MANIFEST
    if not path.is_file():
        raise InvalidInput(
            "missing: not a backup, or one cut short before it finished", where=str(path)
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise InvalidInput(
                f"format {data.get('format')!r}; this engine reads format {FORMAT}",
                where=str(path),
            )
        files = [FileEntry(**entry) for entry in data.pop("files")]
        manifest = Manifest(**data, files=files)
    except InvalidInput:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInput(f"not a readable manifest ({exc})", where=str(path)) from None
    if manifest.database not in DUMPS:
        raise InvalidInput(f"unknown database kind {manifest.database!r}", where=str(path))
    for entry in manifest.files:
        _safe_relative(entry.path)
    return manifest


def restore_backup(settings: Settings, engine: Engine, src: Path) -> Manifest:
    """Check `src`, refuse a target holding data, then restore it into the database and
    folders `settings` name. Returns the manifest restored."""
    src = src.resolve()
    manifest = verify_backup(src)
    kind = database_kind(settings.database_url)
    if manifest.database != kind:
        raise BackupError(
            f"{src}: a {manifest.database} backup cannot be restored into a {kind} database "
            "(database_url)"
        )
    _check_revision_known(engine, manifest.migration_head)
    targets = folders(settings)
    held = {entry.path.split("/", 1)[0] for entry in manifest.files}
    for name in held & {"storage", "outbox"}:
        if name not in targets:
            raise BackupError(
                f"{src}: the backup holds an outbox but email.transport is not outbox here; "
                "set it to outbox (with email.outbox_dir) to restore it"
            )
    for name, folder in targets.items():  # also those the backup holds nothing for
        _refuse_non_empty_folder(folder, name)
    _refuse_non_empty_database(settings.database_url, engine)
    if kind == "sqlite":
        engine.dispose()
        sqlite_restore(src / DUMPS[kind], sqlite_path(settings.database_url))
    else:
        pg_restore(settings.database_url, src / DUMPS[kind])
    for name in held & {"storage", "outbox"}:
        _restore_tree(src / name, targets[name])
    if "secrets.json" in held:
        _restore_secrets(src / "secrets.json", settings.data_dir / "secrets.json")
    release_snapshot_claims(engine)
    return manifest


def _check_entry(src: Path, entry: FileEntry) -> None:
    path = src / entry.path
    if _linked(src, path):
        raise InvalidInput(
            "a symbolic link (a backup holds files: copy it with the links resolved)",
            where=entry.path,
        )
    if not path.is_file():
        raise InvalidInput("listed in the manifest but missing", where=entry.path)
    size = path.stat().st_size
    if size != entry.size:
        raise InvalidInput(f"{size} bytes, the manifest says {entry.size}", where=entry.path)
    if sha256_of(path) != entry.sha256:
        raise InvalidInput("checksum does not match the manifest (damaged)", where=entry.path)


def _linked(root: Path, path: Path) -> bool:
    """Whether `path` or a folder between `root` and it is a symbolic link."""
    while path != root and path != path.parent:
        if path.is_symlink():
            return True
        path = path.parent
    return False


def _safe_relative(relative: str) -> None:
    parts = Path(relative).parts
    if Path(relative).is_absolute() or ".." in parts or not parts:
        raise InvalidInput(f"unsafe path {relative!r}", where=MANIFEST)


def _check_revision_known(engine: Engine, revision: str | None) -> None:
    """A backup from a newer engine has a migration this code does not know: restoring it
    would leave a schema this engine cannot read or upgrade."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from campaign_engine.migrate import alembic_config

    if revision is None:
        raise BackupError("the backup's database has no schema (migration head is empty)")
    try:
        ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision)
    except CommandError:
        raise BackupError(
            f"the backup is at migration {revision}, which this engine "
            f"({engine_version()}) does not know: restore it with the version that took it"
        ) from None


def _refuse_non_empty_folder(folder: Path, name: str) -> None:
    for path in walk_files(folder):
        raise BackupError(
            f"{folder} ({name}) is not empty ({path.relative_to(folder)}): restore only into "
            "empty folders, so nothing of another instance mixes with the backup"
        )


def _refuse_non_empty_database(url: str, engine: Engine) -> None:
    if database_kind(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists():
            return
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
        finally:
            conn.close()
    else:
        tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"the target database holds {len(tables)} table(s) (e.g. {sorted(tables)[0]}): "
            "restore only into an empty database (create a new one, or drop this one)"
        )


def _restore_tree(source: Path, target: Path) -> None:
    for path in walk_files(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    if source.name == "outbox":
        for sub in ("tmp", "new", "cur"):  # a maildir has all three, even when empty
            (target / sub).mkdir(parents=True, exist_ok=True)


def _restore_secrets(source: Path, target: Path) -> None:
    """The target's data_dir may already hold secrets generated when this command loaded
    its configuration: they have signed nothing yet (the database was empty), so the
    backup's, which signed every link already sent, take their place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".secrets-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(source.read_bytes())
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)


def release_snapshot_claims(engine: Engine) -> None:
    """The snapshot's processes, claims and leader lease belong to the instance it was
    taken from; none of those processes runs here, so the restored engine must not wait a
    lease out (up to dispatch.lease_seconds) before sending what they held."""
    from campaign_engine.db import Delivery, EngineProcess
    from campaign_engine.db.coordination import Lease
    from campaign_engine.domain.lifecycle import DeliveryStatus

    tables = set(inspect(engine).get_table_names())  # an older backup may lack some
    with engine.begin() as conn:
        conn.execute(
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.PENDING, lease_owner=None, lease_expires_at=None)
        )
        for model in (EngineProcess, Lease):
            if model.__tablename__ in tables:
                conn.execute(delete(model))
