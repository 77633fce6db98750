"""Page numbers for long console lists, read from `?page=` and checked: a bad number is a
clear 400 naming the field, never a 500 or an empty page that looks like "no results"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import ceil

from flask import request

from campaign_engine.errors import InvalidInput
from campaign_engine.services.partners.directory import PartnerQuery


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    size: int
    total: int = 0

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def first_shown(self) -> int:
        return self.offset + 1 if self.offset < self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.total, self.offset + self.size)

    def counted(self, total: int) -> Page:
        """The page with its list's total; a page past the last one is a clear 4xx (it
        would read as "nothing matches" when something does)."""
        page = Page(self.number, self.size, total)
        if total and self.number > page.pages:
            raise InvalidInput(
                f"page {self.number} is past the last one ({page.pages})", where="page"
            )
        return page


def bounded_int(name: str, default: int, low: int, high: int) -> int:
    """A whole-number query argument within bounds, or a 4xx naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise InvalidInput(f"'{raw}' is not a whole number from {low} to {high}", where=name)
    return int(raw)


def requested_page(size: int, *, per_page: bool = False) -> Page:
    """?page= (and, for API clients, ?per_page= up to 200, `size` when absent)."""
    chosen = bounded_int("per_page", size, 1, 200) if per_page else size
    return Page(bounded_int("page", 1, 1, 1_000_000), chosen)


def partner_query(args: Mapping[str, str]) -> PartnerQuery:
    """The partner list's query arguments (console and API): q, tier, region, vertical,
    sort (name, slug, tier, region, vertical, signed) and order=desc."""

    def text(name: str, most: int = 100) -> str:
        # NUL is no character of any name, and PostgreSQL refuses it in a query (a 500)
        return args.get(name, "")[:most].replace("\x00", "")

    return PartnerQuery(
        q=text("q"),
        tier=text("tier"),
        region=text("region"),
        vertical=text("vertical"),
        sort=args.get("sort", "") or "name",
        descending=args.get("order") == "desc",
    )
