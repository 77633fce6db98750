"""The band in the partner's colour along the bottom of the post images and the signature banner."""

from __future__ import annotations

import io

from PIL import Image

from campaign_engine.ports import BrandContext, RenderedAsset
from campaign_engine.services.assets.preflight.colour import fill_is_brand
from campaign_engine.services.assets.preflight.problems import Problem, Severity


def check_bands(asset: RenderedAsset, brand: BrandContext) -> list[Problem]:
    """The band in the partner's colour along the bottom of every post image and of the
    signature banner (the social and banner renderers draw it there): its middle rows'
    median colour is the partner's (colour.fill_is_brand)."""

    off = []
    for file in asset.files:
        if not file.media_type.startswith("image/"):
            continue
        colour = _bottom_band(file.content)
        if not fill_is_brand(colour, brand):
            off.append(f"{file.name} is {colour}")
    if not off:
        return []
    return [
        Problem(
            asset.asset,
            "brand_fill_off",
            Severity.BLOCK,
            f"the band in your colour {brand.primary_color} along the bottom of "
            + "; ".join(off[:2]),
        )
    ]


def _bottom_band(data: bytes) -> str:
    """The median colour of the rows 3 to 9 pixels above the bottom edge (inside the
    thinnest band, the banner's 12 px, away from the edge's JPEG ringing). Runs before
    every send of a post, so a JPEG is decoded at half size (a flat band survives it)."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        image.draft("RGB", (width // 2, height // 2))
        scale = image.size[1] / height
        w, h = image.size
        top, bottom = h - max(2, round(9 * scale)), h - max(1, round(3 * scale))
        rows = image.convert("RGB").crop((w // 20, top, w - w // 20, bottom))
        r, g, b = (_median(band.histogram()) for band in rows.split())
    return f"#{r:02x}{g:02x}{b:02x}"


def _median(histogram: list[int]) -> int:
    half, seen = sum(histogram) / 2, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return value
    return 255
