"""Where the logo is inside its image: the part a reader sees as the logo.

A rendered logo's size is its image box scaled by the share of the image the artwork
takes. Transparent margins do not count. A uniform ground around the artwork counts when
the reader sees it: the partner's own ground (a coloured badge, or a white box on a
coloured band) is part of its logo, unless it melts into what surrounds the image (a
white ground on a white page). The engine's plate (white, the dark #1d2433 or the grey
#71777f) is not the logo: a 220x18 wordmark on a 228x26 plate is 18 px tall.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import NamedTuple

from PIL import Image, ImageChops

RGB = tuple[int, int, int]
ALPHA = 24  # a pixel this opaque or more is drawn
RING_SHARE = 0.9  # the border this uniform is a ground, not artwork
GROUND_TOLERANCE = 40  # per channel: JPEG noise and anti-aliasing on a ground stay ground
SAME = 24  # per channel: two grounds this close are one colour to a reader
FAINT = 8  # per channel: artwork this close to its ground is drawn, but hardly seen
# the engine's white, dark (#1d2433) and grey (#71777f) plates
PLATES = ((255, 255, 255), (29, 36, 51), (113, 119, 127))


def own_ground(uploaded: bytes | None) -> RGB | None:
    """The opaque ground of the logo as the partner uploaded it (a badge's colour, a white
    box), or None when it has none (transparent, or artwork to its edges)."""
    if not uploaded:
        return None
    with Image.open(io.BytesIO(uploaded)) as source:
        image = source.convert("RGBA")
    image.thumbnail((400, 400))
    return _uniform_ring(image)


class Share(NamedTuple):
    """What reads as the logo, as fractions of its image."""

    left: float
    top: float
    right: float
    bottom: float
    melted: bool  # part of the logo (its ground, or artwork) is the colour around it


def visible_share(data: bytes, own: RGB | None = None, surround: RGB | None = None) -> Share | None:
    """What reads as the logo in its image; None when nothing in it is drawn. `own`: the
    uploaded logo's ground (`own_ground`); `surround`: the colour around the placed
    image (None: unknown, taken as white)."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGBA")
    width, height = image.size
    drawn = image.getchannel("A").point(lambda a: 255 if a >= ALPHA else 0)
    box = drawn.getbbox()
    if box is None:
        return None
    around = surround or (255, 255, 255)
    melted = False
    for _ in range(2):  # a plate, then the partner's ground inside it
        crop = image.crop(box)
        ring = _uniform_ring(crop)
        if ring is None:
            break
        if own is not None and _same(ring, own, GROUND_TOLERANCE):
            if not _same(ring, around, SAME):
                break  # the partner's ground, seen: part of the logo
            melted = min(own) < 230  # a white ground on white is a margin, not a loss
        elif not (_same(ring, around, SAME) or any(_same(ring, p, 12) for p in PLATES)):
            break  # artwork reaching the edge, or a badge of the partner's own
        inner = _inside(crop, ring, drawn.crop(box))
        if inner is None:
            # a ground the reader cannot tell from its surround (or a plate) with nothing
            # on it that stands out: a blank white logo on a white page shows nothing
            return Share(0.0, 0.0, 0.0, 0.0, melted=True)
        faint = _inside(crop, ring, drawn.crop(box), FAINT)
        if faint is not None and _taller(faint, inner):
            melted = True  # artwork close to the ground's colour: it vanishes there
        box = (box[0] + inner[0], box[1] + inner[1], box[0] + inner[2], box[1] + inner[3])
        around = ring
    return Share(box[0] / width, box[1] / height, box[2] / width, box[3] / height, melted)


def _inside(
    crop: Image.Image, ground: RGB, drawn: Image.Image, tolerance: int = GROUND_TOLERANCE
) -> tuple[int, int, int, int] | None:
    """The box of the drawn pixels that differ from `ground` by more than `tolerance` on
    some channel."""
    flat = Image.new("RGBA", crop.size, (*ground, 255))
    diff = ImageChops.difference(crop, flat).convert("RGB")
    mask = diff.point(lambda v: 255 if v > tolerance else 0).convert("L")
    return ImageChops.multiply(mask, drawn).getbbox()


def _taller(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """`a` reaches notably further than `b` on either axis (a fifth more)."""
    return (a[2] - a[0]) > 1.2 * (b[2] - b[0]) or (a[3] - a[1]) > 1.2 * (b[3] - b[1])


def _uniform_ring(image: Image.Image) -> RGB | None:
    """The colour of the image's outermost ring of drawn pixels, when nearly all of it
    has one colour."""
    w, h = image.size
    if w < 3 or h < 3:
        return None
    ring = [image.getpixel((x, y)) for x in range(w) for y in (0, h - 1)] + [
        image.getpixel((x, y)) for y in range(h) for x in (0, w - 1)
    ]
    drawn = [p[:3] for p in ring if p[3] >= ALPHA]  # type: ignore[index]
    if len(drawn) < len(ring) / 2:
        return None
    first = Counter(drawn).most_common(1)[0][0]
    near = sum(1 for p in drawn if _same(p, first, 16))
    return first if near >= RING_SHARE * len(drawn) else None  # type: ignore[return-value]


def _same(a: RGB, b: RGB, tolerance: int) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= tolerance
