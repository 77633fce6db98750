"""Which characters no font will draw, asked of fontconfig: the library whose fallback
chain Pango (and so WeasyPrint) and Chromium walk for every character their first font
lacks. A hand-written list of fallback files said "no font draws" Thai and Devanagari
names that both renderers print from the installed Noto fonts; fontconfig knows every
installed font, so what it cannot find a font for is exactly what prints as a box.

Bound with cffi (WeasyPrint's own dependency) in ABI mode: no compiler, no subprocess per
character. Answers are cached per character for the life of the process.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from cffi import FFI

_CDEF = """
typedef int FcBool;
typedef unsigned int FcChar32;
typedef struct _FcPattern FcPattern;
typedef struct _FcCharSet FcCharSet;
typedef struct _FcObjectSet FcObjectSet;
typedef struct _FcConfig FcConfig;
typedef struct _FcFontSet { int nfont; int sfont; FcPattern **fonts; } FcFontSet;
FcBool FcInit (void);
FcPattern *FcPatternCreate (void);
void FcPatternDestroy (FcPattern *p);
FcBool FcPatternAddCharSet (FcPattern *p, const char *object, const FcCharSet *c);
FcCharSet *FcCharSetCreate (void);
void FcCharSetDestroy (FcCharSet *fcs);
FcBool FcCharSetAddChar (FcCharSet *fcs, FcChar32 ucs4);
FcObjectSet *FcObjectSetCreate (void);
FcBool FcObjectSetAdd (FcObjectSet *os, const char *object);
void FcObjectSetDestroy (FcObjectSet *os);
FcFontSet *FcFontList (FcConfig *config, FcPattern *p, FcObjectSet *os);
void FcFontSetDestroy (FcFontSet *s);
"""

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _fontconfig() -> tuple[FFI, Any]:
    """The system's libfontconfig, initialised once (the same shared library Pango loads)."""
    ffi = FFI()
    ffi.cdef(_CDEF)
    lib = ffi.dlopen("libfontconfig.so.1")
    lib.FcInit()
    return ffi, lib


@lru_cache(maxsize=65536)
def installed_font_draws(codepoint: int) -> bool:
    """True when some installed font has a glyph for the character: what `fc-list
    ':charset=<hex>'` answers, without a process per character."""
    ffi, lib = _fontconfig()
    with _lock:  # one query at a time: FcFontList is cheap, its setup is not re-entrant
        pattern = lib.FcPatternCreate()
        charset = lib.FcCharSetCreate()
        objects = lib.FcObjectSetCreate()
        try:
            lib.FcCharSetAddChar(charset, codepoint)
            lib.FcPatternAddCharSet(pattern, b"charset", charset)
            lib.FcObjectSetAdd(objects, b"file")
            fonts = lib.FcFontList(ffi.NULL, pattern, objects)
            try:
                return bool(fonts != ffi.NULL and fonts.nfont > 0)  # cffi is untyped
            finally:
                if fonts != ffi.NULL:
                    lib.FcFontSetDestroy(fonts)
        finally:
            lib.FcObjectSetDestroy(objects)
            lib.FcCharSetDestroy(charset)
            lib.FcPatternDestroy(pattern)


@lru_cache(maxsize=32)
def _kit_font_characters(path: str) -> frozenset[int]:
    """A kit's own font (WeasyPrint loads it from @font-face; it need not be installed)."""
    from fontTools.ttLib import TTCollection, TTFont  # loaded where a kit font is read

    if not Path(path).is_file():
        return frozenset()
    fonts = TTCollection(path).fonts[:1] if path.endswith(".ttc") else [TTFont(path, lazy=True)]
    return frozenset(code for font in fonts for code in font.getBestCmap() or {})


def drawn(character: str) -> bool:
    """Characters that take no glyph of their own: white space, and the default-ignorable
    format characters (joiners, bidi marks, variation selectors) that shapers swallow."""
    if character.isspace():
        return False
    category = unicodedata.category(character)
    if category == "Cf":
        return False
    code = ord(character)
    return not (0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


def missing_glyphs(text: str, kit_font: str | None = None) -> list[str]:
    """The characters of `text` that neither the kit's font nor any installed font draws:
    those print as empty boxes in the brochure and the email."""
    own = _kit_font_characters(kit_font) if kit_font else frozenset()
    return sorted(
        {c for c in text if drawn(c) and ord(c) not in own and not installed_font_draws(ord(c))}
    )
