"""`campaign-engine`: click commands (through Flask's CLI group) that call services.

Every CampaignEngineError becomes one line on stderr and a non-zero exit; a traceback
means a bug, never a user mistake.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from campaign_engine import bootstrap, migrate
from campaign_engine.domain.times import storable
from campaign_engine.errors import CampaignEngineError, InvalidInput
from campaign_engine.runtime import Runtime
from campaign_engine.settings import load_settings


class EngineGroup(FlaskGroup):
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


def _create_app() -> Any:
    from campaign_engine.app import create_app

    return create_app(runtime=bootstrap.build_runtime(load_settings()))


cli = EngineGroup(
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
    help="Push-model campaign distribution for partner programmes.",
)


@contextmanager
def runtime() -> Iterator[Runtime]:
    rt = bootstrap.build_runtime(load_settings())
    try:
        yield rt
    finally:
        rt.close()


@contextmanager
def unit_of_work() -> Iterator[tuple[Runtime, Session]]:
    """A runtime and one transaction: committed if the command succeeds, else rolled back."""
    with runtime() as rt, rt.sessions.begin() as session:
        yield rt, session


def emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def parse_when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"'{value}' is not ISO 8601, e.g. 2026-12-01T09:00:00+01:00", where="--launch-at"
        ) from None
    if when.tzinfo is None:
        raise InvalidInput("add a UTC offset, e.g. 2026-12-01T09:00:00+01:00", where="--launch-at")
    try:
        return storable(when)
    except ValueError as exc:
        raise InvalidInput(str(exc), where="--launch-at") from None


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    with runtime() as rt:
        migrate.upgrade(rt.engine)
    click.echo("database is at the latest schema")


def main() -> None:
    cli.main(prog_name="campaign-engine")


# The command groups register themselves on `cli`; imported last because they import it.
from campaign_engine import commands  # noqa: E402, F401
