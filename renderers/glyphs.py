"""A font that can draw a text: the kit's own when it covers every character, else a
system font that does (Noto Sans CJK for Japanese, Chinese and Korean names). Pillow has
no font fallback of its own, so a name the kit's font lacks came out as empty boxes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

# Installed by the Makefile (fonts-noto-cjk, fonts-noto-core, fonts-dejavu-core).
FALLBACKS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansHebrew-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


@lru_cache(maxsize=32)
def _characters(path: str) -> frozenset[int]:
    if not Path(path).is_file():
        return frozenset()
    fonts = TTCollection(path).fonts[:1] if path.endswith(".ttc") else [TTFont(path, lazy=True)]
    return frozenset(code for font in fonts for code in font.getBestCmap() or {})


def font_for(text: str, preferred: str) -> str:
    """The first of the kit's font and the fallbacks that has every character of `text`
    (spaces aside); the kit's own when none does."""
    needed = {ord(c) for c in text if not c.isspace()}
    for path in (preferred, *FALLBACKS):
        if needed <= _characters(path):
            return path
    return preferred


def missing_glyphs(text: str, preferred: str | None = None) -> list[str]:
    """The characters of `text` that neither the kit's font nor any fallback has. Fonts
    are read only while characters remain: the CJK collection takes a second to load."""
    left = {c for c in text if not c.isspace()}
    for path in (preferred, *FALLBACKS):
        if not left:
            break
        if path:
            left = {c for c in left if ord(c) not in _characters(path)}
    return sorted(left)
