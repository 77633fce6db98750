"""Why a campaign's pending items wait: the last transient failure per channel.

Written with each transient failure (pipeline/delivery.py), deleted when the channel
sends again; read by `campaigns status`, the API and the campaign page, so "pending 730"
comes with "storage full since 12:03, retrying until 15 Dec 12:03".
"""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import DeliveryWait
from campaign_engine.services.links import insert_ignoring_conflicts

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}


def describe_failure(exc: BaseException) -> str:
    """One line a marketer can act on, the same for every item the same cause stops (no
    file names, no ids), so repeats are recognised as one cause."""
    cause = exc if isinstance(exc, OSError) else exc.__cause__
    if isinstance(cause, OSError) and not isinstance(cause, ConnectionError | TimeoutError):
        if cause.errno in _FULL:
            return "storage full (no space left on device)"
        if cause.errno in _READ_ONLY:
            return f"storage not writable ({cause.strerror or cause})"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def record_wait(
    session: Session,
    campaign_id: int,
    channel: str,
    reason: str,
    *,
    now: datetime,
    retry_until: datetime,
) -> None:
    """Upsert the channel's row: `since` stays while the reason repeats, restarts when
    it changes; `retry_until` is the latest deadline of the items it holds back."""
    reason = reason[:300]
    insert_ignoring_conflicts(
        session,
        DeliveryWait,
        [
            {
                "campaign_id": campaign_id,
                "channel": channel,
                "reason": reason,
                "since": now,
                "last_at": now,
                "retry_until": retry_until,
                "failures": 0,
            }
        ],
    )
    row = (DeliveryWait.campaign_id == campaign_id) & (DeliveryWait.channel == channel)
    session.execute(
        update(DeliveryWait)
        .where(row)
        .values(
            since=case((DeliveryWait.reason == reason, DeliveryWait.since), else_=now),
            reason=reason,
            last_at=now,
            retry_until=case(
                (DeliveryWait.retry_until < retry_until, retry_until),
                else_=DeliveryWait.retry_until,
            ),
            failures=DeliveryWait.failures + 1,
        )
        .execution_options(synchronize_session=False)
    )


def clear_wait(session: Session, campaign_id: int, channel: str) -> None:
    """The channel sent something: whatever it waited for is over."""
    session.execute(
        delete(DeliveryWait)
        .where(DeliveryWait.campaign_id == campaign_id, DeliveryWait.channel == channel)
        .execution_options(synchronize_session=False)
    )


def waits(session: Session, campaign_id: int, pending: dict[str, int]) -> list[dict[str, Any]]:
    """The channels with pending items that wait on a failure, each with its reason, since
    when, until when its items are retried, and a sentence saying so."""
    rows = session.scalars(
        select(DeliveryWait)
        .where(DeliveryWait.campaign_id == campaign_id)
        .order_by(DeliveryWait.channel)
    )
    return [
        {
            "channel": row.channel,
            "pending": pending[row.channel],
            "reason": row.reason,
            "since": _iso(row.since),
            "last_at": _iso(row.last_at),
            "retrying_until": _iso(row.retry_until),
            "failures": row.failures,
            "sentence": wait_sentence(row.reason, row.since, row.retry_until),
        }
        for row in rows
        if pending.get(row.channel)
    ]


def wait_sentence(reason: str, since: datetime, until: datetime) -> str:
    """'storage full (no space left on device) since 12:03 UTC; retrying until
    2026-12-11 12:03 UTC'."""
    started = since.astimezone(UTC)
    ending = until.astimezone(UTC)
    return (
        f"{reason} since {started:%Y-%m-%d %H:%M} UTC; retrying until {ending:%Y-%m-%d %H:%M} UTC"
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
