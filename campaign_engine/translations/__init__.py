"""The partner-facing catalogues (de, fr; English is the msgids), for what is written
outside a request: notices, token warnings, anything the scheduler or the CLI sends. The
portal reads the same catalogues through Flask-Babel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Babel loads where a partner's text is written, not at every command
    from babel import Locale
    from babel.support import NullTranslations

FOLDER = Path(__file__).resolve().parent
LANGUAGES = ("de", "fr")  # translated; anything else reads English (the msgids)


@lru_cache(maxsize=16)
def _catalogue(locale: str, language: str) -> NullTranslations:
    from babel.support import Translations

    return Translations.load(str(FOLDER), [locale, language])


def partner_language(profile_locale: str | None) -> tuple[NullTranslations, Locale | None]:
    """The catalogue and the Babel locale for a partner's profile locale ("de-DE"); no
    locale for English, whose dates keep their own wording."""
    from babel import Locale, UnknownLocaleError
    from babel.support import NullTranslations

    code = (profile_locale or "en").replace("-", "_")
    language = code.split("_")[0].lower()
    if language not in LANGUAGES:
        return NullTranslations(), None
    try:
        locale = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse(language)
    return _catalogue(str(locale), language), locale
