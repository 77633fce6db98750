"""Numbers, money and dates as the reader writes them (Flask-Babel), in one place: the
console in the programme's locale and currency (settings: programme.locale, .currency).
Templates use the filters `money`, `number` and `percent`."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from flask import Flask, current_app
from flask_babel import Babel, format_currency, format_decimal, format_percent, get_locale


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


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_locale)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["percent"] = format_percent
