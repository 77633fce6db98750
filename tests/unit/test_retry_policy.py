"""Retries by time (domain.retry): the window, the cap, the last try on the window's end,
and the throttled log of repeated errors. Pure functions and a moved clock: no sleeping."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from campaign_engine.domain.retry import RetryPolicy
from campaign_engine.infra.repeats import RepeatedLog

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_seconds=30, cap_seconds=900, window=timedelta(hours=72))


def test_an_outage_is_retried_for_the_whole_window_with_the_gap_capped():
    rng = random.Random(7)
    now, until, attempts, gaps = START, POLICY.deadline(START), 0, []
    while True:
        attempts += 1
        after = POLICY.next_try(attempts=attempts, now=now, until=until, rng=rng)
        if after is None:
            break
        gaps.append((after - now).total_seconds())
        now = after
    assert now == until == START + timedelta(hours=72), "the last try falls on the window's end"
    assert max(gaps) <= 900, "never more than the cap between tries"
    assert gaps[0] <= 30 and min(gaps[8:-1]) >= 450, "doubling, then jittered at the cap"
    assert 72 * 3600 / 900 < attempts < 72 * 3600 / 450 + 10


def test_a_quarter_hour_outage_no_longer_fails_anything():
    """The old policy (6 attempts from 30 s) gave up after about 15 minutes."""
    until = POLICY.deadline(START)
    later = START + timedelta(minutes=20)
    assert POLICY.next_try(attempts=12, now=later, until=until) is not None


def test_past_the_window_it_gives_up():
    until = POLICY.deadline(START)
    assert POLICY.next_try(attempts=300, now=until, until=until) is None
    assert POLICY.next_try(attempts=1, now=until + timedelta(seconds=1), until=until) is None


def test_retry_after_is_honoured_but_not_past_the_window():
    until = START + timedelta(minutes=5)
    after = POLICY.next_try(attempts=1, now=START, until=until, retry_after=3600)
    assert after == until


def test_max_attempts_still_stops_early_when_set():
    policy = RetryPolicy(30, 900, timedelta(hours=72), max_attempts=3)
    until = policy.deadline(START)
    assert policy.next_try(attempts=2, now=START, until=until) is not None
    assert policy.next_try(attempts=3, now=START, until=until) is None


def test_repeated_errors_are_logged_once_a_minute_with_a_count(caplog):
    now = [0.0]
    repeats = RepeatedLog(interval=60, clock=lambda: now[0])
    log = logging.getLogger("test.repeats")
    error = OSError(28, "No space left on device")
    with caplog.at_level(logging.ERROR, logger="test.repeats"):
        for second in range(0, 125):
            now[0] = float(second)
            for _ in range(20):  # 20 failing renders a second, as on a full disk
                repeats.log(log, "enospc", "render failed: %s", error, exc_info=error)
        repeats.log(log, "other", "something else")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "render failed: [Errno 28] No space left on device",
        "render failed: [Errno 28] No space left on device (and 1199 more like it in the "
        "last 60 s)",
        "render failed: [Errno 28] No space left on device (and 1199 more like it in the "
        "last 60 s)",
        "something else",
    ]
    assert caplog.records[0].exc_info and not caplog.records[1].exc_info, "one traceback"
