"""Where the signature banner's parts go (renderers.signature draws them): the sizes of
the banner, and the layout that gives the partner's logo its weight and the headline its
size, beside each other or a wide logo above the headline."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image, ImageOps

from campaign_engine.domain.logo_fit import LogoRoom
from campaign_engine.ports import BrandContext
from renderers.logos import logo_size, opaque, open_logo
from renderers.text_fit import fit_text

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
NAME_FONT = 36  # px: the largest the name is set at when it stands for the logo, under the
# headline's most (40): at 56 a Greek name on two lines outweighed the message (a review by eye)
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
# ... and at most 40 (20 as shown): a 1:4 stack left the headline 800 px and it was set at
# 64, twice a wide wordmark's partner's, and at 48 still 1.5 times; a sales team's
# signatures side by side read as one campaign when their headlines are one size (a
# review by eye).
HEADLINE_MOST = 40
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


def layout(
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
        # headline stands above it; with no size there, or none that leaves the headline
        # STACKED_FLOOR (a 15:1 wordmark on its plate left one line of 11 px), the lockup
        stacked = stacked_size(logo, vendor)
        if stacked is None or _stacked_headline(brand, logo, headline, font_path, lang,
                                                vendor, stacked) < STACKED_FLOOR:  # fmt: skip
            return Layout(LOGO_ROOM, vendor)
        return Layout(LOGO_ROOM, vendor, stacked)
    tried: list[tuple[int, Layout]] = []
    inset = plate_pad(brand, logo)
    for room in (LOGO_ROOM, LEAST_ROOM):
        shown = logo_size(logo, inside_plate(room, inset))
        if shown is None:
            continue
        right = vendor_box(vendor, shown[1])[0] - PAD
        beside = right - shown[0] - 2 * inset - 2 * PAD
        size = fit_text(font_path, headline, beside, AREA, lang, HEADLINE_MOST)[0]
        if size >= HEADLINE_FLOOR:
            return Layout(room, vendor)
        tried.append((size, Layout(room, vendor)))
    stacked = stacked_size(logo, vendor)
    if stacked is not None:
        size = _stacked_headline(brand, logo, headline, font_path, lang, vendor, stacked)
        tried.append((size, Layout(LOGO_ROOM, vendor, stacked)))
    if not tried:  # no size of it fits inside its plate, nor above the headline
        return Layout(LOGO_ROOM, vendor)
    return max(tried, key=lambda pair: pair[0])[1]  # the first of equals: beside


STACKED_FLOOR = 30  # px (15 as shown): a headline below a wide logo no smaller than this


def _stacked_headline(
    brand: BrandContext,
    logo: Image.Image,
    headline: str,
    font_path: str,
    lang: str,
    vendor: Image.Image | None,
    stacked: tuple[int, int],
) -> int:
    """The headline's size below a wide logo (and its plate) of `stacked` size."""
    right = vendor_box(vendor, stacked[1])[0] - PAD
    block = stacked[1] + 2 * plate_pad(brand, logo) + STACK_GAP
    return fit_text(font_path, headline, right - PAD, AREA - block, lang, HEADLINE_MOST)[0]


def stacked_size(logo: Image.Image, vendor: Image.Image | None) -> tuple[int, int] | None:
    """A wide logo's size above the headline: its least readable height, when its width
    fits beside the vendor's logo."""
    if logo.width < WIDE * logo.height:
        return None
    least = LOGO_ROOM.min_short
    width = vendor_box(vendor, round(least))[0] - 2 * PAD
    return logo_size(logo, LogoRoom(max_width=width, max_height=least, weight=1, min_short=least))


def vendor_box(vendor: Image.Image | None, partner_height: int) -> tuple[int, int, int, int]:
    """Where the vendor's logo goes: at the right, never taller than the partner's."""
    width, height = SIZE
    if vendor is None:
        return (width - PAD, 0, width - PAD, 0)
    tallest = max(48, min(100, partner_height))
    top = (height - BAND - tallest) // 2
    fitted = fit_within(vendor, (VENDOR_AREA - PAD, tallest))
    return (width - PAD - fitted.width, top, width - PAD, top + tallest)


def fit_within(logo: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Within the box, and never more than twice its own size: a 16 px logo blown up
    eightfold is a blur, not a brand."""
    most = (min(box[0], logo.width * 2), min(box[1], logo.height * 2))
    return ImageOps.contain(logo, most)


PLATE_PAD = 14  # px (7 as shown) of plate around a logo: at 10 its letters touched the edge


def plate_pad(brand: BrandContext, logo: Image.Image) -> int:
    """The plate's margin around the partner's logo, 0 when it is drawn with none: a light
    logo gets the dark plate on white, one of light and dark parts the grey one."""
    drawn = brand.logo_on_plate in ("dark", "mid") and not opaque(logo)
    return PLATE_PAD if drawn else 0


def inside_plate(room: LogoRoom, inset: int) -> LogoRoom:
    """The room a logo has inside its plate: the plate, not the logo, starts at the
    banner's margin and fills its height (a plate 10 px from the edge, the headline 8 px
    after it: a review by eye)."""
    return replace(room, max_height=room.max_height - 2 * inset) if inset else room
