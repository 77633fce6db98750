"""Numbers, money and dates as the reader writes them (Flask-Babel), in one place: the
console in the programme's locale and currency (settings: programme.locale, .currency).
Templates use the filters `money`, `number`, `percent`, `date` and `when` (a date and a
time, in UTC and saying so: the console's times are the server's, not the reader's)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError, dates
from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from campaign_engine.domain.channels import channel_label
from campaign_engine.domain.tracking import mailto, web_link
from campaign_engine.services.feedback.record import REASON_WORDS

PORTAL_LANGUAGES = ("en", "de", "fr")  # the portal's translations (campaign_engine/translations)


# The words of the pages a partner's visitors read (the landing page's form, its errors,
# the double opt-in email and page): the portal's languages and more, since a kit brings
# its copy in languages the portal does not speak, and a Greek page with an English form
# was half a page (a review by eye). The test keeps these catalogues whole for those words.
VISITOR_LANGUAGES = (*PORTAL_LANGUAGES, "el", "es", "it", "nl", "pt")


def portal_locale(profile_locale: str | None, languages: tuple[str, ...] = PORTAL_LANGUAGES) -> str:
    """A partner's profile locale as Babel takes it, where the portal speaks its language:
    "de-AT" -> "de_AT"; a region Babel does not know ("de-XX") -> "de"; others -> "en"."""
    code = (profile_locale or "en").replace("-", "_")
    language = code.split("_")[0].lower()
    if language not in languages:
        return "en"
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return language
    return code


def visitor_locale(profile_locale: str | None, copy_language: str) -> str:
    """The language of the partner's page for its visitors: the kit's copy language for
    the partner (the page's headline, text and consent are in it), with the partner's
    region when the two agree; English when the engine has no words in that language."""
    if copy_language not in VISITOR_LANGUAGES:
        return "en"
    own = portal_locale(profile_locale, VISITOR_LANGUAGES)
    return own if own.split("_")[0] == copy_language else copy_language


def _signed_in_partner() -> Any:
    if not has_request_context() or not current_user.is_authenticated:
        return None
    if current_user.role != "partner" or current_user.partner_id is None:
        return None
    from campaign_engine.db import Partner
    from campaign_engine.web.session import db

    return db().get(Partner, current_user.partner_id)


def _locale() -> str:
    """A signed-in partner reads the portal in its own language (its profile's locale,
    where the portal has that language); everyone else in the programme's locale."""
    partner = _signed_in_partner()
    if partner is not None:
        return portal_locale(partner.locale)
    if has_request_context() and request.blueprint == "portal":  # signed out: the browser's
        best = request.accept_languages.best_match(PORTAL_LANGUAGES)
        if best:
            return best
    return current_app.extensions["campaign_engine"].settings.programme.locale


def money(amount: Decimal | float | int | None, currency: str | None = None) -> str:
    """12500 -> '$12,500' (en, USD); cents only when there are any."""
    if amount is None:
        return "\u2013"
    code = currency or current_app.extensions["campaign_engine"].settings.programme.currency
    if Decimal(amount) != Decimal(amount).to_integral_value():
        return format_currency(amount, code)
    # The locale's own pattern (where the symbol goes, which separators) without the cents.
    locale = get_locale() or Locale.parse("en")
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, code, format=pattern, currency_digits=False)


def when(value: datetime | str | None) -> str:
    """'Dec 2, 2026, 1:09 AM UTC' in English, '2 déc. 2026, 01:09 UTC' in French; an ISO
    8601 string (as the status figures carry dates) reads the same."""
    if value is None:
        return "\u2013"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{format_date(value, 'medium')}, {format_time(value, 'short')} UTC"


def when_local(value: datetime) -> str:
    """A time in its own zone (a partner's go-live), in the reader's language:
    'Wednesday, December 2, 2026, 10:30 AM'; 'Mittwoch, 2. Dezember 2026, 10:30'."""
    locale = get_locale() or Locale.parse("en")
    zone = value.tzinfo
    return (
        f"{dates.format_date(value, 'full', locale=locale)}, "
        f"{dates.format_time(value, 'short', tzinfo=zone, locale=locale)}"
    )


def local_to(value: datetime, partner: Any) -> str:
    """A UTC time as the partner reads it: in its own timezone, with the zone's name."""
    local = value.astimezone(ZoneInfo(partner.timezone))
    return f"{when_local(local)} ({local.tzname()})"


def page_language() -> str:
    return str((get_locale() or Locale.parse("en")).language)


def day(value: datetime | date | str | None) -> str:
    """A date in the reader's language; an ISO date string (as API shapes carry) too."""
    if value is None:
        return "\u2013"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, "medium")


NETWORKS = {"linkedin": "LinkedIn", "instagram": "Instagram", "x": "X", "facebook": "Facebook"}


def network_label(network: str | None) -> str:
    return NETWORKS.get(network or "", network or "")


CHANNEL_WORDS = {
    "email": _l("Email"),
    "social": _l("Social"),
    "crm": _l("CRM"),
    "web": _l("Website"),
    "signature": _l("Email signature"),
    "*": _l("All channels"),
}
CAMPAIGN_WORDS = {
    "draft": _l("draft"),
    "scheduled": _l("scheduled"),
    "launching": _l("launching"),
    "live": _l("live"),
    "paused": _l("paused"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled"),
}

# A consent switch's three values as its labels and its confirmation say them; the form
# posts the value (ConsentMode), never the words.
CONSENT_WORDS = {"auto": _l("auto"), "review": _l("review"), "off": _l("off")}


def channel_words(channel: str) -> str:
    """A channel as the reader says it, in the reader's language."""
    return str(CHANNEL_WORDS.get(channel, channel_label(channel)))


def campaign_status(status: str) -> str:
    return str(CAMPAIGN_WORDS.get(status, status))


MDF_WORDS = {
    "pending": _l("waiting for a decision"),
    "changes_requested": _l("change asked"),
    "approved": _l("approved"),
    "rejected": _l("declined"),
    "cancelled": _l("withdrawn"),
    "claimed": _l("claimed"),
    "submitted": _l("submitted"),
    "paid": _l("paid"),
}


def mdf_status(status: str) -> str:
    """An MDF request's or claim's state, in the reader's language."""
    return str(MDF_WORDS.get(status, status))


def consent_mode(mode: str) -> str:
    """A consent mode (auto, review, off) as the reader says it, in the reader's language."""
    return str(CONSENT_WORDS.get(mode, mode))


def delivery_status(status: str) -> str:
    """A delivery's state as the partner reads it, in its language."""
    words = {
        "sent": _l("sent"),
        "pending": _l("scheduled"),
        "sending": _l("sending"),
        "held": _l("waiting for your review"),
        "skipped": _l("not sent"),
        "failed": _l("failed"),
    }
    return str(words.get(status, status))


def reason_words(reason: str) -> str:
    """A partner's reason as the vendor's console says it (the console is in English):
    'quality' -> 'quality or brand concern', the words partners tapped."""
    words = REASON_WORDS.get(reason)
    return words[:1].lower() + words[1:] if words else reason.replace("_", " ")


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_locale)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["date"] = day
    app.jinja_env.filters["web_link"] = web_link
    app.jinja_env.filters["channel"] = channel_words
    app.jinja_env.filters["campaign_status"] = campaign_status
    app.jinja_env.filters["when_local"] = when_local
    app.jinja_env.filters["local_to"] = local_to
    app.jinja_env.filters["network"] = network_label
    app.jinja_env.filters["delivery_status"] = delivery_status
    app.jinja_env.filters["consent_mode"] = consent_mode
    app.jinja_env.filters["mdf_status"] = mdf_status
    app.jinja_env.filters["reason_words"] = reason_words
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.globals["mailto"] = mailto  # an address's link, none of it read as fields
