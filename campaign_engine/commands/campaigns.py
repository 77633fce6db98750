"""`campaigns create | launch | status | list | pause | resume | cancel`."""

from __future__ import annotations

from pathlib import Path

import click

from campaign_engine import bootstrap
from campaign_engine.cli import cli, emit, parse_when, runtime, unit_of_work
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.pipeline.runner import programme_default, run_until_sent
from campaign_engine.services.campaigns import (
    campaign_status,
    change_status,
    create_campaign,
    get_campaign,
    list_campaigns,
    parse_audience,
)
from campaign_engine.services.kits import latest_version, load_kit
from campaign_engine.services.launch import launch_campaign


@cli.group()
def campaigns() -> None:
    """Create, launch and follow campaigns."""


@campaigns.command("create")
@click.option("--kit", "kit", required=True, help="Kit folder (loaded if new) or kit slug.")
@click.option("--name", required=True)
@click.option(
    "--audience",
    multiple=True,
    metavar="KEY=VALUE",
    help="tier, region, vertical, tag, partner or exclude; repeat to widen.",
)
@click.option("--launch-at", help="ISO 8601 with offset; omitted = a draft you launch by hand.")
@click.option("--json", "as_json", is_flag=True)
def campaigns_create(
    kit: str, name: str, audience: tuple[str, ...], launch_at: str | None, as_json: bool
) -> None:
    """Create a campaign from a kit and an audience."""
    audience_filter = parse_audience(list(audience))
    when = parse_when(launch_at)
    with unit_of_work() as (_, session):
        path = Path(kit)
        version = (
            load_kit(session, path, bootstrap.make_renderers)
            if path.is_dir()
            else latest_version(session, kit)
        )
        campaign = create_campaign(session, version, name, audience_filter, when)
        data = {"id": campaign.id, "status": campaign.status}
    emit(data, as_json, f"created campaign {data['id']} ({data['status']})")


@campaigns.command("launch")
@click.argument("campaign_id", type=int)
@click.option("--wait", is_flag=True, help="Send in this process and wait until done.")
def campaigns_launch(campaign_id: int, wait: bool) -> None:
    """Plan the deliveries now; with --wait, also send them here."""
    with runtime() as rt:
        with rt.sessions.begin() as session:
            campaign = get_campaign(session, campaign_id)
            planned = launch_campaign(
                session,
                campaign,
                now=rt.clock(),
                actor="cli",
                programme_default=programme_default(rt),
            )
        click.echo(f"campaign {campaign_id} launched: {planned} deliveries planned")
        if not wait:
            click.echo("a running `campaign-engine serve` sends them")
            return
        with click.progressbar(length=1, label="sending", show_pos=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            run_until_sent(rt, campaign_id, rt.settings.dispatch.workers, progress)
        with rt.sessions() as session:
            status = campaign_status(session, campaign_id)
    _print_summary(status)
    failed = sum(c["failed"] for c in status["deliveries"].values())
    if failed:
        click.echo(
            f"error: {failed} deliveries failed; see: campaign-engine campaigns status "
            f"{campaign_id}",
            err=True,
        )
        raise click.exceptions.Exit(1)


@campaigns.command("status")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def campaigns_status(campaign_id: int, as_json: bool) -> None:
    """Deliveries by channel and state."""
    with unit_of_work() as (_, session):
        status = campaign_status(session, campaign_id)
    if as_json:
        emit({k: status[k] for k in ("id", "status", "deliveries")}, True, "")
    else:
        _print_summary(status)


@campaigns.command("list")
@click.option("--json", "as_json", is_flag=True)
def campaigns_list(as_json: bool) -> None:
    """Every campaign, newest first."""
    with unit_of_work() as (_, session):
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "status": c.status,
                "kit": c.kit_version.kit.slug,
                "launch_at": c.launch_at,
            }
            for c in list_campaigns(session)
        ]
    if as_json:
        emit(rows, True, "")
        return
    for row in rows:
        click.echo(f"{row['id']:>5}  {row['status']:<10} {row['name']}  [{row['kit']}]")


def _transition(campaign_id: int, target: CampaignStatus) -> None:
    with unit_of_work() as (rt, session):
        campaign = get_campaign(session, campaign_id)
        change_status(session, campaign, target, actor="cli", now=rt.clock())
    click.echo(f"campaign {campaign_id} is {target.value}")


@campaigns.command("pause")
@click.argument("campaign_id", type=int)
def campaigns_pause(campaign_id: int) -> None:
    """Stop new sends; pending deliveries wait."""
    _transition(campaign_id, CampaignStatus.PAUSED)


@campaigns.command("resume")
@click.argument("campaign_id", type=int)
def campaigns_resume(campaign_id: int) -> None:
    """Send the pending deliveries of a paused campaign."""
    _transition(campaign_id, CampaignStatus.LIVE)


@campaigns.command("cancel")
@click.argument("campaign_id", type=int)
def campaigns_cancel(campaign_id: int) -> None:
    """Stop for good; unsent deliveries are skipped."""
    _transition(campaign_id, CampaignStatus.CANCELLED)


def _print_summary(status: dict) -> None:
    click.echo(f"campaign {status['id']} '{status['name']}': {status['status']}")
    for channel, counts in status["deliveries"].items():
        if any(counts.values()):
            click.echo(f"  {channel:<7} " + "  ".join(f"{k} {v}" for k, v in counts.items()))
    for problem in status.get("problems", [])[:10]:
        click.echo(
            f"  {problem['count']:>5} {problem['channel']} {problem['status']}: {problem['reason']}"
        )
