"""Erasure and export over HTTP (web/privacy.py): an admin erases a person for every
partner, a partner's users for their own partner (API and the leads page's form), and a
partner downloads its contacts, leads and results; bad addresses are a 422 naming the
field and change nothing."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import func, select

from campaign_engine.db import Contact, ErasedAddress, Partner, User
from campaign_engine.services.access.accounts import create_user, issue_token
from tests.privacy_world import PERSON, build
from tests.security.conftest import partner_client

MEMBER = "sales@partner00.example"  # partner-00's imported contact: its member


@pytest.fixture
def world(tmp_path, sqlite_url):
    world = build(tmp_path, sqlite_url)
    with world.runtime.sessions.begin() as session:
        admin, _ = create_user(session, "admin@vendor.example", "admin", password="x" * 12)
        marketer, _ = create_user(session, "m@vendor.example", "marketer", password="x" * 12)
        member = session.scalar(select(User).where(User.email == MEMBER))
        world.tokens = {
            "admin": issue_token(session, admin, "t"),
            "marketer": issue_token(session, marketer, "t"),
            "member": issue_token(session, member, "t"),
        }
    yield world
    world.runtime.close()


def bearer(world, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[who]}"}


def contacts_of(world) -> dict[str, int]:
    with world.runtime.sessions() as session:
        rows = session.execute(
            select(Partner.slug, func.count(Contact.id))
            .join(Contact, Contact.partner_id == Partner.id)
            .where(Contact.email == PERSON.lower())
            .group_by(Partner.slug)
        )
        return dict(rows.all())


def test_an_admin_erases_everywhere_and_a_marketer_cannot(world):
    client = world.app.test_client()
    refused = client.delete(f"/api/v1/contacts/{PERSON}", headers=bearer(world, "marketer"))
    assert refused.status_code == 403 and contacts_of(world) == {"partner-00": 1, "partner-01": 1}
    bad = client.delete("/api/v1/contacts/not-an-address", headers=bearer(world, "admin"))
    assert bad.status_code == 422 and "email" in bad.get_json()["detail"]
    done = client.delete(f"/api/v1/contacts/{PERSON}", headers=bearer(world, "admin"))
    assert done.status_code == 200, done.get_data(as_text=True)
    body = done.get_json()
    assert body["erased"]["contacts"] == 2 and body["nothing_left"] is False
    assert PERSON.lower() not in done.get_data(as_text=True).lower()
    again = client.delete(f"/api/v1/contacts/{PERSON.upper()}", headers=bearer(world, "admin"))
    assert again.get_json()["nothing_left"] is True
    assert contacts_of(world) == {}


def test_a_partner_erases_its_own_copy_by_api_and_by_the_leads_page(world):
    client = world.app.test_client()
    done = client.delete(f"/api/v1/me/contacts/{PERSON}", headers=bearer(world, "member"))
    assert done.status_code == 200 and done.get_json()["erased"]["contacts"] == 1
    assert done.get_json()["erased"]["leads"] == 1, "the lead it left on partner-00's page"
    assert contacts_of(world) == {"partner-01": 1}, "another partner's copy is its own"
    with world.runtime.sessions() as session:
        scopes = session.scalars(select(ErasedAddress.partner_id)).all()
    assert len(scopes) == 1 and scopes[0] is not None


def test_the_leads_page_form_erases_and_says_so(world):
    client = partner_client(world, MEMBER)
    page = client.get("/portal/leads/").get_data(as_text=True)
    assert 'id="your-data"' in page and "/portal/privacy/export.zip" in page
    bad = client.post("/portal/privacy/erase", data={"email": "nobody"}, follow_redirects=True)
    assert "Nothing erased" in bad.get_data(as_text=True)
    assert contacts_of(world) == {"partner-00": 1, "partner-01": 1}
    done = client.post("/portal/privacy/erase", data={"email": PERSON}, follow_redirects=True)
    assert "Erased: the address is gone" in done.get_data(as_text=True)
    assert contacts_of(world) == {"partner-01": 1}
    again = client.post("/portal/privacy/erase", data={"email": PERSON}, follow_redirects=True)
    assert "Nothing was left to erase" in again.get_data(as_text=True)


def test_a_partner_downloads_its_own_contacts_leads_and_results(world):
    answer = world.app.test_client().get("/api/v1/me/export", headers=bearer(world, "member"))
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert sorted(archive.namelist()) == [
        "contacts.csv",
        "leads.csv",
        "manifest.json",
        "results.csv",
    ]
    table = {
        n: list(csv.DictReader(io.StringIO(archive.read(n).decode())))
        for n in archive.namelist()
        if n.endswith(".csv")
    }
    assert sorted(r["email"] for r in table["contacts.csv"]) == [
        "other@partner-00-customer.example",
        PERSON.lower(),
    ], "its own contacts only"
    assert [r["email"].lower() for r in table["leads.csv"]] == [PERSON.lower()]
    assert [r["leads"] for r in table["results.csv"]] == ["1"]
    portal = partner_client(world, MEMBER).get("/portal/privacy/export.zip")
    assert portal.status_code == 200 and zipfile.ZipFile(io.BytesIO(portal.data)).testzip() is None
