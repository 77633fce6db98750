"""Sessions that can be taken back: a copied cookie dies with sign-out, a password or role
change, or idleness; a cookie forged with a published secret opens nothing."""

from __future__ import annotations

from datetime import timedelta

from flask.sessions import SecureCookieSessionInterface

from campaign_engine.services.access.accounts import set_password, set_role
from tests.security.conftest import (
    ADMIN,
    MARKETER,
    PARTNER_A,
    PASSWORD,
    csrf_of,
    partner_client,
    vendor_client,
)


def _copy_cookie(world, client):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = world.app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
    return thief


def test_signing_out_ends_every_copy_of_the_session_cookie(world):
    client = vendor_client(world)
    thief = _copy_cookie(world, client)
    assert thief.get("/").status_code == 200
    token = csrf_of(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/").status_code == 302
    assert thief.get("/api/v1/campaigns").status_code == 401


def test_a_partners_copied_cookie_dies_with_its_sign_out(world):
    client = partner_client(world, PARTNER_A)
    thief = _copy_cookie(world, client)
    assert thief.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/portal/").get_data(True))})
    assert thief.get("/api/v1/me").status_code == 401


def test_a_password_change_or_a_role_change_ends_every_session(world):
    first, second = vendor_client(world, ADMIN), vendor_client(world, MARKETER)
    with world.runtime.sessions.begin() as session:
        set_password(session, ADMIN, "another-long-password", now=world.runtime.clock())
        set_role(session, MARKETER, "admin", now=world.runtime.clock())
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 302
    vendor_client(world, ADMIN, "another-long-password")


def test_an_idle_session_ends(world):
    client = vendor_client(world)
    assert client.get("/").status_code == 200
    later = world.runtime.clock() + timedelta(minutes=world.runtime.settings.auth.idle_minutes + 1)
    world.runtime.clock = lambda: later
    assert client.get("/").status_code == 302


def test_a_cookie_forged_with_the_secret_key_alone_opens_nothing(world):
    """Even with the secret, a made-up session id is nobody: the row decides."""
    signer = SecureCookieSessionInterface().get_signing_serializer(world.app)
    forged = signer.dumps({"_user_id": "1", "_fresh": True})
    client = world.app.test_client()
    client.set_cookie("session", forged, domain="localhost")
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/campaigns").status_code == 401


def test_session_cookies_are_secure_httponly_and_samesite_on_https(world):
    client = world.app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login", data={"email": MARKETER, "password": PASSWORD, "csrf_token": token}
    )
    header = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_the_vendor_invites_a_member_and_removing_them_ends_their_session(world, make_cli):
    cli = make_cli(world.runtime.settings.database_url)
    assert (
        "may now sign in for partner-02"
        in cli("users", "invite", "ops@partner02.example", "--partner", "partner-02").output
    )
    refused = cli("users", "invite", "marketer@vendor.example", "--partner", "partner-02", ok=False)
    assert refused.exit_code != 0 and "vendor account" in refused.output
    member = partner_client(world, "ops@partner02.example")
    assert member.get("/api/v1/me").get_json()["slug"] == "partner-02"
    cli("users", "remove", "ops@partner02.example")
    assert member.get("/api/v1/me").status_code == 401
    ended = cli("users", "role", "marketer@vendor.example", "admin").output
    assert "is now admin" in ended


def test_a_password_change_revokes_the_users_api_tokens_too(world):
    with world.runtime.sessions.begin() as session:
        set_password(session, MARKETER, "a-new-long-password", now=world.runtime.clock())
    answer = world.app.test_client().get(
        "/api/v1/campaigns", headers={"Authorization": f"Bearer {world.bearer}"}
    )
    assert answer.status_code == 401


def test_password_and_role_commands_refuse_a_partner_member_in_one_line(world, make_cli):
    cli = make_cli(world.runtime.settings.database_url)
    for args in (
        ("password", PARTNER_A, "--password", "long-enough-pw"),
        ("role", PARTNER_A, "admin"),
    ):
        result = cli("users", *args, ok=False)
        assert result.exit_code != 0 and "partner user" in result.output
        assert "Traceback" not in result.output
