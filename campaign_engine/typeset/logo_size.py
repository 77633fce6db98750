"""The size a renderer shows a partner's logo at: its visual weight in the asset's room
(campaign_engine.domain.logo_fit), brought down towards what its pixels can carry, never
below the room's least short side. One rule for the email, the embed and the brochure."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image

from campaign_engine.domain.logo_fit import LogoRoom, fit_logo

NEAR_WHITE_DELTA_E = 7.0  # an opaque logo's ground this close to white is the page's own
# (a JPEG's white came out #fffff5, 5.1 off: at 5 it read as a cream badge of its own)
GROUND_TOLERANCE = 16  # per channel: JPEG noise in a white ground is still ground


@lru_cache(maxsize=512)
def visible(png: bytes) -> bytes:
    """The logo cropped to what shows of it: its transparent margins (a generated lockup
    and a kit's vendor logo carry some), and an opaque logo's white ground around its
    artwork, which on a white page is page (a wordmark on a white JPEG ground was sized
    by its ground and printed 19 px tall inside a 30 px image)."""
    from PIL import ImageChops

    from campaign_engine.domain.brand import LIGHT_TEXT, delta_e

    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    box = image.getchannel("A").getbbox()
    if box is None:
        return png
    if box == (0, 0, image.width, image.height):
        ground = ground_colour(png)
        if delta_e(ground, LIGHT_TEXT) < NEAR_WHITE_DELTA_E:
            rgb = image.convert("RGB")
            plain = Image.new("RGB", rgb.size, tuple(int(ground[i : i + 2], 16) for i in (1, 3, 5)))
            r, g, b = ImageChops.difference(rgb, plain).split()
            marks = ImageChops.lighter(ImageChops.lighter(r, g), b)  # the largest channel
            box = marks.point(lambda v: 255 if v > GROUND_TOLERANCE else 0).getbbox() or box
    if box == (0, 0, image.width, image.height):
        return png
    out = io.BytesIO()
    image.crop(box).save(out, format="PNG")
    return out.getvalue()


def band_extrema(band: Image.Image) -> tuple[float, float]:
    """The least and greatest value of a one-band image (an alpha channel, a greyscale
    picture). Pillow's getextrema is typed for any image: a pair of pairs for several bands."""
    low, high = band.getextrema()
    if isinstance(low, tuple) or isinstance(high, tuple):
        raise ValueError(f"a {band.mode} image has more than one band")
    return low, high


@lru_cache(maxsize=512)
def opaque(png: bytes) -> bool:
    """A logo with no transparent pixel brings its own ground: no plate goes behind it (a
    white-ground logo on a dark plate looked framed in black)."""
    with Image.open(io.BytesIO(png)) as image:
        return band_extrema(image.convert("RGBA").getchannel("A"))[0] >= 250


def pixel_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


@lru_cache(maxsize=512)
def logo_size(png: bytes, room: LogoRoom, pixels_per_unit: float) -> tuple[float, float] | None:
    """(width, height) in the room's unit, or None when no readable size fits (the asset
    then sets the partner's name). A logo with fewer pixels than `pixels_per_unit` per unit
    at its weight is shown smaller, so a small upload is not blown up to a blur, but its
    short side stays at least `room.min_short`: readable beats sharp."""
    width, height = pixel_size(png)
    fit = fit_logo(width, height, room)
    if fit is None:
        return None
    shown_w, shown_h = fit
    read_w, read_h = read_share(png)
    least = room.min_short / min(read_w, read_h)  # the read part's short side at min_short
    sharp = width / pixels_per_unit  # the widest it can be shown at full sharpness
    if shown_w > sharp:
        shrink = max(sharp / shown_w, least / min(shown_w, shown_h))
        if shrink < 1.0:
            shown_w, shown_h = shown_w * shrink, shown_h * shrink
    short_read = min(shown_w * read_w, shown_h * read_h)
    if short_read < room.min_short:
        # a pale part (a blush disc beside dark letters) is drawn but hardly seen: the
        # letters must reach the least size, as far as the room allows (they read 15 px)
        grow = min(
            READ_MARGIN * room.min_short / short_read,
            room.max_width / shown_w,
            room.max_height / shown_h,
        )
        shown_w, shown_h = shown_w * max(grow, 1.0), shown_h * max(grow, 1.0)
    return shown_w, shown_h


@lru_cache(maxsize=512)
def read_share(png: bytes) -> tuple[float, float]:
    """The width and height, as fractions of the image, of the part that reads on white:
    pixels at least READS off it on some channel. (1, 1) for nearly every logo; less for
    one with a faint part at an edge, which is drawn but not what a reader reads."""
    from PIL import ImageChops

    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    image.thumbnail((400, 400))
    plain = Image.new("RGBA", image.size, (255, 255, 255, 255))
    red, green, blue = ImageChops.difference(
        Image.alpha_composite(plain, image).convert("RGB"), plain.convert("RGB")
    ).split()
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    box = strongest.point(lambda v: 255 if v > READS else 0).getbbox()
    if box is None:
        return 1.0, 1.0  # nothing reads on white (a white logo): its plate sets it off
    return (box[2] - box[0]) / image.width, (box[3] - box[1]) / image.height


READ_MARGIN = 1.04  # the read part a little over the least: whole pixels and mm round down
READS = 40  # per channel off white: a part this faint (a #fbe9eb disc) is seen, not read


# A pixel under WCAG's 3:1 for graphics against its ground does not show there (a dark
# teal wordmark on a black band, at 2:1, was all but gone).
HIDDEN_CONTRAST = 3.0
SHOWS = 0.2  # a logo shows on a ground when at most this share of it is hidden there
# (anti-aliased edges and a shadow are hidden on any ground)


def _linear(level: int) -> int:
    s = level / 255
    return round(255 * (s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4))


LINEAR_LUT = [_linear(level) for level in range(256)] * 3


@lru_cache(maxsize=512)
def luminance_histogram(png: bytes) -> tuple[int, ...]:
    """How many of the logo's visible pixels have each relative luminance (0..255): a
    many-coloured logo is not its mean (dark letters of a bright wordmark vanished on a
    dark band that its mean said it would show on)."""
    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    image.thumbnail((160, 160))
    mask = image.getchannel("A").point(lambda a: 255 if a > 64 else 0)
    linear = image.convert("RGB").point(LINEAR_LUT)
    luminance = linear.convert("L", (0.2126, 0.7152, 0.0722, 0))
    return tuple(luminance.histogram(mask=mask))


@lru_cache(maxsize=2048)
def hidden_share(png: bytes, ground: str) -> float:
    """The share of the logo's visible pixels that nearly vanish on `ground`: under 3:1
    in lightness and near it in colour too. By lightness alone a yellow disc was as lost
    on a white plate (1.4:1) as on the partner's own yellow band, so the band got no
    plate and the disc vanished into it (a review by eye); by its hue it shows on white.
    What the parts that show enclose shows with them (typeset.enclosed): the white disc
    inside a crimson ring is not lost on a white plate."""
    from campaign_engine.typeset.enclosed import seen_share

    return 1.0 - seen_share(png, ground, _shows_on)


def _shows_on(colour: str, ground: str) -> bool:
    from campaign_engine.domain.brand import delta_e, luminance_contrast, relative_luminance

    contrast = luminance_contrast(relative_luminance(colour), relative_luminance(ground))
    if contrast >= HIDDEN_CONTRAST:
        return True
    # on a coloured ground only lightness sets a part off: a navy logo on a red band (70
    # deltaE apart, 1.9:1) all but vanished (a review by eye)
    return neutral(ground) and shows_by_hue(delta_e(colour, ground), contrast)


def shows_by_hue(difference: float, contrast: float) -> bool:
    """A part under 3:1 from a pale neutral ground shows there by its hue when far from it
    in colour (HUE_SHOWS) and not all but as light (HUE_LEAST_CONTRAST): a lime disc at
    1.3:1 reads on white, "OX" in #fff200 at 1.17:1 did not, on any asset (a review by
    eye), though 93 deltaE from white."""
    return difference >= HUE_SHOWS and contrast >= HUE_LEAST_CONTRAST


def neutral(colour: str) -> bool:
    """A white or a pale grey: a ground a coloured part shows on by its hue alone. On black
    a navy part is lost whatever its hue (2:1), on a coloured band too."""
    from campaign_engine.domain.brand import lab

    lightness, a, b = lab(colour)
    return (a * a + b * b) ** 0.5 < NEUTRAL_CHROMA and lightness >= NEUTRAL_LIGHTNESS


NEUTRAL_CHROMA = 10.0  # CIE L*a*b* chroma under which a ground has no hue to speak of
NEUTRAL_LIGHTNESS = 85.0  # L* of a pale ground (white 100, the grey plate 49)


HUE_SHOWS = 35.0  # CIE76: a part this far from a pale ground in colour shows by its hue
HUE_LEAST_CONTRAST = 1.3  # but not when it is nearly as light as the ground (#fff200: 1.17)
# (a mint disc, 39 from white, beside dark letters went on a navy tile that hid the letters)


@lru_cache(maxsize=512)
def colour_histogram(png: bytes, side: int = 160) -> dict[str, int]:
    """The logo's visible pixels by colour (16 levels a channel), from a copy at most
    `side` px on a side."""
    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    image.thumbnail((side, side))
    counts: dict[str, int] = {}
    for pixel in image.get_flattened_data():
        assert isinstance(pixel, tuple)  # RGBA: a tuple a pixel
        r, g, b, a = pixel
        if a > 64:
            key = f"#{r & 0xF0 | 8:02x}{g & 0xF0 | 8:02x}{b & 0xF0 | 8:02x}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def least_contrast(png: bytes, ground: str, share: float = 0.1) -> float:
    """The contrast with `ground` that all but `share` of the logo's visible pixels reach:
    for a logo of light and dark parts, whose mean lightness is a grey that says nothing
    about either part."""
    from campaign_engine.domain.brand import luminance_contrast, relative_luminance

    histogram = luminance_histogram(png)
    g = relative_luminance(ground)
    ranked = sorted(
        (luminance_contrast(level / 255, g), count) for level, count in enumerate(histogram)
    )
    allowed = share * (sum(histogram) or 1)
    for contrast, count in ranked:
        allowed -= count
        if allowed < 0:
            return contrast
    return ranked[-1][0]


def plate_on(png: bytes, ground: str) -> str | None:
    """The plate ("white", "dark", or "mid" as a last resort) a logo with transparency
    needs on a coloured ground, or None when it shows there as it is: the plate that hides
    the least of it, and only if it hides less than the ground does. The grey plate only
    when white and dark each hide a fifth of it (light and dark parts both)."""
    from campaign_engine.domain.brand import NON_TEXT, PLATE_COLOURS

    bare = hidden_share(png, ground)
    if bare <= SHOWS:
        return None
    hides = {plate: hidden_share(png, colour) for plate, colour in PLATE_COLOURS.items()}
    best = min(("white", "dark"), key=hides.__getitem__)
    if (
        hides[best] > MID_HIDDEN
        and hides["mid"] < hides[best]
        and least_contrast(png, PLATE_COLOURS["mid"]) >= NON_TEXT
    ):
        best = "mid"  # light and dark parts both, and grey sets off nearly all of it
    return best if hides[best] < bare else None


MID_HIDDEN = 0.2


@lru_cache(maxsize=512)
def ground_colour(png: bytes) -> str:
    """The colour an opaque logo's own ground shows along its edges (the median of its
    outermost pixels), as #rrggbb."""
    from PIL import ImageStat

    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGB")
    w, h = image.size
    edges = [
        image.crop(box) for box in ((0, 0, w, 1), (0, h - 1, w, h), (0, 0, 1, h), (w - 1, 0, w, h))
    ]
    strip = Image.new("RGB", (sum(e.width * e.height for e in edges), 1))
    x = 0
    for edge in edges:
        flat = edge.resize((edge.width * edge.height, 1))
        strip.paste(flat, (x, 0))
        x += flat.width
    r, g, b = (int(v) for v in ImageStat.Stat(strip).median)
    return f"#{r:02x}{g:02x}{b:02x}"


def opaque_plate_on(png: bytes, ground: str) -> str | None:
    """An opaque logo brings its own ground and needs no plate, unless that ground is the
    colour it is set on: an orange badge on its own orange band left only its white bar
    to be seen. Then a white plate, as white as the QR code's card beside it, or a dark
    one for a ground too pale to stand out on white."""
    from campaign_engine.domain.brand import PLATE_COLOURS, delta_e

    edge = ground_colour(png)
    if delta_e(edge, ground) >= 10 and _share_near(png, ground) < MELTS:
        return None
    return "white" if delta_e(ground, PLATE_COLOURS["white"]) >= 20 else "dark"


MELTS = 0.5  # of an opaque logo the colour of the ground it is set on: it melts into it


@lru_cache(maxsize=512)
def _share_near(png: bytes, colour: str) -> float:
    """The share of the logo's pixels within 12 deltaE of `colour` (a rounded orange tile
    with white corners has a pale median edge, yet is the orange band's own colour: it
    dissolved into it, leaving its letters and four white corners; a review by eye)."""
    from campaign_engine.domain.brand import delta_e

    counts = colour_histogram(png)
    near = sum(n for c, n in counts.items() if delta_e(c, colour) < 12)
    return near / (sum(counts.values()) or 1)


def plate_on_fill(png: bytes, ground: str) -> str | None:
    """The plate a logo needs on a coloured ground (a band, a header): by its own ground
    when it is opaque (opaque_plate_on), by what of it the ground hides otherwise. An
    opaque logo on white is shown trimmed to its artwork (`visible`), so on a coloured
    ground its white comes back as a white plate around it: trimmed, a green square at
    its edge melted into the partner's green band (a review by eye)."""
    from campaign_engine.domain.brand import LIGHT_TEXT, delta_e

    if not opaque(png):
        return plate_on(png, ground)
    if white_ground(png):  # `visible` trims it
        return None if delta_e(ground, LIGHT_TEXT) < NEAR_WHITE_DELTA_E else "white"
    return opaque_plate_on(png, ground)


def white_ground(png: bytes) -> bool:
    """An opaque logo on a ground of (near) white, which `visible` trims on a white page."""
    from campaign_engine.domain.brand import LIGHT_TEXT, delta_e

    return opaque(png) and delta_e(ground_colour(png), LIGHT_TEXT) < NEAR_WHITE_DELTA_E


OWN_MARGIN = 0.15  # of a logo's short side: the margin of its own ground it gets back


def on_own_ground(png: bytes, ground: str) -> bytes:
    """A logo trimmed to its artwork with a margin of its own `ground` around it again:
    on a coloured band its ground is part of the logo as a reader sees it (a tile), sized
    with it, and no artwork touches the band (a green square melted into a green band)."""
    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGB")
    margin = max(1, round(min(image.size) * OWN_MARGIN))
    colour = tuple(int(ground[i : i + 2], 16) for i in (1, 3, 5))
    tile = Image.new("RGB", (image.width + 2 * margin, image.height + 2 * margin), colour)
    tile.paste(image, (margin, margin))
    out = io.BytesIO()
    tile.save(out, format="PNG")
    return out.getvalue()
