"""Where the logo is inside its image: the part a reader sees as the logo.

A rendered logo's size is its image box scaled by the share of the image the artwork
takes. Transparent margins do not count, and neither does a uniform ground around the
artwork when that ground is a plate or a white margin (the engine's plate, or the
partner's own white background): a 220x18 wordmark on a 228x26 plate is 18 px tall. A
coloured badge is all logo (its ground is part of the design), so it is kept whole.
"""

from __future__ import annotations

import io

from PIL import Image, ImageChops

ALPHA = 24  # a pixel this opaque or more is drawn
RING_SHARE = 0.9  # the border this uniform is a ground, not artwork
GROUND_TOLERANCE = 40  # per channel: JPEG noise and anti-aliasing on a plate stay ground
PLATES = ((255, 255, 255), (29, 36, 51))  # white, and the dark plate (#1d2433)


def own_ground(uploaded: bytes | None) -> tuple[int, int, int] | None:
    """The opaque ground of the logo as the partner uploaded it (a badge's colour), or
    None when it has none (transparent, or artwork to its edges)."""
    if not uploaded:
        return None
    with Image.open(io.BytesIO(uploaded)) as source:
        image = source.convert("RGBA")
    image.thumbnail((400, 400))
    return _uniform_ring(image)


def visible_share(
    data: bytes, keep: tuple[int, int, int] | None = None
) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of the artwork as fractions of the image, or None when
    nothing in it is drawn. `keep`: the partner's own ground (`own_ground`); a ring of
    that colour is the partner's badge, not a plate, unless it is white."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGBA")
    width, height = image.size
    drawn = image.getchannel("A").point(lambda a: 255 if a >= ALPHA else 0)
    box = drawn.getbbox()
    if box is None:
        return None
    crop = image.crop(box)
    ground = _uniform_ring(crop)
    if ground is not None and _is_plate(ground) and not _badge(ground, keep):
        flat = Image.new("RGBA", crop.size, (*ground, 255))
        diff = ImageChops.difference(crop, flat).convert("RGB")
        mask = diff.point(lambda v: 255 if v > GROUND_TOLERANCE else 0).convert("L")
        mask = ImageChops.multiply(mask, drawn.crop(box))
        inner = mask.getbbox()
        if inner is not None:
            box = (box[0] + inner[0], box[1] + inner[1], box[0] + inner[2], box[1] + inner[3])
    return box[0] / width, box[1] / height, box[2] / width, box[3] / height


def _uniform_ring(image: Image.Image) -> tuple[int, int, int] | None:
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
    first = max(set(drawn), key=drawn.count)
    near = [p for p in drawn if max(abs(a - b) for a, b in zip(p, first, strict=True)) <= 16]
    return first if len(near) >= RING_SHARE * len(drawn) else None  # type: ignore[return-value]


def _badge(ground: tuple[int, int, int], keep: tuple[int, int, int] | None) -> bool:
    """The ring is the partner's own coloured ground (white grounds are margins)."""
    if keep is None or min(keep) >= 230:
        return False
    return max(abs(a - b) for a, b in zip(ground, keep, strict=True)) <= GROUND_TOLERANCE


def _is_plate(colour: tuple[int, int, int]) -> bool:
    """A white (or near-white) margin, or a plate colour: a ground, not a badge."""
    if min(colour) >= 230:
        return True
    return any(max(abs(a - b) for a, b in zip(colour, p, strict=True)) <= 12 for p in PLATES)
