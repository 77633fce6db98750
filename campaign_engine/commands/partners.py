"""`partners` and `contacts` commands."""

from __future__ import annotations

from pathlib import Path

import click

from campaign_engine.cli import cli, emit, runtime, unit_of_work
from campaign_engine.errors import InvalidInput
from campaign_engine.services.assets.kits import latest_version
from campaign_engine.services.delivery.endpoints import set_endpoint
from campaign_engine.services.delivery.senders import (
    dns_txt_lookup,
    set_sender,
    verification_record,
    verify_sender,
)
from campaign_engine.services.delivery.token_expiry import warn_expiring_tokens
from campaign_engine.services.partners.contacts import import_contacts, lift_suppression
from campaign_engine.services.partners.customisation import set_customisations
from campaign_engine.services.partners.directory import get_partner, import_partners, list_partners
from campaign_engine.services.stewardship.erasure import Erased

FILE = click.Path(path_type=Path, dir_okay=False)


@cli.group()
def partners() -> None:
    """Channel partners: import from CSV, list."""


@partners.command("import")
@click.argument("file", type=FILE)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable result.")
def partners_import(file: Path, as_json: bool) -> None:
    """Create or update partners from FILE.csv (all rows or none)."""
    from campaign_engine.services.partners.consent.follow import follow_running

    with unit_of_work() as (rt, session):
        result = import_partners(session, file)
        # A partner whose tier, region or tags changed leaves or enters running audiences.
        follow_running(session, rt.settings.programme.rules(), now=rt.clock())
    emit(
        {"created": result.created, "updated": result.updated, "warnings": list(result.warnings)},
        as_json,
        "\n".join(
            [
                f"imported {result.created + result.updated} partners "
                f"({result.created} new, {result.updated} updated)",
                *(f"warning: {w}" for w in result.warnings),
            ]
        ),
    )


@partners.command("list")
@click.option("--json", "as_json", is_flag=True)
def partners_list(as_json: bool) -> None:
    """List partners."""
    with unit_of_work() as (_, session):
        rows = [
            {
                "slug": p.slug,
                "name": p.name,
                "tier": p.tier,
                "region": p.region,
                "vertical": p.vertical,
                "locale": p.locale,
                "timezone": p.timezone,
                "contact_email": p.contact_email,
                "has_logo": p.logo_sha256 is not None,
            }
            for p in list_partners(session)
        ]
    if as_json:
        emit(rows, True, "")
        return
    if not rows:
        click.echo("no partners yet; import some with: campaign-engine partners import FILE.csv")
    for row in rows:
        click.echo(
            f"{row['slug']:<28} {row['name']:<40} {row['tier']:<8} {row['region']:<6} "
            f"{row['locale']}"
        )


@partners.command("customise")
@click.argument("slug")
@click.option("--kit", "kit_slug", required=True, help="Slug of a loaded kit.")
@click.argument("values", nargs=-1, required=True, metavar="KEY=VALUE...")
def partners_customise(slug: str, kit_slug: str, values: tuple[str, ...]) -> None:
    """Set a partner's customisations of a kit (within the kit's limits)."""
    pairs: dict[str, str] = {}
    for pair in values:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput(f"'{pair}' is not KEY=VALUE", where="customise")
        pairs[key.strip()] = value
    with unit_of_work() as (_, session):
        stored = set_customisations(
            session,
            get_partner(session, slug),
            latest_version(session, kit_slug),
            pairs,
            actor="cli",
        )
    click.echo(f"{slug}: " + ", ".join(f"{k}={v!r}" for k, v in stored.items()))


@partners.command("endpoint")
@click.argument("slug")
@click.option("--channel", required=True, type=click.Choice(["social", "crm"]))
@click.option(
    "--kind", required=True, help="webhook, linkedin (social); webhook, hubspot, salesforce (crm)"
)
@click.option("--url", help="Webhook URL, Salesforce instance URL, or an API base URL.")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="token=..., company_id=..., account_id=..., organization=...",
)
def partners_endpoint(
    slug: str, channel: str, kind: str, url: str | None, settings: tuple[str, ...]
) -> None:
    """Send a partner's posts or talking points to their own system (secrets encrypted)."""
    config = dict(pair.partition("=")[::2] for pair in settings)
    with unit_of_work() as (rt, session):
        set_endpoint(
            session,
            get_partner(session, slug),
            channel,
            kind,
            url,
            config,
            secret_key=rt.settings.secret_key,
            actor="cli",
        )
    click.echo(f"{slug}: {channel} goes to {kind}" + (f" at {url}" if url else ""))


@partners.command("sender")
@click.argument("slug")
@click.argument("address", required=False)
@click.option("--verify", is_flag=True, help="Look up the TXT record and start using it.")
@click.option("--clear", is_flag=True, help="Go back to sending From the vendor's address.")
def partners_sender(slug: str, address: str | None, verify: bool, clear: bool) -> None:
    """Send a partner's email From its own address once its domain is verified by DNS."""
    with unit_of_work() as (rt, session):
        partner = get_partner(session, slug)
        key = rt.settings.secret_key
        if not (clear or address or verify):
            state = "verified" if partner.sender_verified_at else "waiting for its DNS record"
            click.echo(
                f"{slug}: {partner.sender_address} ({state})"
                if partner.sender_address
                else f"{slug}: email goes out From {rt.settings.email.from_address}"
            )
            return
        if clear or address:
            dns_record = set_sender(
                session, partner, None if clear else address, secret_key=key, actor="cli"
            )
            if dns_record is None:
                click.echo(f"{slug}: email goes out From {rt.settings.email.from_address}")
                return
            click.echo(f"{slug}: publish this record, then run with --verify:\n  {dns_record}")
        if verify:
            lookup = dns_txt_lookup(rt.settings.email.dns_nameserver)
            ok = verify_sender(
                session, partner, secret_key=key, lookup=lookup, now=rt.clock(), actor="cli"
            )
            wanted = verification_record(slug, partner.sender_address or "", key)
            click.echo(
                f"{slug}: verified, email goes out From {partner.sender_address}"
                if ok
                else f"{slug}: not verified yet: no TXT record {wanted.value!r} at {wanted.name}"
            )
            if not ok:
                raise SystemExit(1)


@partners.command("warn-tokens")
def partners_warn_tokens() -> None:
    """Email partners whose API tokens expire soon (the scheduler does this daily)."""
    with runtime() as rt:
        warned = warn_expiring_tokens(rt, within_days=rt.settings.connectors.token_warning_days)
    click.echo(f"{len(warned)} partners warned" + "".join(f"\n  {w}" for w in warned))


@cli.group()
def contacts() -> None:
    """The partners' customers that campaign emails go to."""


@contacts.command("import")
@click.argument("file", type=FILE)
@click.option("--json", "as_json", is_flag=True)
def contacts_import(file: Path, as_json: bool) -> None:
    """Create or update contacts from FILE.csv (all rows or none)."""
    with unit_of_work() as (rt, session):
        result = import_contacts(session, file, keys=rt.settings.signing_keys)
    emit(
        {"created": result.created, "updated": result.updated, "skipped": list(result.skipped)},
        as_json,
        "\n".join(
            [
                f"imported {result.created + result.updated} contacts "
                f"({result.created} new, {result.updated} updated)",
                *result.skipped,
            ]
        ),
    )


@contacts.command("unsuppress")
@click.argument("email")
@click.option("--partner", "partner_slug", help="Only for this partner (default: every one).")
def contacts_unsuppress(email: str, partner_slug: str | None) -> None:
    """Let EMAIL be mailed again after a bounce or an unsubscribe (then `campaigns retry`)."""
    with unit_of_work() as (_, session):
        lifted = lift_suppression(session, email, partner_slug=partner_slug, actor="cli")
    address = lifted[0].email
    which = [f"{lift.partner} (it was suppressed: {lift.reason})" for lift in lifted]
    if len(which) == 1:
        click.echo(f"{address} may be mailed again for {which[0]}")
    else:
        click.echo(f"{address} may be mailed again for {len(which)} partners: {', '.join(which)}")


@contacts.command("erase")
@click.argument("email")
@click.option("--partner", "partner_slug", help="Only this partner's data (default: every one).")
@click.option("--json", "as_json", is_flag=True)
def contacts_erase(email: str, partner_slug: str | None, as_json: bool) -> None:
    """Forget EMAIL everywhere: contacts, deliveries, opens, leads, the outbox; a keyed
    hash keeps it from being imported or mailed again (docs/privacy.md)."""
    from campaign_engine.services.stewardship.request import erase

    with runtime() as rt:
        done = erase(rt, email, partner_slug=partner_slug, actor="cli")
    emit({**done.counts(), "nothing_left": done.nothing_left}, as_json, erasure_words(done))


def erasure_words(done: Erased) -> str:
    """What an erasure did, without the address (the terminal may be logged)."""
    if done.nothing_left:
        return "nothing left to erase for this address; it stays suppressed"
    parts = [f"{n} {kind.replace('_', ' ')}" for kind, n in done.counts().items() if n]
    return "erased: " + ", ".join(parts) + "; the address stays suppressed (as a keyed hash)"


@partners.command("offboard")
@click.argument("slug")
@click.option("--out", "out", type=FILE, help="The zip to write (default: SLUG-data-DATE.zip).")
def partners_offboard(slug: str, out: Path | None) -> None:
    """Export a leaving partner's contacts, leads and results as a zip, then erase its
    customers; its figures stay, anonymised, and it is switched off (docs/privacy.md)."""
    from campaign_engine.services.stewardship.offboard import offboard

    with runtime() as rt:
        archive = out or Path(f"{slug}-data-{rt.clock():%Y%m%d}.zip")
        done = offboard(rt, slug, archive, actor="cli")
    click.echo(
        f"{slug}: its data is in {done.archive}; erased {done.contacts} contacts, "
        f"{done.deliveries} email deliveries pseudonymised, {done.leads} leads' details, "
        f"{done.files} outbox emails; switched off for every campaign"
    )


@partners.command("next-action")
@click.argument("slug")
def partners_next_action(slug: str) -> None:
    """The one thing this partner should do next."""
    from campaign_engine.services.partners.runway.nextaction import next_action

    with unit_of_work() as (rt, session):
        click.echo(next_action(session, get_partner(session, slug), now=rt.clock()))
