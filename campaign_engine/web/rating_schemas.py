"""The bodies and answers of the asset-rating and reply API (web/ratings.py), as pydantic
models: the views validate and answer with them, web/openapi.py publishes their schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from campaign_engine.web.api_schemas import Reply, Timestamp

Reason = Literal["not_relevant", "timing", "too_frequent", "quality", "other"]


class AssetRatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    useful: bool = Field(strict=True)
    # why not (with useful false only; "quality" is the quality or brand concern)
    reason: Reason | None = None
    comment: str | None = Field(None, max_length=1000)


class AssetRating(Reply):
    id: int
    campaign_id: int | None
    asset: str | None
    useful: bool
    reason: str | None
    comment: str
    at: Timestamp
    reply: str | None
    replied_at: Timestamp | None


class AssetRatingList(Reply):
    items: list[AssetRating]


class FeedbackReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = Field(min_length=1, max_length=2000)


class FeedbackReply(Reply):
    id: int
    partner_id: int
    campaign_id: int | None
    reply: str
    replied_by: str | None
    replied_at: Timestamp | None


class AssetPath(BaseModel):
    asset: str = Field(max_length=64)
