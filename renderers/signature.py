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
from dataclasses import dataclass, replace

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
from renderers.logos import logo_size, mark_beside_name, opaque, open_logo
from renderers.text_fit import LINE_HEIGHT, fit_text

SIZE = (1200, 200)  # shown at 600x100
SHOWN = (600, 100)
BAND = 12
PAD = 24
DENSITY = SIZE[0] // SHOWN[0]  # image pixels per pixel shown
# The partner's logo by its visual weight (domain.logo_fit): a 3:1 logo 300x100 px, its
# short side at least 24 px as shown (48 here), at most 55% of the width (a 13.7:1 logo
# fits; at 46% a 13:1 wordmark gave way to the name here while the brochure and LinkedIn
# showed it: a review by eye). A 10:1 logo was 336 px wide and 34 tall (17 as shown); a
# 1:4 one 35 px wide.
LOGO_ROOM = LogoRoom(
    max_width=SIZE[0] * 0.55,
    max_height=SIZE[1] - BAND - 2 * PAD,
    weight=30_000,
    min_short=24 * DENSITY,
)
NAME_FONT = 56  # px: the largest the name is set at when it stands for the logo
# The name's block at most 42% of the width: at 55% a long name left the headline a
# column of four hyphenated lines ("ransomware-/proof?", a review by eye).
NAME_WIDTH = round(SIZE[0] * 0.42)
BADGE_PAD = 16  # px around the name on a light brand's badge
LINE = 1.2
AREA = SIZE[1] - BAND - 2 * PAD  # the height logos and the headline share
# The headline at 36 px (18 as shown, three lines fill the height) or more: a 10:1
# wordmark at its full weight took half the width and left a French headline four lines
# of 12 px ("résistent- / elles", a review by eye). Beside the headline the logo gives
# way to LEAST_ROOM first, and a wide one then goes above the headline, which takes the
# whole width beneath it.
HEADLINE_FLOOR = 36
LEAST_ROOM = replace(LOGO_ROOM, weight=12_000)
WIDE = 4.0  # a logo this much wider than tall may stand above the headline
STACK_GAP = 10
VENDOR_AREA = 260  # px at the right the vendor's logo may take


@dataclass(frozen=True)
class Layout:
    """Where the partner's logo goes: beside the headline in `room`, or, when `stacked`
    (its size) is set, above it."""

    room: LogoRoom
    vendor: Image.Image | None
    stacked: tuple[int, int] | None = None


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
    layout = _layout(brand, headline, font_path, lang, vendor)
    if layout.stacked is not None:  # a wide logo above the headline, which gets the width
        _stacked(image, brand, layout, headline, font_path, lang, light)
    else:
        _beside(image, brand, layout, headline, font_path, lang, light)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _light(image: Image.Image) -> bool:
    """An RGB picture lighter than mid-grey on average."""
    mean = image.resize((1, 1)).getpixel((0, 0))
    assert isinstance(mean, tuple)  # RGB: one value a band
    return sum(mean) > 382


def _layout(
    brand: BrandContext, headline: str, font_path: str, lang: str, vendor: Image.Image | None
) -> Layout:
    """The first layout that sets the headline at HEADLINE_FLOOR or more, else the one
    that sets it largest: the logo beside it at its full weight, at LEAST_ROOM's, or (a
    wide logo) above it. A partner shown by its name keeps the lockup's own rules, and a
    logo too wide for any place beside the headline goes above it when it can."""
    logo = open_logo(brand.logo_png) if brand.logo_kind != "name" else None
    if logo is None:
        return Layout(LOGO_ROOM, vendor)
    if logo_size(logo, LOGO_ROOM) is None:  # a wordmark too wide to stand beside the
        # headline stands above it; with no size there either, the name lockup
        return Layout(LOGO_ROOM, vendor, _stacked_size(logo, vendor))
    tried: list[tuple[int, Layout]] = []
    for room in (LOGO_ROOM, LEAST_ROOM):
        shown = logo_size(logo, room)
        if shown is None:
            continue
        right = _vendor_box(vendor, shown[1])[0] - PAD
        size = fit_text(font_path, headline, right - shown[0] - 2 * PAD, AREA, lang)[0]
        if size >= HEADLINE_FLOOR:
            return Layout(room, vendor)
        tried.append((size, Layout(room, vendor)))
    stacked = _stacked_size(logo, vendor)
    if stacked is not None:
        right = _vendor_box(vendor, stacked[1])[0] - PAD
        size = fit_text(font_path, headline, right - PAD, AREA - stacked[1] - STACK_GAP, lang)[0]
        tried.append((size, Layout(LOGO_ROOM, vendor, stacked)))
    return max(tried, key=lambda pair: pair[0])[1]  # the first of equals: beside


def _stacked_size(logo: Image.Image, vendor: Image.Image | None) -> tuple[int, int] | None:
    """A wide logo's size above the headline: its least readable height, when its width
    fits beside the vendor's logo."""
    if logo.width < WIDE * logo.height:
        return None
    least = LOGO_ROOM.min_short
    width = _vendor_box(vendor, round(least))[0] - 2 * PAD
    return logo_size(logo, LogoRoom(max_width=width, max_height=least, weight=1, min_short=least))


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
    _lines(image, headline, text_box, font_path, _ink(light), lang)


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
    right = _vendor(image, layout.vendor, height) - PAD
    size, lines = fit_text(font_path, headline, right - PAD, AREA - height - STACK_GAP, lang)
    text_height = math.ceil(len(lines) * size * LINE_HEIGHT)
    top = PAD + (AREA - height - STACK_GAP - text_height) // 2
    logo = open_logo(brand.logo_png)
    assert logo is not None
    fitted = logo.resize((width, height), Image.Resampling.LANCZOS)
    _paste_logo(image, brand, logo, fitted, (PAD, top))
    text_top = top + height + STACK_GAP
    text_box = (PAD, text_top, right, text_top + text_height)
    _lines(image, headline, text_box, font_path, _ink(light), lang)


def _ink(light: bool) -> tuple[int, int, int]:
    return (20, 24, 33) if light else (255, 255, 255)


def _vendor_box(vendor: Image.Image | None, partner_height: int) -> tuple[int, int, int, int]:
    """Where the vendor's logo goes: at the right, never taller than the partner's."""
    width, height = SIZE
    if vendor is None:
        return (width - PAD, 0, width - PAD, 0)
    tallest = max(48, min(100, partner_height))
    top = (height - BAND - tallest) // 2
    fitted = _fit(vendor, (VENDOR_AREA - PAD, tallest))
    return (width - PAD - fitted.width, top, width - PAD, top + tallest)


def _vendor(image: Image.Image, vendor: Image.Image | None, partner_height: int) -> int:
    """The vendor's logo drawn; returns its left edge."""
    box = _vendor_box(vendor, partner_height)
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
    shown = logo_size(logo, room) if logo is not None and brand.logo_kind != "name" else None
    if logo is None or shown is None:
        mark = mark_beside_name(logo, LOGO_ROOM) if brand.logo_kind != "name" else None
        return _name(image, brand, box, font_path, lang, light, mark), True
    fitted = logo.resize(shown, Image.Resampling.LANCZOS)
    _paste_logo(image, brand, logo, fitted, (left, top + (bottom - top - fitted.height) // 2))
    return (left + fitted.width, fitted.height), brand.logo_shows_name


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
    if brand.logo_on_plate in ("dark", "mid") and not opaque(logo):
        pad = 10
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


def _fit(logo: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Within the box, and never more than twice its own size: a 16 px logo blown up
    eightfold is a blur, not a brand."""
    most = (min(box[0], logo.width * 2), min(box[1], logo.height * 2))
    return ImageOps.contain(logo, most)


def _logo_right(image: Image.Image, logo: Image.Image, box: tuple[int, int, int, int]) -> int:
    left, top, right, bottom = box
    fitted = _fit(logo, (right - left, bottom - top))
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
