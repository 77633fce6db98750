"""Scale-out: Celery workers run work items; the delivery ledger stays the source of truth.

acks_late with prefetch 1 means a message is acknowledged only after its work item ran;
reject_on_worker_lost puts it back if the worker process dies. A redelivered item is
harmless: the worker re-checks each row's lease owner and status before sending, and rows
already sent are skipped. Due times live in the ledger; Celery's ETA/countdown is never
used (Redis can run an ETA task twice, RabbitMQ drops long-delayed messages).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

from celery import Celery, current_app
from celery.signals import worker_process_init, worker_process_shutdown
from sqlalchemy import func, select

from campaign_engine.db import Delivery
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.infra.processes import return_claims, take_over
from campaign_engine.infra.repeats import log_repeated
from campaign_engine.pipeline.beacon import Beacon
from campaign_engine.pipeline.delivery import WorkItem, deliver
from campaign_engine.runtime import Runtime
from campaign_engine.settings import Settings

log = logging.getLogger(__name__)

TASK = "campaign_engine.deliver"
RUNTIME_FACTORY = "campaign_engine_runtime_factory"
VISIBILITY_TIMEOUT = 3 * 3600  # above the longest task; Redis redelivers after this

_worker_runtime: dict[int, Runtime] = {}
_worker_beacon: dict[int, Beacon] = {}
_lock = threading.Lock()


def make_celery(settings: Settings, runtime_factory: Callable[[], Runtime] | None = None) -> Celery:
    """The Celery app: a publisher's (CeleryExecutor) or, given how to build a worker
    process's runtime, a worker's."""
    app = Celery("campaign_engine", broker=settings.celery.broker_url)
    app.conf[RUNTIME_FACTORY] = runtime_factory
    app.conf.update(
        task_default_queue=settings.celery.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK, bind=False)(run_item)
    return app


def worker_runtime() -> Runtime:
    """One runtime per worker process (after the fork), kept for its whole life so its
    renderers keep fonts, compiled templates and decoded images between tasks. Built by
    the factory the `worker` command gave make_celery (the composition root's)."""
    with _lock:
        pid = os.getpid()
        if pid not in _worker_runtime:
            factory = current_app.conf.get(RUNTIME_FACTORY)
            if factory is None:
                raise RuntimeError("this Celery app was made without a runtime factory")
            _worker_runtime[pid] = factory()
        return _worker_runtime[pid]


def worker_beacon(runtime: Runtime) -> Beacon | None:
    """This process's registration with a heartbeat (campaign_engine/infra/processes.py), started on
    its first task; its first reap also returns the claims of a predecessor killed on this
    host. None while the database refuses it: the task then sends under the scheduler's
    claim, as before, and the next task tries again."""
    with _lock:
        pid = os.getpid()
        beacon = _worker_beacon.get(pid)
        if beacon is not None and beacon.is_alive():
            return beacon
        beacon = Beacon(runtime, "worker")
        try:
            beacon.start()
        except Exception:
            log.exception("could not register this worker; its claims stay the scheduler's")
            return None
        _worker_beacon[pid] = beacon
        return beacon


@worker_process_init.connect
def _fresh_process(**_: Any) -> None:
    _worker_runtime.clear()  # never reuse a database pool inherited across fork
    _worker_beacon.clear()


@worker_process_shutdown.connect
def _stopping(**_: Any) -> None:
    beacon = _worker_beacon.pop(os.getpid(), None)
    if beacon is not None and beacon.is_alive():
        beacon.stop()  # a clean stop hands nothing to the lapse


def run_item(payload: dict[str, Any]) -> None:
    """A partner's work items from one claim (or, from before bundling, a single item):
    taken over in one transaction, then delivered one by one."""
    runtime = worker_runtime()
    items = [
        WorkItem(**{**item, "delivery_ids": tuple(item["delivery_ids"])})
        for item in payload.get("items", [payload])
    ]
    beacon = worker_beacon(runtime)
    if beacon is not None:  # claims in the name of a process that heartbeats, or not at all
        deadline = runtime.clock() + timedelta(seconds=runtime.settings.dispatch.progress_seconds)
        with runtime.sessions.begin() as session:
            items = [
                replace(
                    item,
                    lease_owner=take_over(
                        session,
                        item.delivery_ids,
                        item.lease_owner,
                        beacon.process_id,
                        deadline=deadline,
                    ),
                )
                for item in items
            ]
    for item in items:
        deliver(runtime, item)


class CeleryExecutor:
    """Sends a partner's work items as one task; throttled by the deliveries in flight."""

    def __init__(self, runtime: Runtime, max_in_flight: int | None = None) -> None:
        self.runtime = runtime
        self.app = make_celery(runtime.settings)
        self.max_in_flight = max_in_flight or runtime.settings.dispatch.batch_size * 2
        self.owner: str | None = None

    def claim_limit(self) -> int:
        if self.owner is None:
            return self.max_in_flight
        with self.runtime.sessions() as session:
            in_flight = session.scalar(
                select(func.count()).where(
                    Delivery.status == DeliveryStatus.SENDING,
                    # its own claims, and those a worker took over (owner inside)
                    Delivery.lease_owner.contains(self.owner),
                )
            )
        return max(0, self.max_in_flight - (in_flight or 0))

    def submit(self, item: WorkItem) -> None:
        self.submit_all([item])

    def submit_all(self, items: list[WorkItem]) -> None:
        """One task per partner, not per channel: each task costs the scheduler a publish,
        Redis a round trip and the worker's parent process a hand-off, and one task per
        work item made those a quarter of two workers' CPU (bench/launch.py --celery)."""
        bundles: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            self.owner = item.lease_owner.split("/")[0] + "/"  # this dispatcher's claims
            bundles[(item.campaign_id, item.partner_id)].append(asdict(item))
        unsent = list(bundles.values())
        try:
            while unsent:
                self.app.send_task(TASK, args=[{"items": unsent[0]}])
                unsent.pop(0)
        except Exception:
            self._return_unsent(unsent)
            raise  # the dispatcher's loop logs it and backs off

    def _return_unsent(self, bundles: list[list[dict[str, Any]]]) -> None:
        """The broker refused: claims no task carries go back to the queue now rather than
        when their progress deadline passes (if the database is away too, then)."""
        claims = [
            (item["lease_owner"], tuple(item["delivery_ids"]))
            for bundle in bundles
            for item in bundle
        ]
        try:
            with self.runtime.sessions.begin() as session:
                returned = return_claims(session, claims, unsent=True)
        except Exception:
            log.warning("could not return unsent claims; they lapse in progress_seconds")
            return
        log_repeated(
            log,
            ("unsent",),
            "the broker refused a task; %d deliveries went back to the queue",
            returned,
            level=logging.WARNING,
        )

    def wait_for_capacity(self, timeout: float) -> None:
        time.sleep(timeout)

    def wait_idle(self, timeout: float | None = None) -> None:
        return None

    def shutdown(self) -> None:
        self.app.close()
