"""The logo's printed size and sharpness, and advice on it that is true for the logo at hand."""

from __future__ import annotations

import io
from functools import lru_cache
from math import ceil
from typing import Any

from PIL import Image

from campaign_engine.ports import BrandContext, RenderedAsset
from campaign_engine.services.assets.preflight.problems import Problem, Severity

PRINT_DPI = 150


PRINT_MIN_MM = 6.0  # a logo's short side under this does not read in print


WIDE, TALL = 4.0, 3.0  # aspect ratios past which a logo's shape, not its pixels, limits it


def print_logo_problems(
    asset: RenderedAsset, layout: Any, brand: BrandContext | None
) -> list[Problem]:
    """The logo as printed: its short side (6 mm is the least that reads) and its pixels
    per inch, each with advice that is true for this logo."""
    from campaign_engine.services.assets.preflight.layout import images

    placed = images(layout) if layout is not None else []
    if placed:
        # what reads as the logo where it is placed: a badge on a band of its own colour
        # shows only what stands out from the band
        short_mm: float | None = min(image.seen_short_mm for image in placed)
    else:
        height = asset.meta.get("logo_mm")
        short_mm = float(height) if height is not None else None
    pixels = _logo_size(brand.logo_png) if brand and brand.logo_png else None
    problems = []
    if short_mm is not None and short_mm < PRINT_MIN_MM:
        problems.append(
            Problem(
                "brochure",
                "logo_print_small",
                Severity.BLOCK if placed else Severity.WARN,
                f"the logo prints only {short_mm:.1f} mm on its short side (at least "
                f"{PRINT_MIN_MM:.0f} mm reads); {logo_advice(pixels)}",
            )
        )
    measured = [image.dpi for image in placed if image.dpi]
    dpi = min(measured) if measured else asset.meta.get("logo_dpi")
    if dpi is not None and float(dpi) < PRINT_DPI - 1:  # the renderer sizes to 150 exactly
        problems.append(
            Problem(
                "brochure",
                "logo_print_resolution",
                Severity.WARN,
                f"the logo prints at {float(dpi):.0f} dpi (150 is the least for print); "
                f"{logo_advice(pixels, _print_need(short_mm), sharper=True)}",
            )
        )
    return problems


def _print_need(short_mm: float | None) -> int | None:
    """Pixels on the short side that print `short_mm` at PRINT_DPI."""
    return None if short_mm is None else ceil(short_mm / 25.4 * PRINT_DPI)


@lru_cache(maxsize=4096)
def _logo_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def logo_advice(
    pixels: tuple[int, int] | None, need_short: int | None = None, *, sharper: bool = False
) -> str:
    """What the partner can do about it, true for this logo: the engine keeps at most
    600 px a side and 120,000 px of any upload (logos.kept_size), so a larger upload of a
    very wide or tall logo, or of one that already fills that, changes nothing, while a
    more compact version does;
    only a logo with fewer pixels than `need_short` on its short side is told to upload
    a larger one, and how large."""
    from campaign_engine.services.assets.brand.logos import fills_kept_size

    better = "sharper" if sharper else "larger"
    if pixels is None:
        return "upload your logo"
    width, height = pixels
    aspect = width / height
    if aspect >= WIDE or aspect <= 1 / TALL:
        shape = f"{aspect:.0f}:1 wide" if aspect >= 1 else f"1:{1 / aspect:.0f} tall"
        return (
            f"your logo is {shape}, so it can only be shown this small; a more compact "
            f"version (stacked, or the mark alone) shows {better}"
        )
    if fills_kept_size(width, height):
        return (
            f"the engine keeps logos at up to {width}x{height} px in this shape, which this "
            "one fills; nothing you upload makes it sharper here"
        )
    if need_short is not None and min(width, height) < need_short:
        return f"it is {width}x{height} px: upload one at least {need_short} px on its short side"
    return "the kit shows it this small"
