"""Sending paused while a backup takes its snapshot, so the backup is a moment at which
nothing was half-sent.

A backup that copies the database while the engine sends records some mails as pending
that the old machine sends a second later; restored, the engine sends them again. So the
backup holds the `backup` lease for as long as it copies: dispatchers claim nothing while
it is held (pipeline/dispatcher.claim_due), and the backup waits for the claims already
in flight to be recorded before it takes the snapshot. What the restored engine can then
send twice is only what the old machine claimed after the backup let go of the lease.

The lease lapses on its own if the backup is killed, so a dead backup stops sending for
at most `TTL` seconds; a live one renews it from a thread while the copy goes on.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery, Lease
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import CampaignEngineError
from campaign_engine.infra import leases
from campaign_engine.runtime import system_clock

LEASE = "backup"
TTL = 60.0


class BackupRunning(CampaignEngineError):
    """A second backup while one is copying: its end would let sending resume while the
    other still copies."""


def sending_paused_by(session: Session, *, now: datetime) -> str | None:
    """The backup holding sending still, or None. Dispatchers ask this before each claim."""
    return leases.holder_of(session, LEASE, now=now)


@contextmanager
def sending_paused(
    engine: Engine,
    *,
    drain_seconds: float,
    poll_seconds: float = 0.2,
    clock: Callable[[], datetime] = system_clock,
) -> Iterator[int]:
    """Hold the `backup` lease and wait up to `drain_seconds` for the claims in flight to
    be recorded; yields how many were still in flight when the wait ended (0 normally:
    more means a process that died holding claims, whose leases will lapse)."""
    if not inspect(engine).has_table(Lease.__tablename__):
        yield 0  # a database an older release made: none of its engines reads the lease
        return
    holder = f"backup-{uuid.uuid4().hex[:12]}"
    with Session(engine) as session, session.begin():
        if not leases.acquire(session, LEASE, holder, now=clock(), ttl=TTL):
            other = leases.holder_of(session, LEASE, now=clock())
            raise BackupRunning(
                f"another backup ({other}) holds sending still; run one backup at a time"
            )
    stop = threading.Event()
    renewer = threading.Thread(
        target=_renew, args=(engine, holder, stop, clock), name="backup-lease", daemon=True
    )
    renewer.start()
    try:
        yield _drain(engine, clock, drain_seconds, poll_seconds)
    finally:
        stop.set()
        renewer.join()
        with Session(engine) as session, session.begin():
            leases.release(session, LEASE, holder, now=clock())


def in_flight(engine: Engine, now: datetime) -> int:
    """Deliveries claimed by a live process and not yet recorded as sent or failed."""
    with Session(engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_expires_at > now)
            )
            or 0
        )


def _drain(
    engine: Engine, clock: Callable[[], datetime], drain_seconds: float, poll_seconds: float
) -> int:
    """Wait for the in-flight count to stay at zero over two polls: a dispatcher that read
    the lease as free just before the backup took it commits its claim within one."""
    deadline = time.monotonic() + drain_seconds
    quiet = 0
    while True:
        left = in_flight(engine, clock())
        quiet = quiet + 1 if left == 0 else 0
        if quiet >= 2 or time.monotonic() >= deadline:
            return left
        time.sleep(poll_seconds)


def _renew(
    engine: Engine, holder: str, stop: threading.Event, clock: Callable[[], datetime]
) -> None:
    while not stop.wait(TTL / 3):
        with Session(engine) as session, session.begin():
            leases.acquire(session, LEASE, holder, now=clock(), ttl=TTL)
