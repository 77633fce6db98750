"""The replies of the partner's own API (web/api_me.py): its campaigns and what is coming,
consent, the review queue, the asset library, the signature snippet, its results."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from campaign_engine.domain.channels import Channel
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.web.api_schemas import Amount, Reply, Sparse, Timestamp


class UpcomingItem(Reply):
    """An item still to come, times in the partner's timezone."""

    channel: Channel
    asset: str
    due_at: Timestamp | None = Field(description="null: the launch has no date yet")
    waits_for_review: bool
    review_by: Timestamp | None = Field(description="held: approve before this")
    recipients: int


class MyCampaign(Reply):
    id: int
    name: str = Field(description="the campaign's title as partners read it")
    title: str = Field(description="the campaign's title as partners read it")
    description: str
    status: CampaignStatus
    launch_at: Timestamp | None
    modes: dict[Channel, ConsentMode] = Field(description="how each channel is set")
    delivered: int
    waiting_for_review: int
    upcoming: list[UpcomingItem] = Field(
        description="the items still to come, soonest first; from a draft's creation on"
    )


class ConsentSaved(Reply):
    mode: ConsentMode
    campaign_id: int | None
    channel: Channel | None
    reason: str | None


class ReviewItem(Reply):
    id: int
    campaign_id: int
    channel: Channel
    asset: str
    due_at: Timestamp


class Decided(Reply):
    id: int
    action: Literal["approve", "skip"]
    items: int = Field(description="items approved or skipped")


# The asset library


class LibraryCampaign(Reply):
    id: int
    name: str
    status: CampaignStatus


class LibraryFile(Reply):
    name: str
    media_type: str
    url: str = Field(json_schema_extra={"format": "uri"})


class EmbedCode(Reply):
    """Two ways to show the live campaign on the partner's website."""

    script: str
    iframe: str


class Signature(Reply):
    """The email-signature snippet: paste `html` once; it follows the live campaign."""

    html: str
    image_url: str = Field(json_schema_extra={"format": "uri"})
    link_url: str = Field(json_schema_extra={"format": "uri"})


class LibraryItem(Sparse):
    omitted_when_unset = frozenset({"embed", "signature"})

    kind: Literal["email", "brochure", "social", "talking_points", "embed", "signature"]
    channel: Channel
    asset: str
    network: str | None = Field(description="social only: linkedin, instagram, x")
    status: str = Field(description="its delivery's: sent, pending, held, skipped, failed")
    due_at: Timestamp | None
    text: str | None = Field(description="the text to copy, if any")
    download_url: str | None = Field(json_schema_extra={"format": "uri"})
    files: list[LibraryFile]
    embed: EmbedCode | None = Field(None, description="embed items only")
    signature: Signature | None = Field(None, description="signature items only")


class Library(Reply):
    campaign: LibraryCampaign
    items: list[LibraryItem]


# Results


class CampaignResults(Reply):
    clicks: int
    unique_clicks: int = Field(description="each visitor once per link and day")
    leads: int
    pipeline: Amount
    revenue: Amount


class WeekResults(Reply):
    clicks: int
    leads: int


class Results(Reply):
    campaigns: dict[str, CampaignResults] = Field(description="by the campaign's title")
    weeks: dict[str, WeekResults] = Field(description="the last 12 weeks, by their Monday")
