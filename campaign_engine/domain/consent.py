"""Consent resolution: which decision applies to a (partner, campaign, channel)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

ALL_CHANNELS = "*"
PROGRAMME = "programme"


class ConsentMode(StrEnum):
    AUTO = "auto"  # it goes out (the default: participation is the default)
    REVIEW = "review"  # the partner approves each item
    OFF = "off"  # nothing goes out


def campaign_scope(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def resolve(
    decisions: Mapping[tuple[str, str], str],
    campaign_id: int,
    channel: str,
    campaign_default: ConsentMode = ConsentMode.AUTO,
    programme_default: ConsentMode = ConsentMode.AUTO,
) -> ConsentMode:
    """The partner's own decisions first, most specific winning: campaign+channel, campaign,
    programme+channel, programme. A partner who opted out of email programme-wide but opted
    in to this one campaign has said what they want for this campaign.

    Without a decision of the partner's, the campaign's and the programme's defaults apply;
    where they disagree, auto wins: participation is the default.
    """
    key = deciding(decisions, campaign_id, channel)
    if key is not None:
        return ConsentMode(decisions[key])
    if ConsentMode.AUTO in (campaign_default, programme_default):
        return ConsentMode.AUTO
    if ConsentMode.REVIEW in (campaign_default, programme_default):
        return ConsentMode.REVIEW
    return ConsentMode.OFF


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
        return "this campaign, by the campaign's and the programme's default"
    scope, channel = key
    campaigns = "every campaign" if scope == PROGRAMME else "this campaign"
    return (
        f"{campaigns} (all channels)" if channel == ALL_CHANNELS else f"{channel} for {campaigns}"
    )
