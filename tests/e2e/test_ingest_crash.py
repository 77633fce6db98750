"""kill -9 a web worker while signed callbacks pour in: a sender that retries what was
not acknowledged (as Standard Webhooks senders do) ends with every event stored once."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from campaign_engine.db import Event, TrackedLink
from campaign_engine.services.insights.reports import campaign_report
from tests.conftest import _pg_database, free_port, write_config
from tests.processes import serve_web, signed, stop, wait_until
from tests.worlds import launched_campaign

EVENTS = 600
SENDERS = 16


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def test_killing_a_web_worker_mid_ingest_loses_and_doubles_nothing(
    tmp_path, postgres_server, request
):
    database = _pg_database(postgres_server)
    database_url = next(database)
    request.addfinalizer(lambda: next(database, None))
    runtime, campaign_id = launched_campaign(
        tmp_path, database_url, partners=2, contacts=1, name="Ingest crash"
    )
    port = free_port()
    server = serve_web(write_config(tmp_path, database_url), tmp_path / "web.log", port)
    acknowledged: set[str] = set()
    attempts_failed = 0
    lock = threading.Lock()

    def send(n: int) -> None:
        nonlocal attempts_failed
        payload = {
            "type": "lead.created",
            "external_id": f"L-{n}",
            "occurred_at": datetime.now(UTC).isoformat(),
            "partner": "partner-01",
            "campaign": campaign_id,
        }
        for _ in range(200):
            call = signed(runtime, payload, msg_id=f"msg_{n}")  # re-signed on each attempt
            post = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/events",
                data=call["data"].encode(),
                headers={"Content-Type": "application/json", **call["headers"]},
            )
            try:
                with urllib.request.urlopen(post, timeout=30) as answer:
                    assert answer.status in (200, 202), answer.status
                    with lock:
                        acknowledged.add(payload["external_id"])
                    return
            except (urllib.error.URLError, http.client.HTTPException, OSError):
                with lock:
                    attempts_failed += 1
                time.sleep(0.05)
        raise AssertionError(f"event {n} was never acknowledged")

    try:
        wait_until(lambda: len(workers_of(server.pid)) == 2, 60, "the server's two workers")
        wait_until(_healthy(port), 60, "the web workers to answer")
        with ThreadPoolExecutor(SENDERS) as pool:
            sent = [pool.submit(send, n) for n in range(EVENTS)]
            wait_until(lambda: len(acknowledged) >= EVENTS // 4, 60, "callbacks to flow")
            os.kill(workers_of(server.pid)[0], signal.SIGKILL)
            for future in sent:
                future.result()
    finally:
        stop(server)
    assert len(acknowledged) == EVENTS
    assert attempts_failed > 0, "the kill must have hit callbacks in flight"
    with runtime.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Event))
        distinct = session.scalar(select(func.count(func.distinct(Event.external_id))))
        report = campaign_report(session, campaign_id)
    runtime.close()
    assert (stored, distinct) == (EVENTS, EVENTS), "each event stored exactly once"
    assert report["partners"]["partner-01"]["leads"] == EVENTS


def _healthy(port: int):
    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                return json.loads(reply.read())["status"] == "ok"
        except OSError:
            return False

    return answers


def test_a_graceful_stop_writes_the_clicks_still_queued(tmp_path, sqlite_url):
    """Clicks are written behind the redirect, in batches; a deploy's SIGTERM must not
    drop the batch in hand (Granian's workers exit without running atexit)."""
    runtime, _ = launched_campaign(tmp_path, sqlite_url, partners=2, contacts=1, name="Clicks")
    with runtime.sessions() as session:
        token = session.scalars(select(TrackedLink.token)).first()
    port = free_port()
    server = serve_web(write_config(tmp_path, sqlite_url), tmp_path / "web.log", port)
    try:
        wait_until(_healthy(port), 60, "the web workers to answer")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(200):
            connection.request("GET", f"/r/{token}", headers={"User-Agent": "Mozilla/5.0"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 302
        connection.close()
    finally:
        stop(server)
    with runtime.sessions() as session:
        clicks = session.scalar(select(func.count()).where(Event.type == "click"))
    runtime.close()
    assert clicks == 200
