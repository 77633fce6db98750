"""Issue 30, the journey in real Chromium: a customer asks for contact on a partner's
landing page; nobody answers it; 49 hours later (the test's clock moved, the scheduler's
leads job run) the partner is reminded and its owner alerted by email (aiosmtpd), and
the partner's leads page shows the lead overdue."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from campaign_engine.app import create_app
from campaign_engine.db import Partner, TrackedLink
from campaign_engine.pipeline import jobs
from campaign_engine.services.access.accounts import create_user
from tests.conftest import free_port
from tests.e2e.test_browser import ARTIFACTS, browser  # noqa: F401 - module-scoped browser
from tests.processes import wait_until
from tests.worlds import launched_campaign


class Clock:
    """The runtime's clock, which the test moves."""

    def __init__(self, clock) -> None:
        self.clock, self.offset = clock, timedelta()

    def __call__(self):
        return self.clock() + self.offset


@pytest.fixture
def served_world(tmp_path, sqlite_url, smtp_server):
    smtp = {"transport": "smtp", "smtp": {"host": smtp_server.host, "port": smtp_server.port}}
    runtime, _ = launched_campaign(
        tmp_path, sqlite_url, partners=2, contacts=1, name="SLA journey", email=smtp
    )
    with runtime.sessions.begin() as session:
        owner, _ = create_user(session, "owner@vendor.example", "marketer", password="pw-12345678")
        partner = session.scalar(select(Partner).where(Partner.slug == "partner-01"))
        partner.owner_id = owner.id
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == partner.id,
                TrackedLink.channel == "email",
                TrackedLink.name == "assessment",
            )
        )
    clock = runtime.clock = Clock(runtime.clock)
    app = create_app(runtime)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield runtime, clock, f"http://127.0.0.1:{port}", token, smtp_server.received
    finally:
        server.shutdown()
        runtime.close()


def mails_to(received, address: str) -> list:
    return [m for m in received.messages() if m["To"] == address]


def test_an_untouched_lead_reminds_the_partner_and_alerts_the_owner(
    browser,  # noqa: F811
    served_world,
):
    runtime, clock, base, token, received = served_world
    visitor = browser.new_context().new_page()
    visitor.goto(f"{base}/l/{token}")
    visitor.get_by_label("Your name").fill("Ada Byron")
    visitor.get_by_label("Work email").fill("ada@customer.example")
    visitor.get_by_label("Company").fill("Analytical Engines")
    consent = visitor.locator("input[name=consent]")
    consent.scroll_into_view_if_needed()  # as a reader does: in view, then the tick
    consent.check()
    visitor.locator("form button[type=submit]").click()
    expect(visitor.get_by_role("status")).to_contain_text("will be in touch")
    wait_until(lambda: mails_to(received, "sales@partner01.example"), 10, "the lead's email")

    jobs.bind(runtime, None)
    jobs.leads_job()  # within 48 h: nothing to chase
    assert not [m for m in received.messages() if "waiting" in str(m["Subject"])]
    clock.offset = timedelta(hours=49)
    jobs.leads_job()
    jobs.leads_job()  # a second run chases nobody twice

    (reminder,) = [
        m
        for m in mails_to(received, "sales@partner01.example")
        if m["Subject"] == "A lead is waiting for you"
    ]
    assert "/portal/leads" in reminder.get_body(("plain",)).get_content()
    (alert,) = mails_to(received, "owner@vendor.example")
    assert alert["Subject"] == "Partner 01 Systems has not touched a lead for 49 hours"
    assert not mails_to(received, "sales@partner00.example") or all(
        "lead" not in str(m["Subject"]) for m in mails_to(received, "sales@partner00.example")
    )

    partner = browser.new_context().new_page()
    partner.goto(f"{base}/portal/")
    partner.get_by_label("Your work email").fill("sales@partner01.example")
    partner.get_by_role("button", name="Email me a sign-in link").click()
    partner.get_by_text("sign-in link is on its way").wait_for()

    def sign_in_link() -> str | None:
        for mail in reversed(mails_to(received, "sales@partner01.example")):
            found = re.search(r"\S+/portal/sign-in/\S+", mail.get_body(("plain",)).get_content())
            if found:
                return found.group(0)
        return None

    wait_until(lambda: sign_in_link() is not None, 10, "the sign-in email")
    partner.goto(sign_in_link().replace("https://partners.vendor.example", base))
    partner.locator("#sign-in").click()
    partner.wait_for_url(f"{base}/portal/")
    partner.goto(f"{base}/portal/leads/")
    lead = partner.locator("article.lead[data-overdue]")
    expect(lead).to_have_count(1)
    expect(lead).to_contain_text("Ada Byron")
    expect(lead.locator(".pill.overdue")).to_have_text("overdue")
    ARTIFACTS.mkdir(exist_ok=True)
    partner.screenshot(path=str(ARTIFACTS / "leads-overdue.png"), full_page=True)
