"""Numbers, money and dates as the reader writes them (Flask-Babel), in one place: the
console in the programme's locale and currency (settings: programme.locale, .currency).
Templates use the filters `money`, `number`, `percent`, `date` and `when` (a date and a
time, in UTC and saying so: the console's times are the server's, not the reader's)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
)

from campaign_engine.domain.channels import channel_label


def _locale() -> str:
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


def when(value: datetime | None) -> str:
    """'Dec 2, 2026, 1:09 AM UTC' in English, '2 déc. 2026, 01:09 UTC' in French."""
    if value is None:
        return "\u2013"
    return f"{format_date(value, 'medium')}, {format_time(value, 'short')} UTC"


def day(value: datetime | None) -> str:
    return "\u2013" if value is None else format_date(value, "medium")


def web_link(value: str | None) -> str | None:
    """An http(s) address with a host, or None: a link in a page is checked where it is
    rendered too, not only where it was saved (an old row, a future write path)."""
    if not value:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_locale)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["date"] = day
    app.jinja_env.filters["web_link"] = web_link
    app.jinja_env.filters["channel"] = channel_label
