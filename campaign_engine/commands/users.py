"""`users create | token | revoke`."""

from __future__ import annotations

import click
from sqlalchemy import select

from campaign_engine.cli import cli, unit_of_work
from campaign_engine.db import User
from campaign_engine.errors import NotFound
from campaign_engine.services.accounts import create_user, issue_token, revoke_tokens


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
