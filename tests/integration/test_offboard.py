"""`partners offboard SLUG`: the leaving partner's contacts, leads and results in a zip,
then its customers erased from rows and outbox; programme figures unchanged; another
partner's copy of the same person untouched; no later campaign targets it."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile

import pytest
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


def test_an_admin_offboards_from_the_console_and_downloads_the_zip(tmp_path, sqlite_url):
    """The partner page's form: a marketer cannot, a mistyped slug changes nothing, the
    admin's confirmed one exports then erases; the zip is listed and downloadable by the
    admin alone, for that partner alone, until retention deletes it."""
    import time

    from campaign_engine.services.access.accounts import create_user
    from campaign_engine.services.stewardship.retention import run_retention

    world = build(tmp_path, sqlite_url)
    try:
        with world.runtime.sessions.begin() as session:
            create_user(session, "admin@vendor.example", "admin", password="correct-horse-1")
            create_user(session, "mk@vendor.example", "marketer", password="correct-horse-1")
        world.app.config["WTF_CSRF_ENABLED"] = False
        admin, marketer = world.app.test_client(), world.app.test_client()
        for client, email in ((admin, "admin@vendor.example"), (marketer, "mk@vendor.example")):
            login = {"email": email, "password": "correct-horse-1"}
            assert client.post("/login", data=login).status_code == 302
        form = {"confirm": "partner-00"}
        assert marketer.post("/partners/partner-00/offboard", data=form).status_code == 403
        page = marketer.get("/partners/partner-00").get_data(as_text=True)
        assert "Export and erase" not in page and "A vendor admin can offboard" in page
        typo = admin.post(
            "/partners/partner-00/offboard", data={"confirm": "partner-0"}, follow_redirects=True
        )
        assert "Nothing changed: type partner-00 in the confirm field" in typo.get_data(True)
        with world.runtime.sessions() as session:
            still = session.scalar(select(func.count()).select_from(Contact))
        assert still == 4, "a mistyped confirmation erases nothing"

        done = admin.post("/partners/partner-00/offboard", data=form, follow_redirects=True)
        page = done.get_data(as_text=True)
        assert done.status_code == 200 and "partner-00 has left" in page, page
        (name,) = re.findall(r'/partners/partner-00/offboarded/([^"]+\.zip)', page)
        download = admin.get(f"/partners/partner-00/offboarded/{name}")
        assert download.status_code == 200
        assert download.headers["Cache-Control"] == "private, no-store"
        with zipfile.ZipFile(io.BytesIO(download.data)) as zipped:
            assert PERSON.lower() in zipped.read("contacts.csv").decode()
        with world.runtime.sessions() as session:
            left = session.scalar(select(func.count()).select_from(Contact))
        assert left == 2, "partner-00's two contacts erased, partner-01's kept"
        assert marketer.get(f"/partners/partner-00/offboarded/{name}").status_code == 403
        assert admin.get(f"/partners/partner-01/offboarded/{name}").status_code == 404
        assert admin.get("/partners/partner-00/offboarded/..%2Fsecrets.json").status_code == 404

        archive = world.runtime.settings.storage_dir / "offboarded" / name
        old = time.time() - 31 * 86_400
        os.utime(archive, (old, old))
        assert run_retention(world.runtime).archives == 1
        assert not archive.exists()
        assert admin.get(f"/partners/partner-00/offboarded/{name}").status_code == 404
    finally:
        world.runtime.close()


def test_an_erasure_reaches_a_kept_offboarding_zip(tmp_path, sqlite_url):
    """The zip waiting for download is compressed, so the erasure's byte search cannot see
    into it: the erasure takes the person's rows out of it, the other rows stay."""
    from campaign_engine.services.stewardship.archives import archive_path
    from campaign_engine.services.stewardship.offboard import offboard
    from campaign_engine.services.stewardship.request import erase

    world = build(tmp_path, sqlite_url)
    try:
        rt = world.runtime
        archive = archive_path(rt.settings.storage_dir, "partner-00", rt.clock())
        offboard(rt, "partner-00", archive, actor="test")
        made = archive.stat().st_mtime
        done = erase(rt, PERSON.upper(), actor="test")
        assert done.files >= 1
        with zipfile.ZipFile(archive) as zipped:
            text = "".join(zipped.read(n).decode() for n in zipped.namelist()).lower()
        assert PERSON.lower() not in text
        assert "other@partner-00-customer.example" in text
        assert archive.stat().st_mtime == made, "retention still counts from the day made"
        assert erase(rt, PERSON, actor="test").nothing_left
    finally:
        world.runtime.close()


def test_leaving_touches_only_the_partners_own_mail_and_closes_its_doors(tmp_path, database_url):
    """Another partner's email to a customer both had stays; the leaving partner's users
    lose the portal and the API (membership, sessions, tokens); leaving twice is refused."""
    from campaign_engine.db import ApiToken, Membership
    from campaign_engine.errors import InvalidInput
    from campaign_engine.services.access.accounts import create_user, issue_token
    from campaign_engine.services.partners.directory import get_partner
    from campaign_engine.services.stewardship.offboard import offboard

    world = build(tmp_path, database_url)
    try:
        rt = world.runtime
        with rt.sessions.begin() as session:
            partner = get_partner(session, "partner-00")
            assert session.scalar(select(func.count()).where(Membership.partner_id == partner.id))
            user, _ = create_user(
                session, "owner@partner00.example", "partner", partner_id=partner.id
            )
            issue_token(session, user, "crm sync")
        shared = [
            m
            for m in outbox_messages(rt)
            if m["X-Campaign-Partner"] == "partner-01" and m["To"].lower() == PERSON.lower()
        ]
        assert shared
        offboard(rt, "partner-00", tmp_path / "first.zip", actor="test")
        still = [
            m
            for m in outbox_messages(rt)
            if m["X-Campaign-Partner"] == "partner-01" and m["To"].lower() == PERSON.lower()
        ]
        assert len(still) == len(shared), "partner-01's mail is partner-01's"
        with rt.sessions() as session:
            mine = select(func.count()).where(Membership.partner_id == partner.id)
            assert session.scalar(mine) == 0
            tokens = session.scalars(select(ApiToken.revoked_at)).all()
        assert tokens and all(t is not None for t in tokens)
        with pytest.raises(InvalidInput, match="left the programme"):
            offboard(rt, "partner-00", tmp_path / "second.zip", actor="test")
        assert not (tmp_path / "second.zip").exists()
    finally:
        world.runtime.close()
