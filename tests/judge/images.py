"""Invariants of the social posts and the signature banner, from their files alone.

- brand_fill_off: the band along the bottom edge (the kit's brand fill on every post
  image and on the banner) sampled from the decoded image: the colour most of its
  pixels have (JPEG noise averaged), against the partner's primary colour.
- label_dangling / separator_dangling: the post texts, line by line: "More at " with no
  website after it, a separator beside nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from PIL import Image

from tests.judge.colour import RGB, dominant
from tests.judge.findings import Finding
from tests.judge.text import clean_lines, dangling_label, separator_problems

BAND_SHARE = 0.5  # of the band's height: sample its middle, away from the photo's edge


def bottom_band(data: bytes, band_px: int) -> RGB:
    """The dominant colour of the bottom band's middle rows, the outer 5% of the width
    left out (a rounded or shaded corner). A JPEG is decoded at a quarter of its size
    (DCT scaling, ten times faster): a flat band survives it."""
    with Image.open(io.BytesIO(data)) as source:
        full = source.size
        source.draft("RGB", (full[0] // 4, full[1] // 4))
        scale = source.size[1] / full[1]
        w, h = source.size
        band = max(2, round(band_px * scale))
        rows = max(1, round(band * BAND_SHARE))
        top = h - band + (band - rows) // 2
        region = source.crop((w // 20, top, w - w // 20, top + rows))
    return dominant(region)


def check_social_image(
    slug: str, asset: str, name: str, data: bytes, fill_ok: Callable[[RGB], str | None]
) -> list[Finding]:
    """The post image's bottom band: 1/14 of the height (at least 24 px) as laid out."""
    with Image.open(io.BytesIO(data)) as image:
        height = image.height
    colour = bottom_band(data, max(24, height // 14) // 2)
    verdict = fill_ok(colour)
    if verdict is None:
        return []
    return [Finding(slug, asset, "brand_fill_off", f"{name} bottom band: {verdict}")]


def check_banner(slug: str, data: bytes, fill_ok: Callable[[RGB], str | None]) -> list[Finding]:
    """The banner's band along its bottom edge (12 of its 200 px)."""
    with Image.open(io.BytesIO(data)) as image:
        height = image.height
    colour = bottom_band(data, max(6, round(height * 12 / 200)))
    verdict = fill_ok(colour)
    if verdict is None:
        return []
    return [Finding(slug, "banner", "brand_fill_off", f"banner band: {verdict}")]


def check_post_text(
    slug: str,
    asset: str,
    name: str,
    text: str,
    *,
    fields: Sequence[str],
    labels: Sequence[str],
) -> list[Finding]:
    """`labels`: words that only stand before a field the partner lacks ("More at")."""
    lines = clean_lines(text)
    found = [
        Finding(slug, asset, "separator_dangling", f"{name}: {p}")
        for p in separator_problems(lines, fields)
    ]
    for label in labels:
        problem = dangling_label(lines, label)
        if problem:
            found.append(Finding(slug, asset, "label_dangling", f"{name}: {problem}"))
    return found
