"""`partners offboard SLUG`: the leaving partner's contacts, leads and results in a zip,
then its customers erased from rows and outbox; programme figures unchanged; another
partner's copy of the same person untouched; no later campaign targets it."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import func, select

from campaign_engine.db import Contact, Delivery, Event, Partner
from tests.conftest import Cli
from tests.privacy_world import PERSON, build, figures
from tests.worlds import outbox_messages


def test_a_leaving_partner_takes_its_data_and_its_figures_stay(tmp_path, database_url):
    world = build(tmp_path, database_url)
    try:
        before = figures(world.runtime, world.campaign_id)
        archive = tmp_path / "out" / "partner-00.zip"
        cli = Cli(world.config)
        said = cli("partners", "offboard", "partner-00", "--out", str(archive)).output
        assert "erased 2 contacts" in said and "1 leads' details" in said, said
        with zipfile.ZipFile(archive) as zipped:
            leads = list(csv.DictReader(io.StringIO(zipped.read("leads.csv").decode())))
            contacts = zipped.read("contacts.csv").decode()
        assert [r["email"].lower() for r in leads] == [PERSON.lower()]
        assert PERSON.lower() in contacts and "other@partner-00-customer.example" in contacts

        assert figures(world.runtime, world.campaign_id) == before
        with world.runtime.sessions() as session:
            ids = dict(session.execute(select(Partner.slug, Partner.id)).all())
            left = session.scalar(
                select(func.count()).where(Contact.partner_id == ids["partner-00"])
            )
            recipients = set(
                session.scalars(
                    select(Delivery.recipient).where(
                        Delivery.partner_id == ids["partner-00"], Delivery.channel == "email"
                    )
                )
            )
            kept = session.scalar(
                select(Contact.email).where(Contact.partner_id == ids["partner-01"]).limit(1)
            )
            lead_data = [
                e.data for e in session.scalars(select(Event).where(Event.type == "lead.created"))
            ]
        assert left == 0 and all(r.endswith("@erased.invalid") for r in recipients)
        assert kept is not None, "partner-01's customers are its own"
        assert all("lead" not in d for d in lead_data)
        to = [m["To"].lower() for m in outbox_messages(world.runtime)]
        assert "other@partner-00-customer.example" not in to
        assert "other@partner-01-customer.example" in to
        again = cli("partners", "offboard", "partner-00", "--out", str(archive), ok=False)
        assert again.exit_code != 0 and "exists already" in again.output
    finally:
        world.runtime.close()
