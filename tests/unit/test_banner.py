"""The signature banner draws every partner's name: a Japanese name with a CJK font (the
kit's DejaVu has no Japanese and drew empty boxes), a tiny logo at most doubled, and a
white brand colour as a band that can still be seen."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from campaign_engine.services.assets.sample_partner import sample_brand
from campaign_engine.typeset.glyphs import font_for
from renderers.signature import banner_png
from tests.conftest import SAMPLE_KIT
from tests.factories import logo_png

KIT_FONT = str(SAMPLE_KIT / "fonts" / "DejaVuSans-Bold.ttf")


def test_a_name_the_kits_font_lacks_is_drawn_with_a_font_that_has_it():
    assert font_for("Northwind Ελληνική", KIT_FONT) == KIT_FONT, "DejaVu has Greek"
    japanese = font_for("株式会社サンプル・クラウド", KIT_FONT)
    assert japanese.endswith("NotoSansCJK-Bold.ttc")


def test_a_tiny_logo_is_not_blown_up_and_a_white_colour_still_shows():
    brand = replace(sample_brand(), logo_png=logo_png("#1565c0", (16, 16)), primary_color="#ffffff")
    image = Image.open(io.BytesIO(banner_png(brand, "Headline", KIT_FONT, None))).convert("RGB")
    blue = [
        (x, y)
        for x in range(0, 400)
        for y in range(0, 188)
        if image.getpixel((x, y)) == (0x15, 0x65, 0xC0)
    ]
    width = max(x for x, _ in blue) - min(x for x, _ in blue) + 1
    assert width <= 32, f"a 16 px logo drawn {width} px wide"
    band = image.getpixel((600, 195))
    assert band != (255, 255, 255) and sum(band) < 600, "the band of a white brand colour"


def test_a_japanese_partner_without_a_logo_gets_its_name_not_boxes():
    """The name lockup stands in for a missing logo everywhere (email, posts, banner). A
    font without Japanese draws every character as the same empty box, so two different
    names of one length came out as the same picture."""
    from campaign_engine.services.assets.brand.lockup import fallback_lockup

    one = fallback_lockup("株式会社サンプル", "#0b3d91")
    other = fallback_lockup("合同会社テスト例", "#0b3d91")
    assert one != other


def test_a_tall_logo_stands_at_the_rows_height_instead_of_vanishing():
    """A 1:4 stacked logo has no size of its own in a banner 100 px tall (24 px of width
    needs 96 of height): it stands alone at the row's height, not dropped, and not beside
    the name set again (a review by eye read that as two logos)."""
    stack = Image.new("RGBA", (200, 800), (0, 0, 0, 0))
    stack.paste((200, 30, 30, 255), (0, 0, 200, 800))
    data = io.BytesIO()
    stack.save(data, "PNG")
    brand = replace(sample_brand(), logo_png=data.getvalue(), logo_kind="own")
    image = Image.open(io.BytesIO(banner_png(brand, "Headline", KIT_FONT, None))).convert("RGB")
    red = [
        (x, y)
        for x in range(0, 700)
        for y in range(0, 188)
        if max(abs(a - b) for a, b in zip(image.getpixel((x, y)), (200, 30, 30), strict=True)) < 8
    ]
    assert red, "the logo is drawn"
    height = max(y for _, y in red) - min(y for _, y in red) + 1
    width = max(x for x, _ in red) - min(x for x, _ in red) + 1
    assert height >= 120 and 3.5 <= height / width <= 4.5, (width, height)
    accent = [
        (x, y)
        for x in range(width + 30, 500)
        for y in range(0, 188)
        if max(abs(a - b) for a, b in zip(image.getpixel((x, y)), (0x0A, 0x6E, 0x4F), strict=True))
        < 30
    ]
    assert not accent, "no name in the brand colour beside it"
