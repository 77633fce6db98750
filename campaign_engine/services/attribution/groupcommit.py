"""Group commit for signed callbacks.

Each callback is its own HTTP request, and its sender may only be told "stored" once the
event is committed (a 2xx makes the sender forget it). One transaction per request spends
most of a request on the round trips and the commit. Instead, request threads hand their
event to one writer thread per process and wait; the writer stores whatever has gathered
meanwhile in one transaction and wakes them with their own outcome. Under load a batch
holds as many events as there are requests in flight; alone, an event waits for nothing.

Written here rather than taken from a library: the pattern is a queue and a Future from the
standard library; no maintained package does it for SQLAlchemy sessions.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from sqlalchemy.orm import Session, sessionmaker

from campaign_engine.errors import InvalidInput
from campaign_engine.infra.repeats import log_repeated
from campaign_engine.infra.supervise import Loop
from campaign_engine.services.attribution.callbacks import Inbound, record_events

log = logging.getLogger(__name__)

IDLE_SECONDS = 5.0
Outcome = bool | InvalidInput
Writer = Callable[[Session, Sequence[Inbound]], list[Outcome]]


class GroupCommitter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_batch: int = 200,
        write: Writer = record_events,
    ) -> None:
        self.sessions = sessions
        self.max_batch = max_batch
        self.write = write
        self._queue: queue.SimpleQueue[tuple[Inbound, Future[bool]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, item: Inbound, timeout: float = 30.0) -> bool:
        """True once stored, False for a retry of a stored key; raises InvalidInput for an
        event that cannot be attributed, or whatever the database raised for it alone."""
        self._ensure_thread()
        future: Future[bool] = Future()
        self._queue.put((item, future))
        return future.result(timeout)

    def _ensure_thread(self) -> None:
        pid = os.getpid()
        if self._pid == pid and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid != pid:  # forked: the parent's thread and waiters stay behind
                self._queue, self._pid, self._thread = queue.SimpleQueue(), pid, None
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="callbacks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        Loop("callbacks", threading.Event(), interval=IDLE_SECONDS, logger=log).run(self._round)

    def _round(self) -> None:
        """Whatever has gathered, in one transaction (nothing for IDLE_SECONDS: a round
        that only says the loop is alive)."""
        try:
            batch = [self._queue.get(timeout=IDLE_SECONDS)]
        except queue.Empty:
            return
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        self._store(batch)

    def _store(self, batch: list[tuple[Inbound, Future[bool]]]) -> None:
        try:
            with self.sessions.begin() as session:
                outcomes = self.write(session, [item for item, _ in batch])
        except Exception as exc:
            if len(batch) > 1:  # one bad event must not fail its neighbours: each alone
                for one in batch:
                    self._store([one])
                return
            log_repeated(
                log,
                ("callback", type(exc).__name__),
                "could not store callback %s: %s",
                batch[0][0].dedupe_key,
                exc,
                exc_info=exc,
            )
            batch[0][1].set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, InvalidInput):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
