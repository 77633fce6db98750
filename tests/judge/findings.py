"""A judge's finding: which partner, which asset, which invariant, and what was seen."""

from __future__ import annotations

from typing import NamedTuple

# The invariants (issue #28, "Must show"), each checked on the output only.
INVARIANTS = {
    "text_outside_page": "a text box reaches beyond the page (PDF) or the 390 px viewport",
    "text_outside_box": "a text box runs out of its own box (card, band, cell, block)",
    "glyph_missing": "a character drawn as .notdef (a box) or with no glyph at all",
    "logo_too_small": "the logo's artwork under 24 px (email) or 6 mm (print) on its short side",
    "address_lines_lost": "the address lines are not each on lines of their own",
    "separator_dangling": "a separator beside an empty field, at a line's start or end",
    "brand_fill_off": "a brand fill more than ΔE00 10 from the partner's primary colour",
    "email_too_wide": "the email scrolls sideways on a 390 px phone",
    "page_count": "the brochure has more or fewer pages than the kit is designed for",
    "required_field_missing": "an asset made for a partner that lacks a field the kit requires",
    "label_dangling": "a label such as 'More at' left with nothing after it",
}
# Not failures: what the judge could not measure, and why (reported apart).
NOT_MEASURED = "not_measured"


class Finding(NamedTuple):
    slug: str
    asset: str
    code: str
    detail: str

    @property
    def failure(self) -> bool:
        return self.code != NOT_MEASURED
