"""The partner's name set as its logo: what the assets show when it has no logo, or only a
favicon-sized mark (beside which the name is set), or one that shows nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from campaign_engine.domain.brand import (
    accent_on_white,
    badge_colour,
    readable_text_on,
    rgb,
)
from campaign_engine.services.assets.brand.logos import FONT, kept_size, to_rgba
from campaign_engine.typeset.logo_size import hidden_share

if TYPE_CHECKING:
    from campaign_engine.typeset.glyphs import Drawn


@lru_cache(maxsize=4096)
def fallback_lockup(name: str, color: str, lang: str = "en") -> bytes:
    """The partner's name set in its brand colour: what renders when there is no logo.
    `lang` (the partner's language) hyphenates a long word of it by that language."""
    return _lockup(name, color, None, lang)


@lru_cache(maxsize=256)
def mark_lockup(mark_png: bytes, name: str, color: str, lang: str = "en") -> bytes:
    """A tiny logo with the partner's name set beside it, as one logo: the mark at most 3x
    its pixels (more would be a blur), centred on the name's first line. Cached: every
    work item of the partner builds its brand."""
    return _lockup(name, color, mark_png, lang)


LOCKUP_SIZE = 72  # px; the lockup is scaled to the size logos are kept at afterwards
LOCKUP_ASPECT = 8.0  # a wider block of name is set in more lines
LOCKUP_LINES = 3
MARK_HIDDEN = 0.25  # share of a mark lost on the badge's colour past which it gets a tile


def _lockup(name: str, color: str, mark_png: bytes | None, lang: str = "en") -> bytes:
    """The name in the brand colour (darkened until it reads on white), in as few lines
    as keep the block within LOCKUP_ASPECT (a 90-letter name set in one line was a
    strip 5 px tall), every character in a font that has it, nothing cut off."""
    from campaign_engine.typeset.glyphs import draw_text, text_width  # fontTools: only where drawn
    from campaign_engine.typeset.textbreak import bidi_levels, wrap

    size, font = LOCKUP_SIZE, str(FONT)
    # A brand too light to read on white (#ffe600) is set as a badge of its own colour
    # (domain.brand.badge_colour): darkened until it read, it was olive, weaker than the
    # vendor's name beside it on the partner's own yellow page (a review by eye).
    badge = badge_colour(color)
    fill = (*rgb(readable_text_on(color) if badge else accent_on_white(color)), 255)
    rtl = bidi_levels(name)[1]
    mark = _mark(mark_png, size) if mark_png else None
    indent = 12 + (mark.width + round(size * 0.3) if mark else 0)
    lines = _lockup_lines(
        name, size, lambda s: text_width(s, size, font, lang, rtl), partial(wrap, lang=lang)
    )
    drawn = [draw_text(line, size, font, fill, lang, rtl) for line in lines]
    step = round(size * 1.25)
    widest = max(round(d.width) for d in drawn)
    width = widest + indent + 12
    height = max(step * (len(lines) - 1) + size + 24, (mark.height + 16) if mark else 0)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    for i, line in enumerate(drawn):
        x = indent + (widest - round(line.width) if rtl else 0)  # right to left: flush right
        _paste_onto(image, line, (x, 8 + round(size * 0.93) + i * step))
    if mark is not None:
        at = (12, max(0, 8 + round(size * 0.6) - mark.height // 2))
        if badge and mark_png and hidden_share(mark_png, color) > MARK_HIDDEN:
            # a mark of the badge's own colour vanished into it (a blue mark on a light
            # blue badge, a review by eye): it sits on a white tile within the badge
            pad = round(size * 0.08)
            ImageDraw.Draw(image).rounded_rectangle(
                (at[0] - pad, at[1] - pad, at[0] + mark.width + pad, at[1] + mark.height + pad),
                radius=pad,
                fill=(255, 255, 255, 255),
            )
        image.alpha_composite(mark, at)
    image = image.crop(image.getbbox() or (0, 0, width, height))
    if badge:
        image = _on_badge(image, color, round(size * 0.3))
    image = kept_size(image)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _on_badge(image: Image.Image, color: str, pad: int) -> Image.Image:
    """`image` on a rounded rectangle of `color`, `pad` px around it."""
    badge = Image.new("RGBA", (image.width + 2 * pad, image.height + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(badge).rounded_rectangle(
        (0, 0, badge.width - 1, badge.height - 1), radius=pad, fill=(*rgb(color), 255)
    )
    badge.alpha_composite(image, (pad, pad))
    return badge


def _lockup_lines(
    name: str, size: int, measure: Callable[[str], float], wrap: Callable[..., list[str]]
) -> list[str]:
    """The fewest lines (up to LOCKUP_LINES) that keep the name's block within
    LOCKUP_ASPECT, broken where the name's script allows and hyphenated inside a word."""
    lines = [name.strip()]
    for count in range(1, LOCKUP_LINES + 1):
        lines = _balanced(name, count, size, measure, wrap)
        widest = max(measure(line) for line in lines)
        if widest / (len(lines) * size * 1.25) <= LOCKUP_ASPECT:
            break
    return lines


def _balanced(
    name: str,
    count: int,
    size: int,
    measure: Callable[[str], float],
    wrap: Callable[..., list[str]],
) -> list[str]:
    """Of a few widths around an even share of `count` lines, the lines whose shortest is
    closest to the widest (no word alone on the last line, as a review by eye found),
    `count` lines if any width gives that many."""
    share = measure(name.strip()) / count
    best: tuple[int, float] | None = None
    chosen = [name.strip()]
    for factor in (1.02, 1.1, 1.2, 1.35):
        lines = wrap(name, max(share * factor, size * 4), measure)
        widths = [measure(line) for line in lines]
        score = (abs(len(lines) - count), -min(widths) / max(max(widths), 1.0))
        if best is None or score < best:
            best, chosen = score, lines
    return chosen


def _paste_onto(image: Image.Image, drawn: Drawn, pen: tuple[int, int]) -> None:
    x, y = pen[0] - drawn.origin[0], pen[1] - drawn.origin[1]
    image.alpha_composite(drawn.image, (max(0, x), max(0, y)))


def _mark(png: bytes, size: int) -> Image.Image:
    with Image.open(io.BytesIO(png)) as source:
        mark = to_rgba(source)
    scale = min(3.0, size * 1.1 / max(mark.width, mark.height))
    target = (max(1, round(mark.width * scale)), max(1, round(mark.height * scale)))
    return mark.resize(target, Image.Resampling.LANCZOS)
