"""Text invariants on what a reader reads: address lines kept, no orphaned separators.

Two sources of text, with different trust. The email's text comes from the DOM
(`innerText`: exactly the characters shown, hard line breaks as "\\n", soft wraps not),
so lines are compared exactly. A PDF's text comes back through each font's ToUnicode map
in content-stream order: Arabic words may come back in visual order, a Devanagari vowel
sign before or after its consonant, Thai's sara am split in two, and a soft wrap looks
like a hard one. So PDF lines are compared as multisets of characters (Dice similarity),
and an address line may span up to eight consecutive PDF lines (a soft-wrapped long line);
what must hold is that no PDF line carries two address lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

# Characters the engine may add around partner text without changing what is read: bidi
# isolates and marks, zero-width spaces and joiners used as break hints, soft hyphens.
INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
SEPARATORS = "·|•"
PUNCTUATION_ONLY = re.compile(r"^[\s.,;:·|•\-\u2013\u2014/]+$")
DOUBLE_SEPARATOR = re.compile(r"[·|•,]\s*[·|•,]")
PDF_SIMILARITY = 0.75  # Dice over characters; garbled extraction of one line stays above
PDF_SPAN = 8  # a soft-wrapped address line covers at most this many PDF lines


def clean(text: str) -> str:
    """NFC, without invisible formatting, with every run of spaces one space, stripped."""
    text = INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return SPACES.sub(" ", text).strip()


def clean_lines(text: str) -> list[str]:
    return [clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def address_lines(postal_address: str) -> list[str]:
    """The partner's address as the vendor entered it, one entry per non-empty line."""
    return [line for line in clean_lines(postal_address) if line]


def address_kept_in_text(lines: Sequence[str], address: Sequence[str]) -> bool:
    """A plain-text part: the lines kept, or joined with ", " on one line."""
    joined = ", ".join(address)
    return address_kept_exact(lines, address) or any(_has_phrase(line, joined) for line in lines)


def address_kept_exact(lines: Sequence[str], address: Sequence[str]) -> bool:
    """True when the address lines follow one another as lines of `lines`: the first may
    end a line ("Name · Suite 4100"), the last may start one, the others are whole lines;
    a comma may close a line ("Suite 4100,")."""
    k = len(address)
    if k == 0:
        return True
    if k == 1:
        return any(_has_phrase(line, address[0]) for line in lines)
    for i in range(len(lines) - k + 1):
        window = [line.rstrip(",").rstrip() for line in lines[i : i + k]]
        if not (window[0] == address[0] or window[0].endswith(" " + address[0])):
            continue
        if window[1 : k - 1] != list(address[1 : k - 1]):
            continue
        last = lines[i + k - 1]
        if last == address[-1] or last.startswith(address[-1] + " ") or window[-1] == address[-1]:
            return True
    return False


def _has_phrase(line: str, phrase: str) -> bool:
    index = line.find(phrase)
    while index >= 0:
        before = line[index - 1] if index else " "
        end = index + len(phrase)
        after = line[end] if end < len(line) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        index = line.find(phrase, index + 1)
    return False


def _letters(text: str) -> Counter[str]:
    """The characters that carry the text (no spaces, no marks): what survives a
    ToUnicode round trip in any order."""
    return Counter(
        ch
        for ch in unicodedata.normalize("NFKD", clean(text))
        if not ch.isspace() and not unicodedata.category(ch).startswith("M")
    )


def _dice(a: Counter[str], b: Counter[str]) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 1.0


def address_kept_pdf(lines: Sequence[str], address: Sequence[str]) -> bool:
    """True when consecutive PDF lines hold the address lines one after another, each
    address line on one to PDF_SPAN lines of its own (so never two on one line)."""
    if not address:
        return True
    wanted = [_letters(a) for a in address]
    bags = [_letters(line) for line in lines]

    def match(i: int, start: int) -> bool:
        if i == len(wanted):
            return True
        for span in range(1, PDF_SPAN + 1):
            end = start + span
            if end > len(bags):
                break
            joined = sum(bags[start:end], Counter())
            if _dice(wanted[i], joined) >= PDF_SIMILARITY and match(i + 1, end):
                return True
        return False

    return any(match(0, start) for start in range(len(bags)))


SIGNATURE_DELIMITER = "--"  # a plain-text email's "-- " line before the signature


def separator_problems(
    lines: Iterable[str],
    fields: Sequence[str],
    *,
    soft_wraps: bool = False,
    address: Sequence[str] = (),
) -> list[str]:
    """Lines where a separator stands beside nothing: "· owner@example" (no phone), a
    line ending "Name ·", "· ·", a lone "." line; a line ending in a comma only when it
    shows one of the partner's `fields` (a greeting "Hi Jordan," is copy, not a field).
    With `soft_wraps` (PDF lines, where a wrap may fall before "·" or after it) only what
    no line breaking makes is reported: "· ·", a lone ".", a line starting with a comma.
    A comma closing an `address` line ("Suite 4100,") is postal style, not a stray."""
    found = []
    values = [clean(f) for f in fields if clean(f)]
    for line in lines:
        text = line.strip()
        if not text or text == SIGNATURE_DELIMITER:
            continue
        if PUNCTUATION_ONLY.match(text):
            found.append(f"a line of only “{text}”")
        elif text[0] == "," or (not soft_wraps and text[0] in SEPARATORS):
            found.append(f"“{text[:60]}” starts with a separator")
        elif not soft_wraps and text[-1] in SEPARATORS:
            found.append(f"“{text[-60:]}” ends with a separator")
        elif (
            not soft_wraps
            and text.endswith(",")
            and any(v in text and not v.endswith(",") for v in values)
            and not any(text[:-1].rstrip().endswith(a) for a in address)
        ):
            found.append(f"“{text[-60:]}” ends with a comma after a field")
        elif DOUBLE_SEPARATOR.search(text):
            found.append(f"“{text[:60]}” has two separators with nothing between")
    return found


def dangling_label(lines: Iterable[str], label: str) -> str | None:
    """A line ending in `label` ("More at") that a missing field should have followed."""
    label = clean(label)
    if not label:
        return None
    for line in lines:
        if clean(line).endswith(label):
            return f"“{clean(line)[-60:]}” ends with “{label}” and nothing after it"
    return None
