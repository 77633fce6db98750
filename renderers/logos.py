"""The partner's logo as the image renderers (the social posts, the signature banner)
draw it: opened, sized by its visual weight and never blown up to a blur, and whether it
brings its own ground."""

from __future__ import annotations

import io

from PIL import Image

from campaign_engine.domain.logo_fit import LogoRoom, fit_logo
from campaign_engine.typeset.logo_size import band_extrema

LOGO_UPSCALE = 2.0  # a small logo is shown at most twice its size, never blown up to a blur


def logo_size(logo: Image.Image, room: LogoRoom) -> tuple[int, int] | None:
    """The logo's size in `room` by its visual weight (domain.logo_fit), at most
    LOGO_UPSCALE times its own pixels; None when that is below the room's least short
    side too (a favicon blown up is a blur, not a brand): the name shows instead."""
    shown = fit_logo(logo.width, logo.height, room)
    if shown is None:
        return None
    most = LOGO_UPSCALE * logo.width / shown[0]
    if most < 1:
        if min(shown) * most < room.min_short:
            return None
        shown = (shown[0] * most, shown[1] * most)
    return max(1, round(shown[0])), max(1, round(shown[1]))


def too_small(logo: Image.Image, room: LogoRoom) -> bool:
    """A logo whose short side stays under the room's least even at LOGO_UPSCALE: a mark
    to show beside the name, not instead of a logo of awkward shape."""
    return min(logo.size) * LOGO_UPSCALE < room.min_short


MARK_ASPECT = 2.0  # wider or taller than this is a wordmark or a stack, not a mark


def small_mark(logo: Image.Image | None, room: LogoRoom) -> Image.Image | None:
    """The logo to set beside the name, when it is a mark too small to show alone. A
    small wordmark is not one: doubled beside the name it took the whole row and pushed
    the name into a column of one letter per line (a 600x32 wordmark on a post). A tall
    one (a stacked lockup, 1:4) is: beside the name at the row's height it reads, where
    the name alone dropped it from the banner (a review by eye)."""
    if logo is None or not too_small(logo, room):
        return None
    return logo if logo.width <= MARK_ASPECT * logo.height else None


def at_most_doubled(mark: Image.Image, height: int) -> Image.Image:
    """A small mark beside the name: at most LOGO_UPSCALE times its pixels and `height`."""
    scale = min(LOGO_UPSCALE, height / mark.height)
    size = (max(1, round(mark.width * scale)), max(1, round(mark.height * scale)))
    return mark.resize(size, Image.Resampling.LANCZOS)


def open_logo(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    with Image.open(io.BytesIO(data)) as source:
        return source.convert("RGBA")


def opaque(logo: Image.Image) -> bool:
    """A logo with no transparency brings its own ground (a white or coloured box): a
    plate behind it only framed it in black or white (preflight uses the same rule)."""
    return band_extrema(logo.getchannel("A"))[0] >= 250
