"""What an UPDATE or DELETE run through the ORM session reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result


def affected_rows(result: Result[*tuple[Any, ...]]) -> int:
    """The rows an UPDATE or DELETE without RETURNING matched (the driver's rowcount).
    Session.execute returns a CursorResult for one, but is typed as returning any Result
    (an ORM event may substitute another); SQLAlchemy issue #12913."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a {type(result).__name__} carries no rowcount")
    return result.rowcount or 0
