"""Token buckets in the database, shared by every process: sending (applied at the moment
of sending: per-worker limits overshoot as soon as there are two workers) and sign-in
attempts per client address (one budget however many web processes answer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign_engine.db import RateBucket
from campaign_engine.db.bulk import insert_ignoring_conflicts

SIGN_IN_BUCKETS = "signin:"  # + endpoint + client address: forgotten after a quiet day


@dataclass(frozen=True)
class Limit:
    key: str
    per_second: float
    size: float | None = None  # the bucket; default one second's worth (at least one)

    @property
    def burst(self) -> float:
        return self.size if self.size is not None else max(1.0, self.per_second)


def try_acquire(session: Session, limits: list[Limit], now: datetime) -> float:
    """Take one token from every bucket, or none: returns 0.0 on success, else the seconds
    to wait before the scarcest bucket has a token again."""
    if not limits:
        return 0.0
    insert_ignoring_conflicts(
        session,
        RateBucket,
        [{"key": limit.key, "tokens": limit.burst, "updated_at": now} for limit in limits],
    )
    buckets = {
        bucket.key: bucket
        for bucket in session.scalars(
            select(RateBucket)
            .where(RateBucket.key.in_([limit.key for limit in limits]))
            .order_by(RateBucket.key)
            .with_for_update()
        )
    }
    levels = {}
    for limit in limits:
        bucket = buckets[limit.key]
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        levels[limit.key] = min(limit.burst, bucket.tokens + elapsed * limit.per_second)
    wait = max((1.0 - levels[limit.key]) / limit.per_second for limit in limits)
    granted = wait <= 0
    for limit in limits:
        bucket = buckets[limit.key]
        bucket.tokens = levels[limit.key] - (1.0 if granted else 0.0)
        bucket.updated_at = now
    return 0.0 if granted else wait


def forget_idle(session: Session, prefix: str, before: datetime) -> int:
    """Buckets under `prefix` untouched since `before` (a full bucket is no bucket)."""
    result = session.execute(
        delete(RateBucket).where(RateBucket.key.startswith(prefix), RateBucket.updated_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
