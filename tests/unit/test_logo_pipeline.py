"""The logo pipeline on the hard partners' logos: a border is trimmed only when it is one
uniform background all round, every image mode keeps its picture, and what would print
badly is said at import, not discovered on a brochure."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from campaign_engine.services.assets.brand.logos import normalise_logo
from campaign_engine.services.assets.brand.warnings import logo_warnings, name_warnings
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


def test_a_pastel_logo_on_a_dark_plate_is_told_why():
    """A mint wordmark beside a pale-blue dot is not nearly white, yet gets the dark plate
    everywhere: its partner is told, and asked for a version for light backgrounds."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (500, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 150, 150), fill=(214, 234, 248))
    draw.rectangle((170, 40, 480, 120), fill=(184, 224, 210))
    out = io.BytesIO()
    image.save(out, format="PNG")
    assert "logo_pale" in codes(out.getvalue())
    assert "logo_pale" not in codes(hard.coloured("#0b3d91")()), "a navy logo reads on white"


def test_a_black_logo_is_flagged_near_black():
    assert "logo_near_black" in codes(hard.coloured("#000000")())


def test_a_logo_on_its_own_tile_is_neither_near_white_nor_near_black():
    """A review by eye: a pale-yellow tile was said to be "shown on a dark plate" (an
    opaque logo never gets one), a dark tile with a yellow letter "nearly black"."""
    from PIL import Image, ImageDraw

    for ground, letter in (("#ffffe0", "#b8860b"), ("#111111", "#ffd400")):
        image = Image.new("RGB", (300, 300), ground)
        ImageDraw.Draw(image).rectangle((120, 60, 180, 240), fill=letter)
        out = io.BytesIO()
        image.save(out, format="PNG")
        assert not codes(out.getvalue()) & {"logo_near_white", "logo_near_black"}, ground


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
    from campaign_engine.services.assets.brand.context import brand_context

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


def _brochure_for(logo_png: bytes | None, name: str = "Tiny Pixel IT"):
    import pypdfium2

    from campaign_engine.db import Partner
    from campaign_engine.services.assets.brand.context import brand_context
    from campaign_engine.services.assets.kits import read_kit
    from renderers.pdf import PdfRenderer
    from tests.conftest import SAMPLE_KIT

    kit, _ = read_kit(SAMPLE_KIT)
    partner = Partner(
        slug="p", name=name, primary_color="#1d3557", secondary_color="#f2b705",
        logo_png=logo_png, logo_sha256="x" if logo_png else None, contact_email="a@b.example",
        phone="+44 20 7946 0000", website="https://p.example", postal_address="1 Road, Leeds",
        locale="en-GB", timezone="UTC", vertical="", short_name="",
    )  # fmt: skip
    links = {n: f"https://t.example/r/{n}" for n in kit.spec.links}
    asset = PdfRenderer(kit).render(brand_context(partner), links.__getitem__)
    return pypdfium2.PdfDocument(asset.file("brochure.pdf").content)


def test_a_logo_without_a_plate_starts_on_the_texts_edge():
    """The plate's padding stayed when there was no plate: the logo sat 4 mm inside the
    margin every text starts on."""
    import pypdfium2.raw as raw

    pdf = _brochure_for(hard.coloured("#1d3557")())
    page = pdf[0]
    images = [o for o in page.get_objects() if o.type == raw.FPDF_PAGEOBJ_IMAGE]
    logo_left = min(o.get_bounds()[0] for o in images)
    text = page.get_textpage()
    text_left = min(text.get_rect(i)[0] for i in range(text.count_rects()))
    assert abs(logo_left - text_left) < 2, (logo_left, text_left)  # points


def test_a_lockup_that_spells_the_name_is_not_followed_by_the_name_again():
    mark = _brochure_for(hard.tiny_logo())[1].get_textpage().get_text_range()
    own = _brochure_for(hard.coloured("#1d3557")())[1].get_textpage().get_text_range()
    assert own.count("Tiny Pixel IT") == mark.count("Tiny Pixel IT") + 1


def test_copy_is_typeset_and_a_name_ending_in_a_full_stop_ends_the_sentence_once():
    from campaign_engine.domain.kit import typeset
    from campaign_engine.typeset.context import localise
    from renderers.text_fit import wrap

    copy = typeset(
        {"a": "Restored in 14 minutes, not 4 days. It can't wait.", "b": "By {partner}."}
    )
    assert copy["a"] == "Restored in 14\u00a0minutes, not 4\u00a0days. It can\u2019t wait."
    assert localise(copy, "Hellas Α.Ε.")["b"] == "By Hellas Α.Ε."  # noqa: RUF001
    assert localise(copy, "Hellas Ltd")["b"] == "By Hellas Ltd."
    from PIL import ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 40)
    lines = wrap(font, copy["a"], 330)
    assert not any(line.endswith(("14", " 4")) for line in lines), lines


def test_a_white_brand_with_no_other_colour_fills_with_its_logos_colour():
    """Every band, button and link of a white brand without a secondary colour was a grey
    the engine made up: it takes its logo's colour instead, and keeps a real secondary."""
    from campaign_engine.db import Partner
    from campaign_engine.domain.brand import brand_fill, delta_e
    from campaign_engine.services.assets.brand.context import brand_context

    def partner(png: bytes, secondary: str) -> Partner:
        return Partner(
            slug="p", name="Weiss & Rot", primary_color="#ffffff", secondary_color=secondary,
            logo_png=png, logo_sha256="x", contact_email="a@b.example", phone="", website="",
            postal_address="", locale="de-DE", timezone="UTC", vertical="", short_name="",
        )  # fmt: skip

    red = hard.coloured("#c62828")()
    for secondary in ("#ffffff", "#fdfdfd"):  # none given: the import copies the primary
        brand = brand_context(partner(red, secondary))
        fill = brand_fill(brand.primary_color, brand.secondary_color)
        assert delta_e(fill, "#c62828") < 6, (secondary, fill)
        assert brand.text_on_secondary == "#ffffff"
    kept = brand_context(partner(red, "#0b3d91"))
    assert kept.secondary_color == "#0b3d91"
    for plain in (hard.white_logo(), hard.coloured("#111111")()):  # no hue: white, edged
        assert brand_context(partner(plain, "#ffffff")).secondary_color == "#ffffff"
