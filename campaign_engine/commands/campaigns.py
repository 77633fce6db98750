"""`campaigns create | launch | status | list | pause | resume | cancel`.

Services are imported inside each command: `campaigns status` loads the database models
and one query, not the renderers `launch --wait` needs (tests/unit/test_startup.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from campaign_engine.cli import cli, database, emit, runtime, unit_of_work
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.consent import MODE_WORDS
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.errors import InvalidInput


@cli.group()
def campaigns() -> None:
    """Create, launch and follow campaigns."""


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
    from campaign_engine.services.campaigns.lifecycle import campaign_status

    with database() as (_, session):
        status = campaign_status(session, campaign_id)
    if as_json:
        keys = (
            "id",
            "status",
            "deliveries",
            "steps",
            "ledger",
            "scheduled_later",
            "waiting_for_review",
            "first_review_deadline_at",
            "launch_at",
            "next_send_at",
            "next_send_by_channel",
            "next_occurrence_at",
            "waiting",
        )
        emit({k: status[k] for k in keys if k in status}, True, "")
    else:
        _print_summary(status)


@campaigns.command("not-sent")
@click.argument("campaign_id", type=int)
@click.option("--reason", default="", help="Only this reason, e.g. opted_out, suppressed.")
@click.option("--channel", default="", help="Only this channel (* for the partner as a whole).")
@click.option("--search", default="", help="Part of a partner's name or slug, or a contact.")
@click.option("--json", "as_json", is_flag=True)
def campaigns_not_sent(
    campaign_id: int, reason: str, channel: str, search: str, as_json: bool
) -> None:
    """What was not sent, one line per partner, channel and contact, with the reason."""
    from campaign_engine.services.campaigns.ledger import not_sent
    from campaign_engine.services.campaigns.lifecycle import get_campaign

    with database() as (_, session):
        rows, total = not_sent(
            session,
            get_campaign(session, campaign_id),
            reason=reason or None,
            channel=channel or None,
            search=search or None,
            limit=100_000,
        )
    items = [
        {
            "partner": r.partner_slug,
            "channel": r.channel,
            "recipient": r.recipient,
            "reason": r.reason,
            "detail": r.detail,
        }
        for r in rows
    ]
    lines = [
        f"{r.partner_slug:<24} {r.channel:<7} {r.recipient or '-':<32} {r.label}" for r in rows
    ]
    emit(items, as_json, "\n".join([*lines, f"{total} not sent"]))


@campaigns.command("list")
@click.option("--json", "as_json", is_flag=True)
def campaigns_list(as_json: bool) -> None:
    """Every campaign, newest first."""
    from campaign_engine.services.campaigns.lifecycle import list_campaigns

    with database() as (_, session):
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


@campaigns.command("check")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def campaigns_check(campaign_id: int, as_json: bool) -> None:
    """Ask LinkedIn, HubSpot and Salesforce whether what they accepted is still there."""
    from campaign_engine.services.campaigns.lifecycle import get_campaign
    from campaign_engine.services.delivery.provider_checks import check_provider_status

    with runtime() as rt:
        with rt.sessions() as session:
            get_campaign(session, campaign_id)
        counts = check_provider_status(rt, campaign_id)
    lines = [f"{count:6d}  {label}" for label, count in sorted(counts.items())]
    nothing = "nothing to check: no items went to a service that reports status"
    emit(dict(counts), as_json, "\n".join(lines) or nothing)


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


def _print_summary(status: dict) -> None:
    click.echo(f"campaign {status['id']} '{status['name']}': {status['status']}")
    for channel, counts in status["deliveries"].items():
        if any(counts.values()):
            click.echo(f"  {channel:<7} " + "  ".join(f"{k} {v}" for k, v in counts.items()))
    steps = status.get("steps")
    if steps:
        click.echo("  steps   " + "  ".join(f"{k} {v}" for k, v in steps.items()))
    _print_ledger(status["ledger"])
    _print_dates(status)
    for wait in status.get("waiting", []):
        click.echo(f"  {wait['channel']} waiting ({wait['pending']} pending): {wait['sentence']}")
    for problem in status.get("problems", [])[:10]:
        click.echo(
            f"  {problem['count']:>5} {problem['channel']} {problem['status']}: {problem['reason']}"
        )


def _print_dates(status: dict) -> None:
    """When things happen next (UTC), so "scheduled for later" says when."""
    if status.get("launch_at") and status["status"] == "scheduled":
        click.echo(f"  launches: {status['launch_at']}")
    for channel, when in status.get("next_send_by_channel", {}).items():
        if when:
            click.echo(f"  next {channel} send: {when}")
    if status.get("next_occurrence_at"):
        click.echo(f"  next occurrence: {status['next_occurrence_at']}")


def _print_ledger(ledger: dict) -> None:
    """Who was targeted and what was not sent to them, by reason (services/campaigns/ledger)."""
    for channel, n in ledger["targeted"].items():
        click.echo(f"  targeted: {n} partner{'s' * (n != 1)} ({channel})")
    rows = [r for r in ledger["not_sent"] if r["reason"] != "outside_audience"]
    if rows:
        click.echo("  not sent:")
    for row in rows:
        click.echo(f"  {row['count']:>5} {row['channel']:<7} {row['label']}")
    outside = ledger["outside_audience"]
    if outside:
        click.echo(f"  outside the audience: {outside} partner{'s' * (outside != 1)}")


@campaigns.command("report")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True, help="One row per partner and channel.")
def campaigns_report(campaign_id: int, as_json: bool, as_csv: bool) -> None:
    """The funnel: targeted, participating, delivered, opens, clicks, leads ... revenue."""
    from campaign_engine.services.insights.reports import campaign_report, report_rows, rows_to_csv

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
                f"  delivered {totals['delivered']}, not sent {totals['not_sent']}, "
                f"opens {totals['opens']} (approximate), "
                f"clicks {totals['clicks']}",
                f"  leads {totals['leads']}, opportunities {totals['opportunities']}, "
                f"deals registered {totals['deals_registered']}, won {totals['closed_won']}",
                f"  pipeline {totals['pipeline']}, revenue {totals['revenue']}",
            ]
        ),
    )


@campaigns.command("feedback")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def campaigns_feedback(campaign_id: int, as_json: bool) -> None:
    """What partners said: opt-outs and skips with their reasons, by channel, tier and
    region against the programme's baseline, ratings, comments and the most common edits."""
    from campaign_engine.services.feedback.report import campaign_feedback

    with database() as (_, session):
        report = campaign_feedback(session, campaign_id)
    emit(report.model_dump(mode="json"), as_json, feedback_text(report))


def feedback_text(report: Any) -> str:
    """A FeedbackReport (services/feedback/report.py) as lines to read: `campaigns
    feedback` and `kits feedback` print the same."""

    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    base = report.baseline
    lines = [
        f"{report.opted_out} of {report.targeted} partners opted out "
        f"({rate(report.opt_out_rate)}; programme {rate(base.opt_out_rate)})",
        f"{report.skipped} of {report.review_items} review item(s) skipped "
        f"({rate(report.skip_rate)}; programme {rate(base.skip_rate)})",
    ]
    for kind, counts in report.reasons_by_kind.items():
        lines.append(
            f"reasons ({kind.replace('_', ' ')}): "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    if not report.reasons:
        lines.append("reasons: none given")
    for segment, rows in (("tier", report.segments.tier), ("region", report.segments.region)):
        lines += [
            f"  {segment} {row.name}: opted out {row.opted_out} of {row.targeted} "
            f"({rate(row.opt_out_rate)}; programme {rate(row.baseline_opt_out_rate)}), "
            f"skipped {row.skipped} of {row.review_items}"
            for row in rows
        ]
    lines += [
        f"  channel {row.name}: skipped {row.skipped} of {row.review_items} "
        f"({rate(row.skip_rate)}; programme {rate(row.baseline_skip_rate)})"
        for row in report.segments.channel
    ]
    lines.append(f"ratings: {report.ratings.useful} useful, {report.ratings.not_useful} not")
    lines += [f"- {c.partner}: {c.comment}" for c in report.comments if c.comment]
    if report.common_edits:
        lines.append(f"most common edits ({report.edited_by} partner(s) edited):")
        lines += [
            f"  {e.field}: {e.before or '(nothing)'!r} -> {e.after or '(removed)'!r}, "
            f"{e.partners} partner(s)"
            for e in report.common_edits
        ]
    return "\n".join(lines)
