"""`campaigns report`, `programme report`, `events import`, `partners next-action`."""

from __future__ import annotations

from pathlib import Path

import click

from campaign_engine.cli import cli, emit, unit_of_work
from campaign_engine.commands.campaigns import campaigns
from campaign_engine.commands.partners import partners
from campaign_engine.services.eventimport import import_events
from campaign_engine.services.insights.programme import programme_report
from campaign_engine.services.nextaction import next_action
from campaign_engine.services.partners import get_partner
from campaign_engine.services.reports import campaign_report, report_rows, rows_to_csv
from campaign_engine.services.tallies import rebuild_tallies


@campaigns.command("report")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True, help="One row per partner and channel.")
def campaigns_report(campaign_id: int, as_json: bool, as_csv: bool) -> None:
    """The funnel: targeted, participating, delivered, opens, clicks, leads ... revenue."""
    with unit_of_work() as (_, session):
        data = campaign_report(session, campaign_id)
    if as_csv:
        click.echo(rows_to_csv(report_rows(data)), nl=False)
        return
    totals = data["totals"]
    emit(
        data,
        as_json,
        "\n".join(
            [
                f"{data['campaign']['name']} ({data['campaign']['status']})",
                f"  partners targeted {totals['targeted']}, "
                f"participating {totals['participating']} ({totals['participation_rate']:.0%})",
                f"  delivered {totals['delivered']}, opens {totals['opens']} (approximate), "
                f"clicks {totals['clicks']}",
                f"  leads {totals['leads']}, opportunities {totals['opportunities']}, "
                f"deals registered {totals['deals_registered']}, won {totals['closed_won']}",
                f"  pipeline {totals['pipeline']}, revenue {totals['revenue']}",
            ]
        ),
    )


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


@partners.command("next-action")
@click.argument("slug")
def partners_next_action(slug: str) -> None:
    """The one thing this partner should do next."""
    with unit_of_work() as (rt, session):
        click.echo(next_action(session, get_partner(session, slug), now=rt.clock()))
