"""Why a campaign's pending items wait: the last transient failure per channel.

Written with each transient failure (pipeline/failures.py), deleted when the channel
sends again; read by `campaigns status`, the API and the campaign page, so "pending 730"
comes with "storage full since 12:03, retrying until 15 Dec 12:03".
"""

from __future__ import annotations

import errno
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery, DeliveryWait
from campaign_engine.domain.lifecycle import DeliveryStatus

# A channel failing this long without a send is in an outage: a canary tests it this
# often (the scheduler's canary job), and its first send afterwards releases the rest.
QUIET = timedelta(seconds=10)
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
    # here, not at the top: `campaigns status` reads waits without the link models
    from campaign_engine.db.bulk import insert_ignoring_conflicts

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


def clear_wait(session: Session, campaign_id: int, channel: str, *, now: datetime) -> None:
    """The channel sent something: whatever it waited for is over. If it had been failing
    for at least QUIET with no send in between (an outage, not one greylisted address),
    the cause is gone for all its items: those retrying are due now, instead of each
    waiting out up to backoff_cap_seconds after the outage ended."""
    since = session.scalar(
        select(DeliveryWait.since).where(
            DeliveryWait.campaign_id == campaign_id, DeliveryWait.channel == channel
        )
    )
    if since is None:  # the usual case: one primary-key probe, nothing written
        return
    session.execute(
        delete(DeliveryWait)
        .where(DeliveryWait.campaign_id == campaign_id, DeliveryWait.channel == channel)
        .execution_options(synchronize_session=False)
    )
    if since <= now - QUIET:
        session.execute(
            update(Delivery)
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.channel == channel,
                Delivery.retry_until.is_not(None),
                Delivery.due_at > now,
            )
            .values(due_at=now)
            .execution_options(synchronize_session=False)
        )


def wake_canaries(session: Session, *, now: datetime, quiet: timedelta = QUIET) -> int:
    """For each waiting channel that has not failed for `quiet`: bring its soonest
    retrying item forward to now. That one real send tests the way: if it fails, it goes
    back to its backoff; if it succeeds, clear_wait makes the rest due. At most one extra
    try per channel per `quiet`, so a struggling server is not hammered, and an outage's
    end is noticed within seconds rather than at the next capped backoff (15 minutes)."""
    woken = 0
    for wait in session.scalars(select(DeliveryWait).where(DeliveryWait.last_at <= now - quiet)):
        canary = session.scalar(
            select(Delivery.id)
            .where(
                Delivery.campaign_id == wait.campaign_id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.channel == wait.channel,
                Delivery.retry_until.is_not(None),
                Delivery.due_at > now,
            )
            .order_by(Delivery.due_at)
            .limit(1)
        )
        wait.last_at = now  # the next canary after another quiet spell
        if canary is not None:
            session.execute(update(Delivery).where(Delivery.id == canary).values(due_at=now))
            woken += 1
    return woken


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
