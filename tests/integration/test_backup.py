"""`campaign-engine backup` and `restore` through the real CLI, on SQLite and PostgreSQL:
what a backup holds, a restore that gives back the same programme, and every refusal
(damaged, incomplete or foreign backups, targets holding data) changing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from campaign_engine.db import Delivery
from campaign_engine.db.session import make_engine
from campaign_engine.services.stewardship import backup as stewardship
from campaign_engine.services.stewardship.backup_databases import current_revision
from campaign_engine.services.stewardship.backup_format import DUMPS, engine_version, sha256_of
from campaign_engine.settings import load_settings
from tests.conftest import Cli, _pg_database, write_config
from tests.factories import email_only_kit, partner_row, write_contacts, write_partners

PARTNERS, CONTACTS = 3, 2


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as database_url, for restoring into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'engine.db'}"
        return
    yield from _pg_database(request.getfixturevalue("postgres_server"))


def programme(tmp_path: Path, cli: Cli, *, wait: bool = True) -> int:
    rows = [partner_row(i) for i in range(PARTNERS)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], CONTACTS)))
    kit = email_only_kit(tmp_path)
    created = cli("campaigns", "create", "--kit", str(kit), "--name", "Q3", "--json")
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id), *(["--wait"] if wait else []))
    return campaign_id


def target(tmp_path: Path, url: str) -> Cli:
    """A second instance's config (its own folders), its database not created."""
    folder = tmp_path / "restored"
    folder.mkdir(exist_ok=True)
    return Cli(write_config(folder, url, data_dir="var"))


def status(cli: Cli, campaign_id: int) -> dict:
    return json.loads(cli("campaigns", "status", str(campaign_id), "--json").output)


def outbox_files(config: Path) -> dict[str, bytes]:
    new = config.parent / "outbox" / "new"
    return {path.name: path.read_bytes() for path in sorted(new.glob("*.eml"))}


def test_a_backup_restores_the_same_programme(tmp_path, database_url, fresh_url, make_cli):
    cli = make_cli(database_url, data_dir="var")
    campaign_id = programme(tmp_path, cli)
    dest = tmp_path / "backups" / "nightly"
    cli("backup", str(dest))

    manifest = json.loads((dest / "manifest.json").read_text())
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert manifest["database"] == kind
    assert manifest["engine_version"] == engine_version()
    assert manifest["migration_head"] == current_revision(make_engine(database_url))
    paths = {entry["path"] for entry in manifest["files"]}
    assert DUMPS[kind] in paths and "secrets.json" in paths
    assert {f"outbox/new/{name}" for name in outbox_files(cli.config)} <= paths
    assert any(path.startswith("storage/") for path in paths)
    for entry in manifest["files"]:
        assert sha256_of(dest / entry["path"]) == entry["sha256"], entry["path"]
    assert dest.stat().st_mode & 0o077 == 0, "a backup holds personal data and secrets"
    assert not list(dest.parent.glob(".nightly.partial-*"))

    restored = target(tmp_path, fresh_url)
    out = restored("restore", str(dest)).output
    assert "restored" in out and "db upgrade" not in out
    assert status(restored, campaign_id) == status(cli, campaign_id)
    assert outbox_files(restored.config) == outbox_files(cli.config)
    secrets = restored.config.parent / "var" / "secrets.json"
    assert secrets.read_bytes() == (cli.config.parent / "var" / "secrets.json").read_bytes()
    assert secrets.stat().st_mode & 0o777 == 0o600
    settings = load_settings(restored.config)
    assert settings.webhooks.inbound_secret == load_settings(cli.config).webhooks.inbound_secret
    restored("db", "upgrade")  # already at head: nothing to do


def test_mails_written_after_the_snapshot_are_not_written_again(
    tmp_path, database_url, fresh_url, make_cli, monkeypatch
):
    """The database is copied first, the outbox after it: mails written in between (sent by
    claims the backup's wait gave up on) are in the backup's outbox while their
    deliveries are pending in its database. The restored
    engine sends them again; the outbox, named by idempotency key, keeps the one file."""
    from campaign_engine.cli import runtime
    from campaign_engine.pipeline.runner import run_until_sent

    cli = make_cli(database_url, data_dir="var")
    campaign_id = programme(tmp_path, cli, wait=False)
    settings = load_settings(cli.config)
    chosen = stewardship.folders

    def send_everything_then_choose(s):  # called once the database snapshot is taken
        with runtime(settings) as rt:
            run_until_sent(rt, campaign_id, 2, lambda done, total: None)
        return chosen(s)

    monkeypatch.setattr(stewardship, "folders", send_everything_then_choose)
    # As when the wait for claims in flight ran out: sending was not paused.
    monkeypatch.setattr(stewardship, "sending_paused", lambda engine, **_: nullcontext(0))
    engine = make_engine(database_url)
    stewardship.take_backup(settings, engine, tmp_path / "backup")
    engine.dispose()
    monkeypatch.setattr(stewardship, "folders", chosen)
    written = outbox_files(cli.config)
    assert len(written) == PARTNERS * CONTACTS

    restored = target(tmp_path, fresh_url)
    restored("restore", str(tmp_path / "backup"))
    assert status(restored, campaign_id)["deliveries"]["email"]["sent"] == 0
    new = restored.config.parent / "outbox" / "new"
    before = {path.name: path.stat().st_mtime_ns for path in new.iterdir()}
    with runtime(load_settings(restored.config)) as rt:
        run_until_sent(rt, campaign_id, 2, lambda done, total: None)
    assert status(restored, campaign_id)["deliveries"]["email"]["sent"] == PARTNERS * CONTACTS
    assert outbox_files(restored.config) == written
    assert {path.name: path.stat().st_mtime_ns for path in new.iterdir()} == before


def test_restore_releases_the_snapshots_claims(tmp_path, database_url, fresh_url, make_cli):
    """Deliveries a process of the old instance had claimed are pending once restored:
    that process does not run here, and its lease would hold them for minutes."""
    cli = make_cli(database_url, data_dir="var")
    programme(tmp_path, cli, wait=False)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            Delivery.__table__.update().values(
                status="sending", lease_owner="serve-gone/serve-gone", lease_expires_at=None
            )
        )
    engine.dispose()
    cli("backup", str(tmp_path / "backup"))
    restored = target(tmp_path, fresh_url)
    restored("restore", str(tmp_path / "backup"))
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    engine.dispose()
    assert rows == [("pending", PARTNERS * CONTACTS)]


def test_sending_pauses_while_a_backup_copies(tmp_path, database_url, make_cli):
    """Dispatchers claim nothing while a backup holds the lease, and a work item under way
    hands its unsent rows back (its attempt not counted) once its heartbeat sees it."""
    from campaign_engine.cli import runtime
    from campaign_engine.pipeline.delivery import deliver
    from campaign_engine.pipeline.dispatcher import claim_due
    from campaign_engine.services.stewardship.pause import sending_paused

    cli = make_cli(database_url, data_dir="var")
    programme(tmp_path, cli, wait=False)
    engine = make_engine(database_url)

    def claim(rt, owner):
        with rt.sessions.begin() as session:
            return claim_due(session, now=rt.clock(), limit=100, lease_seconds=30, owner=owner)

    with runtime(load_settings(cli.config)) as rt:
        with sending_paused(engine, drain_seconds=0) as in_flight:
            assert in_flight == 0
            assert claim(rt, "w/1") == []
        items = claim(rt, "w/2")
        assert sum(len(item.delivery_ids) for item in items) == PARTNERS * CONTACTS
        rt.claims.paused.set()  # as the heartbeat does while a backup holds the lease
        for item in items:
            deliver(rt, item)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Delivery.status, Delivery.attempts, func.count()).group_by(
                Delivery.status, Delivery.attempts
            )
        ).all()
    engine.dispose()
    assert rows == [("pending", 0, PARTNERS * CONTACTS)]
    assert outbox_files(cli.config) == {}


def test_a_backup_names_the_claims_it_could_not_wait_for(tmp_path, database_url, make_cli):
    """Claims held by a live lease that do not finish within --wait-seconds are counted in
    the manifest and the output: the restore will send those again."""
    cli = make_cli(database_url, data_dir="var")
    programme(tmp_path, cli, wait=False)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            Delivery.__table__.update().values(
                status="sending",
                lease_owner="serve-busy/1",
                lease_expires_at=datetime.now(UTC) + timedelta(minutes=5),
            )
        )
    engine.dispose()
    out = cli("backup", str(tmp_path / "backup"), "--wait-seconds", "0.5").output
    assert f"{PARTNERS * CONTACTS} sends were still in flight" in out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["in_flight"] == PARTNERS * CONTACTS


@pytest.fixture
def taken(tmp_path: Path, database_url: str, make_cli) -> tuple[Cli, Path]:
    cli = make_cli(database_url, data_dir="var")
    programme(tmp_path, cli)
    cli("backup", str(tmp_path / "backup"))
    return cli, tmp_path / "backup"


def refused(cli: Cli, src: Path, *needles: str) -> str:
    result = cli("restore", str(src), ok=False)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output
    return result.output


def nothing_restored(cli: Cli, url: str) -> None:
    engine = make_engine(url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    assert not list((cli.config.parent / "storage").rglob("*.*"))


def test_a_damaged_file_is_named_and_nothing_is_restored(taken, tmp_path, fresh_url):
    _, src = taken
    manifest = json.loads((src / "manifest.json").read_text())
    victim = next(e["path"] for e in manifest["files"] if e["path"].startswith("outbox/new/"))
    data = bytearray((src / victim).read_bytes())
    data[-3] ^= 0xFF
    (src / victim).write_bytes(bytes(data))
    restored = target(tmp_path, fresh_url)
    refused(restored, src, victim, "checksum")
    check = restored("restore", "--check", str(src), ok=False)
    assert check.exit_code != 0 and victim in check.output
    nothing_restored(restored, fresh_url)


def test_missing_extra_and_truncated_files_are_named(taken, tmp_path, fresh_url):
    _, src = taken
    restored = target(tmp_path, fresh_url)
    manifest = json.loads((src / "manifest.json").read_text())
    dump = next(e["path"] for e in manifest["files"] if e["path"].startswith("database."))
    (src / "storage" / "stray.txt").write_text("not from the engine")
    refused(restored, src, "storage/stray.txt", "not in the manifest")
    (src / "storage" / "stray.txt").unlink()
    data = (src / dump).read_bytes()
    (src / dump).write_bytes(data[: len(data) // 2])
    refused(restored, src, dump, "bytes")
    (src / dump).unlink()
    refused(restored, src, dump, "missing")
    (src / "manifest.json").unlink()
    refused(restored, src, "manifest.json", "missing")
    nothing_restored(restored, fresh_url)


def test_a_target_holding_data_is_refused(taken, tmp_path, database_url):
    """Restoring over the instance that took the backup (its database has tables, its
    folders files) changes nothing."""
    cli, src = taken
    before = outbox_files(cli.config)
    refused(cli, src, "not empty")
    assert outbox_files(cli.config) == before


def test_a_target_database_with_tables_is_refused(taken, tmp_path, fresh_url):
    _, src = taken
    restored = target(tmp_path, fresh_url)
    restored("db", "upgrade")
    refused(restored, src, "target database holds", "empty database")


def test_a_backup_of_another_kind_or_newer_engine_is_refused(taken, tmp_path, fresh_url):
    _, src = taken
    restored = target(tmp_path, fresh_url)
    manifest_path = src / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    head = manifest["migration_head"]
    manifest["migration_head"] = "9999"
    manifest_path.write_text(json.dumps(manifest))
    refused(restored, src, "migration 9999", "does not know")
    manifest["migration_head"] = head
    manifest["database"] = "oracle"
    manifest_path.write_text(json.dumps(manifest))
    refused(restored, src, "manifest.json", "unknown database kind")
    nothing_restored(restored, fresh_url)


def test_backup_refuses_a_folder_in_use(taken, tmp_path):
    cli, src = taken
    result = cli("backup", str(src), ok=False)
    assert result.exit_code != 0 and "already exists" in result.output
    empty = tmp_path / "mounted"
    empty.mkdir()
    cli("backup", str(empty))
    assert (empty / "manifest.json").is_file()


def test_one_backup_at_a_time(taken, tmp_path, database_url):
    """A second backup while one holds sending still is refused: its end would let
    sending resume while the first still copies."""
    from campaign_engine.services.stewardship.pause import sending_paused

    cli, _ = taken
    engine = make_engine(database_url)
    try:
        with sending_paused(engine, drain_seconds=0):
            result = cli("backup", str(tmp_path / "second"), ok=False)
    finally:
        engine.dispose()
    assert result.exit_code != 0 and "another backup" in result.output
    assert not (tmp_path / "second").exists()


def test_a_symbolic_link_is_neither_written_through_nor_restored(taken, tmp_path, fresh_url):
    cli, src = taken
    elsewhere = tmp_path / "elsewhere"
    link = tmp_path / "link"
    link.symlink_to(elsewhere)  # dangling: the backup would be written at its target
    result = cli("backup", str(link), ok=False)
    assert result.exit_code != 0 and "symbolic link" in result.output
    assert not elsewhere.exists()
    entry = next(p for p in (src / "storage").rglob("*") if p.is_file())
    copy = tmp_path / "kept-aside"
    copy.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(copy)  # same bytes, so the checksum alone would pass it
    restored = target(tmp_path, fresh_url)
    result = restored("restore", str(src), ok=False)
    assert result.exit_code != 0 and "symbolic link" in result.output


def test_a_target_folder_with_files_is_refused_even_when_the_backup_has_none_for_it(
    taken, tmp_path, fresh_url
):
    _, src = taken
    restored = target(tmp_path, fresh_url)
    stray = restored.config.parent / "storage" / "another-instance.bin"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"not this backup's")
    for entry in list((src / "storage").rglob("*")):  # a backup without storage files
        if entry.is_file():
            entry.unlink()
    manifest = json.loads((src / "manifest.json").read_text())
    manifest["files"] = [f for f in manifest["files"] if not f["path"].startswith("storage/")]
    (src / "manifest.json").write_text(json.dumps(manifest))
    result = restored("restore", str(src), ok=False)
    assert result.exit_code != 0 and "not empty" in result.output


def test_a_terminated_backup_leaves_nothing_and_lets_sending_go_on(tmp_path, sqlite_url):
    """SIGTERM, as cron's timeout or systemd send it, mid-copy: no partial folder (a full
    copy of the database nobody would ever delete) and the pause on sending lifted. On
    SQLite only: the signal's handling is the same whichever database was copied."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from campaign_engine.infra.leases import holder_of
    from campaign_engine.services.stewardship.pause import LEASE

    cli = Cli(write_config(tmp_path, sqlite_url, data_dir="var"))
    programme(tmp_path, cli, wait=False)
    storage = load_settings(cli.config).storage_dir
    storage.mkdir(parents=True, exist_ok=True)
    (storage / "big.bin").write_bytes(os.urandom(256 << 20))  # the copy takes a while
    env = {**os.environ, "CAMPAIGN_ENGINE_CONFIG": str(cli.config)}
    backup = subprocess.Popen(
        [sys.executable, "-m", "campaign_engine", "backup", str(tmp_path / "nightly")], env=env
    )
    engine = make_engine(sqlite_url)
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(".nightly.partial-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(tmp_path.glob(".nightly.partial-*")), "the backup got under way"
        backup.send_signal(signal.SIGTERM)
        assert backup.wait(30) == 128 + signal.SIGTERM
        assert not list(tmp_path.glob(".nightly.partial-*"))
        assert not (tmp_path / "nightly").exists()
        from sqlalchemy.orm import Session

        from campaign_engine.runtime import system_clock

        with Session(engine) as session:
            assert holder_of(session, LEASE, now=system_clock()) is None
    finally:
        backup.kill()
        engine.dispose()
