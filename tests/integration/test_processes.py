"""A process that dies gives its claims back at once: by a lapsed heartbeat, or by a pid
that no longer runs on this host; a live process keeps its claims."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import delete, select, update

from campaign_engine.db import Delivery, EngineProcess
from campaign_engine.infra.processes import (
    database_now,
    heartbeat,
    host_key,
    reap,
    register,
    take_over,
)
from campaign_engine.pipeline.dispatcher import claim_due
from tests.worlds import planned_campaign

LAPSE = timedelta(seconds=30)


def _world(tmp_path, database_url):
    return planned_campaign(tmp_path, database_url, partners=3, contacts=2, name="Claims")[0]


def _claim(runtime, owner: str, limit: int) -> int:
    with runtime.sessions.begin() as session:
        items = claim_due(
            session, now=runtime.clock(), limit=limit, lease_seconds=300, owner=f"{owner}/c1"
        )
    return sum(len(i.delivery_ids) for i in items)


def _sending(runtime, owner: str) -> int:
    with runtime.sessions() as session:
        rows = session.scalars(
            select(Delivery.id).where(
                Delivery.status == "sending", Delivery.lease_owner.like(f"{owner}/%")
            )
        )
        return len(list(rows))


def test_dead_processes_give_their_claims_back_and_live_ones_keep_theirs(tmp_path, database_url):
    runtime = _world(tmp_path, database_url)
    now = runtime.clock()
    dead_pid = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with runtime.sessions.begin() as session:
        for process_id in ("serve-quiet", "serve-crashed", "serve-alive"):
            register(session, process_id, "serve", now=now)
        session.execute(
            update(EngineProcess)
            .where(EngineProcess.id == "serve-quiet")
            .values(heartbeat_at=now - timedelta(seconds=31), host="elsewhere")
        )
        session.execute(
            update(EngineProcess)
            .where(EngineProcess.id == "serve-crashed")
            .values(pid=int(dead_pid))
        )
        # serve-alive: this test's own process, as another row would see it from outside
        session.execute(
            update(EngineProcess).where(EngineProcess.id == "serve-alive").values(pid=1)
        )
    claimed = {
        owner: _claim(runtime, owner, 3)
        for owner in ("serve-quiet", "serve-crashed", "serve-alive")
    }
    assert all(claimed.values()), claimed
    with runtime.sessions.begin() as session:
        released = reap(session, now=now, lapse=LAPSE, me="serve-new")
    assert released == claimed["serve-quiet"] + claimed["serve-crashed"]
    assert _sending(runtime, "serve-quiet") == 0 and _sending(runtime, "serve-crashed") == 0
    assert _sending(runtime, "serve-alive") == claimed["serve-alive"]
    with runtime.sessions() as session:
        left = set(session.scalars(select(EngineProcess.id)))
    assert left == {"serve-alive"}
    runtime.close()


def test_a_twin_container_with_our_pid_is_not_taken_for_dead(tmp_path, database_url):
    """Same hostname, same pid, another pid namespace: only its heartbeat can say."""
    import os

    runtime = _world(tmp_path, database_url)
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        register(session, "serve-twin", "serve", now=now)
        session.execute(
            update(EngineProcess)
            .where(EngineProcess.id == "serve-twin")
            .values(pid=os.getpid(), host=host_key().rsplit(":", 1)[0] + ":pid:[1]")
        )
    claimed = _claim(runtime, "serve-twin", 3)
    with runtime.sessions.begin() as session:
        assert reap(session, now=now, lapse=LAPSE, me="serve-new") == 0
    assert _sending(runtime, "serve-twin") == claimed
    runtime.close()


def test_a_process_taken_for_dead_registers_again_on_its_next_beat(tmp_path, database_url):
    runtime = _world(tmp_path, database_url)
    with runtime.sessions.begin() as session:
        now = database_now(session)
        register(session, "serve-slow", "serve", now=now)
        session.execute(delete(EngineProcess).where(EngineProcess.id == "serve-slow"))
    with runtime.sessions.begin() as session:
        assert heartbeat(session, "serve-slow", "serve", now=database_now(session)) is False
    with runtime.sessions() as session:
        assert session.get(EngineProcess, "serve-slow") is not None
        assert abs((database_now(session) - runtime.clock()).total_seconds()) < 5
    runtime.close()


def test_settings_refuse_a_lapse_shorter_than_three_heartbeats():
    import pytest
    from pydantic import ValidationError

    from campaign_engine.settings_sections import DispatchSettings

    with pytest.raises(ValidationError, match="at least 3 x heartbeat_seconds"):
        DispatchSettings(heartbeat_seconds=60, process_lapse_seconds=30)


def test_a_worker_that_took_over_a_claim_gives_it_back_when_it_dies(tmp_path, database_url):
    """The scheduler claims, a Celery worker sends: once the worker has taken the claim
    over, the worker's death returns it although the scheduler lives on; a redelivered
    copy of the task finds the rows no longer its dispatcher's and takes nothing."""
    runtime = _world(tmp_path, database_url)
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        register(session, "scheduler-a", "scheduler", now=now)
        register(session, "worker-b", "worker", now=now)
        items = claim_due(session, now=now, limit=2, lease_seconds=300, owner="scheduler-a/c1")
    ids = items[0].delivery_ids
    with runtime.sessions.begin() as session:
        owner = take_over(session, ids, "scheduler-a/c1", "worker-b")
        again = take_over(session, ids, "scheduler-a/c1", "worker-c")  # a redelivered copy
    assert owner == "worker-b/scheduler-a/c1"
    with runtime.sessions() as session:
        owners = set(session.scalars(select(Delivery.lease_owner).where(Delivery.id.in_(ids))))
    assert owners == {owner}, f"the copy ({again}) took nothing"
    with runtime.sessions.begin() as session:
        session.execute(
            update(EngineProcess)
            .where(EngineProcess.id == "worker-b")
            .values(heartbeat_at=now - timedelta(seconds=31), host="elsewhere")
        )
        released = reap(session, now=now, lapse=LAPSE, me="scheduler-a")
    assert released == len(ids)
    with runtime.sessions() as session:
        statuses = set(session.scalars(select(Delivery.status).where(Delivery.id.in_(ids))))
    assert statuses == {"pending"}
