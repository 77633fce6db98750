"""A preflight finding: which asset, a stable code, how bad, and words to act on."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import StrEnum

from campaign_engine.domain.words import N_, Words

# What a partner reads in its next action when a problem holds its deliveries: short, in
# its language, about what it can change (the marketer reads the problem's own message).
FIXES = {
    "glyph_missing": N_("your name or address has characters no font can print"),
    "logo_contrast": N_("your logo does not stand out from its background"),
    "page_count": N_("your name or address makes the brochure longer than it is designed"),
    "text_outside_page": N_("your name or address runs off the brochure's page"),
    "email_too_wide": N_("something in your profile makes the email wider than a phone"),
}
CODE = re.compile(r"\[([a-z_]+)\]")


class Severity(StrEnum):
    BLOCK = "block"  # the partner's deliveries are held until it is fixed
    WARN = "warn"  # reported; the asset still goes out


@dataclass(frozen=True)
class Problem:
    asset: str
    code: str
    severity: Severity
    message: str

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCK

    def held_as(self) -> str:
        """How a held delivery records it: the message, then its code in brackets."""
        return f"{self.asset}: {self.message} [{self.code}]"

    def as_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


def blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.blocks]


def fix_for(held: str) -> Words | str:
    """The partner's words for the first problem a held delivery records, or that
    problem's own (English) message when its code has none."""
    found = CODE.search(held)
    if found and found.group(1) in FIXES:
        return Words(FIXES[found.group(1)])
    return CODE.sub("", held.split("; ")[0]).strip()
