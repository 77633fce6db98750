"""Supervised loops: an error is logged once and the loop goes on; a loop without a
finished round past the window makes the process let go and exit 75."""

from __future__ import annotations

import logging
import threading
import time

from campaign_engine.infra.processes import ClaimsInProgress
from campaign_engine.infra.supervise import EXIT_RESTART, Loop, Watchdog


def test_a_failing_round_is_logged_once_and_the_loop_goes_on(caplog):
    stop = threading.Event()
    loop = Loop("flaky", stop, interval=0.01, backoff_cap=0.01)
    rounds = []

    def body() -> None:
        rounds.append(1)
        if len(rounds) <= 5:
            raise ConnectionError("database away")
        if len(rounds) == 8:
            stop.set()

    with caplog.at_level(logging.WARNING):
        loop.run(body)
    loop.close()
    assert len(rounds) == 8, "the loop went on after five failures"
    failed = [r for r in caplog.records if "flaky failed" in r.getMessage()]
    assert len(failed) == 1, "logged once, then counted"
    assert any("flaky recovered after 5 failed rounds" in r.getMessage() for r in caplog.records)
    assert loop.state.failures == 0 and loop.state.last_error is None


def test_a_loop_without_a_round_past_the_window_gives_the_process_up():
    stop = threading.Event()
    stuck = Loop("stuck", stop, interval=0.01)
    let_go, exits = [], []
    watchdog = Watchdog(
        0.5,
        [lambda: let_go.append("lease"), lambda: 1 / 0, lambda: let_go.append("claims")],
        exit=exits.append,
    )
    watchdog.watch(stuck)
    stuck.state.last_round = time.monotonic() - 10  # nothing finished for 10 s
    watchdog.run()
    stuck.close()
    # each let-go is tried even when one before it fails; then exit 75 for a restart
    assert let_go == ["lease", "claims"] and exits == [EXIT_RESTART]


def test_work_that_raised_is_given_back_and_work_going_on_is_renewed():
    claims = ClaimsInProgress()
    try:
        with claims.work("p/1", (1, 2)) as step:
            step()
            assert claims.working(stuck_after=60) == [("p/1", (1, 2))]
            assert claims.working(stuck_after=-1) == [], "a step older than the bound is stuck"
            raise ConnectionError("database away")
    except ConnectionError:
        pass
    assert claims.working(stuck_after=60) == []
    assert claims.take_dropped() == [("p/1", (1, 2))]
    assert claims.take_dropped() == []
