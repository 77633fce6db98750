"""Partner logos: hostile until proven otherwise, then normalised to one trimmed PNG."""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from importlib import resources
from math import hypot
from pathlib import Path

from PIL import Image, ImageChops, ImageStat, UnidentifiedImageError

from campaign_engine.domain.brand import (
    AA_NORMAL,
    LIGHT_TEXT,
    NON_TEXT,
    PLATE_COLOURS,
    contrast_ratio,
    delta_e,
    lab,
    luminance_contrast,
    plate_for_logo,
    relative_luminance,
    white_brand,
)
from campaign_engine.errors import InvalidInput
from campaign_engine.services.assets.brand.svg import looks_like_svg, rasterise_svg
from campaign_engine.typeset.enclosed import seen_share
from campaign_engine.typeset.logo_size import (
    band_extrema,
    colour_histogram,
    least_contrast,
    neutral,
    shows_by_hue,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_ASPECT = 40  # a 40:1 wordmark is already a strip at any size an asset gives it
ACCEPTED = {"PNG", "JPEG", "WEBP"}
# A logo is kept at most 600 px on a side and 120,000 px in all (a 3:1 logo 600x200, a
# square 346x346, a 1:4 stack 150x600): a box of 600x200 kept a 1:4 logo 50 px wide, which
# the email then showed at 1.7 pixels a screen pixel and blamed on the partner's upload
# (a review by eye).
BOX = (600, 600)
MAX_AREA = 600 * 200
# The package's own font, found from the package (not by counting folders up from this
# file: moving the module one folder deeper once made it a path to nothing, and the
# lockup fell back to another font, a few pixels taller).
FONT = Path(str(resources.files("campaign_engine"))) / "assets" / "DejaVuSans-Bold.ttf"
EDGE_TOLERANCE = 24  # per channel: JPEG noise on a white margin stays "white"
MARK_TOLERANCE = 12  # per channel: a margin pixel this far off its colour is drawn
FAINT_REACH = 0.03  # share of a side: faint pixels reaching this far past the marks are art
UNIFORM = 0.97  # share of a side's pixels that must match for it to count as margin
NEAR_WHITE = 230  # every channel at least this: a background, not a badge
OPAQUE = 250  # the least alpha of a logo that shows nothing through


def normalise_logo(data: bytes, *, where: str) -> bytes:
    """Validate and normalise: a PNG no larger than 600x200 with its margin trimmed."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"logo is {len(data) // 1024} KB; the limit is 5 MB", where=where)
    if looks_like_svg(data):
        data = rasterise_svg(data, where=where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED:
                    raise InvalidInput(
                        f"logo is {probe.format or 'unknown'}; use PNG, JPEG, WebP or SVG",
                        where=where,
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise InvalidInput(
                        f"logo is {probe.width}x{probe.height} pixels; too large", where=where
                    )
                if max(probe.size) > MAX_ASPECT * min(probe.size):
                    # and Pillow's cost is per row: a 1x25,000,000 PNG of 97 KB took 1.5 GB
                    message = f"logo is {probe.width}x{probe.height} pixels; at most {MAX_ASPECT}:1"
                    raise InvalidInput(message, where=where)
                probe.verify()
            with Image.open(io.BytesIO(data)) as source:
                source.load()
                image = to_rgba(source)
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            "logo declares far too many pixels (a decompression bomb)", where=where
        ) from None
    except UnidentifiedImageError:
        raise InvalidInput(
            "logo is not a readable PNG, JPEG, WebP or SVG image", where=where
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(f"logo is damaged ({exc})", where=where) from None
    # no colour profile passed on (arbitrary bytes in every page showing it); taken as sRGB
    image.info.pop("icc_profile", None)
    image = image.crop(_content_box(image, where))
    image = kept_size(image)
    # What the trim counts as transparent is transparent: a palette export's alpha of 1 to
    # 8 around the artwork drew a faint grey box on a coloured page (a review by eye).
    image.putalpha(image.getchannel("A").point(lambda a: 0 if a <= 8 else a))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def kept_size(image: Image.Image) -> Image.Image:
    """The image within BOX and MAX_AREA, its shape kept; never enlarged."""
    image.thumbnail(BOX, Image.Resampling.LANCZOS)
    if image.width * image.height > MAX_AREA:
        scale = (MAX_AREA / (image.width * image.height)) ** 0.5
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def fills_kept_size(width: int, height: int) -> bool:
    """A logo as large as the engine keeps one: a larger upload changes nothing."""
    return width >= BOX[0] or height >= BOX[1] or width * height >= MAX_AREA * 0.98


def to_rgba(image: Image.Image) -> Image.Image:
    """Any mode Pillow opens, as RGBA with its picture intact. Pillow's own convert clips
    16- and 32-bit greyscale to 8 bits (a 16-bit PNG turns white), so those are scaled
    down first; palette and greyscale transparency become alpha."""
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        wide = image.convert("F") if image.mode == "F" else image.convert("I")
        top = band_extrema(wide)[1] or 1
        scale = 255 / 65535 if top > 255 else 1.0
        if top > 65535:
            scale = 255 / top
        image = wide.point(lambda v: v * scale).convert("L")
    elif image.mode == "CMYK":
        image = image.convert("RGB")
    elif image.mode == "P" and "transparency" in image.info:
        image = image.convert("PA")
    return image.convert("RGBA")


def _content_box(image: Image.Image, where: str) -> tuple[int, int, int, int]:
    """Trim transparency; on an opaque logo, trim only a near-white margin that runs
    uniform along a whole side. A coloured or dark ground edge to edge is the logo's own
    badge and is kept, and a mark touching a corner stops the trim on its sides."""
    bbox = image.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    if bbox is None:
        raise InvalidInput("logo is fully transparent", where=where)
    if bbox != (0, 0, image.width, image.height):
        return bbox
    rgb = image.convert("RGB")
    margin = _margin_colour(rgb)
    if margin is None:
        return bbox
    red, green, blue = ImageChops.difference(rgb, Image.new("RGB", rgb.size, margin)).split()
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    marks = strongest.point(lambda v: 255 if v > EDGE_TOLERANCE else 0).getbbox()
    faint = strongest.point(lambda v: 255 if v > MARK_TOLERANCE else 0).getbbox()
    if marks is None or faint is None:
        return faint or bbox
    # A pale part (a #fbe9eb disc, 22 off white) reaching well past the marks is artwork,
    # and the trim cut into it; JPEG ringing a few pixels around the marks is not.
    reach = max(abs(f - m) / side for f, m, side in zip(faint, marks, image.size * 2, strict=True))
    return faint if reach > FAINT_REACH else marks


def _margin_colour(rgb: Image.Image) -> tuple[int, int, int] | None:
    """The near-white colour of the sides that are one colour all along, or None."""
    w, h = rgb.size
    sides = [
        rgb.crop(box) for box in ((0, 0, w, 1), (0, h - 1, w, h), (0, 0, 1, h), (w - 1, 0, w, h))
    ]
    for side in sides:
        red, green, blue = (int(v) for v in ImageStat.Stat(side).median)  # an RGB side
        colour = (red, green, blue)
        if min(colour) < NEAR_WHITE:
            continue
        off = ImageChops.difference(side, Image.new("RGB", side.size, colour)).convert("L")
        matching = off.point(lambda v: 255 if v <= EDGE_TOLERANCE else 0)
        if ImageStat.Stat(matching).mean[0] / 255 >= UNIFORM:
            return colour
    return None


def logo_luminance(png: bytes) -> float:
    """Mean relative luminance of the logo's visible pixels (alpha-weighted)."""
    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
        mask = rgba.getchannel("A").point(lambda a: 255 if a > 64 else 0)
        if mask.getbbox() is None:
            return 0.0
        r, g, b = (int(v) for v in ImageStat.Stat(rgba.convert("RGB"), mask).mean)
    return relative_luminance(f"#{r:02x}{g:02x}{b:02x}")


@lru_cache(maxsize=4096)
def luminance_of(png: bytes) -> float:
    """Cached by logo: decoding the image for every work item was measurable."""
    return logo_luminance(png)


def logo_plate(png: bytes) -> str | None:
    """The plate a logo needs on white, or None. An opaque logo never gets one: its
    ground (a white or coloured box) is part of it, and a dark plate only framed it in
    black. Otherwise the plate its mean lightness asks for (domain.plate_for_logo), unless
    another ground that also sets the logo off at 3:1 on average (preflight's rule) loses
    clearly less of it: a bright mark with cream letters averaged dark, and on white the
    letters vanished. Never a plate that hides what reads on the page (a navy wordmark
    with a pale glow, 8.95:1 on white, got the dark plate by pixel count and its letters
    went to 1.73:1), unless every other ground loses a fifth of the logo or fails to set
    it off at 3:1 on average (preflight's rule)."""
    if is_opaque(png):
        return None
    every = [None, "white", "dark"]
    kept = [p for p in every if not _hides_what_reads(png, p)]
    chosen = _plate_among(png, kept)
    shows_poorly = chosen != "mid" and (
        lost_share(png, chosen) > MID_LOST or not stands_out(png, chosen)
    )
    if kept != every and shows_poorly:
        chosen = _plate_among(png, every)  # nothing else shows it: as before
    return chosen


def _mean_contrast(png: bytes, plate: str | None) -> float:
    """How the logo's mean lightness stands out from the plate's ground (preflight's
    logo_contrast measures the same)."""
    return luminance_contrast(relative_luminance(PLATE_GROUNDS[plate]), luminance_of(png))


@lru_cache(maxsize=4096)
def stands_out(png: bytes, plate: str | None) -> bool:
    """Whether the logo is seen on `plate`'s ground (None: the white page): its mean
    lightness at 3:1 from it, or the half of it that makes its main part at 3:1 on its
    own. A green wordmark with a yellow dot averages 2.9:1 on white, where its letters
    read at 3.5:1, and was put on a navy tile (a review by eye). What those parts enclose
    counts with them (typeset.enclosed). Preflight's logo_contrast asks the same."""
    if _mean_contrast(png, plate) >= NON_TEXT:
        return True
    return seen_share(png, PLATE_GROUNDS[plate], _seen) >= MAIN_PART


def _seen(colour: str, ground: str) -> bool:
    return _seen_on(colour, ground, neutral(ground))


def _seen_on(colour: str, ground: str, by_hue: bool) -> bool:
    """A part of a logo is seen on a ground at 3:1 in lightness, or, on a pale neutral
    ground (`by_hue`), by its hue: an orange badge (2.3:1 on white) and a lime disc (1.3:1)
    were put on navy tiles that a designer would never have drawn (a review by eye)."""
    if contrast_ratio(colour, ground) >= NON_TEXT:
        return True
    return by_hue and shows_by_hue(delta_e(colour, ground), contrast_ratio(colour, ground))


def _plate_among(png: bytes, grounds: list[str | None]) -> str | None:
    """The first ground the logo stands out on (no plate first), unless another loses
    clearly more than its edges (MINOR_LOST) less of it: a red wordmark whose pale
    anti-aliasing made a tenth of it "lost" on white went on a navy tile."""
    fair = [p for p in grounds if stands_out(png, p)]
    preferred = fair[0] if fair else plate_for_logo(luminance_of(png))
    if preferred not in grounds:
        preferred = grounds[0]
    best = min(fair or [preferred], key=lambda p: lost_share(png, p))
    if lost_share(png, best) > MID_LOST and _mid_shows(png, lost_share(png, best)):
        return "mid"  # light and dark parts both: every other ground hides one of them
    if lost_share(png, preferred) <= max(lost_share(png, best) + LOST_MARGIN, MINOR_LOST):
        return preferred
    return best


def _hides_what_reads(png: bytes, plate: str | None) -> bool:
    """Whether `plate` loses a tenth of the logo or more that reads on the white page
    (AA contrast, 4.5:1): those parts are what the logo says (its letters, as a rule)."""
    if plate is None:
        return False
    ground = PLATE_GROUNDS[plate]
    hidden = sum(
        share
        for colour, share in colour_shares(png)
        if contrast_ratio(colour, LIGHT_TEXT) >= AA_NORMAL and _lost_on(colour, ground)
    )
    return hidden >= READS_KEPT


def _lost_on(colour: str, ground: str) -> bool:
    difference = delta_e(colour, ground)
    return difference < LOST_DELTA_E or (
        contrast_ratio(colour, ground) < LOW_CONTRAST and difference < LOST_DELTA_E * 2
    )


def _mid_shows(png: bytes, lost_elsewhere: float) -> bool:
    """The grey plate loses clearly less of the logo, and sets all but a tenth of it off
    at 3:1 (preflight's rule on that plate): a green dot, black letters and lilac ones
    fared no better on grey than on white."""
    return lost_share(png, "mid") + LOST_MARGIN < lost_elsewhere and (
        least_contrast(png, PLATE_COLOURS["mid"]) >= NON_TEXT
    )


@lru_cache(maxsize=4096)
def lost_share(png: bytes, plate: str | None) -> float:
    """The share of a logo's visible pixels a reader loses against `plate`'s ground (None:
    the white page): colours within LOST_DELTA_E of it, or of low contrast and not far
    from it in colour (near-black letters on the dark plate). A mean lightness hides
    these: a green mark with black letters averages out fine on a dark plate."""
    return 1.0 - seen_share(png, PLATE_GROUNDS[plate], _kept)


def _kept(colour: str, ground: str) -> bool:
    """Not lost on `ground` (what such parts enclose is not lost either: typeset.enclosed)."""
    return not _lost_on(colour, ground)


# What a plate (or none: the page's white) shows a logo against.
PLATE_GROUNDS = {None: LIGHT_TEXT} | PLATE_COLOURS
LOST_DELTA_E = 25.0  # CIE76: a part of a logo this close to its ground is not seen
LOW_CONTRAST = 1.5  # and one this dark on dark (or light on light) is barely seen
LOST_MARGIN = 0.05  # share of the logo: less than this is not worth another plate
MID_LOST = 0.2  # a fifth of a logo lost on white and on dark: the grey plate, which shows both
READS_KEPT = 0.1  # share of a logo that reads on white which no plate may hide
MINOR_LOST = 0.15  # share of a logo lost on a ground that stays minor: edges, a glow
MAIN_PART = 0.5  # share of a logo at 3:1 on a ground that sets it off there


@lru_cache(maxsize=4096)
def colour_shares(png: bytes) -> tuple[tuple[str, float], ...]:
    """The logo's visible colours (rounded to 16 levels a channel) and the share of its
    visible pixels each covers, from a 128 px copy."""
    counts = colour_histogram(png, 128)
    total = sum(counts.values()) or 1
    return tuple((colour, n / total) for colour, n in counts.items())


@lru_cache(maxsize=4096)
def is_opaque(png: bytes) -> bool:
    """No pixel of the logo lets its background through (preflight's rule too)."""
    with Image.open(io.BytesIO(png)) as image:
        return band_extrema(image.convert("RGBA").getchannel("A"))[0] >= OPAQUE


@lru_cache(maxsize=4096)
def is_blank(png: bytes) -> bool:
    """An opaque near-white logo with nothing on its ground a reader can tell from it: a
    white rectangle, or a white JPEG whose faint artwork is within JPEG noise of white
    (a plain coloured tile is a mark, not a blank). It shows
    nothing on any asset (a generated partner's email had an empty white box where its
    logo belonged), so the partner's name stands in for it (brand.context.partner_logo)."""
    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    if band_extrema(rgba.getchannel("A"))[0] < OPAQUE:
        return False  # drawn on transparency: a plate sets off whatever it draws
    rgb = rgba.convert("RGB")
    ground = rgb.getpixel((0, 0))
    assert isinstance(ground, tuple)  # RGB: a tuple a pixel
    if min(ground) < 255 - BLANK_TOLERANCE:
        return False  # a plain coloured tile (a purple square mark) shows as itself
    flat = Image.new("RGB", rgb.size, ground)
    spread = ImageChops.difference(rgb, flat).getextrema()
    return max(high for _, high in spread) <= BLANK_TOLERANCE  # type: ignore[misc]


BLANK_TOLERANCE = 40  # per channel: JPEG noise and a faint tint on a ground are not a logo


# A logo smaller than this on both sides is a favicon, not a logo: shown alone it reads as
# a stray pixel, so the assets set the partner's name beside it (mark_lockup). 48 px tall:
# a 40x40 mark was shown alone, blurred, with the partner's name nowhere (a review by eye).
MARK_SIZE = (96, 48)


@lru_cache(maxsize=4096)
def is_mark(png: bytes) -> bool:
    with Image.open(io.BytesIO(png)) as image:
        return image.width < MARK_SIZE[0] and image.height < MARK_SIZE[1]


COLOURFUL = 20.0  # CIE L*a*b* chroma: above this a colour reads as a hue, not a grey
LOGO_COLOUR_SHARE = 0.05  # of the logo's visible pixels: less is an edge or a speck


@lru_cache(maxsize=4096)
def logo_brand_colour(png: bytes) -> str | None:
    """The colour a white brand with no other colour fills with: its logo's most common
    hue; None for a logo without one (a black-and-white identity keeps its white fills,
    edged). Every band, button and link of a white brand with a coloured logo was a grey
    the engine made up, which a designer read as no brand at all."""
    shares = sorted(
        ((share, colour) for colour, share in colour_shares(png) if not white_brand(colour)),
        reverse=True,
    )
    for share, colour in shares:
        _, a, b = lab(colour)
        if share >= LOGO_COLOUR_SHARE and hypot(a, b) >= COLOURFUL:
            return colour
    return None  # a black-and-white identity keeps its white, with an edge
