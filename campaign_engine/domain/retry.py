"""Exponential backoff with full jitter: spreads retries so a recovering server is not
hit by every worker at the same second."""

from __future__ import annotations

import random


def backoff_seconds(
    attempt: int,
    base: float,
    cap: float = 3600.0,
    rng: random.Random | None = None,
    retry_after: float | None = None,
) -> float:
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    jittered = (rng or random).uniform(delay / 2, delay)
    return max(jittered, retry_after or 0.0)
