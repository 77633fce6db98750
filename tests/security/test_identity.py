"""Who may act in whose name: a partner cannot turn its contact address into somebody
else's account, a notice link signs nobody in, and vendor and partner accounts never mix."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaign_engine.db import Membership, Partner, User
from tests.factories import partner_row, write_partners
from tests.security.conftest import (
    ADMIN,
    MARKETER,
    PARTNER_A,
    PARTNER_B,
    csrf_of,
    page_csrf,
    partner_client,
    sign_in_link,
)
from tests.worlds import outbox_messages


def _contact_of(world, slug: str) -> str:
    with world.runtime.sessions() as session:
        return session.scalar(select(Partner.contact_email).where(Partner.slug == slug))


def test_a_partner_cannot_become_the_admin_through_its_contact_email(world):
    attacker = partner_client(world, PARTNER_A)
    token = page_csrf(attacker, "/portal/")
    answer = attacker.patch(
        "/api/v1/me/profile", json={"contact_email": ADMIN}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200
    assert _contact_of(world, "partner-01") == PARTNER_A, "not applied before confirmation"
    # The notice link opened in a fresh browser: no session, no console, no admin.
    fresh = world.app.test_client()
    assert fresh.get(f"/portal/preview/{world.notice['A']}").status_code == 200
    assert fresh.get("/").status_code == 302
    assert fresh.get("/api/v1/campaigns").status_code == 401
    assert fresh.get("/api/v1/me").status_code == 401
    assert "Email me a sign-in link" in fresh.get("/portal/").get_data(as_text=True)
    # The same through the portal's profile form.
    form = {"contact_email": MARKETER, "csrf_token": page_csrf(attacker)}
    attacker.post("/portal/profile", data=form)
    assert _contact_of(world, "partner-01") == PARTNER_A
    assert sign_in_link(world, ADMIN) is None and sign_in_link(world, MARKETER) is None


def test_a_notice_link_signs_nobody_in_even_when_it_names_the_contact(world):
    fresh = world.app.test_client()
    assert fresh.get(f"/portal/opt-out/{world.notice['B']}").status_code == 200
    assert fresh.get(f"/portal/preview/{world.notice['B']}").status_code == 200
    assert fresh.get("/api/v1/me").status_code == 401
    assert fresh.get("/portal/review").status_code == 302


def test_a_new_contact_email_waits_for_its_owner_and_never_grants_sign_in(world):
    client = partner_client(world, PARTNER_A)
    form = {"contact_email": "new-contact@partner01.example", "csrf_token": page_csrf(client)}
    for key in ("phone", "website", "postal_address", "primary_color", "secondary_color"):
        form[key] = partner_row(1)[key]
    page = client.post("/portal/profile", data=form).get_data(as_text=True)
    assert "confirmation link to new-contact@partner01.example" in page
    assert _contact_of(world, "partner-01") == PARTNER_A
    mail = next(m for m in outbox_messages(world.runtime) if m["To"] == form["contact_email"])
    path = re.search(r"https?://[^/\s]+(/portal/confirm-email/\S+)", mail.get_content()).group(1)
    stranger = world.app.test_client()
    assert _contact_of(world, "partner-01") == PARTNER_A, "a GET (mail scanner) changes nothing"
    token = csrf_of(stranger.get(path).get_data(as_text=True))
    assert stranger.post(path, data={"csrf_token": token}).status_code == 200
    assert _contact_of(world, "partner-01") == "new-contact@partner01.example"
    assert stranger.get("/api/v1/me").status_code == 401, "confirming signs nobody in"
    assert sign_in_link(world, "new-contact@partner01.example") is None
    assert sign_in_link(world, PARTNER_A) is not None, "the member keeps signing in"
    again = stranger.post(path, data={"csrf_token": token})
    assert again.status_code == 422 and "already used" in again.get_data(as_text=True)


def test_memberships_come_from_the_vendor_import_or_an_invitation(world):
    with world.runtime.sessions() as session:
        members = session.execute(
            select(User.email, Partner.slug)
            .join(Membership, Membership.user_id == User.id)
            .join(Partner, Partner.id == Membership.partner_id)
        ).all()
    assert sorted(members) == [(PARTNER_A, "partner-01"), (PARTNER_B, "partner-02")]


def test_vendor_and_partner_accounts_are_never_the_same(world, tmp_path):
    from campaign_engine.errors import InvalidInput
    from campaign_engine.services.partners.directory import import_partners

    hostile = write_partners(tmp_path, [partner_row(3, contact_email=ADMIN)], "hostile.csv")
    with world.runtime.sessions() as session:
        try:
            import_partners(session, hostile)
        except InvalidInput as exc:
            message = str(exc)
        else:
            raise AssertionError("a partner imported with the admin's address")
        assert "hostile.csv row 2, column contact_email" in message
        assert "vendor account" in message
        session.rollback()
    taken = write_partners(tmp_path, [partner_row(3, contact_email=PARTNER_B)], "taken.csv")
    with world.runtime.sessions() as session:
        try:
            import_partners(session, taken)
        except InvalidInput as exc:
            assert "already signs in for partner 'partner-02'" in str(exc)
        else:
            raise AssertionError("one person made a member of two partners")
    assert sign_in_link(world, ADMIN) is None, "vendor users never get a magic link"


def test_an_invitation_makes_a_member_who_signs_in_for_that_partner_only(world):
    from campaign_engine.services.access.memberships import grant_membership
    from campaign_engine.services.partners.directory import get_partner

    with world.runtime.sessions.begin() as session:
        grant_membership(
            session, get_partner(session, "partner-02"), "ops@partner02.example", actor="test"
        )
    client = partner_client(world, "ops@partner02.example")
    assert client.get("/api/v1/me").get_json()["slug"] == "partner-02"
    assert sign_in_link(world, "stranger@partner02.example") is None


def test_the_confirmation_goes_to_the_address_stored_and_only_the_newest_link_works(world):
    client = partner_client(world, PARTNER_A)
    token = page_csrf(client, "/portal/")
    headers = {"X-CSRFToken": token}
    first = client.patch(
        "/api/v1/me/profile",
        json={"contact_email": '"attacker@evil.example" <first@partner01.example>'},
        headers=headers,
    )
    assert first.get_json()["pending_contact_email"] == "first@partner01.example"
    client.patch(
        "/api/v1/me/profile", json={"contact_email": "second@partner01.example"}, headers=headers
    )
    mails = {str(m["To"]): m for m in outbox_messages(world.runtime) if "Confirm" in m["Subject"]}
    assert set(mails) == {"first@partner01.example", "second@partner01.example"}
    links = {
        to: re.search(r"https?://[^/\s]+(/portal/confirm-email/\S+)", m.get_content()).group(1)
        for to, m in mails.items()
    }
    stranger = world.app.test_client()
    assert stranger.get(links["first@partner01.example"]).status_code == 422
    page = stranger.get(links["second@partner01.example"]).get_data(as_text=True)
    assert "Make second@partner01.example the contact address of Partner 01 Systems?" in page
    csrf = csrf_of(page)
    stale = stranger.post(links["first@partner01.example"], data={"csrf_token": csrf})
    assert stale.status_code == 422, "superseded by the newer request"
    assert (
        stranger.post(links["second@partner01.example"], data={"csrf_token": csrf}).status_code
        == 200
    )
    assert _contact_of(world, "partner-01") == "second@partner01.example"


def test_a_removed_member_cannot_confirm_the_address_it_asked_for(world):
    from campaign_engine.services.access.accounts import remove_user

    client = partner_client(world, PARTNER_A)
    client.patch(
        "/api/v1/me/profile",
        json={"contact_email": "mine@evil.example"},
        headers={"X-CSRFToken": page_csrf(client, "/portal/")},
    )
    with world.runtime.sessions.begin() as session:
        remove_user(session, PARTNER_A, actor="test")
    mail = next(m for m in outbox_messages(world.runtime) if m["To"] == "mine@evil.example")
    path = re.search(r"https?://[^/\s]+(/portal/confirm-email/\S+)", mail.get_content()).group(1)
    stranger = world.app.test_client()
    assert stranger.get(path).status_code == 422, "the page says so before any button"
    csrf = csrf_of(stranger.get("/portal/").get_data(as_text=True))
    answer = stranger.post(path, data={"csrf_token": csrf})
    assert answer.status_code == 422 and "no longer acts for the partner" in answer.get_data(True)
    assert _contact_of(world, "partner-01") == PARTNER_A
