"""INSERT ... ON CONFLICT DO NOTHING RETURNING for a batch of rows, the cheap way per database.

SQLAlchemy sends an executemany with RETURNING as multi-row VALUES statements whose text
changes with the batch size, and psycopg parses each such text anew: for the small batches
of the callback writer that parsing was a third of its CPU. On PostgreSQL one fixed
statement instead takes one array per column (unnest), parsed and planned once per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, Table, TextClause, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


def insert_new(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str],
    conflict: Sequence[str] | None = None,
) -> list[Row[*tuple[Any, ...]]]:
    """Insert the rows that conflict with nothing (on `conflict`'s columns, or any unique
    constraint when None); returns the `returning` columns of those inserted. Every row has
    the same keys."""
    if not rows:
        return []
    if connection.dialect.name != "postgresql":
        insert = sqlite.insert(table).on_conflict_do_nothing(index_elements=conflict)
        returned = insert.returning(*(table.c[name] for name in returning))
        return list(connection.execute(returned, list(rows)))
    names = tuple(rows[0])
    conflict_key = tuple(conflict) if conflict is not None else None
    statement, processors = _unnest(
        connection.dialect, table, names, tuple(returning), conflict_key
    )
    arrays = {
        f"c{i}": [row[name] for row in rows]
        if processor is None
        else [None if row[name] is None else processor(row[name]) for row in rows]
        for i, (name, processor) in enumerate(zip(names, processors, strict=True))
    }
    return list(connection.execute(statement, arrays))


@lru_cache(maxsize=32)
def _unnest(
    dialect: Dialect,
    table: Table,
    names: tuple[str, ...],
    returning: tuple[str, ...],
    conflict: tuple[str, ...] | None,
) -> tuple[TextClause, list[Any]]:
    columns = [table.c[name] for name in names]
    arrays = ", ".join(
        f"CAST(:c{i} AS {column.type.compile(dialect)}[])" for i, column in enumerate(columns)
    )
    target = f" ({', '.join(conflict)})" if conflict else ""
    # Identifiers come from the Table object and types from SQLAlchemy, never from input;
    # every value is a bound parameter.
    statement = text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "  # noqa: S608
        f"ON CONFLICT{target} DO NOTHING RETURNING {', '.join(returning)}"
    )
    # What SQLAlchemy itself applies to each value (UTC datetimes made naive, JSON wrapped).
    return statement, [
        column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns
    ]


def insert_ignoring_conflicts(
    session: Session, model: type[Any], rows: list[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on both databases: planning twice adds nothing,
    and two processes planning at once cannot both insert the same row."""
    if not rows:
        return
    session.execute(dialect_insert(session)(model).on_conflict_do_nothing(), rows)


def dialect_insert(session: Session) -> Any:
    """The INSERT construct that knows ON CONFLICT for the session's database."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def refresh_statistics(session: Session, table: str) -> None:
    """ANALYZE a table a bulk write has just grown, on PostgreSQL: a million planned rows
    left its statistics saying the campaign had none, and the dispatcher's claim sorted
    every due row (0.7 s a claim, one core of PostgreSQL busy) instead of reading 400 from
    its index. Autovacuum would analyze it a minute or more later, or never where it is off."""
    if session.get_bind().dialect.name == "postgresql":
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        session.execute(text(f"ANALYZE {table}"))
