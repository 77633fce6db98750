"""The feedback report's shape (FeedbackReport and its parts): what the console, the CLI
and the API read, and what the API's OpenAPI schema is generated from (SCHEMAS)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

Counts = dict[str, int]


class CampaignRef(BaseModel):
    id: int
    name: str


class KitRef(BaseModel):
    id: int
    slug: str
    name: str


class Baseline(BaseModel):
    """The programme's figures over every launched campaign."""

    targeted: int
    opted_out: int
    opt_out_rate: float | None
    review_items: int
    skipped: int
    skip_rate: float | None


class Segment(BaseModel):
    """One channel, tier or region: its figures beside the programme's for the same."""

    name: str
    targeted: int
    opted_out: int
    opt_out_rate: float | None
    baseline_opt_out_rate: float | None
    review_items: int
    skipped: int
    skip_rate: float | None
    baseline_skip_rate: float | None
    reasons: Counts


class Segments(BaseModel):
    channel: list[Segment]
    tier: list[Segment]
    region: list[Segment]


class Ratings(BaseModel):
    useful: int
    not_useful: int


class FeedbackComment(BaseModel):
    id: int
    partner: str | None  # its slug
    partner_name: str | None = None  # as people read it
    campaign_id: int | None
    kind: str
    channel: str | None
    asset: str | None
    reason: str | None
    useful: bool | None
    comment: str
    at: datetime
    reply: str | None


class CommonEdit(BaseModel):
    """A run of the kit's words partners replaced ("" before: words added; "" after:
    words removed), and how many partners made that change."""

    field: str
    before: str
    after: str
    partners: int


class EditOut(BaseModel):
    partner: str | None
    campaign_id: int
    channel: str
    asset: str
    field: str
    original: str
    edited: str
    diff: str
    at: datetime


class FeedbackReport(BaseModel):
    scope: Literal["campaign", "kit"]
    campaign: CampaignRef | None
    kit: KitRef | None
    campaigns: list[CampaignRef]
    targeted: int
    opted_out: int
    opt_out_rate: float | None
    review_items: int
    skipped: int
    skip_rate: float | None
    baseline: Baseline
    reasons: Counts
    reasons_by_kind: dict[str, Counts]
    reasons_by_channel: dict[str, Counts]
    reasons_by_tier: dict[str, Counts]
    reasons_by_region: dict[str, Counts]
    opted_out_by_tier: Counts
    segments: Segments
    ratings: Ratings
    ratings_by_asset: dict[str, Ratings]
    comments: list[FeedbackComment]
    edited_by: int  # partners with at least one edit kept
    common_edits: list[CommonEdit]
    recent_edits: list[EditOut]


SCHEMAS: tuple[type[BaseModel], ...] = (FeedbackReport,)
