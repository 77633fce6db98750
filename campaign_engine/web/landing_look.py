"""How a landing page looks for its partner: the brand fill shared by header and button,
the partner's logo on the header, the vendor's logo on the page's white, the partner's
phone as a link. Kept apart from the routes (web/landing.py), which only choose what to
show."""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from campaign_engine.domain.brand import (
    AA_NORMAL,
    LIGHT_TEXT,
    PLATE_COLOURS,
    accent_for,
    brand_fill,
    fill_edge,
    readable_text_on,
)
from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext
from campaign_engine.services.assets.brand.context import tel_uri
from campaign_engine.typeset.logo_size import (
    least_contrast,
    plate_on_fill,
    visible,
)
from campaign_engine.typeset.slots import PAGE_LOGO_ROOM, shown_size

VENDOR_LOGO_HEIGHT = 28  # px: the email's vendor logo, second to the partner's
VENDOR_LOGO_WIDEST = 200  # px: a wider one is made smaller, keeping its shape
VENDOR_MOST_ASPECT = 40  # a kit's logo of a stranger shape is not a logo: the name in words


def colours(brand: BrandContext) -> dict[str, str]:
    """The header and the button share one fill, the brand colour however light, with the
    text that reads on it and a 1px edge when it is near white (the header was true
    yellow and the button olive); links on white take a readable brand colour."""
    fill = brand_fill(brand.primary_color, brand.secondary_color)
    return {
        "fill": fill,
        "on_fill": readable_text_on(fill),
        "edge": fill_edge(fill),
        "link": accent_for(brand.primary_color, brand.secondary_color),
    }


def partner_logo(brand: BrandContext) -> dict[str, Any] | None:
    """The logo as the email shows it (its visual weight, at least 24 px on its short
    side), the partner's own dark-ground version on a dark header, on a plate only when it
    would not show on the header's fill; None when no size reads, and the page sets the
    name instead. An opaque badge in the header's own colour keeps a white plate: set bare,
    its box vanished into the header and left loose letters (a review by eye)."""
    if not brand.logo_png:
        return None
    fill = brand_fill(brand.primary_color, brand.secondary_color)
    on_dark = readable_text_on(fill) == LIGHT_TEXT
    png = visible(brand.logo_on_dark_png if on_dark and brand.logo_on_dark_png else brand.logo_png)
    plate = plate_on_fill(png, fill)
    size = shown_size(png, PAGE_LOGO_ROOM)
    if size is None:
        return None
    return {
        "data": base64.b64encode(png).decode(),
        "width": size[0],
        "height": size[1],
        "plate": plate,
    }


def vendor_logo(kit: KitContent, brand: BrandContext) -> dict[str, Any] | None:
    """The vendor's logo on the header beside the partner's, smaller, on a plate when it
    would not show on the partner's fill: a designer read "Northwind Cloud" set in plain
    text as a missing logo. None when the file is gone or unreadable (the page then names
    the vendor in words)."""
    shown = _vendor_logo(kit.root / kit.spec.vendor.logo, kit.content_hash)
    if shown is None:
        return None
    png, shown_at = shown
    fill = brand_fill(brand.primary_color, brand.secondary_color)
    plate = plate_on_fill(png, fill)
    if plate is None and least_contrast(png, fill) < AA_NORMAL:
        # its name is text: at 3.1:1 the navy logo looked muddy on a green header
        plate = max(("white", "dark"), key=lambda p: least_contrast(png, PLATE_COLOURS[p]))
    return {**shown_at, "plate": plate}


@lru_cache(maxsize=32)
def _vendor_logo(path: Path, content_hash: str) -> tuple[bytes, dict[str, Any]] | None:
    """The PNG and what the page shows of it (data, width, height), re-encoded at its
    shown size once per kit version (content_hash keys the cache): a kit's file is a
    vendor's upload, never passed through as it came."""
    try:
        with Image.open(path) as probe:  # the header only: a 1x25,000,000 strip took 3.9 GB
            if max(probe.size) > VENDOR_MOST_ASPECT * min(probe.size):
                return None
        png = visible(path.read_bytes())
        with Image.open(io.BytesIO(png)) as image:
            image = image.convert("RGBA")
            # fitted into a box, never stretched to its height whatever its width: a
            # 100000x1 image scaled to 56 px tall took 2.4 GB (an attack test)
            scale = min(VENDOR_LOGO_WIDEST * 2 / image.width, VENDOR_LOGO_HEIGHT * 2 / image.height)
            size = (max(2, round(image.width * scale)), max(2, round(image.height * scale)))
            out = io.BytesIO()
            image.resize(size, Image.Resampling.LANCZOS).save(out, "PNG", optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    png = out.getvalue()
    data = base64.b64encode(png).decode()
    return png, {"data": data, "width": max(1, size[0] // 2), "height": max(1, size[1] // 2)}


def phone_link(brand: BrandContext) -> dict[str, str | None] | None:
    """The partner's phone as the assets print it, a tel: link when the number parses (a
    visitor on a phone calls with one tap); None when the partner gave none."""
    if not brand.phone.strip():
        return None
    return {"text": brand.phone_display, "href": tel_uri(brand.phone, brand.locale)}
