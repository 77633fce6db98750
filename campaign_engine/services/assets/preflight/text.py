"""What preflight reads in the text an asset shows: whether the partner's address keeps
its lines, and separators left beside nothing.

An address entered on four lines and printed as "Suite 41001234 North Michigan" is not a
layout problem a box measurement sees: the letters are all there, in their box. Read as
lines (the email's innerText in Chromium, the PDF's text lines), the address is kept when
its lines follow one another as lines of their own somewhere in the asset.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

SEPARATORS = "·|•"
PUNCTUATION_ONLY = re.compile(r"^[\s.,;:·|•]+$")
DOUBLE_SEPARATOR = re.compile(r"[·|•]\s*[·|•]")
WRAP_SPAN = 3  # a long address line may wrap onto this many printed lines
SIMILAR = 0.8  # Dice similarity of letters for a printed line to be an address line


def clean(text: str) -> str:
    """NFC, no soft hyphens, bidi isolates or zero-width marks, runs of space as one."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def address_lines(postal_address: str) -> list[str]:
    """The address as the partner entered it: one entry per non-empty line."""
    return [line for line in (clean(x) for x in postal_address.splitlines()) if line]


def address_kept(lines: Sequence[str], address: Sequence[str]) -> bool:
    """The address lines follow one another as lines of `lines`: the first may end a line
    ("Northwind · Suite 4100"), the last may begin one, the others are whole lines, and a
    line may close with a comma. One line, or none, cannot lose its breaks."""
    if len(address) < 2:
        return True
    shown = [clean(line).rstrip(",").rstrip() for line in lines]
    k = len(address)
    for i in range(len(shown) - k + 1):
        window = shown[i : i + k]
        if not (window[0] == address[0] or window[0].endswith(" " + address[0])):
            continue
        if window[1:-1] == list(address[1:-1]) and (
            window[-1] == address[-1] or window[-1].startswith(address[-1] + " ")
        ):
            return True
    return False


def _letters(text: str) -> Counter[str]:
    return Counter(c for c in clean(text).translate(_READ_ALIKE) if c.isalnum())


# Letters pdfium reads back as another from a PDF's shaped glyphs: Thai SARA AA (า) comes
# back as SARA AM (ำ), whose glyph draws it ("ภาคกลาง" read "ภำคกลำง", and a Thai address
# printed line by line was taken for lines run together: a generated partner, seed 2027).
_READ_ALIKE = str.maketrans({"\u0e33": "\u0e32", "\u0eb3": "\u0eb2"})


def _dice(a: Counter[str], b: Counter[str]) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 1.0


def address_kept_wrapped(lines: Sequence[str], address: Sequence[str]) -> bool:
    """The same for printed lines, where a long address line may wrap onto up to three
    lines, but two address lines never share one. Compared by their letters and digits,
    as alike as SIMILAR: a PDF's text of Devanagari or Thai comes back with its vowel
    signs reordered or doubled (pdfium reads the shaped glyphs), and a hyphen or space
    at a wrap is no difference."""
    if len(address) < 2:
        return True
    wanted = [_letters(a) for a in address]
    printed = [_letters(line) for line in lines]

    def match(i: int, start: int) -> bool:
        if i == len(wanted):
            return True
        joined: Counter[str] = Counter()
        for span in range(1, WRAP_SPAN + 1):
            if start + span > len(printed):
                return False
            joined += printed[start + span - 1]
            if _dice(wanted[i], joined) >= SIMILAR and match(i + 1, start + span):
                return True
        return False

    return any(match(0, start) for start in range(len(printed)))


def dangling_separators(lines: Iterable[str], *, wrapped: bool = False) -> list[str]:
    """Lines where a separator stands beside nothing: a line of only "." or "·", "· ·",
    a line starting with a comma; and, where lines do not wrap (an email's lines, not a
    PDF's), a line that starts or ends with "·" or "|"."""
    found = []
    for line in lines:
        text = clean(line)
        if not text:
            continue
        if PUNCTUATION_ONLY.match(text):
            found.append(f"a line of only “{text}”")
        elif text[0] == "," or (not wrapped and text[0] in SEPARATORS):
            found.append(f"“{text[:50]}” starts with a separator")
        elif not wrapped and text[-1] in SEPARATORS:
            found.append(f"“{text[-50:]}” ends with a separator")
        elif DOUBLE_SEPARATOR.search(text):
            found.append(f"“{text[:50]}” has two separators with nothing between")
    return found
