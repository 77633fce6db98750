"""`campaign-engine`: click commands that call services.

Every CampaignEngineError becomes one line on stderr and a non-zero exit; a traceback
means a bug, never a user mistake.

Commands are imported only when they run (COMMANDS below), and the command modules
import what they need inside each command: `--help` and `campaigns status` must not pay
for WeasyPrint, Pillow, Celery and the web app (tests/unit/test_startup.py holds this).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from campaign_engine.errors import CampaignEngineError, InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from campaign_engine.runtime import Runtime
    from campaign_engine.settings import Settings

# name: (module that defines it, one-line help shown by --help without importing it)
COMMANDS: dict[str, tuple[str, str]] = {
    "backup": ("backup", "A consistent backup of the database, storage and outbox."),
    "campaigns": ("campaigns", "Create, launch and follow campaigns."),
    "consent": ("consent", "Partner consent: auto (default), review or off."),
    "contacts": ("partners", "The partners' customers that campaign emails go to."),
    "db": ("", "Database schema."),
    "doctor": ("doctor", "Check a deployment's config, services and secrets; say what to fix."),
    "demo": (
        "serve",
        "A fresh SQLite database, the sample kit, sample partners and a launched campaign.",
    ),
    "events": (
        "reports",
        "Attribution events (clicks and opens arrive by themselves; deals by webhook or CSV).",
    ),
    "kits": ("kits", "Campaign kits: validate, load, preview."),
    "mdf": ("mdf", "Market development funds: allocate, decide requests and claims, pay, report."),
    "milestones": ("runway", "Partner milestones: set by hand or imported from a CSV."),
    "owners": ("runway", "Make a vendor user the owner of these partners (bulk)."),
    "partners": ("partners", "Channel partners: import from CSV, list."),
    "programme": ("reports", "Programme-wide analytics."),
    "restore": ("backup", "Restore a backup into an empty database and folders."),
    "runway": ("runway", "Always-on sequences, the 120-day clock and the at-risk digest."),
    "scheduler": (
        "serve",
        "The scheduler and dispatcher without the web (scale-out: run one, plus a standby).",
    ),
    "serve": (
        "serve",
        "Web console, API and the sending workers in one process (the embedded mode).",
    ),
    "users": ("users", "Vendor users and API tokens."),
    "worker": ("serve", "A Celery worker that sends work items (executor: celery)."),
}


class EngineGroup(click.Group):
    """The command group: errors as one line, commands loaded when they run. A plain
    click group: the commands build what they use (cli.runtime, cli.database), so none
    needs Flask's app context, which would build the whole web app first."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CampaignEngineError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig) if exc.orig else str(exc)
            if "no such table" in text or "does not exist" in text:
                click.echo(
                    "error: the database has no tables yet; run: campaign-engine db upgrade",
                    err=True,
                )
            else:
                click.echo(f"error: database: {text.splitlines()[0]}", err=True)
            ctx.exit(1)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and COMMANDS.get(name, ("",))[0]:
            importlib.import_module(f"campaign_engine.commands.{COMMANDS[name][0]}")
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx) if name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


cli = EngineGroup(help="Push-model campaign distribution for partner programmes.")


@contextmanager
def runtime(settings: Settings | None = None) -> Iterator[Runtime]:
    """The adapters for `settings` (default: the configuration), closed afterwards."""
    from campaign_engine import bootstrap
    from campaign_engine.settings import load_settings

    rt = bootstrap.build_runtime(settings or load_settings())
    try:
        yield rt
    finally:
        rt.close()


@contextmanager
def database() -> Iterator[tuple[Settings, Session]]:
    """Settings and one transaction, without the adapters a runtime builds: for commands
    that only read or write rows (status, lists), so they start fast."""
    from campaign_engine.db.session import make_engine, make_session_factory
    from campaign_engine.settings import load_settings

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine, every_model=False).begin() as session:
            yield settings, session
    finally:
        engine.dispose()


@contextmanager
def unit_of_work() -> Iterator[tuple[Runtime, Session]]:
    """A runtime and one transaction: committed if the command succeeds, else rolled back."""
    with runtime() as rt, rt.sessions.begin() as session:
        yield rt, session


def emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def parse_when(value: str | None, where: str) -> datetime | None:
    """An ISO 8601 time with an offset, as stored; an error names the option (`where`)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"'{value}' is not ISO 8601, e.g. 2026-12-01T09:00:00+01:00", where=where
        ) from None
    if when.tzinfo is None:
        raise InvalidInput("add a UTC offset, e.g. 2026-12-01T09:00:00+01:00", where=where)
    from campaign_engine.domain.times import storable

    try:
        return storable(when)
    except ValueError as exc:
        raise InvalidInput(str(exc), where=where) from None


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from campaign_engine import migrate
    from campaign_engine.db.session import make_engine
    from campaign_engine.settings import load_settings

    engine = make_engine(load_settings().database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    click.echo("database is at the latest schema")


def main() -> None:
    cli.main(prog_name="campaign-engine")
