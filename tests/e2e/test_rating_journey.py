"""Issue 30, in real Chromium against `campaign-engine serve`, mail through a real SMTP
server (aiosmtpd): a partner rates the brochure down with a comment (a quality or brand
concern), its owner gets the alert, replies in the console, and the partner reads the
reply in its portal and in its inbox."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.conftest import SAMPLE_KIT
from tests.e2e.test_browser import (  # noqa: F401 - the module-scoped browser fixture
    ARTIFACTS,
    browser,
    served,
)
from tests.factories import partner_row, write_contacts, write_partners
from tests.processes import wait_until

OWNER = "ann@vendor.example"
PARTNER = "sales@partner01.example"
COMMENT = "Our logo is squashed on the brochure's cover"
REPLY = "Thank you: a fixed brochure goes out on Monday."


def mails(smtp, to: str, subject: str) -> list:
    return [m for m in smtp.received.messages() if m["To"] == to and subject in m["Subject"]]


def sign_in_partner(page, base: str, smtp, email: str) -> None:
    page.goto(f"{base}/portal/")
    page.get_by_label("Your work email").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("sign-in link is on its way").wait_for()
    wait_until(lambda: mails(smtp, email, "ign"), 30, "the sign-in link")
    body = mails(smtp, email, "ign")[-1].get_body(("plain",)).get_content()
    link = re.search(r"\S+/portal/sign-in/\S+", body).group(0)
    page.goto(link.replace("https://partners.vendor.example", base))
    page.locator("#sign-in").click()
    page.wait_for_url(f"{base}/portal/")


def test_a_brand_concern_reaches_the_owner_and_the_reply_reaches_the_partner(
    browser,  # noqa: F811
    tmp_path,
    sqlite_url,
    make_cli,
    smtp_server,
):
    cli = make_cli(
        sqlite_url,
        email={"transport": "smtp", "smtp": {"host": smtp_server.host, "port": smtp_server.port}},
        dispatch={"tick_seconds": 0.5, "workers": 2},
    )
    cli("users", "create", "--admin", "admin@vendor.example", "--password", "correct-horse-1")
    cli("users", "create", OWNER, "--marketer", "--password", "correct-horse-1")
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1), partner_row(2)])))
    cli("contacts", "import", str(write_contacts(tmp_path, ["partner-01", "partner-02"], 1)))
    cli("owners", OWNER, "partner-01")
    cli("kits", "load", str(SAMPLE_KIT))
    created = cli("campaigns", "create", "--kit", "secure-cloud-q3", "--name", "Q3", "--json")
    campaign_id = json.loads(created.output)["id"]
    cli("campaigns", "launch", str(campaign_id))
    ARTIFACTS.mkdir(exist_ok=True)
    partner = browser.new_context().new_page()
    vendor = browser.new_context().new_page()
    with served(cli, tmp_path) as base:
        sign_in_partner(partner, base, smtp_server, PARTNER)
        partner.goto(f"{base}/portal/campaigns/{campaign_id}")
        rating = partner.locator(f"#rating-{campaign_id}-brochure")
        rating.get_by_text("Add a comment for the vendor (optional)").click()
        rating.get_by_label("If not useful, why? (optional)").select_option("quality")
        rating.get_by_label("Comment").fill(COMMENT)
        rating.get_by_role("button", name="Not useful").click()
        rating = partner.locator(f"#rating-{campaign_id}-brochure")  # swapped in place
        expect(rating.get_by_role("status")).to_contain_text("the vendor reads every rating")
        expect(rating.get_by_role("button", name="Not useful")).to_have_attribute(
            "aria-pressed", "true"
        )
        partner.screenshot(path=str(ARTIFACTS / "feedback-rated.png"), full_page=True)

        wait_until(lambda: mails(smtp_server, OWNER, "brand concern"), 30, "the owner's alert")
        alert = mails(smtp_server, OWNER, "brand concern")[0].get_body(("plain",)).get_content()
        assert COMMENT in alert and f"/campaigns/{campaign_id}#feedback" in alert

        vendor.goto(f"{base}/login")
        vendor.get_by_label("Email").fill(OWNER)
        vendor.get_by_label("Password").fill("correct-horse-1")
        vendor.get_by_role("button", name="Sign in").click()
        vendor.wait_for_url(f"{base}/")
        vendor.goto(f"{base}/campaigns/{campaign_id}#feedback")
        said = vendor.locator("#feedback-comments li[data-asset=brochure]")
        expect(said).to_contain_text(COMMENT)
        said.locator("summary", has_text="Reply").click()  # folded: one line a comment
        said.get_by_label(re.compile("Reply to Partner 01 Systems")).fill(REPLY)
        said.get_by_role("button", name="Send the reply").click()
        said = vendor.locator("#feedback-comments li[data-asset=brochure]")
        expect(said.locator(".reply")).to_contain_text(REPLY)
        vendor.screenshot(path=str(ARTIFACTS / "feedback-replied.png"), full_page=True)

        partner.goto(f"{base}/portal/")
        replies = partner.locator("#replies")
        expect(replies).to_contain_text(REPLY)
        expect(replies).to_contain_text(COMMENT)
        partner.screenshot(path=str(ARTIFACTS / "feedback-reply-portal.png"), full_page=True)
        replies.get_by_role("link", name="See the asset").click()
        expect(partner.locator(f"#rating-{campaign_id}-brochure .reply")).to_contain_text(REPLY)
        wait_until(lambda: mails(smtp_server, PARTNER, "replied"), 30, "the reply's email")
        mail = mails(smtp_server, PARTNER, "replied")
        assert len(mail) == 1
        assert REPLY in mail[0].get_body(("plain",)).get_content()
        assert len(mails(smtp_server, OWNER, "brand concern")) == 1, "alerted once"
