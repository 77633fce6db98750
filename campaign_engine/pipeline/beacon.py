"""The heartbeat of a process that claims deliveries (services/processes.py says why)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from campaign_engine.runtime import Runtime
from campaign_engine.services.processes import (
    database_now,
    heartbeat,
    new_process_id,
    reap,
    register,
    unregister,
)

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

    def start(self) -> None:
        with self.runtime.sessions.begin() as session:
            register(session, self.process_id, self.kind, now=database_now(session))
        self.beat()
        super().start()

    def beat(self) -> None:
        with self.runtime.sessions.begin() as session:
            now = database_now(session)
            if not heartbeat(session, self.process_id, self.kind, now=now):
                log.warning("%s was taken for dead; registered again", self.process_id)
            released = reap(session, now=now, lapse=self.lapse, me=self.process_id)
        if released:
            log.warning("%d deliveries of stopped processes went back to the queue", released)

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.beat()
            except Exception:  # the database blinked: beat again next time
                log.exception("heartbeat failed")

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.interval + 5)
        try:
            with self.runtime.sessions.begin() as session:
                unregister(session, self.process_id)
        except Exception:
            log.exception("could not unregister %s", self.process_id)
