"""Signed callbacks under concurrency: group commit, one answer per request, a poisoned
event failing alone, and the plain-WSGI layer's own answers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from campaign_engine.app import create_app
from campaign_engine.db import Event
from campaign_engine.services.attribution.callbacks import record_events
from campaign_engine.services.insights.reports import campaign_report
from tests.processes import signed
from tests.worlds import launched_campaign

CALLERS = 24


@pytest.fixture
def world(tmp_path, database_url):
    runtime, campaign_id = launched_campaign(
        tmp_path, database_url, partners=2, contacts=1, name="Callbacks Q3"
    )
    app = create_app(runtime)
    yield app, runtime, campaign_id
    runtime.close()


def lead(campaign_id: int, external_id: str, partner: str = "partner-01") -> dict:
    return {
        "type": "lead.created",
        "external_id": external_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "partner": partner,
        "campaign": campaign_id,
    }


def post_all(app, runtime, calls: list[tuple[dict, str]], *, first_alone: bool = False) -> list:
    """Post concurrently; with first_alone, the rest only once the first is being written."""

    def post(call: tuple[dict, str]):
        payload, msg_id = call
        return app.test_client().post("/api/v1/events", **signed(runtime, payload, msg_id=msg_id))

    with ThreadPoolExecutor(len(calls)) as pool:
        first = pool.submit(post, calls[0])
        if first_alone:
            assert app.extensions["callbacks"].first_batch_open.wait(10)
        rest = [pool.submit(post, call) for call in calls[1:]]
        return [first.result(), *(answer.result() for answer in rest)]


def hold_first_batch(committer, total: int, write_batch=record_events):
    """A writer that keeps the first batch open until all `total` callbacks are in it or
    queued behind it, so the test knows the second batch holds all the rest."""
    batches: list[int] = []
    committer.first_batch_open = threading.Event()

    def write(session, items):
        if not batches:
            committer.first_batch_open.set()
            deadline = time.monotonic() + 20
            while len(items) + committer._queue.qsize() < total and time.monotonic() < deadline:
                time.sleep(0.01)
        batches.append(len(items))
        return write_batch(session, items)

    committer.write = write
    return batches


def test_concurrent_callbacks_share_commits_and_each_gets_its_own_answer(world):
    app, runtime, campaign_id = world
    batches = hold_first_batch(app.extensions["callbacks"], CALLERS)
    calls = [(lead(campaign_id, f"L-{n}"), f"msg_{n}") for n in range(CALLERS - 6)]
    calls += [(lead(campaign_id, "L-0"), "msg_0")] * 3  # a sender retrying, concurrently
    calls += [(lead(None, f"X-{n}", partner="nobody"), f"bad_{n}") for n in range(3)]
    answers = post_all(app, runtime, calls)
    assert len(batches) == 2 and sum(batches) == CALLERS, "all that queued: one transaction"
    by_id: dict[str, list[int]] = {}
    for (_, msg_id), answer in zip(calls, answers, strict=True):
        by_id.setdefault(msg_id, []).append(answer.status_code)
    assert sorted(by_id["msg_0"]) == [200, 200, 200, 202], "one retry of four is the first"
    assert all(by_id[f"msg_{n}"] == [202] for n in range(1, CALLERS - 6))
    assert all(by_id[f"bad_{n}"] == [422] for n in range(3))
    bad = answers[-1]
    assert bad.mimetype == "application/problem+json"
    assert "names no known tracking_token, partner or campaign" in bad.get_json()["detail"]
    with runtime.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Event))
        report = campaign_report(session, campaign_id)
    assert stored == CALLERS - 6
    assert report["partners"]["partner-01"]["leads"] == CALLERS - 6


def test_an_event_the_database_refuses_fails_alone(world, caplog):
    app, runtime, campaign_id = world

    def refuse_poison(session, items):
        if any(item.event.external_id == "POISON" for item in items):
            raise RuntimeError("the database refused this row")
        return record_events(session, items)

    committer = app.extensions["callbacks"]
    batches = hold_first_batch(committer, 6, refuse_poison)
    calls = [(lead(campaign_id, f"L-{n}"), f"msg_{n}") for n in range(5)]
    calls.append((lead(campaign_id, "POISON"), "msg_poison"))
    answers = post_all(app, runtime, calls, first_alone=True)
    statuses = [answer.status_code for answer in answers]
    assert statuses == [202] * 5 + [503]
    assert answers[-1].headers["Retry-After"] == "30"
    assert answers[-1].get_json()["detail"] == "Try again later."
    assert batches[:2] == [1, 5], "the poisoned batch of five was tried whole first"
    with runtime.sessions() as session:
        kept = set(session.scalars(select(Event.external_id)))
    assert kept == {f"L-{n}" for n in range(5)}


def test_the_callback_layer_answers_like_the_api(world):
    app, runtime, campaign_id = world
    client = app.test_client()
    wrong = client.get("/api/v1/events")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    assert wrong.mimetype == "application/problem+json"
    huge = lead(campaign_id, "L-big") | {"note": "x" * 70_000}
    too_large = client.post("/api/v1/events", **signed(runtime, huge, msg_id="msg_big"))
    assert too_large.status_code == 413
    unsigned = client.post("/api/v1/events", json=lead(campaign_id, "L-u"))
    assert unsigned.status_code == 401 and "headers" in unsigned.get_json()["detail"]
    ok = client.post("/api/v1/events", **signed(runtime, lead(campaign_id, "L-1"), msg_id="m1"))
    assert (ok.status_code, ok.get_json()) == (202, {"status": "recorded"})
    assert client.get("/api/v1/campaigns").status_code == 401, "the rest is still Flask's"
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1


def test_a_forked_worker_starts_its_own_writer(world):
    """A pre-forking server may fork workers after the app is built: the parent's thread
    and queue must not be used by the child (simulated by changing the recorded pid)."""
    app, runtime, campaign_id = world
    committer = app.extensions["callbacks"]
    client = app.test_client()
    client.post("/api/v1/events", **signed(runtime, lead(campaign_id, "L-1"), msg_id="m1"))
    first = committer._thread
    committer._pid = -1
    client.post("/api/v1/events", **signed(runtime, lead(campaign_id, "L-2"), msg_id="m2"))
    assert committer._thread is not first and committer._thread.is_alive()
    with runtime.sessions() as session:
        assert set(session.scalars(select(Event.external_id))) == {"L-1", "L-2"}
