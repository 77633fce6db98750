"""`users create | token | revoke | password | role | invite | remove`."""

from __future__ import annotations

import click
from sqlalchemy import select

from campaign_engine.cli import cli, unit_of_work
from campaign_engine.db import User
from campaign_engine.errors import NotFound
from campaign_engine.services.access.accounts import (
    VENDOR_ROLES,
    create_user,
    issue_token,
    remove_user,
    revoke_tokens,
    set_password,
    set_role,
)
from campaign_engine.services.access.memberships import grant_membership
from campaign_engine.services.partners.directory import get_partner


@cli.group()
def users() -> None:
    """Vendor users and API tokens."""


@users.command("create")
@click.argument("email", required=False)
@click.option("--admin", "admin_email", help="Create an admin with this email.")
@click.option("--marketer", "is_marketer", is_flag=True, help="Role marketer (default admin).")
@click.option("--password", help="Omit to generate one (printed once).")
def users_create(
    email: str | None, admin_email: str | None, is_marketer: bool, password: str | None
) -> None:
    """Create a vendor user; the first admin: campaign-engine users create --admin EMAIL."""
    address = admin_email or email
    if not address:
        raise click.UsageError("give an EMAIL or --admin EMAIL")
    role = "marketer" if is_marketer and not admin_email else "admin"
    with unit_of_work() as (_, session):
        user, secret = create_user(session, address, role, password=password)
        email_shown = user.email
    click.echo(
        f"created {role} {email_shown}"
        + (f" with password {secret}" if secret and not password else "")
    )


@users.command("token")
@click.argument("email")
@click.option("--name", default="api", show_default=True)
def users_token(email: str, name: str) -> None:
    """Issue an API bearer token (shown once; store it now)."""
    with unit_of_work() as (_, session):
        user = session.scalar(select(User).where(User.email == email.lower()))
        if user is None:
            raise NotFound(f"no user {email}")
        click.echo(issue_token(session, user, name))


@users.command("revoke")
@click.argument("email")
def users_revoke(email: str) -> None:
    """Revoke every API token of a user."""
    with unit_of_work() as (_, session):
        click.echo(f"revoked {revoke_tokens(session, email)} token(s)")


@users.command("password")
@click.argument("email")
@click.option("--password", help="Omit to generate one (printed once).")
def users_password(email: str, password: str | None) -> None:
    """Set a vendor user's password; every session of that user ends at once."""
    with unit_of_work() as (rt, session):
        secret = set_password(session, email, password, now=rt.clock())
    click.echo(f"password changed for {email}" + (f": {secret}" if not password else ""))


@users.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(VENDOR_ROLES))
def users_role(email: str, role: str) -> None:
    """Make a vendor user an admin or a marketer; every session of that user ends."""
    with unit_of_work() as (rt, session):
        ended = set_role(session, email, role, now=rt.clock())
    click.echo(f"{email} is now {role}; {ended} session(s) ended")


@users.command("invite")
@click.argument("email")
@click.option("--partner", "slug", required=True, help="The partner this person acts for.")
def users_invite(email: str, slug: str) -> None:
    """Let a person sign in to the portal for a partner (a membership, granted by the
    vendor); they sign in by asking for a link with this address."""
    with unit_of_work() as (rt, session):
        partner = get_partner(session, slug)
        grant_membership(session, partner, email, actor="cli")
        base = rt.settings.public_base_url
    click.echo(f"{email} may now sign in for {slug} at {base}/portal/")


@users.command("remove")
@click.argument("email")
def users_remove(email: str) -> None:
    """Remove a user (a partner member who left, say): its sessions, tokens and
    membership go with it at once."""
    with unit_of_work() as (_, session):
        remove_user(session, email, actor="cli")
    click.echo(f"removed {email}")
