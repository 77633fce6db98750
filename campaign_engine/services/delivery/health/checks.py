"""Readiness: can this deployment send right now? Each check is small, bounded by a short
timeout, and says what failed in words for the logs and `doctor`; /readyz shows only the
checks' names (web/public.py), so the public learns no host, path or address."""

from __future__ import annotations

import logging
import shutil
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from campaign_engine.db import EngineProcess
from campaign_engine.infra.leases import holder_of
from campaign_engine.infra.processes import database_now
from campaign_engine.infra.repeats import log_repeated
from campaign_engine.runtime import Runtime
from campaign_engine.settings import Settings

log = logging.getLogger(__name__)
DISPATCHING = ("serve", "scheduler")  # process kinds that run the dispatcher loop
SCHEDULER_LEASE = "scheduler"  # pipeline/scheduler.py's lease name


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # for the operator (logs, doctor), never for /readyz


def database_check(runtime: Runtime) -> Check:
    with runtime.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Check("database", True, "reachable")


def broker_check(settings: Settings) -> Check:
    """Connect to the Celery broker and let go (only with executor: celery)."""
    from kombu.connection import Connection  # only when Celery is configured

    timeout = settings.health.smtp_timeout_seconds
    with Connection(settings.celery.broker_url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    return Check("broker", True, "reachable")


def storage_check(settings: Settings) -> Check:
    """Free space at or above health.storage_min_free_mb, and writable, where renders go
    (storage_dir) and, with the outbox transport, where emails go."""
    folders = [settings.storage_dir]
    if settings.email.transport == "outbox":
        folders.append(settings.email.outbox_dir)
    need = settings.health.storage_min_free_mb
    for folder in folders:
        existing = nearest_existing(folder)
        free_mb = shutil.disk_usage(existing).free // (1024 * 1024)
        if free_mb < need:
            return Check("storage", False, f"{folder}: {free_mb} MB free, below {need} MB")
        if not writable(existing):
            return Check("storage", False, f"{existing} is not writable")
    return Check("storage", True, "writable, enough free space")


def nearest_existing(folder: Path) -> Path:
    """The folder, or its closest existing parent (it is created on first write)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def writable(folder: Path) -> bool:
    """By writing, not os.access: a read-only mount or a full quota passes os.access."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def smtp_check(settings: Settings) -> Check:
    """Connect and EHLO, nothing more: no login, no message (only with transport: smtp)."""
    smtp = settings.email.smtp
    timeout = settings.health.smtp_timeout_seconds
    if smtp.security == "ssl":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    try:
        code, reply = conn.ehlo()
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
    if code != 250:
        return Check("smtp", False, f"EHLO answered {code} {reply.decode(errors='replace')}")
    return Check("smtp", True, "answers EHLO")


def loops_check(runtime: Runtime) -> Check:
    """A dispatching process (serve or scheduler) has beaten within the lapse, and some
    process holds the scheduler lease: the rows every process writes (infra/processes.py,
    infra/leases.py), so any web process can tell, wherever they run."""
    lapse = timedelta(seconds=runtime.settings.dispatch.process_lapse_seconds)
    with runtime.sessions() as session:
        now = database_now(session)
        last_beat = session.scalar(
            select(EngineProcess.heartbeat_at)
            .where(EngineProcess.kind.in_(DISPATCHING))
            .order_by(EngineProcess.heartbeat_at.desc())
            .limit(1)
        )
        leader = holder_of(session, SCHEDULER_LEASE, now=runtime.clock())
    if last_beat is None or now - last_beat > lapse:
        return Check("loops", False, "no serve or scheduler process has a recent heartbeat")
    if leader is None:
        return Check("loops", False, "no process holds the scheduler lease")
    return Check("loops", True, f"last beat {(now - last_beat).total_seconds():.0f} s ago")


def checks_for(runtime: Runtime) -> dict[str, Callable[[], Check]]:
    """The checks this configuration needs: broker only with Celery, SMTP only with the
    SMTP transport."""
    settings = runtime.settings
    checks: dict[str, Callable[[], Check]] = {
        "database": lambda: database_check(runtime),
        "storage": lambda: storage_check(settings),
        "loops": lambda: loops_check(runtime),
    }
    if settings.executor == "celery":
        checks["broker"] = lambda: broker_check(settings)
    if settings.email.transport == "smtp":
        checks["smtp"] = lambda: smtp_check(settings)
    return checks


def run_checks(runtime: Runtime, timeout: float | None = None) -> list[Check]:
    """Every check at once, each bounded: one that raises or outlasts the timeout fails
    with what it raised. A hung one's thread is left to finish on its own."""
    timeout = timeout or runtime.settings.health.smtp_timeout_seconds + 2
    checks = checks_for(runtime)
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    results = []
    for name, future in futures.items():
        try:
            results.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
        except FutureTimeout:
            results.append(Check(name, False, f"no answer within {timeout:g} s"))
        except Exception as exc:
            results.append(Check(name, False, f"{type(exc).__name__}: {exc}"[:300]))
    pool.shutdown(wait=False)
    for failed in (r for r in results if not r.ok):
        log_repeated(
            log,
            ("readyz", failed.name, failed.detail),
            "not ready: %s: %s",
            failed.name,
            failed.detail,
            level=logging.WARNING,
        )
    return results


class Readiness:
    """run_checks, answered from a result at most health.cache_seconds old and computed
    by one caller at a time: anyone may ask /readyz, and asking a thousand times a second
    must not make a thousand connections to the MTA or the database."""

    def __init__(self, runtime: Runtime, clock: Callable[[], float] = time.monotonic) -> None:
        self.runtime = runtime
        self.clock = clock
        self._lock = threading.Lock()
        self._result: list[Check] | None = None
        self._at = 0.0

    def current(self) -> list[Check]:
        with self._lock:
            fresh = self.clock() - self._at < self.runtime.settings.health.cache_seconds
            if self._result is None or not fresh:
                self._result = run_checks(self.runtime)
                self._at = self.clock()
            return self._result
