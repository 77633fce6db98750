"""`serve` (web, API, dispatcher and local workers in one process) and `demo`."""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from waitress import serve as waitress_serve

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.cli import cli, runtime
from campaign_engine.demo.mdf import populate_mdf
from campaign_engine.demo.programme import write_sample_programme
from campaign_engine.demo.runway import populate_runway
from campaign_engine.infra.logs import configure_logging
from campaign_engine.infra.supervise import Watchdog
from campaign_engine.pipeline.beacon import Beacon
from campaign_engine.pipeline.runner import Dispatcher
from campaign_engine.pipeline.scheduler import SchedulerService
from campaign_engine.runtime import Runtime
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.settings import ENV_PREFIX, Settings, load_settings, refuse_published_secrets

SAMPLE_KIT = Path(__file__).resolve().parents[2] / "kits" / "secure-cloud-q3"


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Web console, API and the sending workers in one process (the embedded mode)."""
    with runtime() as rt:
        configure_logging(rt.settings.log_level)
        refuse_published_secrets(rt.settings, host)
        migrate.upgrade(rt.engine)
        _serve(rt, host, port)


def _serve(rt: Runtime, host: str, port: int) -> None:
    allow_connections()
    with background_engine(rt):
        click.echo(f"serving on http://{host}:{port}/  (Ctrl+C to stop)")
        waitress_serve(
            create_app(rt),
            host=host,
            port=port,
            threads=8,
            # Keep-alive clients each hold a connection while idle: at waitress's default
            # of 100, the 101st waited (300 clients: 202 had no answer for 30 s). poll()
            # instead of select(), which cannot watch a descriptor numbered past 1,024.
            connection_limit=CONNECTIONS,
            asyncore_use_poll=True,
            backlog=2048,
            _quiet=True,
        )


CONNECTIONS = 4000  # concurrent connections the embedded server keeps open


def allow_connections(wanted: int = CONNECTIONS + 200) -> None:
    """Raise this process's open-file limit toward `wanted` (each connection is one), as
    far as the hard limit allows: many systems start processes at a soft limit of 1,024."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


@contextmanager
def background_engine(rt: Runtime, kind: str = "serve") -> Iterator[None]:
    """The dispatcher (claims due deliveries for the configured executor) and the
    scheduler lease loop (runs APScheduler if this process wins the lease)."""
    if rt.settings.executor == "local":
        bootstrap.attach_render_pool(rt, rt.settings.dispatch.render_processes)
    beacon = Beacon(rt, kind)  # first: a dead predecessor's claims come back before we claim
    beacon.start()
    dispatcher = Dispatcher(rt, bootstrap.make_executor(rt), owner=beacon.process_id)
    scheduler = SchedulerService(rt)
    watchdog = give_up_when_stuck(rt, beacon, dispatcher, scheduler)
    dispatcher.start()
    scheduler.start()
    watchdog.start()
    try:
        yield
    finally:
        watchdog.stop()
        scheduler.stop()
        dispatcher.stop()
        beacon.stop()


def give_up_when_stuck(
    rt: Runtime, beacon: Beacon, dispatcher: Dispatcher, scheduler: SchedulerService
) -> Watchdog:
    """A loop without a finished round for dispatch.give_up_seconds ends the process with
    exit code 75 after giving back its scheduler lease and its claims (docs/deploy.md)."""

    watchdog = Watchdog(rt.settings.dispatch.give_up_seconds, [scheduler.abandon, beacon.abandon])
    for loop in (beacon.loop, dispatcher.loop, scheduler.loop):
        watchdog.watch(loop)
    return watchdog


@cli.command("scheduler")
def scheduler_command() -> None:
    """The scheduler and dispatcher without the web (scale-out: run one, plus a standby)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with runtime() as rt:
        configure_logging(rt.settings.log_level)
        refuse_published_secrets(rt.settings)
        migrate.upgrade(rt.engine)
        with background_engine(rt, "scheduler"):
            click.echo(f"scheduler running (executor: {rt.settings.executor}); Ctrl+C to stop")
            try:
                while not stop.wait(1):
                    pass
            except KeyboardInterrupt:
                pass


@cli.command("worker")
@click.option("--concurrency", type=int, default=None, help="Worker processes (default: CPUs).")
def worker_command(concurrency: int | None) -> None:
    """A Celery worker that sends work items (executor: celery)."""
    from campaign_engine.bootstrap import build_runtime
    from campaign_engine.pipeline.celery_app import make_celery

    settings = load_settings()
    configure_logging(settings.log_level)
    refuse_published_secrets(settings)
    app = make_celery(settings, lambda: build_runtime(load_settings()))
    argv = ["worker", f"--loglevel={settings.log_level}", "--without-gossip", "--without-mingle"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    app.worker_main(argv)


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Listen, and link, here.")
@click.option("--port", default=8000, show_default=True, type=int, help="Listen, and link, here.")
@click.option("--partners", "count", default=150, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the data and exit.")
def demo(host: str, port: int, count: int, no_serve: bool) -> None:
    """A fresh SQLite database, the sample kit, sample partners and a launched campaign."""
    with runtime(demo_settings(host, port)) as rt:
        refuse_published_secrets(rt.settings, host)
        _fresh_database(rt)
        folder = rt.settings.storage_dir.parent / "demo"
        partners_csv, contacts_csv = write_sample_programme(folder, count)
        with rt.sessions.begin() as session:
            imported = import_partners(session, partners_csv, actor="demo")
            people = import_contacts(session, contacts_csv, actor="demo")
            version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
            campaign = create_campaign(
                session, version, "Secure Cloud Backup: Q3 launch", {}, None, actor="demo"
            )
            planned = launch_campaign(
                session, campaign, now=rt.clock(), actor="demo", rules=rt.settings.programme.rules()
            )
            campaign_id = campaign.id
            _, password = create_user(session, "admin@vendor.example", "admin", actor="demo")
            runway = populate_runway(
                session, version, campaign_id, now=rt.clock(), rules=rt.settings.programme.rules()
            )
            runway_id = runway.id
            funded = populate_mdf(
                session,
                now=rt.clock(),
                currency=rt.settings.mdf.currency,
                sla_hours=rt.settings.mdf.sla_hours,
            )
        click.echo(
            json.dumps(
                {
                    "partners": imported.created,
                    "contacts": people.created,
                    "campaign": campaign_id,
                    "deliveries": planned,
                    "runway_campaign": runway_id,
                    "partners_with_mdf": funded,
                }
            )
        )
        click.echo(f"emails land in {rt.settings.email.outbox_dir}/new")
        click.echo(f"sign in as admin@vendor.example with password {password}")
        click.echo(
            f"open {rt.settings.public_base_url}/campaigns/{campaign_id} to watch the launch"
        )
        if not no_serve:
            _serve(rt, host, port)


def demo_settings(host: str, port: int) -> Settings:
    """The configuration, with links to where this demo listens: every email and notice
    said :8000 whatever --port was. An explicit CAMPAIGN_ENGINE_BASE_URL (a tunnel, a
    proxy) still wins."""
    settings = load_settings()
    if f"{ENV_PREFIX}BASE_URL" in os.environ:
        return settings
    return settings.model_copy(update={"base_url": served_url(host, port)})


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches `serve --host HOST --port PORT` at:
    a wildcard address listens on loopback too; an IPv6 address goes in brackets."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return f"http://{host}:{port}"  # a name, such as localhost
    if address.is_unspecified:
        return f"http://127.0.0.1:{port}"
    return f"http://[{address}]:{port}" if address.version == 6 else f"http://{address}:{port}"


def _fresh_database(rt: Runtime) -> None:
    url = rt.settings.database_url
    if not url.startswith("sqlite:///"):
        raise click.UsageError(
            "the demo builds its own SQLite database; unset "
            "CAMPAIGN_ENGINE_DATABASE_URL or point it at sqlite:///..."
        )
    rt.engine.dispose()
    path = Path(url[len("sqlite:///") :])
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _fresh_outbox(rt.settings.email.outbox_dir)
    migrate.upgrade(rt.engine)


def _fresh_outbox(outbox: Path) -> None:
    """A fresh database means a fresh outbox: files are named by idempotency key, so the
    last demo's emails (the same keys) stood in for this one's, and none were written
    while the campaign page counted them sent."""
    for folder in ("new", "cur", "tmp"):
        for item in (outbox / folder).glob("*"):
            if item.is_file():
                item.unlink()
