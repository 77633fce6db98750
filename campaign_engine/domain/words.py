"""Words for a person to read, kept as a message and its values until the reader's language
is known: services say what happened, the web and the CLI say it in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


def N_(text: str) -> str:
    """Marks a text for pybabel (the gettext convention); translated where it is read."""
    return text


def Nn_(one: str, many: str) -> tuple[str, str]:
    """Marks a singular and its plural for pybabel (`-k Nn_:1,2`)."""
    return one, many


@dataclass(frozen=True)
class Words:
    """A message and its values, so each reader gets it in its language: `str()` is English
    (the command line, the API, the console), `in_words(gettext, ngettext)` the portal's
    language. A value may itself be Words, translated with it."""

    singular: str
    values: dict[str, object] = field(default_factory=dict)
    plural: str | None = None
    count: int = 1

    def in_words(
        self,
        gettext: Callable[..., str],
        ngettext: Callable[..., str],
        day: Callable[[datetime], str] = lambda at: f"{at:%d %B}",
        money: Callable[[Money], str] = str,
    ) -> str:
        values = {k: _value(v, gettext, ngettext, day, money) for k, v in self.values.items()}
        if self.plural is None:
            return gettext(self.singular) % values
        return ngettext(self.singular, self.plural, self.count) % {**values, "num": self.count}

    def __str__(self) -> str:
        return self.in_words(lambda text: text, lambda one, many, n: one if n == 1 else many)


@dataclass(frozen=True)
class Money:
    """An amount in a currency, written as the reader writes money ("2.000 €" in German)."""

    amount: object  # a Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Listed(tuple[str, ...]):
    """Channel names to translate and list as a reader writes a list ("A, B and C")."""


def _value(
    value: object,
    gettext: Callable[..., str],
    ngettext: Callable[..., str],
    day: Callable[[datetime], str],
    money: Callable[[Money], str] = str,
) -> object:
    if isinstance(value, datetime):
        return day(value)
    if isinstance(value, Money):
        return money(value)
    if isinstance(value, Words):
        return value.in_words(gettext, ngettext, day, money)
    if isinstance(value, Listed):
        names = [gettext(name) for name in value]
        if len(names) == 1:
            return names[0]
        return gettext("%(first)s and %(last)s") % {
            "first": ", ".join(names[:-1]),
            "last": names[-1],
        }
    return value
