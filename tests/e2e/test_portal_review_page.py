"""Issue 27: the review queue with held posts in real Chromium, at 390 and 1,280 px. A
post's text is shown as it goes out (its line breaks kept), so it sat in a <pre> that
scrolled sideways: a scrollable region no keyboard can reach (axe-core's
scrollable-region-focusable, serious), and on a phone most of the post out of sight. The
texts must wrap, however long a line or a word the partner writes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLE_KIT
from tests.e2e.test_browser import browser, served, sign_in_partner  # noqa: F401
from tests.e2e.test_console_pages import AXE, LONG_NAME, WIDTHS, _serious
from tests.factories import partner_row, write_contacts, write_partners

# A partner's own wording as it may come: a long line, and a word longer than a phone is
# wide (a German compound, a pasted link without its spaces).
LONG_POST = (
    "Datensicherungswiederherstellungsverfahrensbeschreibungsdokumentationsvorlagenverwaltung: "
    + "Schützen Sie die Daten Ihrer Kunden vor Ransomware, mit einer Sicherung, die sich "
    "in Minuten wiederherstellen lässt, und einem Partner, der sie für Sie einrichtet. " * 2
)


@pytest.fixture
def held_posts(tmp_path, sqlite_url, make_cli):
    """A German partner with the longest name of the hard partners, reviewing its social
    posts: the campaign's posts wait in its review queue. The console is served."""
    cli = make_cli(sqlite_url)
    rows = [partner_row(1, name=LONG_NAME, locale="de-DE", timezone="Europe/Berlin")]
    cli("partners", "import", str(write_partners(tmp_path, rows)))
    cli("contacts", "import", str(write_contacts(tmp_path, ["partner-01"], 1)))
    cli("consent", "set", "--partner", "partner-01", "--review", "--channel", "social")
    created = cli("campaigns", "create", "--kit", str(SAMPLE_KIT), "--name", "Review Q3", "--json")
    cli("campaigns", "launch", str(json.loads(created.output)["id"]))
    with served(cli, tmp_path) as base:
        yield base, tmp_path


def test_held_posts_wrap_in_the_review_queue_and_pass_axe(browser, held_posts):  # noqa: F811
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: make install runs npm ci, which installs axe-core")
    base, folder = held_posts
    found: dict[str, list[str]] = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in_partner(page, base, folder, "sales@partner01.example")
        page.goto(f"{base}/portal/review")
        item = page.locator("article.review-item[data-asset='launch']").first
        # The partner rewrites the LinkedIn post; the preview beside it shows it as it goes.
        item.locator("details:not(form.rating details) > summary").first.click()
        item.locator("textarea[name='edit_post:launch:linkedin']").fill(LONG_POST)
        shown = item.locator("pre.post-text[data-network='LinkedIn']")
        shown.filter(has_text=LONG_POST[:40]).wait_for()
        problems = _serious(page)
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"the page scrolls sideways ({wide} px wide)")
        scrolling = page.evaluate(
            "[...document.querySelectorAll('pre')]"
            ".filter(p => p.scrollWidth > p.clientWidth).map(p => p.dataset.network)"
        )
        if scrolling:
            problems.append(f"post texts run out of their boxes: {scrolling}")
        if problems:
            found[f"/portal/review at {width} px"] = problems
        context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
