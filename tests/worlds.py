"""A launched campaign on a real database, sent through the maildir outbox: the starting
point of the web and attribution tests."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from campaign_engine import bootstrap, migrate
from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.pipeline.runner import run_until_sent
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, write_config
from tests.factories import partner_row, write_contacts, write_partners

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings


def planned_campaign(
    tmp_path: Path,
    database_url: str,
    *,
    partners: int,
    contacts: int,
    name: str,
    rows: list[dict[str, str]] | None = None,
    **config: object,
) -> tuple[Runtime, int]:
    """Partners with contacts, the sample kit, and a campaign for all of them, launched
    (its deliveries planned, nothing sent yet); `rows` replaces the `partners` generated
    partner rows; `config` overrides the test config."""
    settings = load_settings(write_config(tmp_path, database_url, **config))
    runtime = bootstrap.build_runtime(settings)
    migrate.upgrade(runtime.engine)
    rows = rows or [partner_row(i) for i in range(partners)]
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, rows))
        import_contacts(session, write_contacts(tmp_path, [r["slug"] for r in rows], contacts))
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        campaign = create_campaign(session, version, name, {}, None)
        launch_campaign(session, campaign, now=runtime.clock(), actor="test", rules=RULES)
        campaign_id = campaign.id
    return runtime, campaign_id


def launched_campaign(
    tmp_path: Path,
    database_url: str,
    *,
    partners: int,
    contacts: int,
    name: str,
    rows: list[dict[str, str]] | None = None,
    **config: object,
) -> tuple[Runtime, int]:
    """planned_campaign, sent through the maildir outbox."""
    runtime, campaign_id = planned_campaign(
        tmp_path,
        database_url,
        partners=partners,
        contacts=contacts,
        name=name,
        rows=rows,
        **config,
    )
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    return runtime, campaign_id


def outbox_messages(runtime: Runtime) -> list[EmailMessage]:
    """Every email in the maildir outbox, parsed as a mail client would."""
    folder = runtime.settings.email.outbox_dir / "new"
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in folder.iterdir()
    ]


def marketer_client(runtime: Runtime):
    """The runtime's app with a marketer signed in, as a console test needs it."""
    from campaign_engine.app import create_app
    from campaign_engine.services.access.accounts import create_user

    with runtime.sessions.begin() as session:
        create_user(session, "m@vendor.example", "marketer", password="correct-horse-1")
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login", data={"email": "m@vendor.example", "password": "correct-horse-1"})
    return client


def programme_via_cli(cli: Any, folder: Path, rows: list[dict[str, str]], contacts: int) -> None:
    """Partners, `contacts` contacts each and the sample kit, through the command line as
    a newcomer would load them (`cli` is tests.conftest.Cli)."""
    cli("partners", "import", str(write_partners(folder, rows)))
    cli("contacts", "import", str(write_contacts(folder, [r["slug"] for r in rows], contacts)))
    cli("kits", "load", str(SAMPLE_KIT))
