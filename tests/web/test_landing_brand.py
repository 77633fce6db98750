"""A landing page in the partner's colours for a partner no fixture had: a yellow brand's
header and button are the same yellow with the same dark text (the button was olive),
partner strings are isolated for bidi, and a four-line address keeps its lines."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import Partner, TrackedLink
from tests.factories import partner_row
from tests.worlds import planned_campaign

ADDRESS = ["Suite 4100", "1234 North Michigan Avenue", "Chicago, IL 60611", "United States"]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("landing-brand")
    rows = [
        partner_row(
            1,
            name="شركة السحابة الآمنة",
            primary_color="#ffe600",
            secondary_color="#ffe600",
            postal_address="\n".join(ADDRESS),
            phone="",
        )
    ]
    runtime, _ = planned_campaign(
        folder, f"sqlite:///{folder}/engine.db", partners=1, contacts=1, name="Brand", rows=rows
    )
    app = create_app(runtime)
    app.config.update(TESTING=True)
    with runtime.sessions() as session:
        partner_id = session.scalar(select(Partner.id))
        token = session.scalar(
            select(TrackedLink.token).where(
                TrackedLink.partner_id == partner_id, TrackedLink.name == "assessment"
            )
        )
    html = app.test_client().get(f"/l/{token}").get_data(as_text=True)
    runtime.close()
    return html


def test_the_header_and_the_button_share_the_brand_fill_and_its_text(page):
    header = re.search(r'<header class="landing-top" style="([^"]*)"', page).group(1)
    button = re.search(r'<button type="submit"[^>]*style="([^"]*)"', page).group(1)
    assert "background: #ffe600" in header and "background: #ffe600" in button
    assert "color: #1d2433" in header and "color: #1d2433" in button


def test_the_partners_name_is_isolated_inside_the_kits_sentences(page):
    headline = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert headline.startswith("Book your free backup check with ")
    assert (
        '<span lang="ar" dir="auto" style="hyphens:manual">شركة السحابة الآمنة</span>' in headline
    )


def test_the_address_keeps_its_lines_in_the_footer(page):
    footer = re.search(r"<footer[^>]*>(.*?)</footer>", page, re.S).group(1)
    lines = re.findall(r'<span lang="en" dir="auto" style="hyphens:manual">([^<]*)</span>', footer)
    assert lines == ADDRESS


def test_the_vendors_logo_is_an_image_beside_the_partners_and_no_phone_line(page):
    """A designer read the vendor named in plain text as a missing logo. This partner gave
    no phone: no empty line or bare link stands for it."""
    header = re.search(r'<header class="landing-top".*?</header>', page, re.S).group(0)
    vendor = re.search(r'<span class="vendor logo-plate[^"]*"><img ([^>]*)>', header).group(1)
    assert 'alt="Northwind Cloud"' in vendor and 'height="28"' in vendor
    assert vendor.startswith('src="data:image/png;base64,')
    assert 'class="with"' not in header
    footer = re.search(r"<footer[^>]*>(.*?)</footer>", page, re.S).group(1)
    assert "tel:" not in footer
    # the address's lines, the contact email (who to ask about one's data) and the website
    assert footer.count("<br>") == len(ADDRESS) + 2
    assert 'href="mailto:sales@partner01.example"' in footer
