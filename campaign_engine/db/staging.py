"""A temporary table a large import streams into, a chunk at a time, before one set-based
statement merges it: COPY on PostgreSQL, executemany on SQLite. It lives in the caller's
transaction, so an error anywhere keeps nothing (all rows or none)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class Staging:
    """`CREATE TEMP TABLE name (columns)`; rows written with `write`, read with SQL."""

    def __init__(self, session: Session, name: str, columns: Sequence[tuple[str, str]]) -> None:
        # names come from code, never from a file; checked so that stays true
        if not all(IDENTIFIER.fullmatch(n) for n in (name, *(c for c, _ in columns))):
            raise ValueError(f"not an identifier among {name!r}, {columns!r}")
        self.session, self.name = session, name
        self.columns = [column for column, _ in columns]
        self.postgres = session.get_bind().dialect.name == "postgresql"
        declared = ", ".join(f"{column} {kind}" for column, kind in columns)
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        suffix = " ON COMMIT DROP" if self.postgres else ""
        session.execute(text(f"CREATE TEMP TABLE {name} ({declared}){suffix}"))

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        listed = ", ".join(self.columns)
        if self.postgres:
            raw: Any = self.session.connection().connection.dbapi_connection  # psycopg's
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {self.name} ({listed}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(f":{column}" for column in self.columns)
        self.session.execute(
            text(f"INSERT INTO {self.name} ({listed}) VALUES ({marks})"),  # noqa: S608 (IDENTIFIER)
            [dict(zip(self.columns, row, strict=True)) for row in rows],
        )

    def drop(self) -> None:
        self.session.execute(text(f"DROP TABLE IF EXISTS {self.name}"))
