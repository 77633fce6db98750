"""A partner's strings as templates set them: tagged with the language they are written in,
isolated for bidi, hyphenated where a browser has no dictionary, Korean words kept whole
in print, and joined without separators beside what is missing.

Partner strings are hostile input: everything here escapes them, and the markup around
them is the module's own.
"""

from __future__ import annotations

import re
import unicodedata

from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from campaign_engine.typeset import hyphenation

RTL_LANGUAGES = {"ar", "he", "fa", "ur", "ps", "yi", "dv", "ku", "sd", "ug"}
# The first word of a character's Unicode name -> its script, and the languages written in
# it: a partner's string in a script its own language is not written in gets the script's
# usual language (a Thai name of a partner whose locale is en-GB is Thai, not English).
SCRIPTS: dict[str, tuple[str, frozenset[str]]] = {
    "THAI": ("th", frozenset({"th"})),
    "HANGUL": ("ko", frozenset({"ko"})),
    "HIRAGANA": ("ja", frozenset({"ja"})),
    "KATAKANA": ("ja", frozenset({"ja"})),
    "CJK": ("zh", frozenset({"zh", "ja", "ko"})),
    "ARABIC": ("ar", frozenset({"ar", "fa", "ur", "ps", "ku", "sd", "ug"})),
    "HEBREW": ("he", frozenset({"he", "yi"})),
    "DEVANAGARI": ("hi", frozenset({"hi", "mr", "ne", "sa", "kok", "mai"})),
    "BENGALI": ("bn", frozenset({"bn", "as"})),
    "TAMIL": ("ta", frozenset({"ta"})),
    "GREEK": ("el", frozenset({"el"})),
    "CYRILLIC": ("ru", frozenset({"ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn"})),
    "ARMENIAN": ("hy", frozenset({"hy"})),
    "GEORGIAN": ("ka", frozenset({"ka"})),
}
# Kana anywhere, or a Japanese company form: a name mostly in kanji ("富士山ソフトウェア株式会社")
# was tagged Chinese, and a small katakana ォ started a line at 390 px (a review by eye).
JAPANESE = re.compile("[\u3040-\u30ff\u31f0-\u31ff]|株式会社|有限会社|合同会社")
NON_LATIN = frozenset().union(*(langs for _, langs in SCRIPTS.values())) - {"sr", "ku"}
WORD_JOINER = "\u2060"


def script_of(text: str) -> str | None:
    """The script most of the letters of `text` are written in (a SCRIPTS key or 'LATIN'),
    None for a text without letters."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "?").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def text_lang(text: str, partner_lang: str, kit_lang: str) -> str:
    """The language to tag a partner's string with (hyphenation, line breaking and font
    choice follow it): the partner's own language when the string is written in its
    script, else the script's usual language; Latin text of a partner whose language is
    not written in Latin is taken to be in the kit's language."""
    script = script_of(text)
    if script in SCRIPTS:
        usual, written_in = SCRIPTS[script]
        if partner_lang in written_in:
            return partner_lang
        if script == "CJK" and JAPANESE.search(text):
            return "ja"  # kanji with kana, or a Japanese company form, is Japanese
        return usual
    if script is None:
        return partner_lang
    return kit_lang if partner_lang in NON_LATIN else partner_lang


def text_dir(text: str) -> str:
    """'rtl' or 'ltr' from the first strong character (the Unicode bidi rule P2, as
    dir="auto" decides): for WeasyPrint, which has no dir="auto", on a block of its own
    such as an address line ("14 برج الخليج" starts at the right)."""
    for ch in str(text):
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def direction(lang: str) -> str:
    """'rtl' for a language written right to left, else 'ltr' (a document's dir)."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def keep_korean_words(text: str) -> str:
    """Word joiners between the Hangul syllables of each word: Korean breaks lines between
    words, but UAX 14 (Pango, so WeasyPrint, which has no `word-break: keep-all`) breaks
    between any two syllables. `overflow-wrap: anywhere` still breaks a word too long for
    its line, and the joiners draw nothing."""
    return re.sub(r"(?<=[\uac00-\ud7a3])(?=[\uac00-\ud7a3])", WORD_JOINER, text)


LONG_WORD = 12  # letters: a word this long may not fit a phone's line whole
# A partner's own strings (its legal name, its address) are not hyphenated where a word
# of them fits a line: "Lumière Infor-matique", "Hemi-sphere", "Partner-ship" (a review
# by eye). Only a compound this long gets break points, in print too.
NAME_LONG_WORD = 20
HYPHENATED_SCRIPTS = {"LATIN", "GREEK", "CYRILLIC"}


def soft_hyphens(text: str, lang: str, longest: int = LONG_WORD) -> str:
    """Soft hyphens (U+00AD) at the hyphenation points of each long word, from pyphen's
    dictionary for `lang`: `hyphens: auto` needs a dictionary the browser may not have
    (Chromium without its downloaded ones, many mail clients), so a 45-letter German
    compound broke mid-word without a hyphen. A soft hyphen shows only where a line
    breaks; copied text and the judge's reading drop it."""
    if hyphenation.dictionary(lang) is None:
        return text

    def one(match: re.Match[str]) -> str:
        word = match.group(0)
        if script_of(word) not in HYPHENATED_SCRIPTS:
            return word
        return hyphenation.inserted(word, lang)

    return re.sub(rf"[^\W\d_]{{{longest},}}", one, text)


# A name in these is kept whole between its spaces on screen (a line breaks inside one
# only when it is too long for the line): Korean breaks between words but Chromium between
# any two syllables without keep-all, and a Japanese name split "株 / 式会社さくらデータ"
# at 390 px (a review by eye).
KEEP_ALL = {"ko", "ja", "zh"}
# Scripts written without spaces between words, which a browser breaks by its dictionary:
# a name's made-up words are in none ("สยามคลา / วด์", a review by eye). Each of its
# space-separated parts that fits a phone's line is kept whole.
UNSPACED = {"th", "lo", "km", "my"}
WHOLE_PART = 16  # letters: a longer part may not fit a phone's line, and may break


def _words_whole(text: str) -> Markup:
    """`text` with each space-separated part of at most WHOLE_PART letters unbreakable."""
    return Markup(" ").join(
        Markup('<span style="white-space:nowrap">{}</span>').format(part)
        if 0 < len(part) <= WHOLE_PART
        else escape(part)
        for part in text.split(" ")
    )


# Company forms written with spaces, which a line must not break inside: "Sp. z / o.o."
# ended a Polish partner's name in its brochure (a review by eye).
LEGAL_FORMS = re.compile(
    r"\b(?:Sp\. z o\.o\.|Sp\. k\.|S\.A\. de C\.V\.|S\. de R\.L\.|Co\., Ltd\.|Co\. Ltd\.?"
    r"|Pty\.? Ltd\.?|Pte\.? Ltd\.?|Pvt\.? Ltd\.?|Sdn\.? Bhd\.?|GmbH & Co\. KG|s\. r\. o\.)"
)


def legal_form_whole(text: str) -> str:
    """The spaces inside a company form made no-break spaces."""
    return LEGAL_FORMS.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)


class PartnerText:
    """How templates set a partner's strings: tagged with their language and isolated for
    bidi (dir="auto"), so an Arabic name in an English sentence keeps the sentence's full stop
    where it belongs and a German compound hyphenates as German. In a template that is not
    autoescaped (the text email, talking points) the strings come back as they are."""

    def __init__(
        self, names: list[str], partner_lang: str, kit_lang: str, *, for_print: bool
    ) -> None:
        self.names = sorted({n for n in names if n}, key=len, reverse=True)
        self.partner_lang = partner_lang
        self.kit_lang = kit_lang
        self.for_print = for_print

    def lang(self, text: str) -> str:
        return text_lang(text, self.partner_lang, self.kit_lang)

    def tag(self, text: str) -> Markup:
        """One partner string as an isolated, language-tagged span: `dir` on an element
        isolates it as <bdi> does, and survives the website embed's HTML allowlist, which
        has no <bdi>."""
        lang = self.lang(text)
        text = legal_form_whole(text)
        text = soft_hyphens(text, lang, NAME_LONG_WORD)  # hyphens: manual uses only these
        if lang == "ko" and self.for_print:  # WeasyPrint has no keep-all
            return Markup('<span lang="ko" dir="auto">{}</span>').format(keep_korean_words(text))
        if lang in KEEP_ALL:  # as an attribute too: some mail clients drop <style>
            return Markup(
                '<span lang="{}" dir="auto" style="word-break:keep-all;overflow-wrap:anywhere">'
                "{}</span>"
            ).format(lang, text)
        if lang in UNSPACED:
            return Markup('<span lang="{}" dir="auto">{}</span>').format(lang, _words_whole(text))
        return Markup('<span lang="{}" dir="auto" style="hyphens:manual">{}</span>').format(
            lang, text
        )

    @pass_eval_context
    def bdi(self, eval_ctx: EvalContext, value: object) -> object:
        """`bdi(partner.name)`: the whole value is the partner's."""
        text = "" if value is None else str(value)
        if not eval_ctx.autoescape or not text:
            return text
        return self.tag(text)

    @pass_eval_context
    def named(self, eval_ctx: EvalContext, value: object) -> object:
        """`named(copy.pdf.subtitle)`: kit copy with the partner's name in it; only the
        name is isolated and tagged, the copy keeps the page's language."""
        text = "" if value is None else str(value)
        if not eval_ctx.autoescape or not self.names or not text:
            return text
        pattern = "(" + "|".join(re.escape(n) for n in self.names) + ")"
        parts = re.split(pattern, text)
        return Markup("").join(
            self.tag(part) if i % 2 else escape(part) for i, part in enumerate(parts)
        )


@pass_eval_context
def joined(eval_ctx: EvalContext, separator: str, *parts: object) -> str:
    """The parts that are there, with the separator between them only: a partner without
    a phone gets "owner@acme.example", not "· owner@acme.example". A part is dropped when
    it is empty or only white space (markup counts as empty when it has no text, such as
    a link around an empty address)."""
    kept = [p for p in parts if p is not None and _text_of(p).strip()]
    if not eval_ctx.autoescape:
        return str(separator).join(str(p).strip() for p in kept)
    return escape(separator).join(escape(p) for p in kept)


def _text_of(part: object) -> str:
    if isinstance(part, Markup):
        return part.striptags()
    return str(part)
