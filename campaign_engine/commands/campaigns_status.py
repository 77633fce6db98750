"""`campaigns status | not-sent | list | check`: where campaigns stand; registered on the
`campaigns` group by commands/campaigns.py."""

from __future__ import annotations

import click

from campaign_engine.cli import database, emit, runtime


@click.command("status")
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
        print_summary(status)


@click.command("not-sent")
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


@click.command("list")
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


@click.command("check")
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


def print_summary(status: dict) -> None:
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
