"""Background loops that outlive their own errors, and a watchdog that ends a process
whose loop cannot recover.

The dispatcher once died of an OperationalError raised outside its `try` while the process
went on heartbeating and holding the scheduler lease: nothing was sent and no standby
could take over (issue #31). Every long-lived loop now runs its rounds through a `Loop`:
an exception is logged (the first in full, then once a minute with a count, through
services/delivery/health/repeats), the loop waits a capped backoff and goes on. A `Watchdog`
notices a loop that has not finished a round for `dispatch.give_up_seconds` (failing all
that time, stuck, or dead) and gives the process up: it lets go of what it holds and exits
with EXIT_RESTART, so systemd, Kubernetes or supervisord starts a fresh one.

Written here: retry libraries (tenacity, backoff) retry one call; this is a thread's loop
with a shared watchdog and a process exit, a few dozen lines of the standard library.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from campaign_engine.infra.repeats import log_repeated

log = logging.getLogger(__name__)

EXIT_RESTART = 75  # EX_TEMPFAIL (sysexits.h): a loop could not recover; start me again
BACKOFF_FIRST = 0.5  # seconds before the first retry; doubled each time up to the cap
BACKOFF_CAP = 5.0  # a database back after an outage is used within this


@dataclass
class LoopState:
    """What one loop did last: read by the watchdog (and by whoever reports health)."""

    name: str
    interval: float  # the longest a healthy round may take (its own wait included)
    last_round: float  # time.monotonic() when a round last finished without error
    failures: int = 0  # in a row
    failing_since: float | None = None
    last_error: str | None = None


LOOPS: dict[str, LoopState] = {}  # this process's loops by name (one process, one table)
_loops_lock = threading.Lock()


class Loop:
    """Runs `body` until `stop` is set; a round that raises is logged and retried after
    a capped backoff. Foreground loops call failed()/succeeded() around their own rounds."""

    def __init__(
        self,
        name: str,
        stop: threading.Event,
        *,
        interval: float,
        logger: logging.Logger = log,
        backoff_cap: float = BACKOFF_CAP,
    ) -> None:
        self.stop = stop
        self.logger = logger
        self.backoff_cap = backoff_cap
        self.state = LoopState(name, interval, time.monotonic())
        with _loops_lock:
            LOOPS[name] = self.state

    def run(self, body: Callable[[], None], *, pause: float = 0.0) -> None:
        """`pause`: the wait after a round that went well (a failed one waits its backoff)."""
        while not self.stop.is_set():
            try:
                body()
            except Exception as exc:
                self.stop.wait(self.failed(exc))
            else:
                self.succeeded()
                self.stop.wait(pause)

    def failed(self, exc: BaseException) -> float:
        """Log (throttled) and return how long to wait before the next round."""
        state = self.state
        state.failures += 1
        if state.failing_since is None:
            state.failing_since = time.monotonic()
        state.last_error = f"{type(exc).__name__}: {exc}"[:500]
        delay = min(self.backoff_cap, BACKOFF_FIRST * 2.0 ** min(state.failures - 1, 16))
        log_repeated(
            self.logger,
            ("loop", state.name, type(exc).__name__),
            "%s failed (%s); retrying with backoff up to %g s",
            state.name,
            state.last_error,
            self.backoff_cap,
            exc_info=exc,
        )
        return delay

    def succeeded(self) -> None:
        state = self.state
        if state.failing_since is not None:
            self.logger.warning(
                "%s recovered after %d failed rounds over %.0f s",
                state.name,
                state.failures,
                time.monotonic() - state.failing_since,
            )
        state.failures, state.failing_since, state.last_error = 0, None, None
        state.last_round = time.monotonic()

    def close(self) -> None:
        """A loop that ended on purpose is no longer watched."""
        with _loops_lock:
            if LOOPS.get(self.state.name) is self.state:
                del LOOPS[self.state.name]


class Watchdog(threading.Thread):
    """Gives the process up when a loop it watches has finished no round for `window`
    seconds (or three of its intervals, if longer): each of `let_go` is tried once (give
    back leases and claims), then the process exits with EXIT_RESTART whatever they did."""

    def __init__(
        self,
        window: float,
        let_go: list[Callable[[], None]],
        *,
        cleanup_seconds: float = 15.0,
        exit: Callable[[int], None] = os._exit,
    ) -> None:
        super().__init__(name="watchdog", daemon=True)
        self.window = window
        self.let_go = let_go
        self.cleanup_seconds = cleanup_seconds
        self.exit = exit
        self.watched: list[LoopState] = []
        self.stopping = threading.Event()

    def watch(self, loop: Loop) -> None:
        self.watched.append(loop.state)

    def overdue(self, now: float) -> LoopState | None:
        for state in self.watched:
            if now - state.last_round > max(self.window, 3 * state.interval + BACKOFF_CAP):
                return state
        return None

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            state = self.overdue(time.monotonic())
            if state is not None:
                self._give_up(state)
                return

    def _give_up(self, state: LoopState) -> None:
        since = time.monotonic() - state.last_round
        reason = (
            f"{state.name} has not completed a round for {since:.0f} s "
            f"({state.last_error or 'stuck, no error'}); giving up this process's leases "
            f"and exiting {EXIT_RESTART} to be restarted"
        )
        log.critical(reason)
        # Letting go needs the database, which may be what failed: bounded, and the
        # leases lapse on their own if it cannot be done.
        cleanup = threading.Thread(target=self._cleanup, daemon=True)
        cleanup.start()
        cleanup.join(self.cleanup_seconds)
        for handler in logging.getLogger().handlers:  # os._exit flushes nothing
            handler.flush()
        self.exit(EXIT_RESTART)

    def _cleanup(self) -> None:
        for let_go in self.let_go:
            try:
                let_go()
            except Exception as exc:  # the database may be what failed
                log.error("%s failed (%s); what it holds will lapse", let_go.__qualname__, exc)

    def stop(self) -> None:
        self.stopping.set()
