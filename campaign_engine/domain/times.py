"""Times from outside (forms, API bodies, callbacks, CSVs) that the database can store:
with a zone, and between 1970 and 2200 once in UTC. Year 1 at +05:00 or year 9999 at
-05:00 parse fine, then overflow deep in the driver; here they are a clear input error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def storable(value: datetime) -> datetime:
    """The time in UTC; ValueError (which pydantic reports by field) when it has no zone
    or lies outside the range."""
    if value.tzinfo is None:
        raise ValueError("give a timezone, e.g. 2026-11-22T10:00:00Z")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError("give a time between 1970 and 2200")
    return utc


StorableTime = Annotated[datetime, AfterValidator(storable)]
