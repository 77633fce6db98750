"""/readyz on real services: failing for a stopped SMTP server (through a TCP proxy the
test cuts), storage below its threshold, a broker nobody answers and stopped background
loops, each naming the check and nothing else, and passing again after."""

from __future__ import annotations

import json

import pytest

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.pipeline.beacon import Beacon
from campaign_engine.pipeline.scheduler import SchedulerService
from campaign_engine.settings import load_settings
from tests.conftest import free_port, require_service, write_config
from tests.faults import proxied
from tests.processes import wait_until

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def world(tmp_path_factory, smtp_module):
    """One engine for the module: SMTP through a proxy, a registered serving process and
    the scheduler lease held, as a running `serve` has them."""
    tmp_path = tmp_path_factory.mktemp("readyz")
    with proxied(smtp_module) as proxy:
        config = write_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'engine.db'}",
            email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": proxy.port}},
            health={"cache_seconds": 0},
        )
        runtime = bootstrap.build_runtime(load_settings(config))
        migrate.upgrade(runtime.engine)
        beacon = Beacon(runtime, "serve")
        beacon.start()
        scheduler = SchedulerService(runtime)
        scheduler.start()
        scheduler.is_leader.wait(10)
        app = create_app(runtime)
        beacons = [beacon]  # a test replaces it; every one is stopped at the end
        try:
            yield runtime, app, proxy, beacons
        finally:
            scheduler.stop()
            for each in beacons:
                each.stop()
            runtime.close()


@pytest.fixture(scope="module")
def smtp_module():
    from tests.conftest import CollectingHandler, Received, running_smtp

    with running_smtp(CollectingHandler(Received())) as port:
        yield port


def readyz(app) -> tuple[int, dict]:
    answer = app.test_client().get("/readyz")
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.status_code, json.loads(answer.get_data(as_text=True))


def settings_with(runtime, **sections):
    """The runtime's settings with some sections changed (settings are frozen)."""
    update = {
        name: getattr(runtime.settings, name).model_copy(update=values)
        if isinstance(values, dict)
        else values
        for name, values in sections.items()
    }
    return runtime.settings.model_copy(update=update)


def test_ready_when_every_check_passes_and_the_body_names_only_checks(world):
    _, app, proxy, _ = world
    code, body = readyz(app)
    assert (code, body) == (
        200,
        {
            "status": "ready",
            "checks": {"database": "ok", "storage": "ok", "loops": "ok", "smtp": "ok"},
        },
    )
    text = json.dumps(body)
    assert "127.0.0.1" not in text and str(proxy.port) not in text
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}


def test_a_stopped_smtp_server_fails_smtp_and_it_passes_once_back(world):
    _, app, proxy, _ = world
    proxy.cut()
    try:
        code, body = readyz(app)
        assert code == 503
        assert body["failing"] == ["smtp"] and body["status"] == "not ready"
        assert body["checks"]["database"] == "ok"
        assert app.test_client().get("/healthz").status_code == 200, "still alive"
    finally:
        proxy.restore()
    assert readyz(app)[0] == 200


def test_storage_below_its_threshold_fails_storage(world):
    runtime, app, _, _ = world
    good = runtime.settings
    runtime.settings = settings_with(runtime, health={"storage_min_free_mb": 10**9})
    try:
        code, body = readyz(app)
        assert (code, body["failing"]) == (503, ["storage"])
    finally:
        runtime.settings = good
    assert readyz(app)[0] == 200


def test_a_broker_nobody_answers_fails_broker(world):
    runtime, app, _, _ = world
    good = runtime.settings
    dead = f"redis://127.0.0.1:{free_port()}/0"
    runtime.settings = settings_with(runtime, executor="celery", celery={"broker_url": dead})
    try:
        code, body = readyz(app)
        assert (code, body["failing"]) == (503, ["broker"])
        assert str(dead) not in json.dumps(body)
        try:
            import kombu

            with kombu.Connection(REDIS, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as exc:
            require_service("redis", str(exc))
        runtime.settings = settings_with(runtime, celery={"broker_url": REDIS})
        code, body = readyz(app)
        assert code == 200 and body["checks"]["broker"] == "ok"
    finally:
        runtime.settings = good


def test_stopped_background_loops_fail_loops(world):
    runtime, app, _, beacons = world
    beacons[-1].stop()  # unregisters: no serving process beats any more
    try:
        code, body = readyz(app)
        assert (code, body["failing"]) == (503, ["loops"])
    finally:
        beacons.append(Beacon(runtime, "serve"))  # a restarted server
        beacons[-1].start()
    wait_until(lambda: readyz(app)[0] == 200, 10, "the loops to count again")


def test_answers_are_cached_so_readyz_cannot_hammer_the_mta(world):
    runtime, app, proxy, _ = world
    good = runtime.settings
    runtime.settings = settings_with(runtime, health={"cache_seconds": 60})
    try:
        before = proxy.accepted
        for _ in range(50):
            assert readyz(app)[0] == 200
        assert proxy.accepted - before <= 1
    finally:
        runtime.settings = good
