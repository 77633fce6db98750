"""The bodies and answers of the asset-rating and reply API (web/ratings.py), as pydantic
models: the views validate with them, web/openapi_mdf.py publishes their schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Reason = Literal["not_relevant", "timing", "too_frequent", "quality", "other"]


class AssetRatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    useful: bool = Field(strict=True)
    # why not (with useful false only; "quality" is the quality or brand concern)
    reason: Reason | None = None
    comment: str | None = Field(None, max_length=1000)


class AssetRating(BaseModel):
    id: int
    campaign_id: int | None
    asset: str | None
    useful: bool
    reason: str | None
    comment: str
    at: str
    reply: str | None
    replied_at: str | None


class AssetRatingList(BaseModel):
    items: list[AssetRating]


class FeedbackReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = Field(min_length=1, max_length=2000)


class FeedbackReply(BaseModel):
    id: int
    partner_id: int
    campaign_id: int | None
    reply: str
    replied_by: str | None
    replied_at: str | None


SCHEMAS: tuple[type[BaseModel], ...] = (
    AssetRatingIn,
    AssetRating,
    AssetRatingList,
    FeedbackReplyIn,
    FeedbackReply,
)
