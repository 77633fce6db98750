"""Logos of any shape in the social posts and the signature banner, measured in the
images' own pixels: a 10:1 wordmark was a strip, a 1:4 mark a stick, the vendor's block
outweighed a partner's small logo, and an opaque logo got a frame (a plate) around it."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from campaign_engine.ports import BrandContext
from campaign_engine.services.assets.brand.logos import logo_plate, lost_share, normalise_logo
from campaign_engine.services.assets.kits import read_kit
from campaign_engine.services.assets.sample_partner import sample_brand
from renderers.signature import banner_png
from renderers.social import SocialRenderer
from renderers.social_layout import LOGO_WEIGHT, PORTRAIT, SHOWN_WIDTH, Layout
from tests.conftest import SAMPLE_KIT

KIT_FONT = str(SAMPLE_KIT / "fonts" / "DejaVuSans-Bold.ttf")
MAGENTA = (0xC2, 0x18, 0x5B)
ORANGE = (0xFF, 0x8F, 0x00)
VENDOR_NAVY = (0x0B, 0x3D, 0x91)
LEAST_SHOWN = 24  # px: the least short side of a logo where the network shows the image


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def shape(width: int, height: int, colour: tuple[int, int, int] = MAGENTA) -> bytes:
    """A logo of the given shape: its artwork edge to edge, rounded corners transparent."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    radius = min(width, height) // 5
    ImageDraw.Draw(image).rounded_rectangle((0, 0, width - 1, height - 1), radius, fill=colour)
    return _png(image)


def badge(width: int, height: int) -> bytes:
    """An opaque logo: a navy mark on its own orange ground."""
    image = Image.new("RGB", (width, height), ORANGE)
    ImageDraw.Draw(image).ellipse((10, 10, height - 10, height - 10), fill=VENDOR_NAVY[::-1])
    return _png(image)


def brand_with(png: bytes, **changes: object) -> BrandContext:
    logo = normalise_logo(png, where="test")
    return replace(
        sample_brand(), logo_png=logo, logo_on_plate=logo_plate(logo), logo_kind="own", **changes
    )


def ink(image: Image.Image, colour: tuple[int, int, int], box: tuple[int, int, int, int],
        tolerance: int = 24) -> tuple[int, int, int, int] | None:  # fmt: skip
    """The bounding box, in `image`, of the pixels within `tolerance` of `colour` in `box`."""
    region = image.convert("RGB").crop(box)
    mask = Image.new("L", region.size)
    mask.putdata(
        [255 if all(abs(a - b) <= tolerance for a, b in zip(p, colour, strict=True)) else 0
         for p in region.get_flattened_data()]
    )  # fmt: skip
    found = mask.getbbox()
    if found is None:
        return None
    return (found[0] + box[0], found[1] + box[1], found[2] + box[0], found[3] + box[1])


@pytest.fixture(scope="module")
def kit():
    return read_kit(SAMPLE_KIT)[0]


@pytest.fixture(scope="module")
def social(kit):
    return SocialRenderer(kit)


def post_image(social: SocialRenderer, kit, brand: BrandContext, platform: str) -> Image.Image:
    post = kit.spec.assets.social.posts[0]
    logo = Image.open(io.BytesIO(brand.logo_png)).convert("RGBA")
    return social.compose(post, platform, "Backups ransomware can't touch", brand, logo)


def top_left(image: Image.Image) -> tuple[int, int, int, int]:
    return (0, 0, int(image.width * 0.75), image.height // 2)


@pytest.mark.parametrize("platform", ["linkedin", "instagram", "x"])
@pytest.mark.parametrize("size", [(2000, 200), (2400, 200), (200, 800), (600, 600)])
def test_a_logo_of_any_shape_reads_where_the_feed_shows_it(social, kit, platform, size):
    """At least 24 px on its short side at the width the network shows the image (a 10:1
    logo was 38 px of 1200, 17 where LinkedIn shows it)."""
    image = post_image(social, kit, brand_with(shape(*size)), platform)
    box = ink(image, MAGENTA, top_left(image))
    assert box is not None, "the logo is in the image"
    short = min(box[2] - box[0], box[3] - box[1])
    shown = short * SHOWN_WIDTH[platform] / image.width
    assert shown >= LEAST_SHOWN - 1, f"{size} logo's short side {short} px, {shown:.0f} shown"
    area = (box[2] - box[0]) * (box[3] - box[1])
    assert area >= 0.6 * LOGO_WEIGHT * image.width * image.height, "the weight of a logo"


def vendor_logo(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The vendor's navy logo, looked for on its white plate only (the photo is blue too):
    the plate ends at the right margin; its left edge is where white ends on its top row."""
    rgb = image.convert("RGB")
    top = image.width // 20 + 2
    right = image.width - image.width // 20 - 4
    left = right
    while left > image.width // 2 and min(rgb.getpixel((left - 1, top))) > 245:
        left -= 1
    bottom = top
    while min(rgb.getpixel((right, bottom + 1))) > 245:
        bottom += 1
    return ink(image, VENDOR_NAVY, (left, top, right, bottom), 40)


@pytest.mark.parametrize("size", [(600, 600), (2000, 200), (200, 800), (120, 120)])
def test_the_vendors_logo_never_outweighs_the_partners(social, kit, size):
    image = post_image(social, kit, brand_with(shape(*size)), "linkedin")
    partner = ink(image, MAGENTA, top_left(image))
    vendor = vendor_logo(image)
    assert partner is not None and vendor is not None
    area = lambda b: (b[2] - b[0]) * (b[3] - b[1])  # noqa: E731
    assert area(vendor) < area(partner), (size, partner, vendor)
    assert vendor[3] - vendor[1] <= partner[3] - partner[1], "nor is it the taller"


@pytest.mark.parametrize("platform", ["linkedin", "instagram", "x"])
def test_a_small_wordmark_gives_way_to_the_name_not_beside_it(social, kit, platform):
    """A 600x32 wordmark is too small to show alone and is not a mark: set beside the name
    (doubled), it took the whole row, the name fell one letter per line down the image
    and covered the band in the partner's colour (sample partner 011, #c2185b)."""
    brand = brand_with(
        shape(600, 32),
        name="North Solutions & Managed Services International",
        primary_color="#c2185b",
    )
    image = post_image(social, kit, brand, platform)
    name = ink(image, MAGENTA, (0, 0, image.width, image.height - image.height // 8))
    assert name is not None, "the name in the brand colour"
    assert name[3] < image.height * 0.45, f"the name block ends at {name[3]} of {image.height}"
    bottom = image.convert("RGB").getpixel((image.width // 2, image.height - 6))
    assert all(abs(a - b) <= 24 for a, b in zip(bottom, MAGENTA, strict=True)), bottom


def test_an_opaque_logo_gets_no_plate(social, kit):
    """Its ground is part of it: a plate only framed it (in black, for a light ground)."""
    brand = brand_with(badge(480, 160))
    assert brand.logo_on_plate is None
    image = post_image(social, kit, brand, "linkedin").convert("RGB")
    box = ink(image, ORANGE, top_left(image), 30)
    assert box is not None
    ring = [
        image.getpixel((x, y))
        for x in range(box[0] - 8, box[2] + 8)
        for y in (box[1] - 6, box[3] + 6)
        if x >= 0 and y >= 0
    ]
    plates = [(255, 255, 255), (0x1D, 0x24, 0x33)]

    def near(p: tuple[int, ...], c: tuple[int, ...]) -> bool:
        return all(abs(a - b) < 12 for a, b in zip(p, c, strict=True))

    framed = [p for p in ring if any(near(p, c) for c in plates)]
    assert len(framed) < len(ring) // 10, "a plate around the logo"


def test_a_transparent_logo_still_gets_its_plate_on_the_photo(social, kit):
    image = post_image(social, kit, brand_with(shape(480, 160)), "linkedin").convert("RGB")
    box = ink(image, MAGENTA, top_left(image))
    assert box is not None
    above = image.getpixel(((box[0] + box[2]) // 2, box[1] - 4))
    assert all(c > 240 for c in above), "the white plate behind a logo with transparency"


def test_a_caption_without_a_website_drops_more_at(social):
    no_site = replace(sample_brand(), website="")
    links = {name: "https://t.example/r/x" for name in social.kit.spec.links}
    links |= {f"{n}:{p}": "https://t.example/r/x" for n in list(links) for p in ("x", "instagram")}
    for brand, expected in ((no_site, False), (sample_brand(), True)):
        for asset in social.render(brand, lambda name: links.get(name, "https://t.example/r/x")):
            names = {f.name: f for f in asset.files}
            caption = names.get(f"{asset.asset}-instagram.txt")
            if caption is None:
                continue
            text = caption.content.decode()
            assert ("More at" in text) is expected, text
            assert "More at \n" not in text and not text.rstrip().endswith("More at")


def banner(brand: BrandContext) -> Image.Image:
    vendor = (SAMPLE_KIT / "assets" / "vendor-logo.png").read_bytes()
    png = banner_png(
        brand, "Free backup check: are your backups ransomware-proof?", KIT_FONT, vendor
    )
    return Image.open(io.BytesIO(png)).convert("RGB")


@pytest.mark.parametrize("size", [(2000, 200), (300, 300), (480, 160)])
def test_the_banners_logo_is_24_px_on_its_short_side_as_shown(size):
    image = banner(brand_with(shape(*size)))
    box = ink(image, MAGENTA, (0, 0, 700, 188))
    assert box is not None
    assert min(box[2] - box[0], box[3] - box[1]) >= 48, box  # 1200 px shown at 600


def test_the_banner_sets_the_name_when_no_logo_size_reads():
    """A 1:4 logo in a 100 px banner would be 17 px wide: the name shows instead."""
    image = banner(brand_with(shape(200, 800), name="Tall Mark Ltd", primary_color="#c2185b"))
    assert ink(image, MAGENTA, (0, 0, 700, 188)) is not None, "the name in the brand colour"


def test_the_banner_keeps_a_light_brand_colour_and_frames_no_opaque_logo():
    image = banner(brand_with(badge(480, 160), primary_color="#FFE600"))
    assert image.getpixel((600, 195)) == (0xFF, 0xE6, 0x00), "yellow, not olive"
    dark_plate = ink(image, (29, 36, 51), (0, 0, 700, 188), 4)
    assert dark_plate is None, "no dark frame around a logo with its own ground"


@pytest.mark.parametrize(
    "name",
    [
        "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft mbH",
        "ร้านกาแฟดอยช้าง คลาวด์ โซลูชั่น",
        "شركة النور للتقنية",
        "क्लाउड सेवाएँ प्राइवेट लिमिटेड",
    ],
)
def test_the_banner_sets_any_name_whole_inside_its_box(name):
    from renderers.signature import LOGO_ROOM, NAME_FONT, PAD
    from renderers.text_fit import fit_text

    brand = replace(sample_brand(), name=name, logo_kind="name", primary_color="#c2185b")
    image = banner(brand)
    box = ink(image, MAGENTA, (0, 0, 1200, 188), 40)
    assert box is not None
    assert box[0] >= PAD - 2 and box[2] <= PAD + LOGO_ROOM.max_width + 2
    assert box[1] >= 8 and box[3] <= 188 - 8, "not cut at the top or the band"
    _, lines = fit_text(KIT_FONT, name, int(LOGO_ROOM.max_width), 140, "en", NAME_FONT)
    assert "".join(line.removesuffix("-") for line in lines).replace(" ", "") == name.replace(
        " ", ""
    ), "every letter of the name is set"


def test_a_two_colour_logo_is_not_put_on_a_plate_that_swallows_half_of_it():
    """A red mark with cream letters averages dark enough for white, where the letters
    vanish: the ground that loses the least of the logo wins, among those preflight's
    3:1 rule accepts."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 190, 190), 30, fill="#ff0000")
    for x in range(220, 560, 70):
        draw.rectangle((x, 40, x + 50, 160), fill="#f5f0dc")
    png = normalise_logo(_png(image), where="test")
    assert lost_share(png, None) > 0.3 and lost_share(png, "dark") < 0.05
    assert logo_plate(png) == "dark"
    white = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(white).ellipse((10, 10, 290, 90), fill="#ffffff")  # with transparency
    assert logo_plate(normalise_logo(_png(white), where="test")) == "dark"


def test_a_logo_of_white_letters_and_a_black_mark_gets_the_grey_plate_that_shows_both():
    """White letters beside a near-black mark (a generated partner): on white the letters
    vanished, on the dark plate the mark did, and the email showed a 15 px strip of
    letters. The grey plate sets off both, and preflight does not call it unreadable."""
    from campaign_engine.services.assets.preflight.checks_brand import logo_contrast

    image = Image.new("RGBA", (900, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 140, 140), 20, fill="#2f0519")
    for i, x in enumerate(range(170, 880, 90)):
        draw.rectangle((x, 40, x + 60, 110), fill=("#ffffff", "#2f0519", "#f4f2ad")[i % 3])
    png = normalise_logo(_png(image), where="test")
    assert lost_share(png, None) > 0.2 and lost_share(png, "dark") > 0.2
    assert logo_plate(png) == "mid"
    assert (logo_contrast(brand_with(png)) or 0) >= 3.0
    # a logo that shows on white or dark keeps that plate
    assert logo_plate(normalise_logo(shape(600, 200, (20, 20, 20)), where="test")) is None


def test_a_white_brand_colour_gives_the_banner_band_to_its_secondary():
    """A white band on the white banner is no band: the partner's secondary shows."""
    image = banner(brand_with(shape(480, 160), primary_color="#ffffff", secondary_color="#0b3d91"))
    assert image.getpixel((600, 195)) == VENDOR_NAVY


def test_a_drop_shadow_logo_leaves_no_faint_box_in_the_email():
    """Quantising to 256 colours put a soft shadow's ground in one colour of alpha 6: the
    whole logo rectangle showed as a faint box on the email's white header."""
    from PIL import ImageFilter

    from renderers.email import email_logo

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    shadow = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(shadow).ellipse((60, 60, 560, 180), fill=(0, 0, 0, 90))
    image.alpha_composite(shadow.filter(ImageFilter.GaussianBlur(25)))
    ImageDraw.Draw(image).ellipse((40, 40, 540, 160), fill="#c0392b")
    shown = Image.open(io.BytesIO(email_logo(_png(image), (220, 73), None).png)).convert("RGBA")
    corners = [
        (0, 0),
        (shown.width - 1, 0),
        (0, shown.height - 1),
        (shown.width - 1, shown.height - 1),
    ]
    assert all(shown.getpixel(xy)[3] == 0 for xy in corners)  # type: ignore[index]


def test_a_light_brand_without_a_logo_gets_a_badge_that_preflight_passes():
    """#ffe600 darkened to read on white was olive, weaker than the vendor's name beside
    it: the name is set on a badge of the brand's own colour, in text that reads on it,
    and preflight's logo contrast (for uploaded logos) does not hold the engine's lockup."""
    from campaign_engine.services.assets.brand.lockup import fallback_lockup
    from campaign_engine.services.assets.preflight.checks_brand import logo_contrast

    lockup = Image.open(io.BytesIO(fallback_lockup("Müller Systemhaus", "#ffe600", "de")))
    middle = lockup.convert("RGBA").getpixel((lockup.width // 2, 3))
    assert middle[:3] == (255, 230, 0)  # type: ignore[index]  # the badge is the brand's yellow
    brand = replace(
        sample_brand(),
        logo_png=fallback_lockup("Müller", "#ffe600"),
        logo_kind="name",
        logo_on_plate=None,
        primary_color="#ffe600",
    )
    assert logo_contrast(brand) is None


def test_the_banner_draws_the_grey_plate_for_a_logo_of_light_and_dark_parts():
    """Only the dark plate was drawn on the banner: white letters beside a black mark
    showed the mark alone, the letters white on white (a review by eye)."""
    image = Image.new("RGBA", (900, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 140, 140), 20, fill="#111111")
    for x in range(170, 880, 90):
        draw.rectangle((x, 40, x + 60, 110), fill="#ffffff")
    brand = brand_with(_png(image))
    assert brand.logo_on_plate == "mid"
    shown = banner(brand)
    grey = (0x71, 0x77, 0x7F)
    assert any(
        shown.getpixel((x, 100))[:3] == grey  # type: ignore[index]
        for x in range(16, 64)
    )


def test_a_drop_shadow_keeps_its_smooth_fall_off_in_the_email():
    """A 256-colour palette banded a soft shadow into grey steps; a flat logo still gets
    the palette (a fifth of the bytes)."""
    import io

    from PIL import Image, ImageDraw, ImageFilter

    from renderers.email import email_logo

    shadow = Image.new("RGBA", (400, 140), (0, 0, 0, 0))
    ImageDraw.Draw(shadow).rectangle((30, 30, 370, 110), fill=(0, 0, 0, 160))
    logo = shadow.filter(ImageFilter.GaussianBlur(12))
    ImageDraw.Draw(logo).rectangle((20, 20, 360, 100), fill=(200, 30, 30, 255))
    flat = Image.new("RGBA", (400, 140), (0, 0, 0, 0))
    ImageDraw.Draw(flat).rectangle((20, 20, 360, 100), fill=(200, 30, 30, 255))

    def shown(image: Image.Image) -> Image.Image:
        data = io.BytesIO()
        image.save(data, "PNG")
        out = email_logo(data.getvalue(), (200, 70), None)
        return Image.open(io.BytesIO(out.png))

    soft = shown(logo)
    alphas = {a for a in soft.convert("RGBA").getchannel("A").get_flattened_data() if 0 < a < 255}
    assert len(alphas) >= 48, f"the shadow fell off in {len(alphas)} steps"
    assert shown(flat).mode == "P"


def test_a_wide_logo_leaves_a_long_headline_its_size_by_standing_above_it():
    """A 10:1 wordmark beside the headline took half the banner and left a French
    headline four lines of 12 px as shown: it goes above the headline, which then takes
    the width beneath it in two lines, each at least 18 px as shown."""
    vendor = (SAMPLE_KIT / "assets" / "vendor-logo.png").read_bytes()
    headline = "Bilan gratuit : vos sauvegardes résistent-elles aux rançongiciels ?"
    brand = brand_with(shape(1000, 100))
    image = Image.open(io.BytesIO(banner_png(brand, headline, KIT_FONT, vendor))).convert("RGB")
    logo = ink(image, MAGENTA, (0, 0, 1000, 188))
    text = ink(image, (20, 24, 33), (0, 0, 900, 188), 40)
    assert logo is not None and text is not None
    assert logo[3] - logo[1] >= 48, "24 px tall as shown"
    assert text[1] > logo[3], "the headline starts below the logo"
    assert text[2] - text[0] > 600, "and takes the width beneath it"
    # two lines of 36 px (18 as shown): a line's step (1.2 x) and a capital's height (0.7 x)
    assert (text[3] - text[1]) >= round(1.9 * 36), "two lines of 18 px as shown or more"


def test_a_three_to_one_logo_keeps_its_weight_beside_a_headline_that_fits():
    image = banner(brand_with(shape(480, 160)))
    logo = ink(image, MAGENTA, (0, 0, 700, 188))
    assert logo is not None and logo[3] - logo[1] >= 90, "its full weight: 300 x 100"


def test_beside_a_wide_wordmark_the_vendors_logo_still_reads(social, kit):
    """A 10:1 wordmark leaves the top row too little room: the vendor's block goes below
    it at the right, its logo at least 4% of the width tall (about 19 px as Instagram
    shows it; it was 14), and the headline below both."""
    image = post_image(social, kit, brand_with(shape(2400, 240)), PORTRAIT)
    partner = ink(image, MAGENTA, top_left(image))
    navy = ink(image, VENDOR_NAVY, (image.width // 2, 0, image.width, image.height // 3), 40)
    assert partner is not None and navy is not None
    assert navy[3] - navy[1] >= 0.04 * image.width - 2, navy
    assert navy[1] > partner[1], "below the wordmark's top: a row of its own"


def test_a_band_of_the_photos_own_colour_gets_an_edge(social, kit):
    """A navy partner's band vanished into the vendor's navy photo: a rule in the colour
    that reads on the band marks where it starts."""
    image = post_image(
        social, kit, brand_with(shape(600, 600), primary_color="#14213d"), "linkedin"
    )
    band_top = Layout.for_platform("linkedin").band[1]
    rule = image.convert("RGB").getpixel((image.width // 2, band_top + 1))
    assert min(rule) > 200, f"a light rule on the navy band, not {rule}"
    plain = post_image(
        social, kit, brand_with(shape(600, 600), primary_color="#c2185b"), "linkedin"
    )
    assert plain.convert("RGB").getpixel((image.width // 2, band_top + 1))[0] > 150
    assert min(plain.convert("RGB").getpixel((image.width // 2, band_top + 1))) < 120, "no rule"


def test_a_wide_logo_on_its_plate_lines_up_with_the_headline_below_it():
    """A pale 10:1 wordmark on the dark plate, above the headline: the plate started
    10 px left of the headline and ended 0 px above it (a review by eye)."""
    from renderers import signature
    from renderers.banner_layout import LOGO_ROOM, PLATE_PAD, SIZE, Layout

    brand = brand_with(shape(1000, 100, (235, 235, 235)))
    assert brand.logo_on_plate == "dark"
    image = Image.new("RGB", SIZE, (255, 255, 255))
    placed = Layout(LOGO_ROOM, None, stacked=(480, 48))
    signature._stacked(image, brand, placed, "Restored in 14 minutes", KIT_FONT, "en", True)
    logo = ink(image, (235, 235, 235), (0, 0, 1000, 188), 1)  # exactly: not the text's edges
    assert logo is not None
    plate = (logo[0] - PLATE_PAD, logo[1] - PLATE_PAD, logo[2] + PLATE_PAD, logo[3] + PLATE_PAD)
    assert image.getpixel((plate[0] + 2, (logo[1] + logo[3]) // 2)) == (29, 36, 51), "plate"
    text = ink(image, (20, 24, 33), (0, plate[3] + 1, 1100, 188), 30)
    assert text is not None, "the headline below the plate"
    assert abs(plate[0] - text[0]) <= 4, (plate, text)
    assert text[1] - plate[3] >= 8, "clear of the plate"


def test_a_partner_whose_logo_the_email_cannot_show_is_told(kit):
    """A 15:1 wordmark has no readable size in the email's header: the email, embed and
    landing page set the name, and preflight says so (a review by eye found the logo in
    some assets and the name in others, with no word to the partner)."""
    from campaign_engine.services.assets.preflight.checks_brand import check_brand

    def codes(png: bytes) -> set[str]:
        return {p.code for p in check_brand(kit, brand_with(png))}

    assert "logo_name_instead" in codes(shape(1500, 100))
    assert "logo_name_instead" not in codes(shape(480, 160))


def test_a_plated_logo_beside_the_headline_keeps_the_margins():
    """The dark plate started 10 px from the banner's edge and the headline 8 px after
    it (a review by eye): the plate, not the logo, starts at the margin, and the
    headline keeps a margin's distance from the plate."""
    from renderers.banner_layout import PAD, PLATE_PAD

    image = banner(brand_with(shape(480, 160, (235, 235, 235))))
    # the logo's own grey, left of where any headline could start (its letters' edges
    # are that grey too)
    logo = ink(image, (235, 235, 235), (0, 0, 360, 188), 1)
    assert logo is not None
    plate_left, plate_right = logo[0] - PLATE_PAD, logo[2] + PLATE_PAD
    assert plate_left >= PAD - 1, plate_left
    # (the plate's own edge is as dark as the headline: looked for from past it)
    text = ink(image, (20, 24, 33), (plate_right + 3, 0, 900, 188), 30)
    assert text is not None and text[0] - plate_right >= PAD - 2, (plate_right, text)


@pytest.mark.parametrize(("colour", "glyph"), [("#f28c28", "#ffffff"), ("#c6e03b", "#181818")])
def test_a_bright_mark_that_shows_by_its_hue_needs_no_tile_on_white(colour, glyph):
    """An orange badge (2.3:1 on white) and a lime disc (1.3:1) show by their hue; both
    were put on navy tiles everywhere (a review by eye)."""
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 390, 390), fill=colour)
    draw.rectangle((170, 120, 230, 280), fill=glyph)
    assert logo_plate(normalise_logo(_png(image), where="test")) is None


@pytest.mark.parametrize("colour", ["#fff200", "#ffe600", "#ddff00"])
def test_a_logo_nearly_as_light_as_white_gets_the_dark_plate_whatever_its_hue(colour):
    """ "OX" in #fff200 (1.17:1 on white, 93 deltaE from it) was set bare on white in the
    email, the brochure and the banner, and on white plates elsewhere: all but invisible
    (a review by eye). Its hue does not carry it; the import's own warning said so."""
    image = Image.new("RGBA", (380, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 170, 190), fill=colour)
    draw.ellipse((210, 10, 370, 190), fill=colour)
    assert logo_plate(normalise_logo(_png(image), where="test")) == "dark"


def test_a_ring_badge_with_a_white_centre_reads_on_white_without_a_plate():
    """A crimson ring around a white disc, corners transparent: half its pixels are white,
    so by colours alone it was "too pale to be seen on white" and went on a navy plate on
    every asset. The white it encloses reads as part of the badge (a review by eye); white
    letters beside a mark, enclosed by nothing, still need a ground."""
    from campaign_engine.services.assets.brand.warnings import logo_warnings

    ring = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    draw = ImageDraw.Draw(ring)
    draw.ellipse((10, 10, 490, 490), fill="#dc143c")
    draw.ellipse((70, 70, 430, 430), fill="#ffffff")
    draw.rectangle((180, 200, 320, 300), fill="#dc143c")
    logo = normalise_logo(_png(ring), where="test")
    assert logo_plate(logo) is None
    assert not [w for w in logo_warnings(logo) if w.code == "logo_pale"]
    beside = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(beside)
    draw.ellipse((10, 10, 190, 190), fill="#dc143c")
    draw.rectangle((220, 40, 590, 160), fill="#ffffff")
    assert logo_plate(normalise_logo(_png(beside), where="test")) is not None


def test_a_mark_of_the_bands_own_colour_gets_a_plate_on_the_band():
    """A yellow disc beside dark letters vanished into the partner's yellow band (brochure
    and landing page): by lightness alone it was as lost on a white plate, by its hue it
    shows there."""
    from campaign_engine.typeset.logo_size import plate_on_fill, visible

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 190, 190), fill="#f5c400")
    draw.rectangle((220, 60, 580, 140), fill="#282828")
    png = visible(normalise_logo(_png(image), where="test"))
    assert plate_on_fill(png, "#f5c400") == "white"
    assert plate_on_fill(png, "#ffffff") is None, "on white the disc shows by its hue"


def test_a_pale_tall_logo_that_fits_only_without_its_plate_still_gets_a_banner():
    """A pale 1:2.5 logo fits the banner's room, but not inside its plate, nor above the
    headline: the layout had nothing to choose from and raised (the bench found it)."""
    vendor = (SAMPLE_KIT / "assets" / "vendor-logo.png").read_bytes()
    brand = brand_with(shape(200, 500, (235, 235, 235)))
    assert brand.logo_on_plate == "dark"
    image = Image.open(io.BytesIO(banner_png(brand, "Headline", KIT_FONT, vendor)))
    assert image.size == (1200, 200)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    aspect=st.floats(0.05, 20.0),
    grey=st.sampled_from([0, 90, 160, 235, 255]),
    headline=st.sampled_from(
        [
            "",
            "Headline",
            "Free backup check: are your backups ransomware-proof?",
            "Bilan gratuit : vos sauvegardes résistent-elles aux rançongiciels ?",
            "Kostenloser Backup-Check: Sind Ihre Backups sicher vor Ransomware?",
        ]
    ),
)
def test_any_logo_shape_and_lightness_gets_a_banner(aspect, grey, headline):
    """Every shape from 1:20 to 20:1, every lightness (so every plate), every headline
    length: a banner of the banner's size, never an error (a pale 1:2.5 logo raised)."""
    vendor = (SAMPLE_KIT / "assets" / "vendor-logo.png").read_bytes()
    brand = brand_with(shape(max(8, round(400 * aspect)), 400, (grey, grey, grey)))
    image = Image.open(io.BytesIO(banner_png(brand, headline, KIT_FONT, vendor)))
    assert image.size == (1200, 200)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    aspect=st.floats(0.05, 20.0),
    grey=st.sampled_from([0, 90, 160, 235, 255]),
    platform=st.sampled_from(["linkedin", "instagram", PORTRAIT, "x"]),
    primary=st.sampled_from(["#14213d", "#ffe600", "#ffffff", "#c2185b"]),
)
def test_any_logo_shape_gets_a_social_image(social, kit, aspect, grey, platform, primary):
    brand = brand_with(shape(max(8, round(400 * aspect)), 400, (grey, grey, grey)))
    image = post_image(social, kit, replace(brand, primary_color=primary), platform)
    assert image.size == Layout.for_platform(platform).size


@pytest.mark.parametrize("band", ["#c8102e", "#2e8b3a", "#000000", "#333333", "#008080"])
def test_the_vendors_navy_logo_gets_a_plate_on_a_band_it_is_lost_on(band):
    """Navy on red is 70 deltaE apart yet 1.9:1: by its hue it was said to show, and the
    landing page's header left it on red, green, black, charcoal and teal (a review)."""
    from campaign_engine.typeset.logo_size import plate_on_fill, visible

    vendor = visible((SAMPLE_KIT / "assets" / "vendor-logo.png").read_bytes())
    assert plate_on_fill(vendor, band) == "white"


def test_a_tile_of_the_bands_own_colour_gets_a_plate_on_the_band():
    """A rounded orange tile with white corners has a pale median edge, yet is the orange
    band's own colour: it dissolved into the brochure's band and the landing header,
    leaving its letters and four white corners (a review by eye)."""
    from campaign_engine.typeset.logo_size import plate_on_fill, visible

    image = Image.new("RGB", (450, 450), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 449, 449), 60, fill="#f26522")
    draw.rectangle((120, 150, 330, 300), fill="#ffffff")
    png = visible(normalise_logo(_png(image), where="test"))
    assert plate_on_fill(png, "#f26522") == "white"
    assert plate_on_fill(png, "#0b3d91") is None, "on navy the orange tile shows"
