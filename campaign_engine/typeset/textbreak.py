"""Where a line of text may break and which way each character runs, from Pango.

Pillow draws glyphs but knows nothing of lines or directions: the headlines were split at
spaces only, so a 45-letter German compound broke mid-word without a hyphen, Thai (written
without spaces) was one unbreakable "word" cut anywhere, and Korean broke inside words.
Pango, which WeasyPrint already loads to set the brochure, has the answers: the Unicode
line-breaking rules with a Thai dictionary (libthai) and the Unicode bidirectional
algorithm (FriBidi). Using it here gives the images the same breaks as the brochure.

Bound with cffi in ABI mode (no compiler): WeasyPrint's own binding is internal to it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import cffi

from campaign_engine.typeset import hyphenation

_ffi = cffi.FFI()
_ffi.cdef(
    """
    typedef struct _PangoLanguage PangoLanguage;
    typedef struct {
        unsigned int is_line_break : 1;
        unsigned int is_mandatory_break : 1;
        unsigned int is_char_break : 1;
        unsigned int is_white : 1;
        unsigned int is_cursor_position : 1;
        unsigned int is_word_start : 1;
        unsigned int is_word_end : 1;
        unsigned int is_sentence_boundary : 1;
        unsigned int is_sentence_start : 1;
        unsigned int is_sentence_end : 1;
        unsigned int backspace_deletes_character : 1;
        unsigned int is_expandable_space : 1;
        unsigned int is_word_boundary : 1;
        unsigned int break_inserts_hyphen : 1;
        unsigned int break_removes_preceding : 1;
        unsigned int reserved : 17;
    } PangoLogAttr;
    PangoLanguage *pango_language_from_string (const char *language);
    void pango_get_log_attrs (const char *text, int length, int level,
        PangoLanguage *language, PangoLogAttr *attrs, int attrs_len);
    uint8_t *pango_log2vis_get_embedding_levels (const char *text, int length,
        int *pbase_dir);
    void g_free (void *mem);
    """
)
_pango = _ffi.dlopen("libpango-1.0.so.0")
_glib = _ffi.dlopen("libglib-2.0.so.0")

PANGO_LTR, PANGO_RTL, PANGO_NEUTRAL = 0, 1, 6
HYPHEN = "-"
SPACES = re.compile(r"[ \t\r\n]+")  # ASCII white space only: a no-break space holds


@lru_cache(maxsize=1024)
def _attrs(text: str, lang: str) -> tuple[tuple[bool, bool], ...]:
    """(may break before, is a grapheme boundary) for each position 0..len(text)."""
    data = text.encode()
    attrs = _ffi.new("PangoLogAttr[]", len(text) + 1)
    language = _pango.pango_language_from_string(lang.encode() or b"en")
    _pango.pango_get_log_attrs(data, len(data), -1, language, attrs, len(text) + 1)
    return tuple(
        (bool(attrs[i].is_line_break), bool(attrs[i].is_cursor_position))
        for i in range(len(text) + 1)
    )


def _hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def break_points(text: str, lang: str = "en") -> list[int]:
    """Offsets where a line may break, by Unicode's rules and Pango's Thai dictionary;
    Korean keeps its words whole (CSS `word-break: keep-all`), breaking at spaces only;
    Japanese and Chinese break between phrases (BudouX), not inside a word: Unicode
    allows a break between any two of their letters, and a banner set 「株式会社雲の守りテ /
    クノロジーズ」 (a review by eye)."""
    attrs = _attrs(text, lang)
    phrases = _phrase_ends(text)
    return [
        i
        for i in range(1, len(text))
        if attrs[i][0]
        and not (_hangul(text[i - 1]) and _hangul(text[i]))
        and not (_cjk(text[i - 1]) and _cjk(text[i]) and i not in phrases)
    ]


def _kana(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff"


def _cjk(ch: str) -> bool:
    return _kana(ch) or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=1024)
def _phrase_ends(text: str) -> frozenset[int]:
    """Where BudouX ends a phrase: its Japanese model when the text has kana, else its
    Chinese one (Han alone); nothing for other scripts."""
    if not any(_cjk(ch) for ch in text):
        return frozenset()
    parser = _parser("ja" if any(_kana(ch) for ch in text) else "zh")
    ends, at = set(), 0
    for phrase in parser.parse(text)[:-1]:
        at += len(phrase)
        ends.add(at)
    return frozenset(ends)


@lru_cache(maxsize=2)
def _parser(language: str) -> Any:
    import budoux  # its models load on first use: only where CJK is drawn

    if language == "ja":
        return budoux.load_default_japanese_parser()
    return budoux.load_default_simplified_chinese_parser()


def graphemes(text: str) -> list[int]:
    """Offsets that do not split a character from its marks (Thai vowels, Devanagari
    matras, an emoji's modifiers): the only places a word may be cut."""
    attrs = _attrs(text, "en")
    return [i for i in range(1, len(text)) if attrs[i][1]]


def bidi_levels(text: str, rtl: bool | None = None) -> tuple[list[int], bool]:
    """The Unicode bidi embedding level of each character (odd: right to left) and whether
    the paragraph runs right to left; `rtl` None takes that from the first strong letter."""
    if not text:
        return [], bool(rtl)
    data = text.encode()
    base = _ffi.new("int *", PANGO_NEUTRAL if rtl is None else PANGO_RTL if rtl else PANGO_LTR)
    levels = _pango.pango_log2vis_get_embedding_levels(data, len(data), base)
    try:
        return [levels[i] for i in range(len(text))], base[0] == PANGO_RTL
    finally:
        _glib.g_free(levels)


FSI, PDI = "\u2068", "\u2069"  # FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ku"})


def needs_isolation(name: str, lang: str) -> bool:
    """A name written (even in part) right to left, or any name in a right-to-left text:
    without isolation "شركة النور now offers ..." reads with the sentence's first words
    pulled into the name's direction, and its full stop at the wrong end."""
    rtl_letters = any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in name)
    return rtl_letters or lang in RTL_LANGUAGES


def isolate_names(value: Any, names: tuple[str, ...], lang: str) -> Any:
    """Every occurrence of the partner's names in plain text (talking points, post text)
    wrapped in FSI ... PDI, Unicode's bidi isolates (HTML has <bdi>): the name keeps its
    own direction and the sentence around it keeps the language's. Strings, lists and
    dicts of them; names matched longest first, none isolated twice."""
    wanted = sorted({n for n in names if n and needs_isolation(n, lang)}, key=len, reverse=True)
    if not wanted:
        return value
    pattern = re.compile("(?<!\u2068)(?:" + "|".join(re.escape(n) for n in wanted) + ")")

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return pattern.sub(lambda m: FSI + m.group(0) + PDI, node)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(value)


def wrap(text: str, width: float, measure: Callable[[str], float], lang: str = "en") -> list[str]:
    """Lines no wider than `width` (as `measure` reports) where one can be: broken only
    where `break_points` allows, and a word wider than a whole line hyphenated by the
    language's dictionary (pyphen, as WeasyPrint hyphenates), else cut between letters
    with a hyphen (none between CJK, Thai or Korean letters, which take none)."""
    text = SPACES.sub(" ", text).strip()
    if not text:
        return [""]
    cuts = [0, *break_points(text, lang), len(text)]
    lines: list[str] = []
    line = ""
    for start, end in itertools.pairwise(cuts):
        piece = text[start:end]
        if line and measure((line + piece).rstrip()) <= width:
            line += piece
            continue
        if line:
            lines.append(line.rstrip())
        *whole, line = split_word(piece, width, measure, lang)
        lines += whole
    lines.append(line.rstrip())
    return lines


def split_word(word: str, width: float, measure: Callable[[str], float], lang: str) -> list[str]:
    """`word` as pieces that each fit `width`, all but the last ending in a hyphen where
    the script uses one; one piece when it already fits."""
    pieces: list[str] = []
    rest = word
    while rest.strip() and measure(rest.rstrip()) > width:
        head, rest = _cut(rest, width, measure, lang)
        pieces.append(head)
    return [*pieces, rest]


def _cut(word: str, width: float, measure: Callable[[str], float], lang: str) -> tuple[str, str]:
    """The longest head of `word` that fits with its hyphen: at a dictionary hyphenation
    point when one fits, else at the last grapheme boundary that does (at least one)."""
    for point in reversed(_hyphenation_points(word, lang)):
        head = word[:point] + HYPHEN
        if measure(head) <= width:
            return head, word[point:]
    bounds = graphemes(word) or [len(word)]
    best = bounds[0]
    for point in bounds:
        if measure(word[:point] + _hyphen_between(word, point)) > width:
            break
        best = point
    return word[:best] + _hyphen_between(word, best), word[best:]


def _hyphen_between(word: str, point: int) -> str:
    """A hyphen where a word of an alphabet (Latin, Greek, Cyrillic) is cut."""
    if 0 < point < len(word):
        before, after = word[point - 1], word[point]
        if _alphabetic(before) and _alphabetic(after):
            return HYPHEN
    return ""


def _alphabetic(ch: str) -> bool:
    return ch.isalpha() and ord(ch) < 0x0590 and not unicodedata.combining(ch)


def _hyphenation_points(word: str, lang: str) -> list[int]:
    """Offsets in `word` where its language's dictionary allows a hyphen; none for a
    language pyphen has no dictionary for."""
    match = re.search(r"\w+", word)
    if match is None:
        return []
    return [match.start() + p for p in hyphenation.points(match.group(0), lang)]
