"""Engine and session factory. No module-level engine: the app or CLI builds one from settings."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from campaign_engine.errors import ConfigError

BUSY_SECONDS = 30  # how long a SQLite writer waits for another's transaction


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    sqlite = url.startswith("sqlite")
    if sqlite:
        factory = _writer_queue_connection(threading.Lock())
        kwargs["connect_args"] = {"factory": factory, **kwargs.get("connect_args", {})}
    # A failed statement's parameters (customers' addresses) stay out of tracebacks and
    # so out of logs (docs/privacy.md: logs name partners and counts, not customers).
    kwargs.setdefault("hide_parameters", True)
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # unknown dialect, missing driver, malformed URL
        raise ConfigError(f"config key 'database_url': {exc}") from None
    if sqlite:
        _tune_sqlite(engine)
    return engine


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _tune_sqlite(engine: Engine) -> None:
    """WAL lets the web process read while workers write; busy_timeout waits out locks;
    secure_delete zeroes what is deleted."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and rewritten rows are overwritten with zeros, so an erased person's
        # address does not stay readable in free pages of the file (services/stewardship).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        # SQLite's own lower() folds ASCII only, so a search for "αθηνα" missed "ΑΘΗΝΑ";
        # Python's folds every script, as PostgreSQL's lower() does in a UTF-8 database.
        dbapi_conn.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
        conn.connection.dbapi_connection.begin_immediate()


def _writer_queue_connection(lock: threading.Lock) -> type[sqlite3.Connection]:
    """sqlite3 connections whose writers queue on one lock per engine, handed over at
    COMMIT or ROLLBACK.

    SQLite lets one transaction write at a time. Without this, the others wait in SQLite's
    busy handler, which sleeps 1, 2, 5 ... up to 100 ms between tries instead of being
    woken when the lock frees: with eight sending threads, that sleeping was 70% of a
    launch's send time (py-spy over bench/launch.py). Threads of one process now wake as
    soon as the writer before them commits; other processes still meet busy_timeout. The
    lock is taken exactly while SQLite's own write lock is held, so nothing waits longer
    than it did; a lock not had within BUSY_SECONDS falls back to SQLite's own wait.
    """

    class WriterQueueConnection(sqlite3.Connection):
        holds_lock = False

        def begin_immediate(self) -> None:
            self.holds_lock = lock.acquire(timeout=BUSY_SECONDS)
            try:
                self.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._hand_over()
                raise

        def _hand_over(self) -> None:
            if self.holds_lock:
                self.holds_lock = False
                lock.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._hand_over()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._hand_over()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._hand_over()

    return WriterQueueConnection


def make_session_factory(engine: Engine, *, every_model: bool = True) -> sessionmaker[Session]:
    """Sessions on `engine`. `every_model=False` is for read-only commands that name the few
    models they query: the others are then never built (see campaign_engine.db)."""
    if every_model:
        from campaign_engine.db import load_all

        load_all()
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
