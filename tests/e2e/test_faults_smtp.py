"""Faults that heal themselves, with the default retry settings: the SMTP server refusing
(421, then unreachable behind a cut TCP proxy) for 20 minutes of the engine's clock, and
storage full (a real ENOSPC on a small tmpfs) then freed. The engine is the one `serve`
runs (commands/serve.background_engine: heartbeat, dispatcher, scheduler) in this
process, on a clock the test moves; nobody acts after the fault, and each ends with every
recipient mailed exactly once, sending resumed within 30 s, and `campaigns status`
having said why the items waited."""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.commands.serve import background_engine
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.delivery.health.checks import loops_check
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.settings import load_settings
from tests.conftest import Cli, CollectingHandler, Received, running_smtp, write_config
from tests.factories import email_only_kit, partner_row, write_contacts, write_partners
from tests.faults import proxied
from tests.processes import wait_until

PARTNERS, CONTACTS = 4, 3
RESUME_SECONDS = 30


class RefusingHandler(CollectingHandler):
    """Accepts mail, or answers 421 (service not available) at RCPT while refusing."""

    def __init__(self, received: Received) -> None:
        super().__init__(received)
        self.refusing = False
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refusing:
            self.refused += 1
            return "421 4.3.2 Service not available, closing transmission channel"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class MovedClock:
    """Real time plus an offset the test pushes forward: between pushes the engine's time
    flows as usual, so backoffs, leases and canaries behave as in production."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return datetime.now(UTC) + self.offset

    def move(self, by: timedelta) -> None:
        with self.lock:
            self.offset += by


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    """A 16 MB tmpfs: filled with a ballast file it is really full (ENOSPC)."""
    folder = tmp_path_factory.mktemp("tmpfs")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory, storage):
    """One engine for the module, SMTP through a proxy, default retry settings."""
    tmp_path = tmp_path_factory.mktemp("faults")
    received = Received()
    handler = RefusingHandler(received)
    with running_smtp(handler) as smtp_port, proxied(smtp_port) as proxy:
        config = write_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'engine.db'}",
            storage_dir=str(storage),
            email={"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": proxy.port}},
            # the shipped retry settings (write_config shortens the backoff for other tests)
            dispatch={"tick_seconds": 0.2, "render_processes": 0, "backoff_base_seconds": 30},
            health={"cache_seconds": 0, "storage_min_free_mb": 1},
        )
        runtime = bootstrap.build_runtime(load_settings(config))
        runtime.clock = MovedClock()
        migrate.upgrade(runtime.engine)
        rows = [partner_row(i) for i in range(PARTNERS)]
        with runtime.sessions.begin() as session:
            import_partners(session, write_partners(tmp_path, rows))
            import_contacts(session, write_contacts(tmp_path, [r["slug"] for r in rows], CONTACTS))
            version_id = load_kit(session, email_only_kit(tmp_path), bootstrap.make_renderers).id
        with background_engine(runtime):
            yield runtime, handler, received, proxy, Cli(config), version_id
        runtime.close()


def launch(runtime, version_id: int, name: str) -> int:
    from campaign_engine.db import KitVersion

    with runtime.sessions.begin() as session:
        version = session.get(KitVersion, version_id)
        campaign = create_campaign(session, version, name, {}, None)
        launch_campaign(
            session,
            campaign,
            now=runtime.clock(),
            actor="test",
            rules=runtime.settings.programme.rules(),
        )
        return campaign.id


def status(cli: Cli, campaign_id: int) -> dict:
    return json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)


def everyone() -> set[str]:
    return {
        f"buyer{n}@partner-{i:02d}-customer.example"
        for i in range(PARTNERS)
        for n in range(CONTACTS)
    }


def recipients_since(received: Received, start: int) -> Counter[str]:
    with received.lock:
        return Counter(r for _, rcpts, _ in received.envelopes[start:] for r in rcpts)


def test_smtp_refusing_for_20_minutes_then_every_recipient_is_mailed_once(world):
    runtime, handler, received, proxy, cli, version_id = world
    handler.refusing = True
    start = len(received.envelopes)
    campaign_id = launch(runtime, version_id, "SMTP outage")
    wait_until(lambda: handler.refused >= PARTNERS * CONTACTS, 30, "every email refused once")
    waiting = status(cli, campaign_id)["waiting"]
    assert waiting and waiting[0]["channel"] == "email"
    assert waiting[0]["reason"].startswith("SMTP 421 4.3.2 Service not available")
    assert "retrying until" in waiting[0]["sentence"]
    # 20 minutes of the engine's clock in 30 s steps: the first 10 refused with 421, the
    # next 10 with the server unreachable (the proxy refuses connections)
    for step in range(40):
        if step == 20:
            proxy.cut()
        runtime.clock.move(timedelta(seconds=30))
        time.sleep(0.15)
    wait_until(
        lambda: "cannot reach SMTP server" in status(cli, campaign_id)["waiting"][0]["reason"],
        30,
        "the reason to follow the fault",
    )
    during = status(cli, campaign_id)
    assert during["deliveries"]["email"]["failed"] == 0, "20 minutes of outage fails nothing"
    assert during["deliveries"]["email"]["pending"] == PARTNERS * CONTACTS
    assert not recipients_since(received, start)
    handler.refusing = False
    proxy.restore()
    ended = time.monotonic()
    wait_until(lambda: recipients_since(received, start), RESUME_SECONDS, "sending to resume")
    resumed = time.monotonic() - ended
    wait_until(lambda: set(recipients_since(received, start)) == everyone(), 60, "every recipient")
    counts = recipients_since(received, start)
    assert all(n == 1 for n in counts.values()), counts
    after = status(cli, campaign_id)
    assert after["deliveries"]["email"]["sent"] == PARTNERS * CONTACTS
    assert after["waiting"] == []
    print(f"resumed {resumed:.1f} s after the SMTP fault ended")


def test_storage_full_then_freed_sends_each_once_and_readyz_follows(world, storage, caplog):
    runtime, _handler, received, _proxy, cli, version_id = world
    app = create_app(runtime)
    # The SMTP test moves the engine's clock 20 minutes on: the scheduler lease, renewed
    # every few seconds, reads as lapsed until its next renewal. Start from a ready engine.
    wait_until(lambda: loops_check(runtime).ok, 15, "the scheduler lease to be renewed")
    ballast = storage / "ballast"
    with ballast.open("wb") as handle:  # fill the tmpfs: the kernel answers ENOSPC
        try:
            while True:
                handle.write(b"\0" * (1 << 20))
                handle.flush()
        except OSError:
            pass
    start = len(received.envelopes)
    with caplog.at_level(logging.ERROR):
        campaign_id = launch(runtime, version_id, "Disk full")
        wait_until(
            lambda: status(cli, campaign_id)["waiting"], 30, "the renders to fail and say why"
        )
        wait_until(
            lambda: app.test_client().get("/readyz").status_code == 503, 10, "readyz to fail"
        )
        assert app.test_client().get("/readyz").get_json()["failing"] == ["storage"]
        time.sleep(3)  # a few retries' worth of failures
        waiting = status(cli, campaign_id)["waiting"][0]
        assert waiting["reason"] == "storage full (no space left on device)"
        assert waiting["sentence"].startswith("storage full (no space left on device) since ")
        assert status(cli, campaign_id)["deliveries"]["email"]["failed"] == 0
        ballast.unlink()
        ended = time.monotonic()
        wait_until(lambda: recipients_since(received, start), RESUME_SECONDS, "sending to resume")
        resumed = time.monotonic() - ended
        wait_until(
            lambda: set(recipients_since(received, start)) == everyone(), 60, "every recipient"
        )
    counts = recipients_since(received, start)
    assert all(n == 1 for n in counts.values()), counts
    assert app.test_client().get("/readyz").status_code == 200
    tracebacks = [r for r in caplog.records if r.exc_info and "preparing" in r.getMessage()]
    assert len(tracebacks) <= 1, f"{len(tracebacks)} tracebacks for one repeated error"
    print(f"resumed {resumed:.1f} s after the storage was freed")
