"""`runway` and `milestones`: the activation runway from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from campaign_engine.cli import cli, emit, parse_when, runtime, unit_of_work
from campaign_engine.domain.runway import Milestone
from campaign_engine.services.insights.reports import rows_to_csv
from campaign_engine.services.partners.directory import get_partner
from campaign_engine.services.partners.runway.digest import send_digest
from campaign_engine.services.partners.runway.milestones import import_milestones, set_milestone
from campaign_engine.services.partners.runway.owners import assign_owner
from campaign_engine.services.partners.runway.reports import runway_report, summary_rows
from campaign_engine.services.partners.runway.sequence import run_runway

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@cli.group()
def runway() -> None:
    """Always-on sequences, the 120-day clock and the at-risk digest."""


@runway.command("run")
def runway_run() -> None:
    """One pass of what the scheduler does every minute: enrol, then send due steps."""
    with runtime() as rt:
        counts = run_runway(rt)
    click.echo(", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do")


@runway.command("report")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True, help="Each partner's position, as CSV.")
@click.option("--summary-csv", is_flag=True, help="Hit rates, stage times, cohorts, as CSV.")
def runway_report_command(as_json: bool, as_csv: bool, summary_csv: bool) -> None:
    """The headline, hit rates, time in each stage, cohorts and who is at risk."""
    with runtime() as rt, rt.sessions() as session:
        data = runway_report(session, now=rt.clock(), quiet_days=rt.settings.runway.quiet_days)
    if as_csv or summary_csv:
        rows = summary_rows(data) if summary_csv else data["positions"]
        click.echo(rows_to_csv(rows), nl=False)
        return
    at_risk = [p for p in data["positions"] if p["at_risk"]]
    text = "\n".join(
        [
            data["headline"]["sentence"],
            "hit rate: " + ", ".join(f"{k} {v:.0%}" for k, v in data["hit_rate"].items()),
            f"{len(at_risk)} at risk:",
            *[
                f"  {p['partner']}: day {p['day']}, quiet {p['days_quiet']}d, {p['first_action']}"
                for p in at_risk
            ],
        ]
    )
    emit(data, as_json, text)


@runway.command("digest")
def runway_digest() -> None:
    """Email each owner their at-risk partners now (the scheduler does it weekly)."""
    with runtime() as rt:
        sent = send_digest(rt, now=rt.clock())
    click.echo(f"{len(sent)} digests sent" + "".join(f"\n  {o}: {n}" for o, n in sent.items()))


@cli.group()
def milestones() -> None:
    """Partner milestones: set by hand or imported from a CSV."""


@milestones.command("set")
@click.argument("slug")
@click.argument("milestone", type=click.Choice([m.value for m in Milestone]))
@click.option("--at", "at", help="ISO 8601 with offset; default now.")
def milestones_set(slug: str, milestone: str, at: str | None) -> None:
    with unit_of_work() as (rt, session):
        when = parse_when(at, "--at") or rt.clock()
        changed = set_milestone(
            session,
            get_partner(session, slug),
            Milestone(milestone),
            when,
            source="cli",
            actor="cli",
        )
    click.echo(
        f"{slug}: {milestone} {'set' if changed else 'unchanged (an earlier date is known)'}"
    )


@milestones.command("import")
@click.argument("file", type=FILE)
def milestones_import(file: Path) -> None:
    """CSV columns: partner, milestone, reached_at. All rows or none."""
    with unit_of_work() as (_, session):
        count = import_milestones(session, file, actor="cli")
    click.echo(f"{count} milestones set")


@cli.command("owners")
@click.argument("owner_email")
@click.argument("slugs", nargs=-1, required=True)
def owners(owner_email: str, slugs: tuple[str, ...]) -> None:
    """Make a vendor user the owner of these partners (bulk)."""
    with unit_of_work() as (_, session):
        assign_owner(session, owner_email, list(slugs), actor="cli")
    click.echo(f"{owner_email} owns {len(slugs)} partner{'s' if len(slugs) != 1 else ''}")
