"""Issue 29, the journey in real Chromium against `campaign-engine serve`: a partner with
5,000 EUR asks for 2,000 for the sample kit, finds its co-branded assets ready at once,
the marketer approves, the single-partner campaign sends, the partner claims with its
results filled in and an invoice attached, the vendor accepts and pays; every balance
along the way is checked on the dashboard and through the API. Both MDF pages pass axe
and fit a phone."""

from __future__ import annotations

import contextlib
import io
import re
import time
import urllib.request
from datetime import UTC, datetime

from PIL import Image
from playwright.sync_api import expect

from tests.conftest import SAMPLE_KIT
from tests.e2e.test_browser import (  # noqa: F401 - the module-scoped browser fixture
    ARTIFACTS,
    browser,
    campaign_mail,
    served,
    sign_in_partner,
    sign_in_vendor,
)
from tests.e2e.test_console_pages import _serious
from tests.factories import partner_row, write_contacts, write_partners
from tests.processes import wait_until


def balance(page, base: str) -> dict[str, str]:
    """The partner's balance as its own API gives it (the page's session, its CSRF-free GET)."""
    answer = page.request.get(f"{base}/api/v1/me/mdf")
    assert answer.ok, answer.text()
    return answer.json()["balance"]


def fits_and_passes_axe(page, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        assert _serious(page) == [], f"{name} at {width} px"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll})"
        page.screenshot(path=str(ARTIFACTS / f"mdf-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_partner_asks_gets_approved_sends_claims_and_is_paid(
    browser,  # noqa: F811
    tmp_path,
    sqlite_url,
    make_cli,
):
    # an approved campaign goes out at 00:00 local on its first day: today, so at once
    cli = make_cli(
        sqlite_url, dispatch={"tick_seconds": 0.5, "workers": 2}, mdf={"send_time": "00:00"}
    )
    cli("users", "create", "--admin", "admin@vendor.example", "--password", "correct-horse-1")
    cli("partners", "import", str(write_partners(tmp_path, [partner_row(1), partner_row(2)])))
    cli("contacts", "import", str(write_contacts(tmp_path, ["partner-01", "partner-02"], 2)))
    cli("kits", "load", str(SAMPLE_KIT))
    cli("mdf", "allocate", "partner-01", "5000", "--currency", "EUR")
    ARTIFACTS.mkdir(exist_ok=True)
    vendor = browser.new_context().new_page()
    partner = browser.new_context().new_page()
    today = datetime.now(UTC).date().isoformat()
    with served(cli, tmp_path) as base:
        sign_in_partner(partner, base, tmp_path, "sales@partner01.example")
        expect(partner.locator("#mdf-available")).to_have_text("€5,000")
        partner.get_by_role("link", name="Co-funding").first.click()
        partner.locator("select[name=kit]").select_option("secure-cloud-q3")
        partner.locator("select[name=activity]").select_option("email")
        partner.get_by_label("Amount (EUR)").fill("2000")
        partner.get_by_label("First day").fill(today)
        partner.get_by_label("Last day").fill(today)
        partner.get_by_label("What you expect it to bring").fill("20 meetings with IT directors")
        partner.get_by_role("button", name="Send the request").click()
        expect(partner.locator(".mdf-request .pill")).to_have_text("waiting for a decision")
        assert balance(partner, base)["requested"] == "2000.00"
        assert balance(partner, base)["available"] == "5000.00"
        # the assets are ready before any decision: the partner's own co-branded preview
        partner.get_by_role("link", name="Your co-branded assets for it").click()
        expect(partner.locator("body")).to_contain_text("Partner 01 Systems")
        assert campaign_mail(tmp_path) == [], "nothing goes out before approval"

        sign_in_vendor(vendor, base)
        vendor.get_by_role("link", name="MDF", exact=True).click()
        row = vendor.locator("#mdf-requests tr[data-status=pending]")
        expect(row).to_contain_text("Partner 01 Systems")
        expect(row).to_contain_text("h left")
        fits_and_passes_axe(vendor, "desk")
        row.get_by_role("button", name="Approve").click()
        expect(vendor.locator("#mdf-requests tr[data-status=approved]")).to_have_count(1)
        funds = balance(partner, base)
        assert (funds["available"], funds["committed"], funds["requested"]) == (
            "3000.00",
            "2000.00",
            "0.00",
        )
        # the scheduler launches the approved campaign (its first day has begun) and it
        # sends to partner 01's customers only
        wait_until(lambda: len(campaign_mail(tmp_path)) == 2, 60, "the MDF campaign's emails")
        assert all("partner-01" in to for to in campaign_mail(tmp_path))
        click_first_link(tmp_path, base)

        partner.goto(f"{base}/portal/mdf/")
        fits_and_passes_axe(partner, "portal")
        partner.get_by_text("Claim the funds").click()
        partner.get_by_label("Invoices and screenshots (PDF, PNG or JPEG)").set_input_files(
            {"name": "invoice.png", "mimeType": "image/png", "buffer": invoice()}
        )
        partner.get_by_label("Note").fill("Agency invoice attached")
        partner.get_by_role("button", name="Send the claim").click()
        claims = partner.locator("#claims tbody tr")
        expect(claims).to_contain_text("submitted")
        expect(claims).to_contain_text("1 clicks")

        vendor.goto(f"{base}/mdf/")
        claim = vendor.locator("tr[data-status=submitted]")
        expect(claim).to_contain_text("1 clicks")
        expect(claim).to_contain_text("€2,000")
        expect(claim).to_contain_text("invoice.png")
        claim.get_by_role("button", name="Accept").click()
        vendor.locator("tr[data-status=approved]").get_by_role("button", name="Mark paid").click()
        expect(vendor.locator("tr[data-status=paid]")).to_have_count(1)
        funds = balance(partner, base)
        assert (funds["available"], funds["committed"], funds["claimed"], funds["paid"]) == (
            "3000.00",
            "0.00",
            "0.00",
            "2000.00",
        )
        partner.goto(f"{base}/portal/")
        expect(partner.locator("#mdf-available")).to_have_text("€3,000")
        dashboard = partner.request.get(f"{base}/api/v1/me/dashboard").json()
        assert dashboard["mdf"]["paid"] == "2000.00"
        assert "3000.00 EUR" in dashboard["next_action"]
        partner.screenshot(path=str(ARTIFACTS / "mdf-dashboard.png"), full_page=True)


def invoice() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "#ffffff").save(out, format="PNG")
    return out.getvalue()


def click_first_link(folder, base: str) -> None:
    """A customer clicks the email's tracked link (the redirect records the click)."""
    from email import message_from_bytes, policy

    mails = sorted((folder / "outbox" / "new").iterdir())
    for path in mails:
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        found = re.search(
            r"https://partners\.vendor\.example/r/\S+", mail.get_body(("plain",)).get_content()
        )
        if found:
            url = found.group(0).replace("https://partners.vendor.example", base)
            opener = urllib.request.build_opener(NoRedirect)
            agent = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"}
            with contextlib.suppress(urllib.error.HTTPError):
                opener.open(urllib.request.Request(url, headers=agent))
            time.sleep(1.5)  # the click recorder writes in small batches
            return
    raise AssertionError("no tracked link in the MDF campaign's emails")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
