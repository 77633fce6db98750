"""The partner's workspace in real Chromium against `campaign-engine serve` (issue 15):
a partner without endpoints of its own copies a LinkedIn post from its asset library;
installs its signature snippet in a page of its own and sees the banner change when a
second campaign launches; a visitor fills its landing page and the partner gets the lead
by email and in its results; a German partner reads the portal in German."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from playwright.sync_api import expect

from tests.conftest import SAMPLE_KIT
from tests.e2e.test_browser import (  # noqa: F401
    ARTIFACTS,
    browser,
    csp_refusals,
    outbox_links,
    served,
    sign_in_partner,
)
from tests.factories import partner_row, write_contacts, write_partners

PARTNER = "sales@partner01.example"


def launched(cli, name: str, kit: Path = SAMPLE_KIT, title: str = "") -> int:
    created = cli("campaigns", "create", "--kit", str(kit), "--name", name, "--json")
    campaign_id = json.loads(created.output)["id"]
    if title:  # what partners read; the name is the vendor's own
        cli("campaigns", "edit", str(campaign_id), "--title", title)
    cli("campaigns", "launch", str(campaign_id), "--wait")
    return campaign_id


def kit_with_banner(folder: Path, headline: str) -> Path:
    kit = folder / "kit-q4"
    shutil.copytree(SAMPLE_KIT, kit)
    for language in ("en", "de", "fr"):
        path = kit / "copy" / f"{language}.yaml"
        copy = yaml.safe_load(path.read_text())
        copy["signature"]["headline"] = headline
        path.write_text(yaml.safe_dump(copy, allow_unicode=True))
    return kit


def test_the_workspace_library_signature_and_landing_page(
    browser,  # noqa: F811
    tmp_path,
    sqlite_url,
    make_cli,
):
    cli = make_cli(sqlite_url, dispatch={"tick_seconds": 0.5, "workers": 2})
    rows = [
        partner_row(1, locale="en-GB"),
        partner_row(2, locale="de-DE", timezone="Europe/Berlin"),
    ]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, ["partner-01", "partner-02"], 2)))
    first = launched(cli, "Workspace Q3")
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    refused = csp_refusals(page)
    with served(cli, tmp_path) as base:
        # The asset library: the LinkedIn launch post, copied with one click.
        sign_in_partner(page, base, tmp_path, PARTNER)
        page.get_by_role("link", name="Your assets: posts, brochure, embed code").click()
        page.wait_for_url(f"{base}/portal/campaigns/{first}")
        frame = page.frame_locator("iframe[title='The email as sent']")
        expect(frame.locator("body")).to_contain_text("Partner 01 Systems")  # the email as sent
        page.screenshot(path=str(ARTIFACTS / "portal-library.png"), full_page=True)
        post = page.locator("article.post[data-network='linkedin'][data-asset='launch']")
        expect(post.locator("img")).to_be_visible()
        text = post.locator("textarea:not([name='comment'])").input_value()
        assert "/r/" in text, "the post carries its tracked link"
        button = post.get_by_role("button", name="Copy the text")
        button.scroll_into_view_if_needed()  # as a reader does: the post in view, then the click
        page.wait_for_load_state("networkidle")
        button.click()
        expect(post.locator(".copied")).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == text

        # The signature: pasted into a page of the partner's own, then a second campaign.
        page.goto(f"{base}/portal/signature")
        public = "https://partners.vendor.example"  # the config's base_url; served here at base
        snippet = page.locator("#signature-html").input_value().replace(public, base)
        page.screenshot(path=str(ARTIFACTS / "portal-signature.png"), full_page=True)
        mail = context.new_page()
        mail.set_content(f"<p>Best regards,<br>Sam</p>{snippet}")
        banner = mail.locator("img")
        expect(banner).to_have_js_property("complete", True)
        assert banner.evaluate("i => i.naturalWidth") == 1200
        before = mail.request.get(banner.get_attribute("src")).body()
        launched(
            cli,
            "Workspace Q4",
            kit_with_banner(tmp_path, "Q4: restore it all in minutes"),
            title="Restore it all in minutes",
        )
        mail.reload()
        mail.set_content(f"<p>Best regards,<br>Sam</p>{snippet}")
        after = mail.request.get(banner.get_attribute("src")).body()
        assert after != before, "the same snippet shows the new campaign's banner"
        mail.close()

        # A customer clicks the banner, lands on the partner's page and asks for a call.
        visitor = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        banner_link = snippet.split('href="')[1].split('"')[0]
        tracked = visitor.request.get(banner_link, max_redirects=0).headers["location"]
        visitor.goto(tracked.replace(public, base))
        visitor.wait_for_url("**/l/*")
        expect(visitor.get_by_role("heading", level=1)).to_contain_text("Partner 01 Systems")
        visitor.get_by_label("Your name").fill("Ada Byron")
        visitor.get_by_label("Work email").fill("ada@customer.example")
        visitor.get_by_label("Company").fill("Analytical Engines")
        consent = visitor.get_by_role("checkbox")
        consent.scroll_into_view_if_needed()  # as a reader does: in view, then the tick
        consent.check()
        expect(consent).to_be_checked()
        visitor.screenshot(path=str(ARTIFACTS / "landing-390.png"), full_page=True)
        visitor.get_by_role("button", name="Book my backup check").click()
        expect(visitor.get_by_role("status")).to_contain_text("will be in touch")
        assert visitor.evaluate("document.documentElement.scrollWidth") <= 390
        leads = outbox_links(tmp_path, r"ada@customer\.example")
        assert PARTNER in leads, "the partner got the lead by email"
        page.goto(f"{base}/portal/")
        assert "Workspace Q4" not in page.content(), "partners read titles, not internal names"
        row = page.locator("table.data tbody tr", has_text="Restore it all in minutes")
        expect(row.locator("td").nth(2)).to_have_text("1")  # leads, after clicks and unique
        page.screenshot(path=str(ARTIFACTS / "portal-home-lead.png"), full_page=True)

        # The German partner reads its portal in German.
        german = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        sign_in_partner(german, base, tmp_path, "sales@partner02.example")
        expect(german.get_by_role("heading", name="Ihre Kampagnen")).to_be_visible()
        expect(german.locator("html")).to_have_attribute("lang", "de")
        german.screenshot(path=str(ARTIFACTS / "portal-home-de-390.png"), full_page=True)
    assert refused == [], "the portal broke its own CSP"
