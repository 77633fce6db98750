"""The logo pipeline on the hard partners' logos: a border is trimmed only when it is one
uniform background all round, every image mode keeps its picture, and what would print
badly is said at import, not discovered on a brochure."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from campaign_engine.services.brand.logos import normalise_logo
from campaign_engine.services.brand.warnings import logo_warnings, name_warnings
from tests import hard


def normalised(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(normalise_logo(data, where="logo")))


def test_a_mark_in_the_corner_survives_the_trim():
    image = normalised(hard.corner_mark()).convert("RGB")
    # the white margin right and below goes; the teal corner square stays
    assert image.size == (441, 111)
    assert image.getpixel((5, 5)) == (0x2A, 0x9D, 0x8F)


def test_a_solid_badge_is_kept_whole():
    image = normalised(hard.solid_badge())
    assert image.size == (400, 200)


def test_a_16_bit_greyscale_logo_keeps_its_shades():
    image = normalised(hard.grey16()).convert("L")
    dark, light = image.getextrema()
    assert dark < 50 and light > 200, (dark, light)


@pytest.mark.parametrize("draw", [hard.palette_logo, hard.cmyk_logo, hard.white_logo])
def test_other_modes_normalise_to_a_trimmed_rgba_png(draw):
    image = normalised(draw())
    assert image.mode == "RGBA"
    assert image.getchannel("A").getbbox() == (0, 0, *image.size)


def test_transparent_edges_are_trimmed_to_the_artwork():
    image = normalised(hard.white_logo())
    assert image.width < 480 and image.height < 160


def codes(data: bytes) -> set[str]:
    return {w.code for w in logo_warnings(normalise_logo(data, where="logo"))}


def test_a_16_pixel_logo_is_flagged_as_low_resolution():
    assert "logo_low_resolution" in codes(hard.tiny_logo())


def test_a_white_logo_is_flagged_near_white():
    assert "logo_near_white" in codes(hard.white_logo())


def test_a_black_logo_is_flagged_near_black():
    assert "logo_near_black" in codes(hard.coloured("#000000")())


def test_an_ordinary_logo_has_nothing_to_say():
    assert codes(hard.coloured("#0d5eaf")()) == set()


def test_a_name_no_font_draws_is_named():
    assert name_warnings("株式会社東京 Ελληνικά Müller Ёлка شركة חברה") == []
    (words,) = name_warnings("Klingon \uf8e4 Partners")
    warning = str(words)
    assert "\uf8e4" in warning


def test_a_favicon_sized_logo_is_set_beside_the_partners_name():
    """Alone, a 12 px logo read as a stray dot in every asset: the assets show it at most
    3x, beside the name, as one logo; a real logo is shown as it is."""
    import io

    from PIL import Image

    from campaign_engine.db import Partner
    from campaign_engine.services.brand.context import brand_context

    def partner(png: bytes) -> Partner:
        return Partner(
            slug="p", name="Tiny Pixel IT", primary_color="#6a1b9a", secondary_color="#ffffff",
            logo_png=png, logo_sha256="x", contact_email="a@b.example", phone="", website="",
            postal_address="", locale="en-GB", timezone="UTC", vertical="", short_name="",
        )  # fmt: skip

    tiny = hard.tiny_logo()
    brand = brand_context(partner(tiny))
    assert brand.logo_with_name and brand.logo_png != tiny
    with Image.open(io.BytesIO(brand.logo_png)) as shown:
        assert shown.width > 4 * shown.height, "the name runs beside the mark"
        colours = {c for _, c in shown.convert("RGB").getcolors(1 << 20)}
    with Image.open(io.BytesIO(tiny)) as mark:
        mark_colour = max(mark.convert("RGBA").getcolors(1 << 12))[1][:3]
    assert mark_colour in colours, "the mark itself is in the lockup"
    big = hard.coloured("#1d3557")()
    own = brand_context(partner(big))
    assert not own.logo_with_name and own.logo_png == big
