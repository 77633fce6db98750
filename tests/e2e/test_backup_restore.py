"""A backup taken in the middle of a launch over real SMTP, the machine lost right after,
the backup restored into a fresh folder and database, and the engine started there: every
recipient gets the campaign, and only what the old machine sent after the snapshot
arrives twice, under the same Message-ID (mailboxes fold such a resend into one mail);
sending pauses while the backup copies, so that is at most one message per thread."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from campaign_engine.db import Delivery
from campaign_engine.db.session import make_engine
from tests.conftest import (
    Cli,
    Received,
    SlowHandler,
    _pg_database,
    free_port,
    running_smtp,
    write_config,
)
from tests.e2e.test_crash import CONTACTS, PARTNERS, prepare
from tests.processes import email_status, kill_hard, spawn, stop, wait_until

TOTAL = PARTNERS * CONTACTS


@pytest.fixture
def slow_smtp():
    received = Received()
    # 0.2 s a message: the backup command must finish while sends remain, and under a
    # loaded CI machine 0.1 s left none (the whole launch went out during the backup)
    with running_smtp(SlowHandler(received, delay=0.2)) as port:
        yield port, received


@pytest.fixture
def fresh_url(request, database_url: str, tmp_path: Path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'engine.db'}"
        return
    yield from _pg_database(request.getfixturevalue("postgres_server"))


def snapshot_rows(url: str) -> dict[str, tuple[str, str]]:
    """recipient -> (status, idempotency key), as the restored database holds them."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Delivery.recipient, Delivery.status, Delivery.idempotency_key).where(
                    Delivery.channel == "email"
                )
            ).all()
    finally:
        engine.dispose()
    return {recipient: (status, key) for recipient, status, key in rows}


def message_ids(received: Received) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for message in received.messages():
        seen[str(message["To"]).split("<")[-1].rstrip(">")].add(str(message["Message-ID"]))
    return seen


def test_a_backup_taken_mid_launch_finishes_it_once(
    tmp_path, database_url, fresh_url, slow_smtp, make_cli
):
    port, received = slow_smtp
    cli, campaign_id = prepare(
        tmp_path, make_cli, database_url, port, lease_seconds=None, data_dir="var"
    )
    serve = spawn(["serve", "--port", str(free_port())], cli.config, tmp_path / "serve.log")
    try:
        wait_until(lambda: len(received.recipients()) >= 40, 90, "the launch to get going")
        cli("backup", str(tmp_path / "backup"))
    finally:
        kill_hard(serve)  # the machine is lost right after its backup
    time.sleep(1)  # what was already handed to SMTP arrives
    from_old = len(received.recipients())
    assert from_old < TOTAL - 40, "the machine was lost too late to prove much"

    folder = tmp_path / "restored"
    folder.mkdir()
    smtp = {"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": port}}
    dispatch = {"workers": 4, "tick_seconds": 0.2, "render_processes": 2}
    restored = Cli(write_config(folder, fresh_url, email=smtp, dispatch=dispatch, data_dir="var"))
    restored("restore", str(tmp_path / "backup"))
    snapshot = snapshot_rows(fresh_url)
    sent_before = {r for r, (status, _) in snapshot.items() if status == "sent"}
    assert 40 <= len(sent_before) <= from_old
    assert {status for status, _ in snapshot.values()} <= {"sent", "pending"}, "claims released"

    serve = spawn(["serve", "--port", str(free_port())], restored.config, folder / "serve.log")
    try:
        wait_until(
            lambda: email_status(restored, campaign_id)["pending"] == 0, 90, "the restored engine"
        )
    finally:
        stop(serve)
    assert email_status(restored, campaign_id)["sent"] == TOTAL

    counts = Counter(received.recipients())
    assert set(counts) == set(snapshot), "every recipient mailed"
    twice = {r for r, n in counts.items() if n > 1}
    print(f"snapshot sent {len(sent_before)}, old machine {from_old}, twice {len(twice)}")
    assert max(counts.values()) <= 2
    assert not twice & sent_before, "what the backup recorded as sent is never sent again"
    assert len(twice) <= from_old - len(sent_before), "only what was sent after the snapshot"
    # Sending paused while the backup copied: what the old machine sent after the snapshot
    # is at most one message per sending thread, claimed as the pause ended.
    assert from_old - len(sent_before) <= dispatch["workers"]
    for recipient, ids in message_ids(received).items():
        (only,) = ids  # a resend is the same message, not a second one
        assert only.startswith(f"<{snapshot[recipient][1]}@"), recipient
