"""`campaigns create | launch | edit | replan | retry | pause | resume | cancel`, and the
group the rest of `campaigns` joins: campaigns_status (status, not-sent, list, check) and
campaigns_report (report, feedback).

Services are imported inside each command: `campaigns status` loads the database models
and one query, not the renderers `launch --wait` needs (tests/unit/test_startup.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from campaign_engine.cli import cli, database, emit, runtime, unit_of_work
from campaign_engine.commands.campaigns_report import campaigns_feedback, campaigns_report
from campaign_engine.commands.campaigns_status import (
    campaigns_check,
    campaigns_list,
    campaigns_not_sent,
    campaigns_status,
    print_summary,
)
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.consent import MODE_WORDS
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.errors import InvalidInput


@cli.group()
def campaigns() -> None:
    """Create, launch and follow campaigns."""


# What the group's other modules define: where campaigns stand, and their reports.
for _command in (
    campaigns_status,
    campaigns_not_sent,
    campaigns_list,
    campaigns_check,
    campaigns_report,
    campaigns_feedback,
):
    campaigns.add_command(_command)


def _default(name: str) -> object:
    """The shared schema's default, so `--help` and the API cannot disagree."""
    from campaign_engine.domain.campaign_options import CampaignOptions

    return CampaignOptions.model_fields[name].default


@campaigns.command("create")
@click.option("--kit", "kit", required=True, help="Kit folder (loaded if new) or kit slug.")
@click.option("--name", required=True)
@click.option(
    "--audience",
    multiple=True,
    metavar="KEY=VALUE",
    help="tier, region, vertical, tag, partner or exclude; repeat to widen.",
)
@click.option(
    "--launch-at",
    help="ISO 8601 with offset, or now; omitted = a draft you launch by hand.",
)
@click.option("--send-time", help="Send at this local time in each partner's timezone (10:00).")
@click.option("--send-weekday", help="...on this weekday (tuesday).")
@click.option(
    "--consent-default",
    type=click.Choice(["auto", "review", "off"]),
    help="; ".join([*MODE_WORDS.values(), "omitted: the programme's default applies"]) + ".",
)
@click.option(
    "--preview-days",
    type=int,
    default=lambda: _default("preview_days"),
    show_default="7",
    help="Days before launch that partners get the preview notice (0: none).",
)
@click.option(
    "--recurrence",
    help="Cron (UTC) to re-launch to the current audience, e.g. '0 9 1 1,4,7,10 *' for quarterly.",
)
@click.option(
    "--always-on",
    is_flag=True,
    help="Send the kit's sequence to each partner as it enters the audience (a runway).",
)
@click.option("--json", "as_json", is_flag=True)
def campaigns_create(
    kit: str,
    name: str,
    audience: tuple[str, ...],
    as_json: bool,
    **chosen: object,
) -> None:
    """Create a campaign from a kit and an audience."""
    from campaign_engine import bootstrap
    from campaign_engine.services.assets.kits import latest_version, load_kit
    from campaign_engine.services.campaigns.lifecycle import create_campaign_from, parse_audience

    path = Path(kit)
    options = campaign_options(
        name=name,
        kit="-" if path.is_dir() else kit,
        audience=parse_audience(list(audience)),
        **chosen,
    )
    with unit_of_work() as (_, session):
        version = (
            load_kit(session, path, bootstrap.make_renderers)
            if path.is_dir()
            else latest_version(session, kit)
        )
        try:
            campaign = create_campaign_from(session, version, options, actor="cli")
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, where=option_name(exc.where or "options")) from None
        data = {"id": campaign.id, "status": campaign.status}
    emit(data, as_json, f"created campaign {data['id']} ({data['status']})")


def campaign_options(**values: object) -> Any:
    """The options checked by the shared schema; a problem names the command's option."""
    from pydantic import ValidationError

    from campaign_engine.domain.campaign_options import CampaignOptions

    try:
        return CampaignOptions.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "--" + "-".join(str(part) for part in first["loc"][:1]).replace("_", "-")
        raise InvalidInput(first["msg"], where=field if first["loc"] else "options") from None


def option_name(where: str) -> str:
    """The schema's field, as the service layer names it, as this command's option:
    `audience.partner` is `--audience partner`, `launch_at` is `--launch-at`."""
    if where.startswith("--") or where == "options":
        return where
    field, *within = where.split(".")
    return " ".join(["--" + field.replace("_", "-"), *within])


@campaigns.command("launch")
@click.argument("campaign_id", type=int)
@click.option("--wait", is_flag=True, help="Send in this process and wait until done.")
def campaigns_launch(campaign_id: int, wait: bool) -> None:
    """Plan the deliveries now; with --wait, also send them here."""
    from campaign_engine import bootstrap
    from campaign_engine.pipeline.runner import run_until_sent
    from campaign_engine.services.campaigns.launch import launch_campaign
    from campaign_engine.services.campaigns.lifecycle import campaign_status, get_campaign

    with runtime() as rt:
        with rt.sessions.begin() as session:
            campaign = get_campaign(session, campaign_id)
            planned = launch_campaign(
                session, campaign, now=rt.clock(), actor="cli", rules=rt.settings.programme.rules()
            )
        click.echo(f"campaign {campaign_id} launched: {planned} deliveries planned")
        if not wait:
            click.echo("a running `campaign-engine serve` sends them")
            return
        bootstrap.attach_render_pool(rt, rt.settings.dispatch.render_processes)
        with click.progressbar(length=1, label="sending", show_pos=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            run_until_sent(rt, campaign_id, rt.settings.dispatch.workers, progress)
        with rt.sessions() as session:
            status = campaign_status(session, campaign_id)
    print_summary(status)
    failed = sum(c["failed"] for c in status["deliveries"].values())
    if failed:
        click.echo(
            f"error: {failed} deliveries failed; see: campaign-engine campaigns status "
            f"{campaign_id}",
            err=True,
        )
        raise click.exceptions.Exit(1)


@campaigns.command("retry")
@click.argument("campaign_id", type=int)
@click.option("--channel", type=click.Choice(CHANNELS))
def campaigns_retry(campaign_id: int, channel: str | None) -> None:
    """Queue failed deliveries again (after fixing what their reason says); says which it
    will not resend, and why."""
    from campaign_engine.services.campaigns.lifecycle import get_campaign, retry_failed

    with unit_of_work() as (rt, session):
        outcome = retry_failed(
            session,
            get_campaign(session, campaign_id),
            channel=channel,
            now=rt.clock(),
            actor="cli",
        )
    click.echo(outcome.sentence())


@campaigns.command("edit")
@click.argument("campaign_id", type=int)
@click.option("--title", "partner_title", help="What partners read as its title ('' = kit's).")
@click.option("--description", "partner_description", help="What partners read about it.")
@click.option("--banner-priority", type=int, help="Highest live priority shows on banners.")
@click.option(
    "--consent-default",
    type=click.Choice(["auto", "review", "off", "programme"]),
    help="; ".join([*MODE_WORDS.values(), "programme: the programme's default applies"]) + ".",
)
def campaigns_edit(campaign_id: int, **given: object) -> None:
    """Change what partners read, the banner ranking or the consent default; a new default
    moves every future item at once."""
    from pydantic import ValidationError

    from campaign_engine.domain.campaign_options import CampaignEdit
    from campaign_engine.services.campaigns.edit import edit_campaign
    from campaign_engine.services.campaigns.lifecycle import get_campaign

    values = {k: v for k, v in given.items() if v is not None}
    if values.get("consent_default") == "programme":
        values["consent_default"] = None
    if not values:
        raise InvalidInput("say what to change", where="campaigns edit")
    try:
        edit = CampaignEdit.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(first["msg"], where=f"--{first['loc'][0]}".replace("_", "-")) from None
    with unit_of_work() as (rt, session):
        done = edit_campaign(
            session,
            get_campaign(session, campaign_id),
            edit,
            rules=rt.settings.programme.rules(),
            now=rt.clock(),
            actor="cli",
        )
    changed = ", ".join(f"{k} = {v!r}" for k, v in done.changed.items())
    click.echo(f"campaign {campaign_id}: {changed}; {done.moved} future item(s) moved")


@campaigns.command("replan")
@click.argument("campaign_id", type=int)
def campaigns_replan(campaign_id: int) -> None:
    """Add partners (and contacts) who joined the audience since launch."""
    from campaign_engine.services.campaigns.launch import replan
    from campaign_engine.services.campaigns.lifecycle import get_campaign

    with unit_of_work() as (rt, session):
        total = replan(
            session,
            get_campaign(session, campaign_id),
            now=rt.clock(),
            actor="cli",
            rules=rt.settings.programme.rules(),
        )
    click.echo(f"campaign {campaign_id} now has {total} deliveries")


def _transition(campaign_id: int, target: CampaignStatus) -> None:
    from campaign_engine.services.campaigns.lifecycle import change_status, get_campaign

    with database() as (_, session):
        campaign = get_campaign(session, campaign_id)
        change_status(session, campaign, target, actor="cli", now=datetime.now(UTC))
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
