"""Clicks and opens are written behind the response: a redirect never waits for the
database. A bounded queue, flushed in batches by one thread per process; if the queue is
full (the database is down for long), events are counted as dropped and logged rather
than slowing every visitor."""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from multiprocessing.util import Finalize
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from campaign_engine.db import Event
from campaign_engine.infra.supervise import Loop
from campaign_engine.services.attribution.tallies import count_engagement

log = logging.getLogger(__name__)


class EventRecorder:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        batch: int = 500,
        interval: float = 0.5,
        capacity: int = 200_000,
    ) -> None:
        self.sessions = sessions
        self.batch = batch
        self.interval = interval
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=capacity)
        self.dropped = 0
        self._lock = threading.Lock()  # starting the thread (add() must never wait long)
        self._writing = threading.Lock()  # one batch between the queue and the database
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)
        # A worker process that multiprocessing started (Granian's) leaves through
        # os._exit, which skips atexit: its exit handlers run the finalizers instead.
        # Without this, clicks queued at a deploy's SIGTERM were lost.
        Finalize(self, EventRecorder.flush, args=(self,), exitpriority=10)

    def add(self, **event: Any) -> None:
        self._ensure_thread()
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            log.warning("event queue full; dropped %s events so far", self.dropped)

    def flush(self) -> int:
        """Write everything queued now; returns how many events were written. A batch is
        taken off the queue and written under one lock: the final flush at exit waits for
        the batch the recorder's thread holds, instead of finding the queue empty and
        letting the process end before that batch is stored."""
        written = 0
        while True:
            with self._writing:
                rows = self._take()
                if not rows:
                    return written
                try:
                    with self.sessions.begin() as session:
                        session.execute(Event.__table__.insert(), rows)
                        count_engagement(session, rows)  # same transaction: counts never drift
                except Exception:  # the database is away: keep them for the next round
                    self._requeue(rows)
                    raise
            written += len(rows)

    def _take(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while len(rows) < self.batch:
            try:
                rows.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return rows

    def _requeue(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            try:
                self.queue.put_nowait(row)
            except queue.Full:
                self.dropped += 1

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="event-recorder", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        """Flush every interval; while the database is away the events stay queued and
        the failure is logged once a minute (supervise.Loop)."""
        stop = threading.Event()
        stop.wait(self.interval)
        Loop("event-recorder", stop, interval=self.interval, logger=log).run(
            self._flush_round, pause=self.interval
        )

    def _flush_round(self) -> None:
        self.flush()
