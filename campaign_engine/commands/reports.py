"""`programme report`, `events import` and `events recount`."""

from __future__ import annotations

from pathlib import Path

import click

from campaign_engine.cli import cli, emit, unit_of_work
from campaign_engine.services.attribution.eventimport import import_events
from campaign_engine.services.attribution.tallies import rebuild_tallies
from campaign_engine.services.insights.programme import programme_report


@cli.group()
def programme() -> None:
    """Programme-wide analytics."""


@programme.command("report")
@click.option("--json", "as_json", is_flag=True)
def programme_report_command(as_json: bool) -> None:
    """Participation, live rate, time to first pipeline, cohorts, spread."""
    with unit_of_work() as (rt, session):
        data = programme_report(session, now=rt.clock())
    emit(data, as_json, data["summary"])


@cli.group()
def events() -> None:
    """Attribution events (clicks and opens arrive by themselves; deals by webhook or CSV)."""


@events.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def events_import(file: Path, as_json: bool) -> None:
    """CRM deals from CSV: type, external_id, occurred_at, amount, currency and
    tracking_token, utm_* or partner + campaign. All rows or none."""
    with unit_of_work() as (_, session):
        result = import_events(session, file)
    emit(
        {"recorded": result.recorded, "repeated": result.repeated},
        as_json,
        f"recorded {result.recorded} events ({result.repeated} seen before)",
    )


@events.command("recount")
def events_recount() -> None:
    """Rebuild the report tallies from the stored events (after a bulk load or a restore)."""
    with unit_of_work() as (_, session):
        rows = rebuild_tallies(session)
    click.echo(f"{rows} tallies rebuilt from the events")
