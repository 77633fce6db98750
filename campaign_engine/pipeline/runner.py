"""The dispatcher loop: claim what is due, hand it to the executor, repeat."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import func, select

from campaign_engine.db import Delivery
from campaign_engine.domain.lifecycle import FINAL, DeliveryStatus
from campaign_engine.infra.supervise import Loop
from campaign_engine.pipeline.beacon import Beacon
from campaign_engine.pipeline.dispatcher import claim_due, new_owner, release_held
from campaign_engine.pipeline.executors import Executor, LocalExecutor
from campaign_engine.runtime import Runtime
from campaign_engine.services.campaigns.lifecycle import complete_finished

log = logging.getLogger(__name__)

COUNT_INTERVAL = 0.5  # seconds between progress counts while claiming
SWEEP_INTERVAL = 5.0  # seconds between sweeps for finished campaigns while idle


def tick(runtime: Runtime, executor: Executor, owner: str, campaign_id: int | None = None) -> int:
    """One round: claim up to the executor's free capacity; returns deliveries claimed.

    Every claim gets its own lease owner (`owner` plus a fresh suffix). A work item that
    sat in a queue past its lease, and whose rows were claimed again, then no longer
    matches them and sends nothing: one owner per process would let both copies send.
    """
    limit = executor.claim_limit()
    if limit == 0:
        return 0
    dispatch = runtime.settings.dispatch
    with runtime.sessions.begin() as session:
        release_held(session, now=runtime.clock())
        items = claim_due(
            session,
            now=runtime.clock(),
            limit=min(dispatch.batch_size, limit),
            lease_seconds=dispatch.progress_seconds,  # renewed while the work goes on
            owner=f"{owner}/{uuid.uuid4().hex[:8]}",
            campaign_id=campaign_id,
        )
    executor.submit_all(items)
    return sum(len(item.delivery_ids) for item in items)


def open_due(runtime: Runtime, campaign_id: int) -> tuple[int, int]:
    """(deliveries final, deliveries due now, in flight or retrying) for a campaign.

    Items scheduled for later (a social cadence) or waiting for the partner's approval
    until a review deadline still ahead are neither.
    """
    now = runtime.clock()
    retrying = (Delivery.status == DeliveryStatus.PENDING) & (Delivery.attempts > 0)
    with runtime.sessions() as session:
        rows = dict(
            session.execute(
                select(Delivery.status, func.count())
                .where(
                    Delivery.campaign_id == campaign_id,
                    (Delivery.due_at <= now) & (Delivery.status != DeliveryStatus.HELD)
                    | (func.coalesce(Delivery.review_by, Delivery.due_at) <= now)
                    | Delivery.status.in_([*FINAL, DeliveryStatus.SENDING])
                    | retrying,
                )
                .group_by(Delivery.status)
            ).all()
        )
    open_count = rows.get("pending", 0) + rows.get("sending", 0) + rows.get("held", 0)
    return sum(rows.values()) - open_count, open_count


def sweep_finished(runtime: Runtime) -> int:
    """Complete the live campaigns whose last sends finished side by side."""
    with runtime.sessions.begin() as session:
        return complete_finished(session, now=runtime.clock())


def idle(executor: Executor, stop: threading.Event, interval: float) -> None:
    """Nothing claimed: either the executor is full (wake when an item finishes) or
    nothing is due (wait a tick)."""
    if executor.claim_limit() == 0:
        executor.wait_for_capacity(interval)
    else:
        stop.wait(interval)


def run_until_sent(
    runtime: Runtime,
    campaign_id: int,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
    timeout: float | None = None,
) -> None:
    """Send every delivery of the campaign that is due now; used by `launch --wait`.

    Retries scheduled for later count as open, so this waits out their backoff.
    """
    executor = LocalExecutor(runtime, workers)
    beacon = Beacon(runtime, "launch")
    beacon.start()
    owner = beacon.process_id
    stop = stop or threading.Event()
    deadline = time.monotonic() + timeout if timeout else None
    counted_at = 0.0
    loop = Loop(f"launch-{campaign_id}", stop, interval=COUNT_INTERVAL, logger=log)
    try:
        while not stop.is_set():
            if deadline and time.monotonic() > deadline:
                raise TimeoutError(f"campaign {campaign_id} still has open deliveries")
            try:
                claimed = tick(runtime, executor, owner, campaign_id)
                # Counting scans the campaign's rows: while claims keep coming (so
                # something is open) count a few times a second, not after every item.
                if claimed and time.monotonic() - counted_at < COUNT_INTERVAL:
                    loop.succeeded()
                    continue
                done, open_count = open_due(runtime, campaign_id)
            except Exception as exc:  # the database blinked: wait, then go on
                _give_up_after(loop, exc, runtime.settings.dispatch.give_up_seconds)
                stop.wait(loop.failed(exc))
                continue
            loop.succeeded()
            counted_at = time.monotonic()
            if progress:
                progress(done, done + open_count)
            if open_count == 0:
                executor.wait_idle()
                sweep_finished(runtime)
                return
            if claimed == 0:
                idle(executor, stop, 0.2)
    finally:
        loop.close()
        executor.wait_idle()
        executor.shutdown()
        beacon.stop()
        if progress:
            done, open_count = open_due(runtime, campaign_id)
            progress(done, done + open_count)


def _give_up_after(loop: Loop, exc: Exception, seconds: float) -> None:
    """A foreground wait rides out a blip, not an outage: after `seconds` of failures the
    error goes to the person who asked (the claims come back through the heartbeat)."""
    since = loop.state.failing_since
    if since is not None and time.monotonic() - since > seconds:
        raise exc


class Dispatcher(threading.Thread):
    """The background loop of `serve`: ticks until stopped."""

    def __init__(self, runtime: Runtime, executor: Executor, owner: str | None = None) -> None:
        super().__init__(name="dispatcher", daemon=True)
        self.runtime = runtime
        self.executor = executor
        self.owner = owner or new_owner("serve")  # a registered process's id (pipeline/beacon)
        self.stopping = threading.Event()
        self.swept_at = 0.0
        interval = runtime.settings.dispatch.tick_seconds
        # Both the claim and the idle wait (the Celery executor counts its claims in the
        # database) may raise: the whole round is supervised, not only the claim.
        self.loop = Loop("dispatcher", self.stopping, interval=interval, logger=log)

    def run(self) -> None:
        self.loop.run(self.round)
        self.loop.close()

    def round(self) -> None:
        if tick(self.runtime, self.executor, self.owner) == 0:
            if time.monotonic() - self.swept_at > SWEEP_INTERVAL:
                self.swept_at = time.monotonic()
                sweep_finished(self.runtime)
            idle(self.executor, self.stopping, self.runtime.settings.dispatch.tick_seconds)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
        self.executor.wait_idle(timeout=30)
        self.executor.shutdown()
