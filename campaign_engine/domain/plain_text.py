"""Text a person typed for others to read, checked once for every place it goes."""

from __future__ import annotations

import unicodedata

# No control characters (a NUL the database refuses, a backspace the email's XML parser
# refuses, a line break that forges a line of a notice, Unicode's line and paragraph
# separators, which some mail clients and terminals break on), no lone surrogates or
# non-characters (not text: UTF-8 cannot encode the first, XML allows neither) and no
# bidi overrides (which reverse the words around them). A paragraph keeps its line breaks
# and tabs.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain_text(value: str, *, lines: bool) -> str:
    """`value` with \\r\\n as \\n, or ValueError naming the first character refused."""
    text = value.replace("\r\n", "\n")
    for char in text:
        if lines and char in "\n\r\t":
            continue
        if _refused(char):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            where = "a line break" if char == "\n" else f"the character {name}"
            raise ValueError(f"{where} is not allowed here; use plain text")
    return text


def _refused(char: str) -> bool:
    category = unicodedata.category(char)
    noncharacter = 0xFDD0 <= ord(char) <= 0xFDEF or (ord(char) & 0xFFFE) == 0xFFFE
    return category in ("Cc", "Cs", "Zl", "Zp") or noncharacter or char in _BIDI_CONTROLS


# Letters that draw nothing: Hangul fillers, the braille blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def shows_something(text: str) -> bool:
    """Whether any character of `text` draws: a name of zero-width spaces, joiners, marks
    or Hangul fillers passed every check and printed as nothing ("delivered by "), and an
    address of one U+200B met the email's required postal address (an attacker's report)."""
    return any(
        unicodedata.category(ch) not in ("Cf", "Zs", "Zl", "Zp", "Cc", "Mn", "Me")
        and ch not in _BLANK_LETTERS
        for ch in text
    )
