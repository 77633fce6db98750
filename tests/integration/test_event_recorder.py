"""The click recorder's last flush, as a web worker runs it on its way out: a batch the
recorder's own thread has taken off the queue is stored before the flush returns, so a
worker that exits right after loses no click."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

from campaign_engine import bootstrap, migrate
from campaign_engine.settings import load_settings
from campaign_engine.web import recorder as module
from tests.conftest import write_config


def test_the_last_flush_waits_for_the_batch_in_flight(tmp_path, sqlite_url, monkeypatch):
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    writing = threading.Event()
    real = module.count_engagement

    def slow(session, rows):  # the thread's batch taking a moment, as under load
        writing.set()
        time.sleep(0.8)
        return real(session, rows)

    monkeypatch.setattr(module, "count_engagement", slow)
    recorder = module.EventRecorder(runtime.sessions, interval=0.05)
    now = datetime.now(UTC)
    try:
        for _ in range(100):
            recorder.add(
                type="click", campaign_id=None, partner_id=None, channel=None, link_id=None,
                is_bot=False, visitor=None, data={}, occurred_at=now, received_at=now,
            )  # fmt: skip
        assert writing.wait(5), "the recorder's thread took the batch"
        recorder.flush()  # what the worker's exit handlers call
        # Read what is committed now, as the next process would (the engine's sessions
        # begin with the write lock, and would wait for the thread's commit).
        reader = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
        try:
            (stored,) = reader.execute("SELECT count(*) FROM events").fetchone()
        finally:
            reader.close()
        assert stored == 100
    finally:
        runtime.close()
