"""The size a renderer shows a partner's logo at: its visual weight in the asset's room
(campaign_engine.domain.logo_fit), brought down towards what its pixels can carry, never
below the room's least short side. One rule for the email, the embed and the brochure."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image

from campaign_engine.domain.logo_fit import LogoRoom, fit_logo


@lru_cache(maxsize=512)
def visible(png: bytes) -> bytes:
    """The logo cropped to its visible pixels: a generated lockup and a kit's vendor logo
    carry transparent margins, which would count as logo when it is sized."""
    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    box = image.getchannel("A").getbbox()
    if box is None or box == (0, 0, image.width, image.height):
        return png
    out = io.BytesIO()
    image.crop(box).save(out, format="PNG")
    return out.getvalue()


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
    sharp = width / pixels_per_unit  # the widest it can be shown at full sharpness
    if shown_w > sharp:
        shrink = max(sharp / shown_w, room.min_short / min(shown_w, shown_h))
        if shrink < 1.0:
            shown_w, shown_h = shown_w * shrink, shown_h * shrink
    return shown_w, shown_h
