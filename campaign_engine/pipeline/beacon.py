"""The heartbeat of a process that claims deliveries (infra/processes.py says why)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from campaign_engine.infra.processes import (
    database_now,
    heartbeat,
    new_process_id,
    reap,
    register,
    release_claims,
    renew_claims,
    return_claims,
    unregister,
)
from campaign_engine.infra.supervise import Loop
from campaign_engine.runtime import Runtime
from campaign_engine.services.stewardship.pause import sending_paused_by

log = logging.getLogger(__name__)


class Beacon(threading.Thread):
    """Registers this process, beats every dispatch.heartbeat_seconds, and returns the
    claims of processes that died. The first reap runs before start() returns, so a
    restarted server takes its predecessor's claims back before it claims anything."""

    def __init__(self, runtime: Runtime, kind: str) -> None:
        super().__init__(name=f"beacon-{kind}", daemon=True)
        self.runtime = runtime
        self.process_id = new_process_id(kind)
        self.kind = kind
        self.stopping = threading.Event()
        dispatch = runtime.settings.dispatch
        self.interval = dispatch.heartbeat_seconds
        self.lapse = timedelta(seconds=dispatch.process_lapse_seconds)
        self.progress = timedelta(seconds=dispatch.progress_seconds)
        self.stuck = dispatch.lease_seconds
        # Retried no slower than it beats: a heartbeat late by a backoff looks like death.
        self.loop = Loop(
            self.name, self.stopping, interval=self.interval, logger=log, backoff_cap=self.interval
        )

    def start(self) -> None:
        with self.runtime.sessions.begin() as session:
            register(session, self.process_id, self.kind, now=database_now(session))
        self.beat()
        super().start()

    def beat(self) -> None:
        dropped = self.runtime.claims.take_dropped()
        try:
            returned = self._beat(dropped)
        except Exception:
            self.runtime.claims.give_back(dropped)  # next beat
            raise
        if returned:
            log.warning("%d deliveries of stopped work items went back to the queue", returned)

    def _beat(self, dropped: list[tuple[str, tuple[int, ...]]]) -> int:
        """Heartbeat, reap, renew the claims being worked on, return the dropped ones."""
        with self.runtime.sessions.begin() as session:
            now = database_now(session)
            if not heartbeat(session, self.process_id, self.kind, now=now):
                log.warning("%s was taken for dead; registered again", self.process_id)
            released = reap(session, now=now, lapse=self.lapse, me=self.process_id)
            paused = sending_paused_by(session, now=self.runtime.clock())
            # The work this process is doing keeps its claims; work that stopped (a task
            # lost with the broker, a thread stuck past lease_seconds) lets them lapse.
            renew_claims(
                session,
                self.runtime.claims.working(stuck_after=self.stuck),
                deadline=self.runtime.clock() + self.progress,
            )
            returned = return_claims(session, dropped)
        self._follow_pause(paused is not None)
        if released:
            log.warning("%d deliveries of stopped processes went back to the queue", released)
        return returned

    def _follow_pause(self, paused: bool) -> None:
        if paused:
            self.runtime.claims.paused.set()
        else:
            self.runtime.claims.paused.clear()

    def run(self) -> None:
        if not self.stopping.wait(self.interval):  # start() beat once already
            self.loop.run(self.beat, pause=self.interval)
        self.loop.close()

    def abandon(self) -> None:
        """Giving the process up (supervise.Watchdog): its claims go back to the queue
        now and its row goes, instead of both waiting for the lapse."""
        self.stopping.set()
        with self.runtime.sessions.begin() as session:
            released = release_claims(session, self.process_id)
            unregister(session, self.process_id)
        log.warning("%s gave %d deliveries back to the queue", self.process_id, released)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.interval + 5)
        try:
            with self.runtime.sessions.begin() as session:
                unregister(session, self.process_id)
        except Exception:
            log.exception("could not unregister %s", self.process_id)
