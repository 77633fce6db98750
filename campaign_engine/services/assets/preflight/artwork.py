"""How much of a placed logo image a reader sees as the logo: the part whose pixels stand
out from what surrounds the image.

A logo's image box is not its size. Transparent margins are not logo; nor is an opaque
ground the colour of what it sits on: a partner's orange badge on the brochure's orange
band vanishes, and only its white bar, 2.7 mm tall, reads. The engine's plate is what
surrounds the logo, not part of it. So the image is laid on the colour around it, and
the logo is the box of the pixels that differ from that colour.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageChops

from campaign_engine.domain.brand import rgb

STANDS_OUT = 24  # per channel: JPEG noise on a ground stays ground; an anti-aliased edge is logo
SAMPLE = 400  # px: the image is measured at most this large (fractions do not change)

Share = tuple[float, float, float, float]  # left, top, right, bottom as fractions


@lru_cache(maxsize=1024)
def artwork_share(data: bytes, surround: str) -> Share | None:
    """The box of the image's pixels that differ from `surround` once the image is laid
    on it, as fractions of the image; None when nothing in it stands out (the logo is
    invisible where it is placed)."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGBA")
    image.thumbnail((SAMPLE, SAMPLE))
    ground = Image.new("RGBA", image.size, (*rgb(surround), 255))
    laid = Image.alpha_composite(ground, image).convert("RGB")
    difference = ImageChops.difference(laid, ground.convert("RGB"))
    strongest = ImageChops.lighter(
        ImageChops.lighter(difference.getchannel(0), difference.getchannel(1)),
        difference.getchannel(2),
    )
    box = strongest.point(lambda v: 255 if v > STANDS_OUT else 0).getbbox()
    if box is None:
        return None
    width, height = image.size
    return box[0] / width, box[1] / height, box[2] / width, box[3] / height


def seen_size(width: float, height: float, share: Share | None) -> tuple[float, float]:
    """The placed image's `width` x `height` reduced to the part that reads as the logo."""
    if share is None:
        return 0.0, 0.0
    left, top, right, bottom = share
    return width * (right - left), height * (bottom - top)
