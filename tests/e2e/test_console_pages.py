"""Every console page in real Chromium, for a programme of hard partners (a 90-character
name, Japanese and Greek names, a white logo, a 16 px logo, German and French locales):
no serious or critical axe-core violation, and no sideways scroll at 1,280 or 390 px.

Screenshots of each page at both widths land in tests/artifacts/pages/, or in the folder
CONSOLE_SCREENSHOTS names (`make screenshots` writes docs/img/ with it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_KIT
from tests.e2e.test_browser import (  # noqa: F401
    browser,
    served,
    sign_in_partner,
    sign_in_vendor,
)
from tests.factories import logo_png, partner_row, write_contacts, write_partners

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
LONG_NAME = (
    "Northern Lights Managed Cloud Services and Digital Transformation Partners GmbH & Co. KG"
)
GREEK_NAME = "Ελληνική Τεχνολογία Α.Ε."  # noqa: RUF001 (Greek capitals, on purpose)


def hard_partners(folder: Path) -> Path:
    rows = [
        partner_row(1, name=LONG_NAME, locale="de-DE", timezone="Europe/Berlin"),
        partner_row(2, name="株式会社サンプル・クラウド", locale="ja-JP", timezone="Asia/Tokyo"),
        partner_row(3, name=GREEK_NAME, locale="el-GR", timezone="Europe/Athens"),
        partner_row(4, name="Café Numérique", locale="fr-FR", timezone="Europe/Paris"),
        partner_row(5, name="Tiny Logo Ltd", primary_color="#ffffff"),
        partner_row(6, logo="", postal_address=""),
    ]
    (folder / "logos").mkdir(exist_ok=True)
    (folder / "logos" / "partner-04.png").write_bytes(logo_png("#ffffff"))  # white on clear
    (folder / "logos" / "partner-05.png").write_bytes(logo_png("#1565c0", (16, 16)))
    return write_partners(folder, rows)


@pytest.fixture(scope="module")
def programme(tmp_path_factory, browser):  # noqa: F811
    """A launched one-off campaign (one partner opted out), a live always-on campaign with
    its first steps sent, milestones for the runway, and the console served."""
    from tests.conftest import Cli, write_config

    folder = tmp_path_factory.mktemp("pages")
    cli = Cli(write_config(folder, f"sqlite:///{folder}/pages.db"))
    cli("db", "upgrade")
    cli("users", "create", "--admin", "admin@vendor.example", "--password", "correct-horse-1")
    cli("partners", "import", str(hard_partners(folder)))
    slugs = [f"partner-{i:02d}" for i in range(1, 7)]
    cli("contacts", "import", str(write_contacts(folder, slugs, 2)))
    cli("kits", "load", str(SAMPLE_KIT))
    cli("consent", "set", "--partner", "partner-03", "--opt-out", "--channel", "email")
    for slug, days in (("partner-01", 30), ("partner-02", 212), ("partner-03", 80)):
        cli("milestones", "set", slug, "signed", "--at", _days_ago(days))
    one_off = cli("campaigns", "create", "--kit", "secure-cloud-q3", "--name", "Q3 cloud", "--json")
    campaign_id = json.loads(one_off.output)["id"]
    cli("campaigns", "launch", str(campaign_id), "--wait", ok=False)  # partner-06 lacks fields
    always = cli(
        "campaigns",
        "create",
        "--kit",
        "secure-cloud-q3",
        "--name",
        "Onboarding runway",
        "--always-on",
        "--json",
    )
    cli("campaigns", "launch", str(json.loads(always.output)["id"]))
    cli("runway", "run")
    with served(cli, folder) as base:
        yield base, campaign_id, json.loads(always.output)["id"], folder


def _days_ago(days: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def _shots() -> Path:
    target = Path(os.environ.get("CONSOLE_SCREENSHOTS") or ROOT / "tests" / "artifacts" / "pages")
    target.mkdir(parents=True, exist_ok=True)
    return target


def _landing_token(folder: Path, slug: str) -> str:
    """The partner's landing page, as its customers reach it (the email's tracked link)."""
    import sqlite3

    with sqlite3.connect(folder / "pages.db") as db:
        (token,) = db.execute(
            "SELECT t.token FROM tracked_links t JOIN partners p ON p.id = t.partner_id "
            "WHERE p.slug = ? AND t.channel = 'email' AND t.name = 'assessment'",
            (slug,),
        ).fetchone()
    return str(token)


def _serious(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each. Evaluated
    through the DevTools protocol, so the page's own CSP (script-src 'self') stays on."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_console_page_passes_axe_and_fits_a_phone(browser, programme):  # noqa: F811
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: make install runs npm ci, which installs axe-core")
    base, campaign_id, always_on, _ = programme
    pages = {
        "home": "/",
        "partners": "/partners",
        "partner": "/partners/partner-02",
        "partner-long-name": "/partners/partner-01",
        "kits": "/kits",
        "kit-feedback": "/kits/secure-cloud-q3/feedback",
        "new-campaign": "/campaigns/new",
        "campaign": f"/campaigns/{campaign_id}",
        "campaign-always-on": f"/campaigns/{always_on}",
        "not-sent": f"/campaigns/{campaign_id}/not-sent",
        "preview": f"/campaigns/{campaign_id}/preview?partner=partner-01",
        "contact-sheet": f"/campaigns/{campaign_id}/contact-sheet",
        "programme": "/programme",
        "runway": "/runway",
    }
    found: dict[str, list[str]] = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in_vendor(page, base)
        for name, path in pages.items():
            page.goto(base + path)
            page.wait_for_load_state("load")
            if name == "preview":  # the email is its own document in a sandboxed frame
                frame = page.frame_locator("iframe[title='Email preview']")
                frame.locator("body").wait_for()
                page.wait_for_timeout(300)
            wide = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(_shots() / f"{name}-{width}.png"), full_page=True)
            assert wide <= width, f"{path} scrolls sideways at {width} px ({wide} px wide)"
            if name == "partners":  # each filter a field of its own (issue 16: clipped box)
                for field in ("q", "tier", "region", "vertical", "sort", "order"):
                    box = page.locator(f"#partner-search [name={field}]").bounding_box()
                    assert box and box["width"] >= min(120, width / 3), (field, width, box)
            problems = _serious(page)
            if problems:
                found[f"{path} at {width} px"] = problems
        page.goto(f"{base}/login")
        context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_every_portal_page_passes_axe_and_fits_a_phone(browser, programme):  # noqa: F811
    """The partner's side (issue 15 asks it of every portal page): the long-named German
    partner signed in, its home, review queue, profile, asset library and signature page,
    its landing page, and the sign-in page."""
    base, campaign_id, _, folder = programme
    pages = {"portal-home": "/portal/", "portal-review": "/portal/review"}
    pages["portal-profile"] = "/portal/profile"
    pages["portal-library"] = f"/portal/campaigns/{campaign_id}"
    pages["portal-signature"] = "/portal/signature"
    pages["landing"] = f"/l/{_landing_token(folder, 'partner-01')}"
    found: dict[str, list[str]] = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/portal/")
        if problems := _serious(page):
            found[f"/portal/ signed out at {width} px"] = problems
        sign_in_partner(page, base, folder, "sales@partner01.example")
        for name, path in pages.items():
            page.goto(base + path)
            page.wait_for_load_state("load")
            wide = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(_shots() / f"{name}-{width}.png"), full_page=True)
            assert wide <= width, f"{path} scrolls sideways at {width} px ({wide} px wide)"
            if problems := _serious(page):
                found[f"{path} at {width} px"] = problems
        context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_contact_sheet_shows_every_partner_with_its_assets_and_flags(browser, programme):  # noqa: F811
    """A marketer looks down one page: each partner's email as a phone shows it, both
    brochure pages and the social images, with preflight's flags beside them."""
    base, campaign_id, _, _ = programme
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_vendor(page, base)
    page.goto(f"{base}/campaigns/{campaign_id}")
    page.click("#contact-sheet")
    page.wait_for_load_state("load")
    rows = page.locator("section.sheet-row")
    assert rows.count() == 6
    tiny = page.locator("#partner-partner-05")
    assert "logo_with_name" in tiny.locator(".flags").inner_text()
    long_name = page.locator("#partner-partner-01")
    captions = long_name.locator("figcaption").all_inner_texts()
    assert "brochure.pdf, page 1" in captions and "brochure.pdf, page 2" in captions
    assert any("linkedin" in c for c in captions) and any("4x5" in c for c in captions)
    for img in long_name.locator("img").all():  # lazy: each loads as it scrolls into view
        img.scroll_into_view_if_needed()
        drawn = "i => i.complete && i.naturalWidth > 0"
        page.wait_for_function(drawn, arg=img.element_handle(), timeout=5_000)
    frame = long_name.frame_locator("iframe")
    frame.locator("body").wait_for()
    assert frame.locator("body").evaluate("b => b.ownerDocument.documentElement.scrollWidth") <= 390
    # the email sets soft hyphens in long words and no-break spaces inside a company form
    # ("GmbH & Co. KG"): what reads is the name
    shown = frame.locator("body").inner_text().replace("\u00ad", "").replace("\u00a0", " ")
    assert LONG_NAME in shown
    page.click("#held-only")
    page.wait_for_load_state("load")
    assert "Preflight has held nobody" in page.inner_text("main")
    context.close()
