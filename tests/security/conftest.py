"""An attacker's view of one programme: two partners (A, B), a campaign for both, one for
B only, a marketer, an admin, and every way in (password, emailed link, notice link,
bearer token), all through the app's own HTTP interface."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from campaign_engine import bootstrap, migrate
from campaign_engine.app import create_app
from campaign_engine.db import Delivery, User
from campaign_engine.domain.consent import ConsentMode, ConsentRules
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.runtime import Runtime
from campaign_engine.services.access.accounts import create_user, issue_token, revoke_tokens
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.assets.kits import load_kit
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.partners.contacts import import_contacts
from campaign_engine.services.partners.directory import get_partner, import_partners
from campaign_engine.settings import load_settings
from tests.conftest import SAMPLE_KIT, _pg_database, write_config
from tests.factories import partner_row, write_contacts, write_partners
from tests.worlds import outbox_messages

RULES = ConsentRules(ConsentMode.AUTO, 48.0)  # the shipped programme settings

PASSWORD = "correct-horse-battery-1"
ADMIN, MARKETER = "admin@vendor.example", "marketer@vendor.example"
PARTNER_A, PARTNER_B = "sales@partner01.example", "sales@partner02.example"


@dataclass
class World:
    app: object
    runtime: Runtime
    campaign: int  # targets both partners
    b_only: int  # targets partner B only
    notice: dict[str, str]  # partner -> notice link token for `campaign`
    held: int  # partner A's delivery waiting for review
    bearer: str  # the marketer's API token
    revoked: str  # a revoked token of the admin
    partner_bearer: str  # partner A's member's API token (issued by the vendor)
    mdf_request: int = 0  # partner A's pending MDF request
    mdf_claim: int = 0  # partner A's claim, waiting for the vendor
    lead: int = 0  # partner A's new lead


def _mdf(session, partner, now) -> tuple[int, int, int]:
    """Partner A's funds (a pending request, and an approved one with a claim waiting) and
    a new lead."""
    from datetime import timedelta

    from campaign_engine.db import Lead
    from campaign_engine.domain.mdf import Period
    from campaign_engine.services.mdf.allocate import Grant, allocate
    from campaign_engine.services.mdf.claims import submit_claim
    from campaign_engine.services.mdf.requests import Ask, approve, create_request

    allocate(
        session, partner.slug, "5000", "EUR", str(Period.of(now.date())), Grant("t", True, None)
    )
    start, end = (now + timedelta(days=1)).date(), (now + timedelta(days=9)).date()
    ask = Ask("100", "EUR", "event", start.isoformat(), end.isoformat(), "a stand")
    pending = create_request(session, partner, ask, actor="t", now=now, sla_hours=48)
    claimed = create_request(session, partner, ask, actor="t", now=now, sla_hours=48)
    approve(session, claimed, actor="t", now=now)
    claim = submit_claim(session, claimed, "100", note="", files=[], actor="t", now=now)
    lead = Lead(partner_id=partner.id, external_id="crm-1", source="test", received_at=now)
    session.add(lead)
    session.flush()
    return pending.id, claim.id, lead.id


@pytest.fixture
def world(tmp_path, sqlite_url) -> World:
    runtime = bootstrap.build_runtime(load_settings(write_config(tmp_path, sqlite_url)))
    migrate.upgrade(runtime.engine)
    rows = [partner_row(1), partner_row(2)]
    with runtime.sessions.begin() as session:
        import_partners(session, write_partners(tmp_path, rows))
        import_contacts(session, write_contacts(tmp_path, [r["slug"] for r in rows], 1))
        version = load_kit(session, SAMPLE_KIT, bootstrap.make_renderers)
        campaign = create_campaign(session, version, "Both partners", {}, None)
        launch_campaign(session, campaign, now=runtime.clock(), actor="test", rules=RULES)
        b_only = create_campaign(session, version, "B only", {"partner": ["partner-02"]}, None)
        admin, _ = create_user(session, ADMIN, "admin", password=PASSWORD)
        marketer, _ = create_user(session, MARKETER, "marketer", password=PASSWORD)
        bearer = issue_token(session, marketer, "matrix")
        revoked = issue_token(session, admin, "old")
        revoke_tokens(session, ADMIN)
        a, b = get_partner(session, "partner-01"), get_partner(session, "partner-02")
        member = session.scalar(select(User).where(User.email == PARTNER_A))
        partner_bearer = issue_token(session, member, "partner-integration")
        held = session.scalar(
            select(Delivery).where(Delivery.partner_id == a.id, Delivery.channel == "social")
        )
        held.status = DeliveryStatus.HELD
        links = PartnerLinks(runtime.settings.secret_key)
        notice = {"A": links.make(a.id, campaign.id), "B": links.make(b.id, campaign.id)}
        ids = campaign.id, b_only.id, held.id
        mdf = _mdf(session, a, runtime.clock())
    app = create_app(runtime)
    app.config.update(TESTING=True)
    yield World(app, runtime, ids[0], ids[1], notice, ids[2], bearer, revoked, partner_bearer, *mdf)
    runtime.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def vendor_client(world: World, email: str = MARKETER, password: str = PASSWORD):
    client = world.app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def sign_in_link(world: World, email: str) -> str | None:
    """Asks for a sign-in link as anyone can, and returns the path mailed to `email`."""
    client = world.app.test_client()
    page = client.get("/portal/")
    token = csrf_of(page.get_data(as_text=True))
    client.post("/portal/sign-in", data={"email": email, "csrf_token": token})
    paths = [
        re.search(r"https?://[^/\s]+(/portal/sign-in/\S+)", m.get_content()).group(1)
        for m in outbox_messages(world.runtime)
        if m["To"] == email and "sign-in" in m["Subject"]
    ]
    return paths[-1] if paths else None


def partner_client(world: World, email: str = PARTNER_A):
    """A partner member signed in through the emailed link, as a person would."""
    client = world.app.test_client()
    path = sign_in_link(world, email)
    assert path is not None, f"no sign-in link was mailed to {email}"
    token = csrf_of(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    return client


def page_csrf(client, path: str = "/portal/profile") -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def user_id(world: World, email: str) -> int:
    with world.runtime.sessions() as session:
        return session.scalar(select(User.id).where(User.email == email))


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """An empty PostgreSQL database, for the world's runs on PostgreSQL."""
    yield from _pg_database(postgres_server)


class OnPostgres:
    """Base of a test class that runs the security world on PostgreSQL (which refuses a
    NUL in text, and where two requests can race): its `sqlite_url` is PostgreSQL's."""

    @pytest.fixture
    def sqlite_url(self, pg_url: str) -> str:
        return pg_url
