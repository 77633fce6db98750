"""The database or the broker cut away for 20 s in the middle of a launch, through a TCP
proxy the test controls (tests/faults.py), with the shipped settings except short ticks:
the engine's processes ride it out on their own (none exits, nobody restarts one), sending
resumes within 30 s of the fault ending, and every recipient is mailed once, at most the
sends in flight at the cut twice. The scheduler killed with -9 and a standby taking over
is tests/e2e/test_scheduler.py's."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import pytest

from tests.conftest import (
    Received,
    SlowHandler,
    _pg_database,
    free_port,
    require_service,
    running_smtp,
)
from tests.factories import email_only_kit, partner_row, write_contacts, write_partners
from tests.faults import proxied
from tests.processes import email_status, spawn, stop, wait_until

PARTNERS, CONTACTS = 12, 5
CUT_SECONDS = 20
RESUME_SECONDS = 30
# The shipped dispatch settings (write_config shortens the backoff for other tests), with
# short ticks so the test does not wait for the dispatcher's 2 s rounds.
DISPATCH = {"tick_seconds": 0.2, "backoff_base_seconds": 30, "render_processes": 0}


@pytest.fixture
def slow_smtp():
    received = Received()
    # 150 ms a message: the launch is still sending when cut
    with running_smtp(SlowHandler(received, 0.15)) as port:
        yield port, received


@pytest.fixture
def redis_port() -> int:
    import redis

    try:
        redis.Redis(port=6379, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        require_service("Redis", str(exc))
    return 6379


@pytest.fixture
def pg_database(postgres_server, request):
    """A fresh database at the newest migration (the template the suite migrated once)."""
    databases = _pg_database(postgres_server, template=request.getfixturevalue("_migrated_pg"))
    yield next(databases)
    next(databases, None)


def launch(tmp_path, make_cli, database_url: str, smtp_port: int, **overrides):
    cli = make_cli(
        database_url,
        email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": smtp_port}},
        **{"dispatch": DISPATCH, **overrides},
    )
    rows = [partner_row(i) for i in range(PARTNERS)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], CONTACTS)))
    created = cli(
        "campaigns", "create", "--kit", str(email_only_kit(tmp_path)), "--name", "Fault", "--json"
    )
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id))
    return cli, campaign_id


def ride_out_a_cut(proxy, received: Received, processes) -> float:
    """Cut once sending is under way, for CUT_SECONDS; returns how long after the end of
    the fault the first new email arrived. Every process must live through it."""
    wait_until(lambda: len(received.recipients()) >= 10, 120, "the launch to get going")
    proxy.cut()
    time.sleep(CUT_SECONDS)
    assert len(received.recipients()) < PARTNERS * CONTACTS, "the cut came too late to prove much"
    settled = len(received.recipients())
    proxy.restore()
    ended = time.monotonic()
    wait_until(lambda: len(received.recipients()) > settled, RESUME_SECONDS, "sending to resume")
    resumed = time.monotonic() - ended
    print(f"resumed {resumed:.1f} s after the fault ended")
    assert all(p.poll() is None for p in processes), "a process exited: somebody must restart it"
    return resumed


def everyone_once(cli, campaign_id: int, received: Received, in_flight: int) -> None:
    wait_until(
        lambda: _settled(email_status(cli, campaign_id)), 90, "every email sent, none stranded"
    )
    counts = Counter(received.recipients())
    expected = {
        f"buyer{n}@partner-{i:02d}-customer.example"
        for i in range(PARTNERS)
        for n in range(CONTACTS)
    }
    assert set(counts) == expected
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= in_flight, f"{duplicates} duplicates, at most {in_flight} were in flight"
    assert email_status(cli, campaign_id)["sent"] == PARTNERS * CONTACTS


def _settled(status: dict[str, int]) -> bool:
    return status.get("pending", 0) == 0 and status.get("sending", 0) == 0


def test_postgresql_cut_for_20_s_during_a_launch_heals_itself(
    tmp_path, pg_database, slow_smtp, make_cli
):
    """`serve` on PostgreSQL: its dispatcher, heartbeat and scheduler lease loops fail
    through the cut and go on; claims stranded by the cut pass their progress deadline
    and are claimed again."""
    smtp_port, received = slow_smtp
    address = urlsplit(pg_database)
    with proxied(address.port or 5432, address.hostname or "127.0.0.1") as proxy:
        through_proxy = address._replace(netloc=f"{address.username}@127.0.0.1:{proxy.port}")
        cli, campaign_id = launch(tmp_path, make_cli, through_proxy.geturl(), smtp_port)
        serve = spawn(["serve", "--port", str(free_port())], cli.config, tmp_path / "serve.log")
        try:
            ride_out_a_cut(proxy, received, [serve])
            everyone_once(cli, campaign_id, received, in_flight=4)  # dispatch.workers
            assert serve.poll() is None
        finally:
            stop(serve)
    log = (tmp_path / "serve.log").read_text(errors="replace")
    # each loop says once that it fails (a summary with a count comes after a minute)
    # and once that it recovered
    for loop in ("dispatcher", "beacon-serve"):
        assert log.count(f"{loop} failed (") == 1, log[-3000:]
        assert log.count(f"{loop} recovered after") == 1, log[-3000:]


def test_redis_cut_for_20_s_strands_no_email(
    tmp_path, pg_database, slow_smtp, make_cli, redis_port
):
    """Celery on Redis, one scheduler and one worker: tasks the worker held when its
    connection broke are lost with it, and their claims come back after the progress
    deadline although both processes live on; publishes refused during the cut give
    their claims back at once."""
    smtp_port, received = slow_smtp
    with proxied(redis_port) as proxy:
        cli, campaign_id = launch(
            tmp_path,
            make_cli,
            pg_database,
            smtp_port,
            executor="celery",
            # 20 deliveries in flight (2 x batch_size) instead of the default 400: the
            # scheduler keeps publishing through the cut, as it does in a launch larger
            # than 400 emails, instead of having published this small one at once
            dispatch={**DISPATCH, "batch_size": 10},
            celery={
                "broker_url": f"redis://127.0.0.1:{proxy.port}/0",
                "queue": f"ce-faults-{uuid.uuid4().hex[:8]}",
            },
        )
        log = tmp_path / "processes.log"
        scheduler = spawn(["scheduler"], cli.config, log)
        worker = spawn(["worker", "--concurrency", "2"], cli.config, log)
        try:
            ride_out_a_cut(proxy, received, [scheduler, worker])
            everyone_once(cli, campaign_id, received, in_flight=2)  # worker processes
            assert scheduler.poll() is None and worker.poll() is None
        finally:
            stop(worker)
            stop(scheduler)


def test_a_cut_past_give_up_seconds_ends_serve_with_exit_75(
    tmp_path, pg_database, slow_smtp, make_cli
):
    """A database gone for longer than dispatch.give_up_seconds: `serve` says which loop
    gave up and exits 75 (EX_TEMPFAIL), for systemd or Kubernetes to start it again,
    instead of living on as a process that sends nothing."""
    smtp_port, received = slow_smtp
    address = urlsplit(pg_database)
    with proxied(address.port or 5432, address.hostname or "127.0.0.1") as proxy:
        through_proxy = address._replace(netloc=f"{address.username}@127.0.0.1:{proxy.port}")
        dispatch = {**DISPATCH, "give_up_seconds": 6, "heartbeat_seconds": 1}
        cli, _ = launch(tmp_path, make_cli, through_proxy.geturl(), smtp_port, dispatch=dispatch)
        serve = spawn(["serve", "--port", str(free_port())], cli.config, tmp_path / "serve.log")
        try:
            wait_until(lambda: len(received.recipients()) >= 5, 120, "the launch to get going")
            proxy.cut()
            cut_at = time.monotonic()
            wait_until(lambda: serve.poll() is not None, 60, "serve to give up")
            gave_up = time.monotonic() - cut_at
        finally:
            stop(serve)
    assert serve.returncode == 75
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert "has not completed a round for" in log, log[-2000:]
    print(f"exited 75 {gave_up:.1f} s after the cut")
    assert gave_up < 6 + 3 * 1 + 5 + 15 + 5  # window + the watchdog's cleanup bound
