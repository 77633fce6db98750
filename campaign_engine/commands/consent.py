"""`consent set`: opt a partner in or out, programme-wide or per campaign, per channel."""

from __future__ import annotations

import click

from campaign_engine.cli import cli, unit_of_work
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.errors import InvalidInput
from campaign_engine.services.partners.consent.record import set_consent
from campaign_engine.services.partners.directory import get_partner


@cli.group()
def consent() -> None:
    """Partner consent: auto (default), review or off."""


@consent.command("set")
@click.option("--partner", "slug", required=True, help="Partner slug.")
@click.option("--opt-out", "mode", flag_value="off", help="Nothing goes out.")
@click.option("--opt-in", "mode", flag_value="auto", help="Items go out automatically.")
@click.option("--review", "mode", flag_value="review", help="The partner approves each item.")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign.")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only this channel.")
def consent_set(slug: str, mode: str | None, campaign_id: int | None, channel: str | None) -> None:
    """Record a consent decision (kept in the history with who, when and how)."""
    if mode is None:
        raise InvalidInput("say --opt-out, --opt-in or --review", where="consent set")
    with unit_of_work() as (rt, session):
        partner = get_partner(session, slug)
        moved = set_consent(
            session,
            partner,
            ConsentMode(mode),
            campaign_id=campaign_id,
            channel=channel,
            actor="cli",
            via="cli",
            rules=rt.settings.programme.rules(),
            now=rt.clock(),
        )
    scope = f"campaign {campaign_id}" if campaign_id else "the whole programme"
    click.echo(f"{slug}: {mode} for {channel or 'every channel'} in {scope}")
    if moved:
        click.echo(f"{moved} scheduled item(s) moved to match")
