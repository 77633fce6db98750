"""Text fitted to a box in the image renderers: the largest size at which it wraps
inside, each run measured in the font that draws it."""

from __future__ import annotations

import itertools
import math
import re
from functools import lru_cache

from PIL import ImageFont

from campaign_engine.typeset.glyphs import text_width
from campaign_engine.typeset.textbreak import break_points
from campaign_engine.typeset.textbreak import wrap as break_lines

MIN_FONT = 22
LINE_HEIGHT = 1.2


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def wrap(font: ImageFont.FreeTypeFont, text: str, width: int, lang: str = "en") -> list[str]:
    """Lines of `text` no wider than `width` in `font`: broken where Unicode allows (a
    no-break space holds), long words hyphenated (campaign_engine.typeset.textbreak)."""
    return break_lines(text, width, font.getlength, lang)


@lru_cache(maxsize=256)
def fit_text(
    font_path: str, text: str, width: int, height: int, lang: str = "en", most: int = 96
) -> tuple[int, tuple[str, ...]]:
    """The largest font size (down to MIN_FONT px) at which the wrapped text fits the box,
    each run measured in the font that draws it. Cached: every partner of one locale fits
    the same headline into the same box."""

    def lines_at(size: int) -> list[str]:
        return break_lines(text, width, lambda s: text_width(s, size, font_path, lang), lang)

    pieces = [p for p in _pieces(text, lang) if p]
    largest = max(MIN_FONT, min(height // 2, most))
    # Display type is not hyphenated while a smaller size sets every word whole
    # ("wiederherge-stellt" in a headline, a partner's name split in its lockup: a review
    # by eye); only a word too long for the box at the smallest size is split.
    for whole_words in (True, False):
        size = largest
        while size > MIN_FONT:
            if whole_words and any(text_width(p, size, font_path, lang) > width for p in pieces):
                size -= 2
                continue
            lines = lines_at(size)
            widest = max(text_width(line, size, font_path, lang) for line in lines)
            if widest <= width and len(lines) * size * LINE_HEIGHT <= height:
                if whole_words and len(lines) > 1:
                    lines = _balanced(text, width, size, font_path, lang, len(lines))
                return size, tuple(lines)
            size -= 2  # fine steps: a long headline shrinks only as far as it must
    return MIN_FONT, tuple(lines_at(MIN_FONT))


def _balanced(text: str, width: int, size: int, font_path: str, lang: str, count: int) -> list[str]:
    """The same number of lines, broken at the narrowest width that keeps that number:
    lines of even length and no word alone on the last one ("Sind Ihre Backups sicher
    vor / Ransomware?" left a widow: a review by eye). What CSS's `text-wrap: balance`
    does for a browser; Pillow draws lines it is given. Words stay whole: the narrowest
    width tried is the widest of them."""

    def measure(s: str) -> float:
        return text_width(s, size, font_path, lang)

    # a compound's own hyphen is no place to break a balanced line ("Backup- / Check")
    held = HARD_HYPHEN.sub(NO_BREAK_HYPHEN, text)
    widest = max(measure(p) for p in _pieces(held, lang) if p)
    if widest > width or len(break_lines(held, width, measure, lang)) > count:
        # a held compound too wide for the line would be cut inside a word ("Ransom- /
        # ware-Bereitschaft"): the lines as they were, broken at its hyphen
        return break_lines(text, width, measure, lang)
    low = max(math.ceil(widest), width // count)
    high = width
    while low < high:
        middle = (low + high) // 2
        if len(break_lines(held, middle, measure, lang)) <= count:
            high = middle
        else:
            low = middle + 1
    return [line.replace(NO_BREAK_HYPHEN, "-") for line in break_lines(held, high, measure, lang)]


HARD_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
NO_BREAK_HYPHEN = "\u2011"  # measured as "-" is: every font the images draw with has it


def _pieces(text: str, lang: str) -> list[str]:
    """The text between the places a line may break: what a line never splits unless it
    must hyphenate."""
    cuts = [0, *break_points(text, lang), len(text)]
    return [text[a:b].strip() for a, b in itertools.pairwise(cuts)]
