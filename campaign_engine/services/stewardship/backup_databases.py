"""The database copied out of and into a backup: SQLite through its online backup API,
PostgreSQL through pg_dump and pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.engine import URL

from campaign_engine.services.stewardship.backup_format import DUMPS, BackupError


def sqlite_snapshot(url: str, target: Path) -> None:
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


def sqlite_revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def pg_dump(url: str, target: Path) -> None:
    """pg_dump runs in one repeatable-read transaction: a consistent snapshot however long
    it takes, and the engine goes on writing meanwhile."""
    libpq, env = libpq_uri(url)
    run_pg_tool(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", libpq],
        env,
    )


def sqlite_restore(dump: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def pg_restore(url: str, dump: Path) -> None:
    libpq, env = libpq_uri(url)
    run_pg_tool(
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


def libpq_uri(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for pg_dump/pg_restore, with the password in the environment rather
    than on a command line every user of the machine can read."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_pg_tool(args: list[str], env: dict[str, str]) -> None:
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
