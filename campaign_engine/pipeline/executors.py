"""Executors run work items. `local` is a thread pool in this process (the embedded mode);
the Celery executor (scale-out) lives in pipeline/celery_app.py."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from campaign_engine.infra.repeats import log_repeated
from campaign_engine.pipeline.delivery import WorkItem, deliver
from campaign_engine.runtime import Runtime

log = logging.getLogger(__name__)


class Executor(Protocol):
    def claim_limit(self) -> int: ...

    def wait_for_capacity(self, timeout: float) -> None: ...

    def submit(self, item: WorkItem) -> None: ...

    def submit_all(self, items: list[WorkItem]) -> None: ...

    def wait_idle(self, timeout: float | None = None) -> None: ...

    def shutdown(self) -> None: ...


class LocalExecutor:
    def __init__(self, runtime: Runtime, workers: int) -> None:
        self.runtime = runtime
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver")
        self.capacity = workers * 3
        # Refill once a third is free, not after every item: each claim is a write
        # transaction (and a release of held items), and claiming one item at a time cost
        # the sending process as much CPU as a delivery (bench/launch.py). Two thirds of the
        # capacity, two items per thread, stay queued meanwhile, so no thread waits.
        self.refill_at = max(1, self.capacity // 3)
        self._in_flight: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)

    def _free(self) -> int:
        """Work items that fit now, or 0 until a refill is due (the caller holds the lock)."""
        free = max(0, self.capacity - len(self._in_flight))
        return free if free >= self.refill_at else 0

    def claim_limit(self) -> int:
        """Deliveries worth claiming now: enough to keep every thread busy, no more, so
        rows are not held under a lease while they wait in a local queue."""
        with self._lock:
            return self._free() * 25

    def wait_for_capacity(self, timeout: float) -> None:
        """Return as soon as a refill is due (or after `timeout`): the dispatcher loop
        refills at once instead of sleeping a whole tick while threads sit idle."""
        with self._lock:
            self._finished.wait_for(self._free, timeout)

    def submit(self, item: WorkItem) -> None:
        future = self.pool.submit(deliver, self.runtime, item)
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._done)

    def submit_all(self, items: list[WorkItem]) -> None:
        for item in items:
            self.submit(item)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._in_flight.discard(future)
            self._finished.notify_all()
        exc = future.exception()
        if exc is not None:  # its claim lapses after dispatch.progress_seconds
            log_repeated(
                log, ("work item", type(exc).__name__), "work item failed: %s", exc, exc_info=exc
            )

    def wait_idle(self, timeout: float | None = None) -> None:
        with self._lock:
            pending = list(self._in_flight)
        for future in pending:
            future.exception(timeout=timeout)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)
