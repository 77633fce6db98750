"""Where a word may take a hyphen: pyphen's dictionary for the language (the one
WeasyPrint hyphenates the brochure with), less the points that leave a single letter
between two breaks. The German dictionary allows "ver-a-r-bei-tungs", and a name broke
as "Datenvera-rbeitungs" (a review by eye); typesetters never hyphenate off one letter.
Pillow-drawn lines (textbreak.wrap) and partner strings in HTML and PDF
(partner_text.soft_hyphens) both ask here."""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Protocol

MIN_FRAGMENT = 2  # letters between two hyphenation points, or a word's start and a point
# letters after a word's last point: "Back- / up." ended a German card's line pair, a
# syllable alone on a line (a review by eye); TeX's \righthyphenmin for English is 3 too
LAST_FRAGMENT = 3


class Hyphenator(Protocol):
    """What is used of a pyphen.Pyphen (pyphen has no type information)."""

    def positions(self, word: str) -> list[int]: ...


@lru_cache(maxsize=64)
def dictionary(lang: str) -> Hyphenator | None:
    import pyphen  # installed with WeasyPrint

    found = pyphen.language_fallback((lang or "en").replace("-", "_"))
    return pyphen.Pyphen(lang=found) if found else None


def points(word: str, lang: str) -> list[int]:
    """Offsets in `word` where a hyphen may go, none for a language without a dictionary.
    A point is kept when the letters since the last kept point and up to the dictionary's
    next point are at least MIN_FRAGMENT each, and at least LAST_FRAGMENT to the end."""
    found = dictionary(lang)
    if found is None:
        return []
    offered = [p for p in found.positions(word) if 0 < p < len(word)]
    kept: list[int] = []
    for i, point in enumerate(offered):
        following = offered[i + 1] if i + 1 < len(offered) else len(word)
        least = MIN_FRAGMENT if following < len(word) else LAST_FRAGMENT
        if point - (kept[-1] if kept else 0) >= MIN_FRAGMENT and following - point >= least:
            kept.append(point)
    return kept


def inserted(word: str, lang: str, hyphen: str = "\u00ad") -> str:
    """`word` with `hyphen` at each of its points."""
    cuts = [0, *points(word, lang), len(word)]
    return hyphen.join(word[a:b] for a, b in itertools.pairwise(cuts))
