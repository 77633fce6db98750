"""When to try a failed delivery again, and when to stop.

Retries go by time, not by count, as an MTA's queue does (Postfix keeps a message five
days, Exim four): an outage of the SMTP server, the disk or the database must not turn
every pending email into "failed" after a quarter of an hour. Exponential backoff with
full jitter spreads retries so a recovering server is not hit by every worker at the same
second; the cap keeps the gap between tries short enough that sending resumes soon after
the outage ends.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


def backoff_seconds(
    attempt: int,
    base: float,
    cap: float = 3600.0,
    rng: random.Random | None = None,
    retry_after: float | None = None,
) -> float:
    delay = min(cap, base * (2 ** min(max(0, attempt - 1), 60)))
    jittered = (rng or random).uniform(delay / 2, delay)
    return max(jittered, retry_after or 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """dispatch.backoff_base_seconds, backoff_cap_seconds, retry_window_hours and the
    optional max_attempts, as one decision."""

    base_seconds: float
    cap_seconds: float
    window: timedelta
    max_attempts: int | None = None

    def deadline(self, first_failure: datetime) -> datetime:
        """The end of the window opened by a delivery's first transient failure."""
        return first_failure + self.window

    def next_try(
        self,
        *,
        attempts: int,
        now: datetime,
        until: datetime,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> datetime | None:
        """When to try again after a transient failure, or None to give up: the window
        has closed (or max_attempts is spent). The last try falls on the window's end, so
        a delivery is never given up while a try inside the window is still owed."""
        if now >= until or (self.max_attempts is not None and attempts >= self.max_attempts):
            return None
        delay = backoff_seconds(attempts, self.base_seconds, self.cap_seconds, rng, retry_after)
        return min(now + timedelta(seconds=delay), until)
