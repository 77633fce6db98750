"""How renderers size and set a partner's logo: by what shows of it, sharp where its
pixels allow and readable where they do not, on a plate only when it would vanish."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from campaign_engine.domain.logo_fit import LogoRoom
from campaign_engine.typeset.logo_size import logo_size, opaque_plate_on, plate_on, visible

ROOM = LogoRoom(max_width=300, max_height=120, weight=220 * 48 * 0.6, min_short=24)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_a_pale_wordmark_on_a_white_ground_is_sized_by_its_lettering():
    """Pale yellow differs from white mostly in blue, which a grey conversion all but
    drops: the ground was taken for artwork and the lettering printed small inside it."""
    image = Image.new("RGB", (600, 90), "#ffffff")
    ImageDraw.Draw(image).rectangle((40, 20, 560, 70), fill="#fff6b0")
    assert size_of(visible(png(image))) == (521, 51)


def test_transparent_margins_are_not_logo():
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((50, 30, 249, 69), fill="#1d3557")
    assert size_of(visible(png(image))) == (200, 40)


def test_a_coloured_ground_is_the_logos_own_and_stays():
    image = Image.new("RGB", (300, 100), "#e76f51")
    ImageDraw.Draw(image).rectangle((50, 40, 250, 60), fill="#ffffff")
    data = png(image)
    assert visible(data) == data


def test_a_small_upload_is_shown_sharp_unless_that_makes_it_unreadable():
    small = png(Image.new("RGB", (100, 40), "#1d3557"))
    width, height = logo_size(small, ROOM, 1.0)
    assert width == pytest.approx(100) and height == pytest.approx(40)  # one pixel per px
    strip = png(Image.new("RGB", (100, 10), "#1d3557"))
    width, height = logo_size(strip, ROOM, 1.0)
    assert height == pytest.approx(24)  # blown up: readable beats sharp


def test_a_many_coloured_logo_whose_dark_letters_vanish_on_a_dark_band_gets_a_plate():
    image = Image.new("RGBA", (300, 60), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 99, 59), fill="#f4a6c8")  # a bright letter
    draw.rectangle((100, 0, 299, 59), fill="#2a1030")  # two dark ones
    assert plate_on(png(image), "#3d1a40") == "white"
    white = Image.new("RGBA", (300, 60), "#ffffff")
    assert plate_on(png(white), "#3d1a40") is None


def test_an_opaque_badge_needs_a_plate_only_on_a_band_of_its_own_colour():
    badge = png(Image.new("RGB", (200, 100), "#e76f51"))
    assert opaque_plate_on(badge, "#e76f51") == "white"
    assert opaque_plate_on(badge, "#0b3d91") is None
