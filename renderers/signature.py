"""The email-signature banner: 1200x200 pixels, shown at 600x100 (sharp on high-density
screens), PNG since it is mostly flat colour and text. The partner's logo on a plate sized
from the logo, the kit's headline, the vendor's logo; the partner's colour as a band.

`evergreen_banner` is the same layout without a campaign: what the signature shows when
no campaign is live or the partner switched the channel off, so a pasted signature never
shows a broken image.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageOps

from campaign_engine.domain.brand import (
    PLATE_COLOURS,
    accent_on_white,
    badge_colour,
    brand_fill,
    fill_edge,
    readable_text_on,
    rgb,
)
from campaign_engine.domain.kit import KitContent
from campaign_engine.domain.logo_fit import LogoRoom
from campaign_engine.ports import BrandContext, RenderedAsset, RenderedFile
from campaign_engine.typeset.context import localise, lookup
from campaign_engine.typeset.glyphs import ascent, draw_text, paste_text
from campaign_engine.typeset.partner_text import text_lang
from campaign_engine.typeset.textbreak import bidi_levels
from renderers.banner_layout import (
    AREA,
    BADGE_PAD,
    BAND,
    HEADLINE_MOST,
    LINE,
    LOGO_ROOM,
    NAME_FONT,
    NAME_WIDTH,
    PAD,
    SIZE,
    STACK_GAP,
    VENDOR_AREA,
    Layout,
    fit_within,
    inside_plate,
    layout,
    plate_pad,
    vendor_box,
)
from renderers.logos import logo_size, open_logo, small_mark
from renderers.text_fit import LINE_HEIGHT, fit_text


def banner_png(
    brand: BrandContext,
    headline: str,
    font_path: str,
    vendor_logo: bytes | None,
    background: Image.Image | None = None,
    lang: str = "en",
) -> bytes:
    image = (
        ImageOps.fit(background.convert("RGB"), SIZE)
        if background is not None
        else Image.new("RGB", SIZE, (255, 255, 255))
    )
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    # the partner's colour as it is, a light yellow too; a white brand's secondary when it
    # has one, else its own white band, outlined below (a grey one is not its colour)
    band = brand_fill(brand.primary_color, brand.secondary_color)
    draw.rectangle((0, height - BAND, width, height), fill=rgb(band))
    if fill_edge(band) != band:  # a white brand's own white band, outlined where it starts
        draw.line((0, height - BAND, width, height - BAND), fill=rgb(fill_edge(band)), width=2)
    light = background is None or _light(image)
    vendor = open_logo(vendor_logo)
    placed = layout(brand, headline, font_path, lang, vendor)
    if placed.stacked is not None:  # a wide logo above the headline, which gets the width
        _stacked(image, brand, placed, headline, font_path, lang, light)
    else:
        _beside(image, brand, placed, headline, font_path, lang, light)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _light(image: Image.Image) -> bool:
    """An RGB picture lighter than mid-grey on average."""
    mean = image.resize((1, 1)).getpixel((0, 0))
    assert isinstance(mean, tuple)  # RGB: one value a band
    return sum(mean) > 382


def _beside(
    image: Image.Image,
    brand: BrandContext,
    layout: Layout,
    headline: str,
    font_path: str,
    lang: str,
    light: bool,
) -> None:
    """The partner's logo (or name) at the left, the vendor's at the right, the headline
    between them."""
    box = (PAD, PAD, PAD + int(layout.room.max_width), SIZE[1] - BAND - PAD)
    left, shows_name = _partner(image, brand, box, font_path, lang, light, layout.room)
    right = _vendor(image, layout.vendor, left[1])
    x = left[0]
    if shows_name:  # a lockup that spells the name: keep it apart from the headline, or
        # its words read as the headline's first ones
        rule = x + PAD
        ImageDraw.Draw(image).line(
            (rule, PAD + 16, rule, SIZE[1] - BAND - PAD - 16), fill=(205, 210, 219), width=2
        )
        x = rule
    text_box = (x + PAD, PAD, right - PAD, SIZE[1] - BAND - PAD)
    _lines(image, headline, text_box, font_path, _ink(light), lang, HEADLINE_MOST)


def _stacked(
    image: Image.Image,
    brand: BrandContext,
    layout: Layout,
    headline: str,
    font_path: str,
    lang: str,
    light: bool,
) -> None:
    """A wide logo at the top left and the headline beneath it, the pair centred in the
    banner's height; the vendor's logo at the right."""
    assert layout.stacked is not None and brand.logo_png is not None
    width, height = layout.stacked
    logo = open_logo(brand.logo_png)
    assert logo is not None
    inset = plate_pad(brand, logo)  # a plate lines up with the headline, clear of it
    block = height + 2 * inset + STACK_GAP
    right = _vendor(image, layout.vendor, height) - PAD
    size, lines = fit_text(font_path, headline, right - PAD, AREA - block, lang, HEADLINE_MOST)
    text_height = math.ceil(len(lines) * size * LINE_HEIGHT)
    top = PAD + (AREA - block - text_height) // 2
    fitted = logo.resize((width, height), Image.Resampling.LANCZOS)
    _paste_logo(image, brand, logo, fitted, (PAD + inset, top + inset))
    text_top = top + block
    text_box = (PAD, text_top, right, text_top + text_height)
    _lines(image, headline, text_box, font_path, _ink(light), lang, HEADLINE_MOST)


def _ink(light: bool) -> tuple[int, int, int]:
    return (20, 24, 33) if light else (255, 255, 255)


def _vendor(image: Image.Image, vendor: Image.Image | None, partner_height: int) -> int:
    """The vendor's logo drawn; returns its left edge."""
    box = vendor_box(vendor, partner_height)
    if vendor is not None:
        _logo_right(image, vendor, (SIZE[0] - VENDOR_AREA, *box[1:]))
    return box[0]


def _partner(
    image: Image.Image,
    brand: BrandContext,
    box: tuple[int, int, int, int],
    font_path: str,
    lang: str,
    light: bool,
    room: LogoRoom = LOGO_ROOM,
) -> tuple[tuple[int, int], bool]:
    """The partner's logo sized by its weight (its mark with its name when too small,
    its name alone when no size fits or it has none); returns (where the text may start,
    the block's height) and whether the block spells the name."""
    left, top, _, bottom = box
    logo = open_logo(brand.logo_png)
    inset = plate_pad(brand, logo) if logo is not None else 0
    shown = (
        logo_size(logo, inside_plate(room, inset))
        if logo is not None and brand.logo_kind != "name"
        else None
    )
    stacked = logo is not None and logo.height > logo.width and brand.logo_kind != "name"
    if logo is not None and shown is None and stacked:
        # a stacked logo (1:4) says the name itself: alone at the row's height, however
        # narrow, not beside the name set again (a review by eye read it as two logos)
        height = bottom - top - 2 * inset
        shown = (max(1, round(logo.width * height / logo.height)), height)
    if logo is None or shown is None:
        mark = small_mark(logo, LOGO_ROOM) if brand.logo_kind != "name" else None
        return _name(image, brand, box, font_path, lang, light, mark), True
    fitted = logo.resize(shown, Image.Resampling.LANCZOS)
    y = top + (bottom - top - fitted.height) // 2
    _paste_logo(image, brand, logo, fitted, (left + inset, y))
    return (left + fitted.width + 2 * inset, fitted.height + 2 * inset), brand.logo_shows_name


def _paste_logo(
    image: Image.Image,
    brand: BrandContext,
    logo: Image.Image,
    fitted: Image.Image,
    at: tuple[int, int],
) -> None:
    """The fitted logo at `at`, on the plate it needs on white: a light logo gets the dark
    plate, one of light and dark parts the grey one, as everywhere else (only the dark
    plate was drawn here, and a logo of white letters beside a black mark showed the mark
    alone: a review by eye)."""
    left, y = at
    pad = plate_pad(brand, logo)
    if pad and brand.logo_on_plate is not None:
        ImageDraw.Draw(image).rounded_rectangle(
            (left - pad, y - pad, left + fitted.width + pad, y + fitted.height + pad),
            radius=pad,
            fill=rgb(PLATE_COLOURS[brand.logo_on_plate]),
        )
    image.paste(fitted, (left, y), fitted)


def _name(
    image: Image.Image,
    brand: BrandContext,
    box: tuple[int, int, int, int],
    font_path: str,
    lang: str,
    light: bool,
    mark: Image.Image | None,
) -> tuple[int, int]:
    """The name in the partner's colour (darkened until it reads on white), after its
    mark at most doubled, in as many lines as it takes: a 90-letter German name was cut
    after two lines of a lockup scaled to 11 px."""
    left, top, right, bottom = box
    right = min(right, left + NAME_WIDTH)  # the headline keeps its room beside a long name
    if mark is not None:
        scale = min(2.0, (bottom - top) / mark.height)
        mark = mark.resize((max(1, round(mark.width * scale)), max(1, round(mark.height * scale))))
        image.paste(mark, (left, top + (bottom - top - mark.height) // 2), mark)
        left += mark.width + PAD // 2
    primary = brand.primary_color
    # a brand too light to read on white (#ffe600) keeps its colour as a badge with the
    # text that reads on it, as the social images set it (darkened it was olive)
    badge = light and badge_colour(primary)
    if badge:
        colour = rgb(readable_text_on(primary))
    else:
        colour = rgb(accent_on_white(primary)) if light else (255, 255, 255)
    inset = BADGE_PAD if badge else 0
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    # the short name when the partner gave one, as the social images set it: a banner
    # 100 px tall set a 50-letter legal name in three hyphenated lines
    widest = _lines(
        layer,
        brand.display_name,
        (left + inset, top + inset, right - inset, bottom - inset),
        font_path,
        colour,
        text_lang(brand.display_name, brand.language, lang),  # a Thai name by Thai words
        NAME_FONT,
        block=True,
    )
    drawn = layer.getbbox()
    if badge and drawn is not None:
        ImageDraw.Draw(image).rounded_rectangle(
            (left, drawn[1] - inset, left + widest + 2 * inset, drawn[3] + inset),
            radius=inset,
            fill=rgb(primary),
        )
    image.paste(layer, (0, 0), layer)
    widest += 2 * inset
    return left + widest, bottom - top


def _lines(
    image: Image.Image,
    text: str,
    box: tuple[int, int, int, int],
    font_path: str,
    colour: tuple[int, int, int],
    lang: str,
    most: int = 96,
    *,
    block: bool = False,
) -> int:
    """`text` wrapped and sized to fit the box, centred in its height, every run in a
    font that has it; returns the widest line's width. Right-to-left lines align right:
    to the box, or with `block` (the name lockup, which the rule follows) to the widest
    line of the block set at the box's left, so the rule after it never crosses a word
    (it was drawn through an Arabic name set against the far edge of its box)."""
    left, top, right, bottom = box
    size, lines = fit_text(font_path, text, right - left, bottom - top, lang, most)
    rtl = bidi_levels(text)[1]
    step = int(size * LINE)
    baseline = top + (bottom - top - len(lines) * step) // 2 + ascent(font_path, size)
    drawn_lines = [draw_text(line, size, font_path, (*colour, 255), lang, rtl) for line in lines]
    widest = max((round(d.width) for d in drawn_lines), default=0)
    end = left + widest if block else right
    for drawn in drawn_lines:
        x = end - round(drawn.width) if rtl else left
        paste_text(image, drawn, (x, baseline))
        baseline += step
    return widest


def _logo_right(image: Image.Image, logo: Image.Image, box: tuple[int, int, int, int]) -> int:
    left, top, right, bottom = box
    fitted = fit_within(logo, (right - left, bottom - top))
    x = right - fitted.width
    image.paste(fitted, (x, top + (bottom - top - fitted.height) // 2), fitted)
    return x


class SignatureRenderer:
    def __init__(self, kit: KitContent) -> None:
        self.kit = kit
        self.font_path = str(kit.root / kit.spec.fonts.bold)
        self.vendor_logo = (kit.root / kit.spec.vendor.logo).read_bytes()
        spec = kit.spec.assets.signature
        self.background = (
            Image.open(kit.root / spec.background).convert("RGB")
            if spec is not None and spec.background
            else None
        )

    def render(self, brand: BrandContext, link: Callable[[str], str]) -> RenderedAsset:
        spec = self.kit.spec.assets.signature
        assert spec is not None
        copy = localise(self.kit.copy_for(brand.language), brand.name)
        headline = str(lookup(copy, spec.headline))
        lang = self.kit.language_for(brand.language)
        png = banner_png(brand, headline, self.font_path, self.vendor_logo, self.background, lang)
        return RenderedAsset(
            channel="signature",
            asset="banner",
            files=(RenderedFile("banner.png", "image/png", png),),
            meta={"headline": headline, "link": spec.link, "url": link(spec.link)},
        )
