"""Engine and session factory. No module-level engine: the app or CLI builds one from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from campaign_engine.errors import ConfigError


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # unknown dialect, missing driver, malformed URL
        raise ConfigError(f"config key 'database_url': {exc}") from None
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    """WAL lets the web process read while workers write; busy_timeout waits out locks."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


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
