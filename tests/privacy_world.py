"""A launched programme in which one person left traces everywhere: two partners that
both have them as a contact, their campaign email opened and its links clicked, a lead
they left on a partner's landing page (mailed to the partner), an unsubscribe. What the
erasure and retention tests start from, and the figures every report shows."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from campaign_engine import bootstrap, migrate
from campaign_engine.db import Campaign, Partner
from campaign_engine.pipeline.runner import run_until_sent
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.insights.dashboard.deals import open_deals
from campaign_engine.services.insights.figures import lead_follow_up
from campaign_engine.services.insights.programme import programme_report
from campaign_engine.services.insights.reports import campaign_report
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import import_partners
from campaign_engine.services.partners.view import _delivery_counts, partner_results
from campaign_engine.settings import load_settings
from tests.conftest import write_config
from tests.factories import email_only_kit, partner_row, write_partners
from tests.processes import wait_until
from tests.worlds import RULES, outbox_messages

PERSON = "Victim.Person@Customer.Example"  # as they typed it on the landing page
BASE = "https://partners.vendor.example"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130"}


@dataclass
class PrivacyWorld:
    runtime: Runtime
    app: Any
    campaign_id: int
    config: Path
    folder: Path


def write_people(folder: Path, slugs: list[str], name: str = "people.csv") -> Path:
    """The person with both partners (lowercased, as an import stores it), and one
    other customer each."""
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["partner", "email", "first_name", "last_name", "company"])
        for slug in slugs:
            writer.writerow([slug, PERSON.lower(), "Victima", "Persona", "Customer Ltd"])
            writer.writerow([slug, f"other@{slug}-customer.example", "Other", "Buyer", "Else"])
    return path


def build(tmp_path: Path, database_url: str) -> PrivacyWorld:
    """The programme, launched and sent through the outbox, with the person's traces."""
    from campaign_engine.app import create_app

    config = write_config(tmp_path, database_url, data_dir="data")
    runtime = bootstrap.build_runtime(load_settings(config))
    migrate.upgrade(runtime.engine)
    rows = [partner_row(0), partner_row(1)]
    slugs = [r["slug"] for r in rows]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(inputs, rows))
        import_contacts(session, write_people(inputs, slugs))
        version = load_kit(session, email_only_kit(inputs), bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Privacy Q3", {}, None)
        launch_campaign(session, campaign, now=runtime.clock(), actor="test", rules=RULES)
        campaign_id = campaign.id
    run_until_sent(runtime, campaign_id, workers=2, timeout=60)
    # figures taken before and after must not straddle the campaign's completion (two
    # last sends side by side once left it live; run_until_sent now sweeps for that)
    wait_until(lambda: _status(runtime, campaign_id) == "completed", 10, "the campaign to end")
    app = create_app(runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    world = PrivacyWorld(runtime, app, campaign_id, config, tmp_path)
    _leave_traces(world)
    return world


def _status(runtime: Runtime, campaign_id: int) -> str:
    with runtime.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        return str(campaign.status) if campaign else ""


def _leave_traces(world: PrivacyWorld) -> None:
    """The person opens partner-00's email, clicks each link, leaves a lead on the
    landing page, and unsubscribes from partner-01's."""
    client = world.app.test_client()
    mails = [m for m in outbox_messages(world.runtime) if m["To"].lower() == PERSON.lower()]
    assert len(mails) == 2, "the person got one email from each partner"
    mail = next(m for m in mails if "Partner 00" in str(m["From"]))
    html = mail.get_body(("html",)).get_content()
    pixel = re.search(rf'src="{BASE}(/o/[^"]+\.gif)"', html)
    assert pixel is not None
    assert client.get(pixel.group(1), headers=BROWSER).status_code == 200
    landing = None
    for link in re.findall(rf'href="{BASE}(/r/[^"]+)"', html):
        answer = client.get(link, headers=BROWSER)
        assert answer.status_code == 302
        if answer.headers["Location"].startswith("/l/"):
            landing = answer.headers["Location"]
    assert landing is not None, "the kit's email links to the partner's landing page"
    done = client.post(
        landing,
        data={
            "name": "Victima Persona",
            "email": PERSON,
            "company": "Customer Ltd",
            "consent": "yes",
            "website_url": "",
        },
        headers=BROWSER,
    )
    assert done.status_code == 200
    other = next(m for m in mails if m is not mail)
    unsubscribe = re.search(r"<([^>]+)>", other["List-Unsubscribe"]).group(1)
    answer = client.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    world.app.extensions["event_recorder"].flush()


def figures(runtime: Runtime, campaign_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Every figure the reports show for the programme: the campaign report, the
    programme report and lead follow-up, and each partner's own results and campaigns."""
    now = now or runtime.clock()
    with runtime.sessions() as session:
        partners = session.scalars(select(Partner).order_by(Partner.id)).all()
        return {
            "campaign": campaign_report(session, campaign_id),
            "programme": programme_report(session, now=now),
            "follow_up": lead_follow_up(session),
            "partners": {
                p.slug: {
                    "results": partner_results(session, p.id, now=now),
                    "sent_and_held": _delivery_counts(session, p.id),
                    # their ids are pseudonyms after an erasure; the deals are the same
                    "open_deals": sorted(
                        (d.stage, d.amount or 0, d.campaign_id) for d in open_deals(session, p.id)
                    ),
                }
                for p in partners
            },
        }
