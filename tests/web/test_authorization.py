"""Who may do what: every route as anonymous, partner A, partner B, marketer and admin."""

from __future__ import annotations

import re

import pytest

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.services.access.accounts import create_user, issue_token, revoke_tokens
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.partners.directory import get_partner, import_partners
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, write_config
from tests.factories import partner_row, write_partners
from tests.worlds import outbox_messages

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings

PASSWORD = "correct-horse-1"


@pytest.fixture
def site(tmp_path, sqlite_url):
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, [partner_row(1), partner_row(2)]))
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Matrix", {}, None)
        launch_campaign(session, campaign, now=runtime.clock(), actor="test", rules=RULES)
        for role in ("admin", "marketer"):
            create_user(session, f"{role}@vendor.example", role, password=PASSWORD)
        a, b = get_partner(session, "partner-01"), get_partner(session, "partner-02")
        create_user(session, "owner@partner01.example", "partner", partner_id=a.id)
        links = PartnerLinks(runtime.settings.secret_key)
        tokens = {
            "partner A": links.make(a.id, campaign.id),
            "partner B": links.make(b.id, campaign.id),
        }
        campaign_id = campaign.id
    app = create_app(runtime)
    app.config.update(TESTING=True)
    yield app, runtime, campaign_id, tokens
    runtime.close()


def client_as(app, who: str):
    client = app.test_client()
    if who in ("admin", "marketer"):
        with client.session_transaction():
            pass
        page = client.get("/login")
        csrf = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/login",
            data={"email": f"{who}@vendor.example", "password": PASSWORD, "csrf_token": csrf},
        )
        assert response.status_code == 302
    return client


PAGES = ["/", "/partners", "/campaigns/{campaign}", "/campaigns/{campaign}/not-sent"]
API = [
    "/api/v1/campaigns",
    "/api/v1/campaigns/{campaign}/status",
    "/api/v1/campaigns/{campaign}/not-sent",
    "/api/v1/campaigns/{campaign}/report",
    "/api/v1/programme/report",
    "/api/v1/runway/report",
]


@pytest.mark.parametrize(
    "who, page_status, api_status",
    [
        ("anonymous", 302, 401),
        ("partner A", 302, 401),
        ("partner B", 302, 401),
        ("marketer", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_console_and_api_are_for_vendor_users_only(site, who, page_status, api_status):
    app, _, campaign_id, _ = site
    client = client_as(app, who)
    for path in PAGES:
        assert client.get(path.format(campaign=campaign_id)).status_code == page_status, path
    for path in API:
        assert client.get(path.format(campaign=campaign_id)).status_code == api_status, path


@pytest.mark.parametrize("who, other", [("partner A", "partner B"), ("partner B", "partner A")])
def test_a_partner_link_shows_that_partner_only(site, who, other):
    app, _, _, tokens = site
    client = app.test_client()
    names = {"partner A": "Partner 01 Systems", "partner B": "Partner 02 Systems"}
    page = client.get(f"/portal/preview/{tokens[who]}").get_data(as_text=True)
    assert names[who] in page and names[other] not in page
    forged = tokens[who][:-4] + ("AAAA" if not tokens[who].endswith("AAAA") else "BBBB")
    assert client.get(f"/portal/preview/{forged}").status_code == 404
    assert client.post(f"/portal/opt-out/{forged}").status_code == 404


def test_partner_users_cannot_sign_in_to_the_console(site):
    app, _, _, _ = site
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": "owner@partner01.example", "password": "", "csrf_token": csrf}
    )
    assert response.status_code == 200 and "do not match" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_api_bearer_tokens_work_until_revoked(site):
    app, runtime, campaign_id, _ = site
    with runtime.sessions.begin() as session:
        from sqlalchemy import select

        from campaign_engine.db import User

        user = session.scalar(select(User).where(User.email == "marketer@vendor.example"))
        token = issue_token(session, user, "ci")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/campaigns/{campaign_id}/status", headers=headers).status_code == 200
    assert (
        client.get("/api/v1/campaigns", headers={"Authorization": "Bearer ce_nope"}).status_code
        == 401
    )
    with runtime.sessions.begin() as session:
        assert revoke_tokens(session, "marketer@vendor.example") == 1
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 401


def test_forms_need_a_csrf_token_and_login_is_rate_limited(site):
    app, _, _, _ = site
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": "admin@vendor.example", "password": PASSWORD}
        ).status_code
        == 400
    )
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    statuses = [
        client.post(
            "/login", data={"email": "x@y.example", "password": "bad", "csrf_token": csrf}
        ).status_code
        for _ in range(12)
    ]
    assert 429 in statuses


def signed_in_as(app, runtime, who: str):
    """Vendor users by password; partner members through the emailed sign-in link (the
    whole matrix over every route is tests/security/test_matrix.py)."""
    if who in ("admin", "marketer"):
        return client_as(app, who)
    email = {"partner A": "sales@partner01.example", "partner B": "sales@partner02.example"}
    client = app.test_client()
    client.post("/portal/sign-in", data={"email": email[who]})
    mail = [m for m in outbox_messages(runtime) if m["To"] == email[who]][-1]
    path = re.search(r"https?://[^/\s]+(/portal/sign-in/\S+)", mail.get_content()).group(1)
    assert client.post(path).status_code == 302
    return client


def test_partner_a_never_sees_or_changes_partner_bs_anything(site):
    app, runtime, campaign_id, _ = site
    app.config["WTF_CSRF_ENABLED"] = False
    from sqlalchemy import select

    from campaign_engine.db import Consent, Delivery, Partner
    from campaign_engine.domain.lifecycle import DeliveryStatus

    with runtime.sessions.begin() as session:
        b = session.scalar(select(Partner).where(Partner.slug == "partner-02"))
        item = session.scalar(select(Delivery).where(Delivery.partner_id == b.id))
        item.status = DeliveryStatus.HELD
        b_item, b_id = item.id, b.id
    client = signed_in_as(app, runtime, "partner A")
    assert client.get("/api/v1/me").get_json()["slug"] == "partner-01"
    home = client.get("/portal/").get_data(as_text=True)
    assert "Partner 01 Systems" in home and "Partner 02 Systems" not in home
    assert client.post(f"/portal/review/{b_item}", data={"action": "skip"}).status_code == 404
    assert client.post(f"/api/v1/me/review/{b_item}", json={"action": "skip"}).status_code == 404
    assert b_item not in [i["id"] for i in client.get("/api/v1/me/review").get_json()["items"]]
    client.put("/api/v1/me/consent", json={"mode": "off", "campaign_id": campaign_id})
    beyond = client.put("/api/v1/me/consent", json={"mode": "off", "campaign_id": 2**70})
    assert beyond.status_code == 422, "an id past the database's range is bad input, not a 500"
    with runtime.sessions() as session:
        assert session.get(Delivery, b_item).status == DeliveryStatus.HELD
        assert not session.scalars(select(Consent).where(Consent.partner_id == b_id)).all()
