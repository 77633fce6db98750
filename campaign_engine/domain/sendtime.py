"""Partner-local send times: "Tuesday 10:00 in each partner's timezone", stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_send_time(value: str) -> time:
    hours, _, minutes = value.partition(":")
    try:
        return time(int(hours), int(minutes or 0))
    except ValueError:
        raise ValueError(f"'{value}' is not a time like 10:00") from None


def parse_weekday(value: str) -> int:
    name = value.strip().lower()
    for index, day in enumerate(WEEKDAYS):
        if day.startswith(name[:3]) and len(name) >= 3:
            return index
    raise ValueError(f"'{value}' is not a weekday such as tuesday")


def local_due(after: datetime, timezone: str, send_time: str, weekday: int | None) -> datetime:
    """The first local `send_time` (on `weekday`, if given) at or after `after`, in UTC.

    Wall-clock arithmetic happens in the partner's zone, so 10:00 stays 10:00 across a DST
    change; a time that does not exist that day (the spring-forward gap) is moved forward by
    the gap, as clocks are.
    """
    zone = ZoneInfo(timezone)
    local_now = after.astimezone(zone)
    at = parse_send_time(send_time)
    for days in range(0, 8):
        day = (local_now + timedelta(days=days)).date()
        if weekday is not None and day.weekday() != weekday:
            continue
        candidate = _existing(datetime.combine(day, at, tzinfo=zone))
        if candidate >= after:
            return candidate.astimezone(UTC)
    raise AssertionError("a matching day exists within a week")


def _existing(local: datetime) -> datetime:
    """Round-trip through UTC: a wall time in a DST gap comes back shifted past the gap."""
    return local.astimezone(UTC).astimezone(local.tzinfo)
