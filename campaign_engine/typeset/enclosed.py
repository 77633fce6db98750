"""What of a logo a reader sees on a ground, by where its parts are, not only their
colours: a part that does not stand out there but is enclosed by parts that do reads as
part of the mark. A crimson ring around a white disc reads on white as a badge; by its
colours alone it was half white, "too pale to be seen on white", and was put on a navy
plate everywhere (a review by eye). White letters on a coloured badge are the same case.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

SIDE = 128  # px: measured on a copy at most this large (shares do not change)
DRAWN = 64  # alpha above which a pixel is drawn
SEEN, UNSEEN, OUTSIDE = 255, 0, 128
NOT_DRAWN = (1, 2, 3)  # no colour rounded to 16 levels (each ends in 8) is this one
FEW = 48  # unseen colours masked one by one with Pillow; past this, pixel by pixel


@lru_cache(maxsize=1024)
def seen_share(png: bytes, ground: str, seen: Callable[[str, str], bool]) -> float:
    """The share of the logo's drawn pixels that are seen on `ground`: those `seen(colour,
    ground)` says stand out (colours rounded to 16 levels a channel, as the histograms
    are), and those they enclose, which no path of unseen or transparent pixels joins to
    the image's edge."""
    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    image.thumbnail((SIDE, SIDE))
    drawn = image.getchannel("A").point(lambda a: 255 if a > DRAWN else 0)
    rounded = image.convert("RGB").point(lambda v: v & 0xF0 | 8)
    rounded = Image.composite(rounded, Image.new("RGB", image.size, NOT_DRAWN), drawn)
    # an RGB image's colours are triples (getcolors is typed for any mode)
    counts = [(n, tuple(c)) for n, c in rounded.getcolors(image.width * image.height) or []]  # type: ignore[arg-type]
    total = sum(n for n, colour in counts if colour != NOT_DRAWN)
    if not total:
        return 0.0
    unseen = [
        colour
        for _, colour in counts
        if colour != NOT_DRAWN and not seen("#{:02x}{:02x}{:02x}".format(*colour), ground)
    ]
    if not unseen:
        return 1.0  # the common case: every part stands out, nothing to enclose
    if len(unseen) == sum(1 for _, colour in counts if colour != NOT_DRAWN):
        return 0.0  # nothing stands out, so nothing encloses
    marks = _marks(rounded, drawn, unseen)
    framed = Image.new("L", (image.width + 2, image.height + 2), UNSEEN)  # a free ring
    framed.paste(marks, (1, 1))
    ImageDraw.floodfill(framed, (0, 0), OUTSIDE)  # everything the edge reaches unseen
    inside = framed.crop((1, 1, image.width + 1, image.height + 1))
    inside = inside.point(lambda v: 0 if v == OUTSIDE else 255)
    # drawn pixels that are seen or enclosed by what is seen
    counted = ImageChops.multiply(inside, drawn)
    return counted.histogram()[SEEN] / total


def _marks(rounded: Image.Image, drawn: Image.Image, unseen: list[tuple[int, ...]]) -> Image.Image:
    """SEEN where a drawn pixel's colour stands out, UNSEEN elsewhere."""
    if len(unseen) <= FEW:
        hidden = Image.new("L", rounded.size, 0)
        for colour in unseen:
            off = ImageChops.difference(rounded, Image.new("RGB", rounded.size, colour))
            same = off.convert("L").point(lambda v: 255 if v == 0 else 0)
            hidden = ImageChops.lighter(hidden, same)
        return ImageChops.subtract(drawn, hidden)
    skip = set(unseen)
    values = bytes(
        UNSEEN if colour == NOT_DRAWN or colour in skip else SEEN
        for colour in rounded.get_flattened_data()
    )
    return Image.frombytes("L", rounded.size, values)
