"""Partner logos: hostile until proven otherwise, then normalised to one trimmed PNG."""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat, UnidentifiedImageError

from campaign_engine.domain.brand import accent_on_white, plate_for_logo, relative_luminance
from campaign_engine.errors import InvalidInput
from campaign_engine.services.svg import looks_like_svg, rasterise_svg

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
ACCEPTED = {"PNG", "JPEG", "WEBP"}
BOX = (600, 200)
FONT = Path(__file__).resolve().parent.parent / "assets" / "DejaVuSans-Bold.ttf"


def normalise_logo(data: bytes, *, where: str) -> bytes:
    """Validate and normalise: a PNG no larger than 600x200 with transparent edges trimmed."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"logo is {len(data) // 1024} KB; the limit is 5 MB", where=where)
    if looks_like_svg(data):
        data = rasterise_svg(data, where=where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED:
                    raise InvalidInput(
                        f"logo is {probe.format or 'unknown'}; use PNG, JPEG, WebP or SVG",
                        where=where,
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise InvalidInput(
                        f"logo is {probe.width}x{probe.height} pixels; too large", where=where
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as source:
                image = source.convert("RGBA")
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            "logo declares far too many pixels (a decompression bomb)", where=where
        ) from None
    except UnidentifiedImageError:
        raise InvalidInput(
            "logo is not a readable PNG, JPEG, WebP or SVG image", where=where
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(f"logo is damaged ({exc})", where=where) from None
    image = image.crop(_content_box(image, where))
    image.thumbnail(BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _content_box(image: Image.Image, where: str) -> tuple[int, int, int, int]:
    """Trim transparent edges, or for an opaque logo, edges the colour of its corner."""
    bbox = image.getchannel("A").getbbox()
    if bbox is None:
        raise InvalidInput("logo is fully transparent", where=where)
    if bbox == (0, 0, image.width, image.height):
        corner = Image.new("RGB", image.size, image.convert("RGB").getpixel((0, 0)))
        difference = ImageChops.difference(image.convert("RGB"), corner).convert("L")
        trimmed = difference.point(lambda v: 255 if v > 24 else 0).getbbox()
        if trimmed is not None:
            return trimmed
    return bbox


def logo_luminance(png: bytes) -> float:
    """Mean relative luminance of the logo's visible pixels (alpha-weighted)."""
    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
        mask = rgba.getchannel("A").point(lambda a: 255 if a > 64 else 0)
        if mask.getbbox() is None:
            return 0.0
        r, g, b = (int(v) for v in ImageStat.Stat(rgba.convert("RGB"), mask).mean)
    return relative_luminance(f"#{r:02x}{g:02x}{b:02x}")


@lru_cache(maxsize=4096)
def logo_plate(png: bytes) -> str | None:
    """Cached by logo: decoding the image for every work item was measurable."""
    return plate_for_logo(logo_luminance(png))


@lru_cache(maxsize=4096)
def fallback_lockup(name: str, color: str) -> bytes:
    """The partner's name set in its brand colour: what renders when there is no logo."""
    from renderers.glyphs import font_for  # fontTools: only where a lockup is drawn

    text_color = accent_on_white(color)
    size = 72 if len(name) <= 18 else 56 if len(name) <= 30 else 44
    # A name the bundled font lacks (Japanese) is set in a font that has it, not as boxes.
    font = ImageFont.truetype(font_for(name, str(FONT)), size)
    words, lines = name.split(), [""]
    for word in words:
        trial = f"{lines[-1]} {word}".strip()
        if font.getlength(trial) > 1100 and lines[-1]:
            lines.append(word)
        else:
            lines[-1] = trial
    lines = lines[:2]
    width = int(max(font.getlength(line) for line in lines)) + 24
    height = int(len(lines) * size * 1.2) + 16
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((12, 8 + int(i * size * 1.2)), line, font=font, fill=text_color)
    image.thumbnail(BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
