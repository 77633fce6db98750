"""Consent resolution: which decision applies to a (partner, campaign, channel)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

ALL_CHANNELS = "*"
PROGRAMME = "programme"


class ConsentMode(StrEnum):
    AUTO = "auto"  # it goes out (the default: participation is the default)
    REVIEW = "review"  # the partner approves each item
    OFF = "off"  # nothing goes out


@dataclass(frozen=True)
class ConsentRules:
    """The programme's settings every decision is applied with: what holds where nobody
    said anything, and how long a reviewing partner has to approve an item."""

    programme_default: ConsentMode
    review_hours: float


def campaign_scope(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


# What each mode means, in the words every surface uses (console form, API schema, CLI
# help, portal): one definition, so no page promises what the engine does not do.
MODE_WORDS: dict[ConsentMode, str] = {
    ConsentMode.AUTO: "auto: items go out at their time, no action needed",
    ConsentMode.REVIEW: "review: partners approve each item before it goes out; "
    "an item not approved by its deadline is not sent",
    ConsentMode.OFF: "off: nothing goes out unless the partner opts in",
}
PROGRAMME_DEFAULT_WORDS = "empty: the programme's default applies"

# The rule, most specific first. The first level that has a statement decides; the four
# partner levels come before the two defaults, so a partner's own "off" (or "auto", or
# "review") at any level wins over whatever the vendor set as a default.
LEVELS: tuple[str, ...] = (
    "partner, this campaign, this channel",
    "partner, this campaign, every channel",
    "partner, every campaign, this channel",
    "partner, every campaign, every channel",
    "campaign default",
    "programme default",
)


def resolve(
    decisions: Mapping[tuple[str, str], str],
    campaign_id: int,
    channel: str,
    campaign_default: ConsentMode | None = None,
    programme_default: ConsentMode = ConsentMode.AUTO,
) -> ConsentMode:
    """The most specific statement wins (LEVELS): the partner's own decisions, then the
    campaign's default, then the programme's. A campaign set to review is reviewed even
    where the programme default is auto: the vendor said so for this campaign."""
    key = deciding(decisions, campaign_id, channel)
    if key is not None:
        return ConsentMode(decisions[key])
    if campaign_default is not None:
        return ConsentMode(campaign_default)
    return ConsentMode(programme_default)


def campaign_mode(value: str | None) -> ConsentMode | None:
    """A campaign's stored default (None: it said nothing, the programme decides)."""
    return ConsentMode(value) if value else None


def deciding(
    decisions: Mapping[tuple[str, str], str], campaign_id: int, channel: str
) -> tuple[str, str] | None:
    """The (scope, channel) of the partner's decision that applies, most specific first."""
    scope = campaign_scope(campaign_id)
    for key in (
        (scope, channel),
        (scope, ALL_CHANNELS),
        (PROGRAMME, channel),
        (PROGRAMME, ALL_CHANNELS),
    ):
        if key in decisions:
            return key
    return None


def decision_words(key: tuple[str, str] | None) -> str:
    """How the ledger says which decision it was, after "opted out of": "email for this
    campaign", "every campaign (all channels)"."""
    if key is None:
        return "this campaign, by the campaign's or the programme's default"
    scope, channel = key
    campaigns = "every campaign" if scope == PROGRAMME else "this campaign"
    return (
        f"{campaigns} (all channels)" if channel == ALL_CHANNELS else f"{channel} for {campaigns}"
    )
