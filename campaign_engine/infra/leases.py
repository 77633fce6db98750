"""Leases in the database decide which process holds a role, such as the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Lease
from campaign_engine.db.bulk import insert_ignoring_conflicts


def acquire(session: Session, name: str, holder: str, *, now: datetime, ttl: float) -> bool:
    """Take or renew the lease; True if `holder` now holds it. The row is locked while we
    decide (FOR UPDATE on PostgreSQL; SQLite's write lock is already ours)."""
    insert_ignoring_conflicts(session, Lease, [{"name": name, "holder": holder, "expires_at": now}])
    lease = session.scalar(select(Lease).where(Lease.name == name).with_for_update())
    assert lease is not None
    if lease.holder != holder and lease.expires_at > now:
        return False
    lease.holder = holder
    lease.expires_at = now + timedelta(seconds=ttl)
    return True


def release(session: Session, name: str, holder: str, *, now: datetime) -> None:
    """Let a standby take over at once instead of waiting out the lease."""
    lease = session.scalar(select(Lease).where(Lease.name == name).with_for_update())
    if lease is not None and lease.holder == holder:
        lease.expires_at = now


def holder_of(session: Session, name: str, *, now: datetime) -> str | None:
    lease = session.get(Lease, name)
    return lease.holder if lease is not None and lease.expires_at > now else None
