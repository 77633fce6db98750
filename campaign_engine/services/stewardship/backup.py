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
them runs against the restored database.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import Engine, delete, inspect, make_url, update
from sqlalchemy.engine import URL

from campaign_engine.errors import CampaignEngineError, InvalidInput
from campaign_engine.services.stewardship.pause import sending_paused
from campaign_engine.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1 << 20


class BackupError(CampaignEngineError):
    """A backup that cannot be taken, or a restore refused before it changed anything."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the backup folder, with forward slashes
    size: int
    sha256: str


@dataclass
class Manifest:
    engine_version: str
    migration_head: str | None
    database: str  # sqlite | postgresql
    created_at: str
    files: list[FileEntry] = field(default_factory=list)
    format: int = FORMAT
    in_flight: int = 0  # claims still unrecorded when the snapshot was taken

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


# --- taking a backup -------------------------------------------------------------------


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
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        manifest = Manifest(
            engine_version=engine_version(),
            migration_head=None,
            database=kind,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            in_flight=in_flight,
        )
        dump = work / DUMPS[kind]
        if kind == "sqlite":
            _sqlite_snapshot(settings.database_url, dump)
            manifest.migration_head = _sqlite_revision(dump)
        else:
            manifest.migration_head = current_revision(engine)
            _pg_dump(settings.database_url, dump)
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


def _sqlite_snapshot(url: str, target: Path) -> None:
    """SQLite's online backup API copies every page inside one read transaction: a
    consistent database while the engine keeps writing (WAL lets writers go on)."""
    path = sqlite_path(url)
    if not path.is_file():
        raise BackupError(f"{path}: the database file does not exist")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot read the database: {exc}") from None
    finally:
        copy.close()
        source.close()


def _sqlite_revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _pg_dump(url: str, target: Path) -> None:
    """pg_dump runs in one repeatable-read transaction: a consistent snapshot however long
    it takes, and the engine goes on writing meanwhile."""
    libpq, env = _libpq(url)
    _run_pg_tool(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", libpq],
        env,
    )


# --- restoring -------------------------------------------------------------------------


def verify_backup(src: Path) -> Manifest:
    """Read the manifest and check every file against it; change nothing."""
    src = src.resolve()
    if not src.is_dir():
        raise InvalidInput("not a folder" if src.exists() else "no such folder", where=str(src))
    manifest = read_manifest(src)
    listed = {entry.path for entry in manifest.files}
    for entry in manifest.files:
        _check_entry(src, entry)
    for path in _walk(src):
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
        _sqlite_restore(src / DUMPS[kind], sqlite_path(settings.database_url))
    else:
        _pg_restore(settings.database_url, src / DUMPS[kind])
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
    for path in _walk(folder):
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


def _sqlite_restore(dump: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _pg_restore(url: str, dump: Path) -> None:
    libpq, env = _libpq(url)
    _run_pg_tool(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={libpq}",
            str(dump),
        ],
        env,
    )


def _restore_tree(source: Path, target: Path) -> None:
    for path in _walk(source):
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


# --- shared ----------------------------------------------------------------------------


def engine_version() -> str:
    try:
        return metadata.version("campaign-engine")
    except metadata.PackageNotFoundError:
        return "unknown"


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DUMPS:
        raise BackupError(f"database_url: {backend} databases cannot be backed up")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("database_url: an in-memory SQLite database cannot be backed up")
    return Path(database).resolve()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
    for path in _walk(source):
        relative = path.relative_to(source)
        if maildir and relative.parts[0] == "tmp":
            continue
        try:
            entries.append(_copy_file(path, target / relative, root))
        except FileNotFoundError:
            continue
    return entries


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under `folder`, sorted; none if it does not exist. Symbolic links
    are not followed: a backup holds what the engine wrote, nothing it points at."""
    if not folder.is_dir():
        return
    for directory, subdirs, names in os.walk(folder):
        subdirs.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _fsync_tree(folder: Path) -> None:
    for path in _walk(folder):
        with path.open("rb") as handle:
            os.fsync(handle.fileno())


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for pg_dump/pg_restore, with the password in the environment rather
    than on a command line every user of the machine can read."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_pg_tool(args: list[str], env: dict[str, str]) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(
            f"{args[0]} is not on PATH: install postgresql-client (make system-packages), "
            "the same major version as the server or newer"
        )
    result = subprocess.run(  # noqa: S603 (pg_dump/pg_restore, arguments we built)
        args, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit code {result.returncode}"
        raise BackupError(f"{args[0]} failed: {detail}")
