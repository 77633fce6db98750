"""Kill -9 in the middle of a launch over real SMTP: nothing lost, at most the in-flight
sends repeated, and an opt-out recorded during the launch honoured."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections import Counter

import pytest

from tests.conftest import Received, SlowHandler, free_port, require_service, running_smtp
from tests.factories import email_only_kit, partner_row, write_contacts, write_partners
from tests.processes import email_status, kill_hard, serve_web, spawn, stop, wait_until

PARTNERS, CONTACTS = 40, 5


@pytest.fixture
def slow_smtp():
    received = Received()
    with running_smtp(SlowHandler(received)) as port:
        yield port, received


def prepare(tmp_path, make_cli, database_url, smtp_port, lease_seconds=5, **overrides):
    """`lease_seconds=None` keeps the default lease (300 s), as a real deployment has."""
    dispatch = {
        "workers": 4,
        "tick_seconds": 0.2,
        "backoff_base_seconds": 0.5,
        "render_processes": 2,
    }
    if lease_seconds is not None:
        dispatch["lease_seconds"] = lease_seconds
    cli = make_cli(
        database_url,
        email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": smtp_port}},
        dispatch=dispatch,
        **overrides,
    )
    rows = [partner_row(i) for i in range(PARTNERS)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], CONTACTS)))
    kit = email_only_kit(tmp_path)
    created = cli("campaigns", "create", "--kit", str(kit), "--name", "Crash", "--json")
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id))
    return cli, campaign_id


def check_outcome(received, opted_out: str, in_flight: int) -> None:
    counts = Counter(received.recipients())
    expected = {
        f"buyer{n}@partner-{i:02d}-customer.example"
        for i in range(PARTNERS)
        for n in range(CONTACTS)
        if f"partner-{i:02d}" != opted_out
    }
    assert expected <= set(counts), f"missing: {sorted(expected - set(counts))[:5]}"
    assert not [r for r in counts if opted_out in r], "the opted-out partner got email"
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= in_flight, f"{duplicates} duplicates, at most {in_flight} were in flight"


def test_killing_the_serving_process_loses_nothing(tmp_path, database_url, slow_smtp, make_cli):
    """With the default 300 s lease: the restarted server finds its predecessor's row with
    a dead pid and takes its claims back at once, instead of waiting the lease out."""
    port, received = slow_smtp
    cli, campaign_id = prepare(tmp_path, make_cli, database_url, port, lease_seconds=None)
    log = tmp_path / "serve.log"
    serve = spawn(["serve", "--port", str(free_port())], cli.config, log)
    try:
        wait_until(lambda: len(received.recipients()) >= 40, 90, "the launch to get going")
        cli(
            "consent", "set", "--partner", "partner-39", "--opt-out", "--campaign", str(campaign_id)
        )
        kill_hard(serve)
        at_kill = len(received.recipients())
        assert at_kill < PARTNERS * CONTACTS - CONTACTS, "the kill came too late to prove much"
        time.sleep(1)  # let the in-flight SMTP transactions the kill cut off settle
        settled = len(received.recipients())
        restarted = time.monotonic()
        serve = spawn(["serve", "--port", str(free_port())], cli.config, log)
        wait_until(lambda: len(received.recipients()) > settled, 30, "sending to resume")
        assert time.monotonic() - restarted < 30
        wait_until(
            lambda: email_status(cli, campaign_id)["pending"] == 0,
            120,
            "the restarted process to finish",
        )
    finally:
        stop(serve)
    check_outcome(received, "partner-39", in_flight=4)
    status = email_status(cli, campaign_id)
    assert status["sent"] == (PARTNERS - 1) * CONTACTS and status["skipped"] == CONTACTS


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request):
    import kombu

    url = {"redis": "redis://127.0.0.1:6379/0", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//"}[
        request.param
    ]
    try:
        with kombu.Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        require_service(request.param, str(exc))
    return url


def test_killing_a_celery_worker_loses_nothing(
    tmp_path, postgres_server, slow_smtp, make_cli, broker, request
):
    """With the default 300 s lease and Redis's 3-hour visibility timeout: the killed
    worker had taken its claims over in its own name, so its successor on this host gives
    them back at once, and sending resumes within seconds while the scheduler lives on."""
    from tests.conftest import _pg_database

    port, received = slow_smtp
    database = _pg_database(postgres_server)
    database_url = next(database)
    request.addfinalizer(lambda: next(database, None))
    cli, campaign_id = prepare(
        tmp_path,
        make_cli,
        database_url,
        port,
        lease_seconds=None,
        executor="celery",
        celery={"broker_url": broker, "queue": f"ce-test-{uuid.uuid4().hex[:8]}"},
    )
    log = tmp_path / "processes.log"
    scheduler = spawn(["scheduler"], cli.config, log)
    worker = spawn(["worker", "--concurrency", "2"], cli.config, log)
    web_port = free_port()
    web = serve_web(cli.config, log, web_port)
    try:
        wait_until(lambda: len(received.recipients()) >= 40, 120, "the workers to get going")
        cli(
            "consent", "set", "--partner", "partner-39", "--opt-out", "--campaign", str(campaign_id)
        )
        kill_hard(worker)
        assert len(received.recipients()) < PARTNERS * CONTACTS - CONTACTS
        time.sleep(1)  # what the dead worker had handed to SMTP has arrived
        settled = len(received.recipients())
        restarted = time.monotonic()
        worker = spawn(["worker", "--concurrency", "2"], cli.config, log)
        wait_until(lambda: len(received.recipients()) > settled, 30, "sending to resume")
        assert time.monotonic() - restarted < 30
        wait_until(
            lambda: email_status(cli, campaign_id)["pending"] == 0,
            150,
            "a new worker to finish the launch",
        )
        cli("users", "create", "--admin", "ops@vendor.example")
        token = cli("users", "token", "ops@vendor.example").output.strip()
        request = urllib.request.Request(
            f"http://127.0.0.1:{web_port}/api/v1/campaigns/{campaign_id}/status",
            headers={"Authorization": f"Bearer {token}"},
        )
        api = json.loads(urllib.request.urlopen(request, timeout=10).read())
        assert api["deliveries"]["email"] == email_status(cli, campaign_id)
    finally:
        stop(worker)
        stop(scheduler)
        stop(web)
    check_outcome(received, "partner-39", in_flight=2)


def test_pause_stops_sending_within_seconds_and_resume_sends_each_once(
    tmp_path, sqlite_url, slow_smtp, make_cli
):
    port, received = slow_smtp
    cli, campaign_id = prepare(tmp_path, make_cli, sqlite_url, port)
    serve = spawn(["serve", "--port", str(free_port())], cli.config, tmp_path / "serve.log")
    try:
        wait_until(lambda: len(received.recipients()) >= 30, 90, "the launch to get going")
        cli("campaigns", "pause", str(campaign_id))
        paused_at = len(received.recipients())
        time.sleep(3)
        settled = len(received.recipients())
        assert settled - paused_at <= 4, "only the sends already in flight may finish"
        time.sleep(2)
        assert len(received.recipients()) == settled, "nothing new while paused"
        assert email_status(cli, campaign_id)["pending"] > 0
        cli("campaigns", "resume", str(campaign_id))
        wait_until(lambda: email_status(cli, campaign_id)["pending"] == 0, 120, "the resume")
    finally:
        stop(serve)
    counts = Counter(received.recipients())
    assert len(counts) == PARTNERS * CONTACTS and max(counts.values()) == 1
