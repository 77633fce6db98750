"""Every hard partner's email, opened in Chromium at a phone's 390 px and a desktop's
1,200 px: nothing wider than the screen, logos with their sizes written down, a button
that is a table (Outlook draws padding on <a> as nothing), and the words in the
partner's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from campaign_engine.db import Partner
from campaign_engine.ports import Message
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.assets.preview import browser_html, preview_links, sample_email
from connectors.mime import build_email, wire_bytes
from tests.conftest import SAMPLE_KIT
from tests.e2e.test_browser import browser  # noqa: F401 (the shared Chromium fixture)
from tests.hard import hard_partner_world


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Message]]:
    folder: Path = tmp_path_factory.mktemp("hard-emails")
    runtime = hard_partner_world(folder, f"sqlite:///{folder}/engine.db")
    kit, _ = read_kit(SAMPLE_KIT)
    renderer = runtime.renderers(kit)
    found = {}
    with runtime.sessions() as session:
        for partner in session.scalars(select(Partner)):
            brand = brand_context(partner)
            links = preview_links(kit, partner, "email")
            assets = [r.render(brand, links.__getitem__) for r in renderer.for_channel("email")]
            found[partner.slug] = sample_email(
                kit, partner, brand, assets, "https://t.example", 0, "hard", "tok"
            )
    runtime.close()
    yield found


def test_no_hard_partner_email_is_wider_than_a_phone(browser, emails):  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 800})
    widths = {}
    for slug, message in emails.items():
        page.set_content(browser_html(message))
        widths[slug] = page.evaluate("document.documentElement.scrollWidth")
        # the button is on the screen, whole
        box = page.locator("td[bgcolor] a, a[style*='background']").first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, slug
    page.close()
    assert widths == {slug: 390 for slug in emails}
    assert len(emails) >= 15


def test_at_1200_px_the_card_is_600_wide_and_the_logos_sit_side_by_side(browser, emails):  # noqa: F811
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    for slug, message in emails.items():
        page.set_content(browser_html(message))
        partner = page.locator("img[src^='data:']").nth(0).bounding_box()
        vendor = page.locator("img[src^='data:']").nth(1).bounding_box()
        assert partner and vendor
        assert abs(partner["y"] - vendor["y"]) < 60, slug  # one row, not stacked
        assert vendor["x"] > partner["x"] + partner["width"], slug
    page.close()


def test_every_logo_has_its_size_and_the_button_is_a_table(emails):
    for slug, message in emails.items():
        html = message.body_html or ""
        for tag in re.findall(r"<img [^>]*src=\"cid:[^>]*>", html):
            assert re.search(r'width="\d+"', tag) and re.search(r'height="\d+"', tag), (slug, tag)
        assert re.search(r'<td [^>]*bgcolor="#[0-9a-f]{6}"[^>]*>\s*<a ', html, re.I), slug
        assert re.search(r'<meta name="color-scheme" content="light only" ?/?>', html), slug
        expected = SPOKEN.get(slug, "en")  # the kit has en, de, fr, el; Japanese gets en
        assert f'<html lang="{expected}"' in html, slug


SPOKEN = {"german": "de", "french": "fr", "greek": "el"}


def test_the_lockup_speaks_the_partners_language(emails):
    assert ">mit<" in (emails["german"].body_html or "")
    assert ">avec<" in (emails["french"].body_html or "")
    assert ">with<" in (emails["us-letter"].body_html or "")


def test_a_white_brand_without_another_colour_fills_with_its_logos_colour(emails):
    """White and a near-white secondary (#f8f9fa), and a navy logo (#1d3557): its button
    was white with a grey edge and its links grey, which a designer read as no brand. It
    takes its logo's navy, with text that reads on it."""
    from campaign_engine.domain.brand import contrast_ratio, delta_e

    html = emails["white-primary"].body_html or ""
    button = re.search(r'<td [^>]*bgcolor="(#[0-9a-f]{6})"[^>]*>\s*<a ', html, re.I)
    assert delta_e(button.group(1), "#1d3557") < 6, button.group(1)
    text = re.search(r"color:\s*(#[0-9a-f]{6})", html[button.end() :]).group(1)
    assert contrast_ratio(text, button.group(1)) >= 4.5


def test_subjects_and_from_names_use_the_short_name(emails):
    long_name = emails["long-name"]
    assert long_name.subject.startswith("Consolidated Northern + Northwind")
    assert len(long_name.subject) <= 78
    mail = message_from_bytes(
        wire_bytes(build_email(emails["hostile-name"], "c@northwind.example", "k")),
        policy=policy.default,
    )
    (sender,) = mail["From"].addresses
    assert sender.display_name == "O'Brien & <Sons> via Northwind Cloud"
    assert mail["Subject"] == "O'Brien & <Sons> + Northwind: backups ransomware can\u2019t touch"


def test_the_text_part_carries_the_vendors_postal_address(emails):
    for slug, message in emails.items():
        assert "1 Harbour Street, Bristol" in message.body_text, slug
