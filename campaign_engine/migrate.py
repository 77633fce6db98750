"""Run Alembic migrations programmatically, on the engine the settings name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from campaign_engine.errors import CampaignEngineError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with (
        engine.connect() as connection,
        _sqlite_foreign_keys_off(connection),
        connection.begin(),
    ):
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        _check_foreign_keys(connection)


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it into a new one and dropping the old (Alembic's
    batch mode). With foreign keys enforced, dropping a table that rows point at fails, so
    upgrading a SQLite database that held a programme failed at 0003 (it alters campaigns,
    which deliveries point at; tests/integration/test_upgrade_from_old_data.py). The pragma
    is a no-op inside a transaction: it is set on the raw connection before one begins,
    and the references are checked once the migrations are done."""
    raw = connection.connection.dbapi_connection if connection.dialect.name == "sqlite" else None
    if raw is None:
        yield
        return
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise CampaignEngineError(
            f"migration left {len(broken)} broken reference(s), e.g. {table} row {rowid} -> "
            f"{parent}; nothing was changed"
        )


def make_revision(engine: Engine, message: str) -> None:
    """Developer aid: autogenerate a migration from the models (`python -m ...migrate`)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    import sys

    from campaign_engine.db.session import make_engine

    make_revision(make_engine(sys.argv[1]), sys.argv[2])
