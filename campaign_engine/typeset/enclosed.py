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

from PIL import Image, ImageDraw

SIDE = 128  # px: measured on a copy at most this large (shares do not change)
DRAWN = 64  # alpha above which a pixel is drawn
SEEN, UNSEEN, OUTSIDE = 255, 0, 128


@lru_cache(maxsize=1024)
def seen_share(png: bytes, ground: str, seen: Callable[[str, str], bool]) -> float:
    """The share of the logo's drawn pixels that are seen on `ground`: those `seen(colour,
    ground)` says stand out (colours rounded to 16 levels a channel, as the histograms
    are), and those they enclose, which no path of unseen or transparent pixels joins to
    the image's edge."""
    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    image.thumbnail((SIDE, SIDE))
    width, height = image.size
    verdicts: dict[tuple[int, int, int], bool] = {}
    values = bytearray()
    drawn = 0
    for r, g, b, a in image.get_flattened_data():  # type: ignore[misc]
        if a <= DRAWN:
            values.append(UNSEEN)
            continue
        drawn += 1
        key = (r & 0xF0 | 8, g & 0xF0 | 8, b & 0xF0 | 8)
        if key not in verdicts:
            verdicts[key] = seen("#{:02x}{:02x}{:02x}".format(*key), ground)
        values.append(SEEN if verdicts[key] else UNSEEN)
    marks = Image.new("L", (width + 2, height + 2), UNSEEN)  # a free ring all round
    marks.paste(Image.frombytes("L", (width, height), bytes(values)), (1, 1))
    if not drawn:
        return 0.0
    ImageDraw.floodfill(marks, (0, 0), OUTSIDE)  # everything the edge reaches unseen
    alpha = image.getchannel("A").point(lambda a: 255 if a > DRAWN else 0)
    inside = marks.crop((1, 1, width + 1, height + 1)).point(lambda v: 0 if v == OUTSIDE else 255)
    # drawn pixels that are seen or enclosed by what is seen
    counted = Image.composite(inside, Image.new("L", inside.size, 0), alpha)
    return counted.histogram()[SEEN] / drawn
