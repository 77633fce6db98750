"""The one scheduler: a lease in the database decides which process runs APScheduler.

Every `serve` and `scheduler` process runs this thread. The holder renews its lease every
few seconds; a standby tries to take it as often. When the holder dies its lease lapses
after `scheduler_lease_seconds` (30 s by default) and a standby starts the scheduler, well
within a minute. Jobs live in APScheduler's SQLAlchemy job store in the same database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from campaign_engine.infra.leases import acquire, release
from campaign_engine.infra.supervise import BACKOFF_CAP, Loop
from campaign_engine.pipeline import jobs
from campaign_engine.runtime import Runtime

log = logging.getLogger(__name__)
LEASE = "scheduler"


class SchedulerService(threading.Thread):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(name="scheduler-lease", daemon=True)
        self.runtime = runtime
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.ttl = runtime.settings.scheduler_lease_seconds
        self.stopping = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self.is_leader = threading.Event()
        # Retried no slower than a renewal, so a blip does not cost the lease.
        self.loop = Loop(
            "scheduler-lease",
            self.stopping,
            interval=self.ttl / 4,
            logger=log,
            backoff_cap=min(BACKOFF_CAP, self.ttl / 4),
        )

    def run(self) -> None:
        self.loop.run(self._round, pause=self.ttl / 4)
        self.loop.close()
        self._stop_scheduler()
        try:
            with self.runtime.sessions.begin() as session:
                release(session, LEASE, self.holder, now=self.runtime.clock())
        except Exception:
            log.exception("could not release the scheduler lease")

    def _round(self) -> None:
        """Renew (or take) the lease, start or stop APScheduler to match."""
        try:
            with self.runtime.sessions.begin() as session:
                held = acquire(session, LEASE, self.holder, now=self.runtime.clock(), ttl=self.ttl)
        except Exception:  # database unreachable: we cannot know, so we must not lead
            self._stop_scheduler()
            raise
        if held and self.scheduler is None:
            self._start_scheduler()
        elif not held and self.scheduler is not None:
            self._stop_scheduler()

    def abandon(self) -> None:
        """Giving the process up (supervise.Watchdog): a standby may lead at once."""
        self.stopping.set()
        with contextlib.suppress(Exception):  # the lease loop may be stopping it too
            self._stop_scheduler()
        with self.runtime.sessions.begin() as session:
            release(session, LEASE, self.holder, now=self.runtime.clock())

    def _start_scheduler(self) -> None:
        log.info("%s holds the scheduler lease; starting APScheduler", self.holder)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.runtime.engine)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 86400},
            timezone="UTC",
        )
        jobs.bind(self.runtime, scheduler)
        scheduler.start()
        try:
            self._add_jobs(scheduler)
        except Exception:  # half started must not run on beside the next attempt
            scheduler.shutdown(wait=False)
            raise
        self.scheduler = scheduler
        self.is_leader.set()

    def _add_jobs(self, scheduler: BackgroundScheduler) -> None:
        scheduler.add_job(
            jobs.sync_schedule,
            "interval",
            seconds=max(2, self.ttl // 3),
            id="sync-schedule",
            replace_existing=True,
            next_run_time=None,
        )
        scheduler.modify_job("sync-schedule", next_run_time=self.runtime.clock())
        scheduler.add_job(
            jobs.runway_job, "interval", seconds=60, id="runway", replace_existing=True
        )
        scheduler.add_job(jobs.mdf_job, "interval", minutes=5, id="mdf", replace_existing=True)
        scheduler.add_job(
            jobs.canary_job,
            "interval",
            seconds=jobs.CANARY_SECONDS,
            id="canary",
            replace_existing=True,
        )
        scheduler.add_job(jobs.leads_job, "interval", minutes=5, id="leads", replace_existing=True)
        scheduler.add_job(
            jobs.feedback_job, "interval", minutes=5, id="feedback", replace_existing=True
        )
        scheduler.add_job(
            jobs.digest_job,
            "cron",
            day_of_week=self.runtime.settings.runway.digest_weekday,
            hour=8,
            id="runway-digest",
            replace_existing=True,
        )
        scheduler.add_job(
            jobs.token_warning_job,
            "cron",
            hour=8,
            id="token-warnings",
            replace_existing=True,
        )
        scheduler.add_job(
            jobs.retention_job, "cron", hour=3, minute=30, id="retention", replace_existing=True
        )

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            log.info("%s gives up the scheduler", self.holder)
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            self.is_leader.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=15)
