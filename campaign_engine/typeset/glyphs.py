"""Text drawn with Pillow in fonts that have its characters, shaped, in reading order.

Pillow has no font fallback: one font drew a whole text, so a Thai name next to English
words, or a rocket emoji in a headline, came out as empty boxes. Here a text is cut into
runs, each drawn in the first font of a chain that has it (the kit's font, then Noto for
Latin, Thai, Devanagari, Arabic, Hebrew and CJK, then an emoji font), shaped by Raqm
(HarfBuzz: Thai marks, Devanagari conjuncts, joined Arabic) and put in visual order by
the Unicode bidi algorithm (an Arabic name in an English headline reads right to left
inside it). Fonts are the Debian packages the Makefile installs (fonts-noto-core,
fonts-noto-cjk, fonts-noto-color-emoji, fonts-dejavu-core).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont, features

from campaign_engine.typeset.textbreak import bidi_levels

NOTO = "/usr/share/fonts/truetype/noto/"
CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
CJK_FACE = {"ja": 0, "ko": 1, "zh": 2}  # the collection's JP, KR and SC faces
EMOJI = (
    NOTO + "NotoColorEmoji.ttf",  # fonts-noto-color-emoji: colour bitmaps (CBDT)
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",  # fonts-symbola
)
SCRIPTS = (
    NOTO + "NotoSans-Bold.ttf",  # Latin with every diacritic, Greek, Cyrillic, Vietnamese
    NOTO + "NotoSansThai-Bold.ttf",
    NOTO + "NotoSansDevanagari-Bold.ttf",
    NOTO + "NotoSansArabic-Bold.ttf",
    NOTO + "NotoSansHebrew-Bold.ttf",
    NOTO + "NotoSansBengali-Bold.ttf",
    NOTO + "NotoSansTamil-Bold.ttf",
)
LAST = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", NOTO + "NotoSansSymbols-Bold.ttf")
BITMAP_SIZE = 109  # the only size Noto Color Emoji's bitmaps come in; drawn there, scaled
RAQM = features.check_feature("raqm")
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Kept for callers that pick one font for a whole text (the chain without the emoji font).
FALLBACKS = (CJK, *SCRIPTS, LAST[0])


@dataclass(frozen=True)
class Face:
    """One font of the chain: a file, its face in a collection, colour bitmaps or not."""

    path: str
    index: int = 0

    @property
    def bitmap(self) -> bool:
        return _is_bitmap(self.path)


@dataclass(frozen=True)
class Run:
    """Characters drawn with one face in one direction, in logical order."""

    text: str
    face: Face
    rtl: bool


@dataclass(frozen=True)
class Drawn:
    """A text drawn on a transparent image; `origin` is where its pen started (x) on the
    baseline (y), so lines of different scripts share one baseline."""

    image: Image.Image
    origin: tuple[int, int]
    width: float  # the advance: where the next text would start


@lru_cache(maxsize=64)
def chain(preferred: str | None, lang: str = "en") -> tuple[Face, ...]:
    """The faces to try, in order, for a text in `lang`: the kit's, the script fonts, CJK
    in the language's own forms, the emoji font, then DejaVu for symbols."""
    cjk = Face(CJK, CJK_FACE.get(lang, 0))
    faces = [Face(preferred)] if preferred else []
    faces += [Face(p) for p in SCRIPTS] + [cjk]
    faces += [Face(p) for p in EMOJI]
    faces += [Face(p) for p in LAST]
    return tuple(face for face in faces if Path(face.path).is_file())


@lru_cache(maxsize=64)
def _characters(path: str, index: int = 0) -> frozenset[int]:
    if not Path(path).is_file():
        return frozenset()
    if path.endswith(".ttc"):
        font = TTCollection(path, lazy=True).fonts[index]
    else:
        font = TTFont(path, lazy=True)
    return frozenset(font.getBestCmap() or {})


@lru_cache(maxsize=16)
def _is_bitmap(path: str) -> bool:
    """A colour bitmap font (CBDT) that FreeType draws only at its strike size."""
    return not path.endswith(".ttc") and "CBDT" in TTFont(path, lazy=True)


def _has(face: Face, ch: str) -> bool:
    return ord(ch) in _characters(face.path, face.index)


def _follows(ch: str) -> bool:
    """A character drawn with the one before it: a combining mark, a joiner, a
    variation selector or an emoji tag (none of them stands alone)."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf") or ch in "\ufe0f\u20e3"


def _emoji(text: str, i: int) -> bool:
    """Shown as an emoji rather than a text symbol: pictographs from U+1F000 on, or a
    character asking for emoji presentation (U+FE0F after it)."""
    ch = text[i]
    return ord(ch) >= 0x1F000 or text[i + 1 : i + 2] == "\ufe0f"


def _faces(text: str, faces: tuple[Face, ...]) -> list[Face]:
    """The face each character is drawn with. A word is kept in one face when one face
    has all of it (an Arabic word split between two fonts loses its joins); otherwise each
    character takes the first face that has it, and marks stay with their letter."""
    chosen: list[Face] = [faces[0]] * len(text)
    emoji_faces = [f for f in faces if f.path in EMOJI]
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        end = i
        while end < len(text) and not text[end].isspace():
            end += 1
        word = text[i:end]
        needed = [c for c in word if not _follows(c)]
        whole = None
        if not any(_emoji(text, j) for j in range(i, end)):
            whole = next((f for f in faces if all(_has(f, c) for c in needed)), None)
        for j in range(i, end):
            if whole is not None:
                chosen[j] = whole
            elif j > i and _follows(text[j]):
                chosen[j] = chosen[j - 1]
            elif _emoji(text, j) and emoji_faces and _has(emoji_faces[0], text[j]):
                chosen[j] = emoji_faces[0]
            else:
                chosen[j] = next((f for f in faces if _has(f, text[j])), faces[0])
        i = end
    for j, ch in enumerate(text):  # a space takes a text neighbour's face (an emoji
        if ch.isspace():  # font's space is an emoji wide)
            near = [chosen[k] for k in (j - 1, j + 1) if 0 <= k < len(text)]
            chosen[j] = next((f for f in near if not f.bitmap and _has(f, ch)), faces[0])
    return chosen


def runs(text: str, preferred: str | None, lang: str = "en", rtl: bool | None = None) -> list[Run]:
    """`text` as runs of one face and one direction, in the order they are seen (left to
    right): the Unicode bidi algorithm's levels, reordered by its rule L2. Bidi controls
    (isolates, marks) steer the levels and are then dropped: there is nothing to draw."""
    if not text:
        return []
    faces = chain(preferred, lang)
    levels, _ = bidi_levels(text, rtl)
    chosen = _faces(text, faces)
    pieces: list[tuple[str, Face, int]] = []
    for ch, face, level in zip(text, chosen, levels, strict=True):
        if ch in BIDI_CONTROLS:
            continue
        if pieces and pieces[-1][1] == face and pieces[-1][2] == level:
            pieces[-1] = (pieces[-1][0] + ch, face, level)
        else:
            pieces.append((ch, face, level))
    if not pieces:
        return []
    top = max(level for _, _, level in pieces)
    lowest_odd = min((level for _, _, level in pieces if level % 2), default=top + 1)
    for level in range(top, lowest_odd - 1, -1):  # L2: reverse every run at >= level
        i = 0
        while i < len(pieces):
            if pieces[i][2] >= level:
                j = i
                while j < len(pieces) and pieces[j][2] >= level:
                    j += 1
                pieces[i:j] = pieces[i:j][::-1]
                i = j
            else:
                i += 1
    return [Run(t, face, bool(level % 2)) for t, face, level in pieces]


@lru_cache(maxsize=512)
def font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    """The face at `size` px (a bitmap face at its strike size), shaped by Raqm."""
    engine = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(
        face.path, BITMAP_SIZE if face.bitmap else size, index=face.index, layout_engine=engine
    )


class _Shaping(TypedDict, total=False):
    """Pillow's shaping arguments, which only Raqm takes."""

    direction: str
    language: str


def _options(run: Run, lang: str) -> _Shaping:
    if not RAQM:
        return {}
    return {"direction": "rtl" if run.rtl else "ltr", "language": lang or "en"}


def _advance(run: Run, size: int, lang: str) -> float:
    scale = size / BITMAP_SIZE if run.face.bitmap else 1.0
    return font(run.face, size).getlength(run.text, **_options(run, lang)) * scale


@lru_cache(maxsize=4096)
def text_width(
    text: str, size: int, preferred: str | None, lang: str = "en", rtl: bool | None = None
) -> float:
    """How wide `text` is drawn at `size` px: the sum of its runs' advances."""
    return sum(_advance(run, size, lang) for run in runs(text, preferred, lang, rtl))


@lru_cache(maxsize=256)
def draw_text(
    text: str,
    size: int,
    preferred: str | None,
    fill: tuple[int, ...] = (255, 255, 255),
    lang: str = "en",
    rtl: bool | None = None,
) -> Drawn:
    """`text` on a transparent image just large enough for its ink, each run in its face
    on one baseline; emoji keep their colours, everything else takes `fill`. Cached:
    every partner of one locale shares a headline. Callers must not change the image."""
    placed: list[tuple[Run, float, tuple[int, int, int, int]]] = []
    x = 0.0
    for run in runs(text, preferred, lang, rtl):
        scale = size / BITMAP_SIZE if run.face.bitmap else 1.0
        box = font(run.face, size).getbbox(run.text, anchor="ls", **_options(run, lang))
        ink = (
            math.floor(box[0] * scale),
            math.floor(box[1] * scale),
            math.ceil(box[2] * scale),
            math.ceil(box[3] * scale),
        )
        placed.append((run, x, ink))
        x += _advance(run, size, lang)
    if not placed:
        return Drawn(Image.new("RGBA", (1, 1)), (0, 0), 0.0)
    left = min(0, *(int(px + ink[0]) for _, px, ink in placed))
    top = min(-1, *(ink[1] for _, _, ink in placed))
    right = max(1, *(math.ceil(px + ink[2]) for _, px, ink in placed))
    bottom = max(1, *(ink[3] for _, _, ink in placed))
    image = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    origin = (-left, -top)
    for run, px, _ in placed:
        _draw_run(image, run, size, (origin[0] + px, origin[1]), fill, lang)
    return Drawn(image, origin, x)


def _draw_run(
    image: Image.Image,
    run: Run,
    size: int,
    pen: tuple[float, int],
    fill: tuple[int, ...],
    lang: str,
) -> None:
    face = font(run.face, size)
    if not run.face.bitmap:
        ImageDraw.Draw(image).text(
            pen, run.text, font=face, fill=fill, anchor="ls", **_options(run, lang)
        )
        return
    # a colour bitmap: drawn at its strike size, then scaled to the text's
    box = face.getbbox(run.text, anchor="ls", **_options(run, lang))
    # whole pixels: getbbox is typed float for a stroke width, and there is none here
    strike = Image.new("RGBA", (max(1, int(box[2] - box[0])), max(1, int(box[3] - box[1]))))
    ImageDraw.Draw(strike).text(
        (-box[0], -box[1]),
        run.text,
        font=face,
        anchor="ls",
        embedded_color=True,
        **_options(run, lang),
    )
    scale = size / BITMAP_SIZE
    scaled = strike.resize(
        (max(1, round(strike.width * scale)), max(1, round(strike.height * scale))),
        Image.Resampling.LANCZOS,
    )
    image.alpha_composite(scaled, (round(pen[0] + box[0] * scale), round(pen[1] + box[1] * scale)))


def paste_text(
    image: Image.Image,
    drawn: Drawn,
    pen: tuple[int, int],
    shadow: tuple[int, int, int] | None = None,
    offset: int = 2,
) -> None:
    """Put a drawn text on `image` with its pen at `pen` (x, baseline), over a shadow of
    its own shape when asked (white words on a photo)."""
    x, y = pen[0] - drawn.origin[0], pen[1] - drawn.origin[1]
    if shadow is not None:
        image.paste(shadow, (x + offset, y + offset), drawn.image.getchannel("A"))
    if image.mode == "RGBA":
        image.alpha_composite(drawn.image, (x, y))
    else:
        image.paste(drawn.image, (x, y), drawn.image)


def ascent(preferred: str | None, size: int) -> int:
    """The kit font's ascent at `size`: where a line's baseline sits below its top."""
    faces = chain(preferred)
    return font(faces[0], size).getmetrics()[0] if faces else size


def font_for(text: str, preferred: str) -> str:
    """The first of the kit's font and the fallbacks that has every character of `text`
    (spaces aside); the kit's own when none does. For drawing, prefer `draw_text`, which
    mixes fonts within one text."""
    needed = {ord(c) for c in text if not c.isspace()}
    for path in (preferred, *FALLBACKS):
        if needed <= _characters(path):
            return path
    return preferred


def missing_glyphs(text: str, preferred: str | None = None) -> list[str]:
    """The characters of `text` that no font of the chain has (they would be boxes);
    joiners, variation selectors and bidi controls draw nothing and are never missing."""
    left = {c for c in text if not c.isspace() and unicodedata.category(c) != "Cf"}
    left.discard("\ufe0f")
    for face in chain(preferred):
        if not left:
            break
        left = {c for c in left if not _has(face, c)}
    return sorted(left)
