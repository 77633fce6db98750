"""The consent rule, checked against a judge that does not share its code: every
combination of the six levels, and the examples table in docs/consent.md."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from campaign_engine.domain.consent import (
    ALL_CHANNELS,
    LEVELS,
    MODE_WORDS,
    PROGRAMME,
    ConsentMode,
    campaign_scope,
    resolve,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "consent.md"
CAMPAIGN, CHANNEL = 7, "email"
# The partner's four levels as the engine stores them, most specific first.
PARTNER_KEYS = (
    (campaign_scope(CAMPAIGN), CHANNEL),
    (campaign_scope(CAMPAIGN), ALL_CHANNELS),
    (PROGRAMME, CHANNEL),
    (PROGRAMME, ALL_CHANNELS),
)
MODES = tuple(ConsentMode)
NOTHING = "\N{EN DASH}"  # how the documented table writes "no statement at this level"


def judge(statements: tuple[ConsentMode | None, ...]) -> ConsentMode:
    """The rule as written: the first level (most specific) that says anything decides."""
    return next(s for s in statements if s is not None)


def engine(statements: tuple[ConsentMode | None, ...]) -> ConsentMode:
    partner, (campaign_default, programme_default) = statements[:4], statements[4:]
    decisions = {key: mode.value for key, mode in zip(PARTNER_KEYS, partner, strict=True) if mode}
    assert programme_default is not None
    return resolve(decisions, CAMPAIGN, CHANNEL, campaign_default, programme_default)


def test_every_combination_of_the_six_levels_follows_the_rule() -> None:
    optional = (None, *MODES)
    combos = list(itertools.product(*[optional] * 5, MODES))
    assert len(combos) == 4**5 * 3 == 3072
    wrong = [c for c in combos if engine(c) is not judge(c)]
    assert wrong == []


def test_a_partners_off_wins_over_every_default() -> None:
    for level in range(4):
        for defaults in itertools.product((None, *MODES), MODES):
            statements = [None] * 4
            statements[level] = ConsentMode.OFF
            assert engine((*statements, *defaults)) is ConsentMode.OFF


def test_a_review_campaign_is_reviewed_under_an_auto_programme() -> None:
    """Issue 27: auto won between the defaults, so a review campaign sent at once."""
    assert engine((None,) * 4 + (ConsentMode.REVIEW, ConsentMode.AUTO)) is ConsentMode.REVIEW


def test_the_documented_table_is_what_the_code_does() -> None:
    text = DOC.read_text()
    for number, level in enumerate(LEVELS, start=1):
        assert f"| {number} | {level} |" in text, f"docs/consent.md level {number}"
    for mode, words in MODE_WORDS.items():
        assert f"| `{mode.value}` | {words.split(': ', 1)[1]} |" in text
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if re.match(rf"^\| ({NOTHING}|auto|review|off) \|", line)
    ]
    assert len(rows) >= 10
    for *cells, expected in rows:
        statements = tuple(None if c == NOTHING else ConsentMode(c) for c in cells)
        assert engine(statements).value == expected, cells
