"""The landing page's header for logos no fixture had (a review by eye, round 8): the
partner's own dark-ground logo on a near-black header (the page showed its black logo on
a white sticker), an opaque red badge on its own red header on a white plate (set bare,
its box vanished into the header), an 18:1 wordmark shown (the page set a 58-letter legal
name instead), and where no logo reads, the short name, not the legal one."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from campaign_engine.app import create_app
from campaign_engine.db import Partner, TrackedLink
from campaign_engine.services.assets.brand.lockup import fallback_lockup
from campaign_engine.typeset.logo_size import visible
from tests.factories import partner_row
from tests.worlds import planned_campaign

FONT = Path(__file__).resolve().parents[2] / "campaign_engine" / "assets" / "DejaVuSans-Bold.ttf"
RED = (225, 6, 0)


def wordmark(text: str, colour: tuple[int, int, int], ground: tuple[int, ...] | None = None,
             height: int = 60) -> Image.Image:  # fmt: skip
    """`text` in `colour`, 6 px of margin, on `ground` (transparent when None)."""
    font = ImageFont.truetype(str(FONT), height)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("RGBA", (right - left + 12, bottom - top + 12), ground or (0, 0, 0, 0))
    ImageDraw.Draw(image).text((6 - left, 6 - top), text, font=font, fill=colour)
    return image


def save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("landing-logos")
    logos = folder / "logos"
    save(wordmark("OLYMPOS", (13, 13, 13)), logos / "dark.png")
    save(wordmark("OLYMPOS", (255, 255, 255)), logos / "dark-on-dark.png")
    save(wordmark("ANAN", (255, 255, 255), (*RED, 255), height=40), logos / "badge.png")
    save(wordmark("BUNDESDATENSICHERUNG", (0, 31, 84), height=50), logos / "wide.png")
    rows = [
        partner_row(1, name="Olympos Cloud IKE", primary_color="#0d0d0d",
                    secondary_color="#0d0d0d", logo="logos/dark.png",
                    logo_on_dark="logos/dark-on-dark.png"),
        partner_row(2, name="Anan Systems Ltd", primary_color="#e10600",
                    secondary_color="#e10600", logo="logos/badge.png"),
        partner_row(3, name="Bundesdatensicherungsinfrastrukturberatungsgesellschaft mbH",
                    short_name="BDSI Beratung", primary_color="#ffcc00",
                    secondary_color="#001f54", logo="logos/wide.png"),
        partner_row(4, name="Kettle & Drum Networks Limited", short_name="Kettle & Drum",
                    logo=""),
    ]  # fmt: skip
    runtime, _ = planned_campaign(
        folder, f"sqlite:///{folder}/engine.db", partners=4, contacts=1, name="Logos", rows=rows
    )
    app = create_app(runtime)
    app.config.update(TESTING=True)
    client = app.test_client()
    with runtime.sessions() as session:
        tokens = session.execute(
            select(Partner.slug, TrackedLink.token)
            .join(TrackedLink, TrackedLink.partner_id == Partner.id)
            .where(TrackedLink.name == "assessment")
        ).all()
    out = {slug: client.get(f"/l/{token}").get_data(as_text=True) for slug, token in tokens}
    runtime.close()
    return out


def header_logo(page: str) -> tuple[str, Image.Image, int]:
    """The partner's logo in the header: its plate's class, its image, its CSS height."""
    header = re.search(r'<header class="landing-top".*?</header>', page, re.S).group(0)
    found = re.search(
        r'<span class="(logo-plate[^"]*)"><img src="data:image/png;base64,([^"]+)"[^>]*'
        r'height="(\d+)"',
        header,
    )
    assert found, "the header shows the partner's logo as an image"
    image = Image.open(io.BytesIO(base64.b64decode(found.group(2)))).convert("RGBA")
    return found.group(1), image, int(found.group(3))


def test_a_near_black_header_shows_the_partners_own_dark_ground_logo(pages):
    plate, image, _ = header_logo(pages["partner-01"])
    drawn = [p for p in image.get_flattened_data() if p[3] > 200]
    assert min(min(p[:3]) for p in drawn) > 200, "the white version, not the black one"
    assert plate == "logo-plate", "set straight on the dark fill, no plate"


def test_an_opaque_badge_in_the_headers_colour_keeps_a_white_plate(pages):
    """Set bare, a red badge's box vanished into the red header and left its letters
    loose (a review by eye); on a white plate the badge keeps its shape."""
    plate, image, height = header_logo(pages["partner-02"])
    assert plate == "logo-plate white"
    assert image.getpixel((1, 1))[:3] == RED and height >= 24


def test_an_eighteen_to_one_wordmark_is_shown_not_the_legal_name(pages):
    page = pages["partner-03"]
    _, image, height = header_logo(page)
    assert image.width / image.height > 15 and height >= 24
    assert 'class="name-lockup"' not in page


def test_without_a_logo_the_header_sets_the_short_name(pages):
    """The name lockup the engine draws is an image: its shape says which name it spells."""
    _, image, _ = header_logo(pages["partner-04"])
    colour = partner_row(4)["primary_color"]

    def aspect(name: str) -> float:
        with Image.open(io.BytesIO(visible(fallback_lockup(name, colour)))) as drawn:
            return drawn.width / drawn.height

    short, legal = aspect("Kettle & Drum"), aspect("Kettle & Drum Networks Limited")
    assert abs(short - legal) > 0.5
    assert abs(image.width / image.height - short) < 0.1, "the short name's lockup"


def test_the_title_names_the_partner_once(pages):
    """The headline names the partner already: "... with QX · QX" read as a stutter."""
    title = re.search(r"<title>(.*?)</title>", pages["partner-04"]).group(1)
    assert title == "Book your free backup check with Kettle &amp; Drum"
