"""Shared fixtures: a throwaway database (SQLite and PostgreSQL), a config file pointing at
it, a real SMTP server on loopback, and a CLI runner that behaves like the installed
`campaign-engine` command."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result

from campaign_engine.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_KIT = ROOT / "kits" / "secure-cloud-q3"
PG_ADMIN_URL = os.environ.get("CE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_service(name: str, reason: str) -> None:
    """Skip locally, but fail loudly in CI: a missing service must never pass silently."""
    message = f"{name} is required for this test but is not reachable: {reason}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        require_service("PostgreSQL", str(exc).splitlines()[0])
    return PG_ADMIN_URL


def _pg_database(admin_url: str, template: str | None = None) -> Iterator[str]:
    """A new, empty database; or a copy of `template` (PostgreSQL copies files: about
    0.1 s against 0.5 s for running every migration again)."""
    import psycopg

    name = f"ce_test_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str) -> None:
    from campaign_engine import migrate
    from campaign_engine.db.session import make_engine

    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file at the newest migration per test process, copied for each test:
    every test still runs `db upgrade` (a no-op on the copy), and test_migrations.py builds
    its schema from nothing (empty_database_url)."""
    path = tmp_path_factory.mktemp("migrated") / "engine.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _migrated_pg(postgres_server: str) -> Iterator[str]:
    """The PostgreSQL twin of _migrated_sqlite: a template database, dropped at the end."""
    databases = _pg_database(postgres_server)
    url = next(databases)
    _migrate(url)
    yield url.rsplit("/", 1)[1]
    next(databases, None)


def _sqlite_copy(template: Path, target: Path) -> str:
    import sqlite3

    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'engine.db'}"
        return
    yield from _pg_database(request.getfixturevalue("postgres_server"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the newest migration, on each engine."""
    if request.param == "sqlite":
        yield _sqlite_copy(request.getfixturevalue("_migrated_sqlite"), tmp_path / "engine.db")
        return
    admin = request.getfixturevalue("postgres_server")
    yield from _pg_database(admin, template=request.getfixturevalue("_migrated_pg"))


@pytest.fixture
def kit_dir(tmp_path: Path) -> Path:
    """A copy of the sample kit to change."""
    import shutil

    target = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, target)
    return target


@pytest.fixture
def sqlite_url(tmp_path: Path, _migrated_sqlite: Path) -> str:
    return _sqlite_copy(_migrated_sqlite, tmp_path / "engine.db")


@dataclass
class Received:
    envelopes: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [
                message_from_bytes(data, policy=policy.default)  # type: ignore[misc]
                for _, _, data in self.envelopes
            ]

    def recipients(self) -> list[str]:
        with self.lock:
            return [rcpt for _, rcpts, _ in self.envelopes for rcpt in rcpts]


class CollectingHandler:
    def __init__(self, received: Received) -> None:
        self.received = received

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.received.lock:
            self.received.envelopes.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK queued"


class SlowHandler(CollectingHandler):
    """A real SMTP server taking `delay` seconds a message, so a launch lasts long enough
    to be interrupted (killed, cut off, backed up) while it sends."""

    def __init__(self, received: Received, delay: float = 0.1) -> None:
        super().__init__(received)
        self.delay = delay

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class SmtpServer:
    host: str
    port: int
    received: Received


@contextmanager
def running_smtp(handler: object, **options: object) -> Iterator[int]:
    """An aiosmtpd server on a free loopback port for the duration; yields the port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    received = Received()
    with running_smtp(CollectingHandler(received)) as port:
        yield SmtpServer("127.0.0.1", port, received)


def write_config(folder: Path, database_url: str, **overrides: object) -> Path:
    config: dict[str, object] = {
        "database_url": database_url,
        "base_url": "https://partners.vendor.example",
        "storage_dir": "storage",
        "secret_key": "test-secret-key-0123456789",
        "email": {
            "transport": "outbox",
            "outbox_dir": "outbox",
            "from_address": "campaigns@vendor.example",
        },
        "dispatch": {
            "workers": 4,
            "tick_seconds": 0.2,
            "backoff_base_seconds": 0.2,
            "render_processes": 0,
        },
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}  # type: ignore[dict-item]
        else:
            config[key] = value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class Cli:
    """Invokes the real command group in-process, as a newcomer would type it."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(
            cli,
            list(args),
            env={"CAMPAIGN_ENGINE_CONFIG": str(self.config)},
            catch_exceptions=False,
        )
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"campaign-engine {' '.join(args)} exited {result.exit_code}:\n{result.output}"
            )
        return result


@pytest.fixture
def make_cli(tmp_path: Path):
    def factory(database_url: str, **overrides: object) -> Cli:
        cli_ = Cli(write_config(tmp_path, database_url, **overrides))
        cli_("db", "upgrade")
        return cli_

    return factory


@pytest.fixture(autouse=True, scope="session")
def _sample_kit_checked_once() -> Iterator[None]:
    """Shared set-up: the sample kit's full check (every asset rendered in every locale,
    about 1.4 s here) runs once per test process instead of in each of the ~150 worlds that
    load it. Only the unchanged sample folder is remembered, keyed by its content hash;
    every other kit, and the sample kit's own tests in test_kits.py through the CLI, are
    checked as usual."""
    from campaign_engine.services.assets import kits

    check = kits.validate_kit
    checked: dict[tuple[str, object], object] = {}

    def validate_kit(path: Path, renderers: object) -> object:
        if Path(path).resolve() != SAMPLE_KIT.resolve():
            return check(path, renderers)
        content, _ = kits.read_kit(Path(path))
        key = (content.content_hash if content else "", renderers)
        if key not in checked:
            checked[key] = check(path, renderers)
        return checked[key]

    kits.validate_kit = validate_kit
    yield
    kits.validate_kit = check
