"""How big to show a logo of any shape: by its visual weight, not by a fixed box.

Fitting every logo into one box made a 10:1 wordmark a strip 5 px tall and a 1:4 mark a
stick 6 px wide. A reader judges a logo by its area, so each asset gives its logo an area
(`weight`), the largest box it may take, and the least its short side may be; the logo
takes that area in its own shape, shrinks to the box, and grows back to the least short
side. When even that does not fit the box, there is no good size: the asset shows the
partner's name lockup instead (`None`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EPSILON = 1e-6


@dataclass(frozen=True)
class LogoRoom:
    """What an asset offers a logo, in the asset's own unit (CSS px, mm, image px)."""

    max_width: float
    max_height: float
    weight: float  # the area a logo of any shape should cover
    min_short: float  # the least its shorter side may be and still be read


def fit_logo(width: float, height: float, room: LogoRoom) -> tuple[float, float] | None:
    """(width, height) to show a `width` x `height` logo at in `room`, or None when no size
    keeps its short side at `room.min_short` inside the room (show the name instead)."""
    if width <= 0 or height <= 0:
        return None
    aspect = width / height
    shown_h = math.sqrt(room.weight / aspect)
    shown_w = shown_h * aspect
    shrink = min(1.0, room.max_width / shown_w, room.max_height / shown_h)
    shown_w, shown_h = shown_w * shrink, shown_h * shrink
    short = min(shown_w, shown_h)
    if short < room.min_short:
        grow = room.min_short / short
        shown_w, shown_h = shown_w * grow, shown_h * grow
    if shown_w > room.max_width + EPSILON or shown_h > room.max_height + EPSILON:
        return None
    return shown_w, shown_h
