"""The API's request bodies (pydantic): what web/api.py parses and web/openapi.py
describes, in one place both may import."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from campaign_engine.domain.campaign_options import CampaignOptions
from campaign_engine.domain.channels import Channel
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.runway import Milestone
from campaign_engine.domain.times import StorableTime


class NewCampaign(CampaignOptions):
    """POST /api/v1/campaigns: the campaign schema every entry point shares."""


class MilestoneChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    milestone: Milestone
    reached_at: StorableTime | None = Field(None, description="ISO 8601 with offset; default now")


class OwnerChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: str = Field(min_length=3, max_length=254)
    partners: list[str] = Field(min_length=1, max_length=10_000)


class MilestoneCallback(MilestoneChange):
    partner: str = Field(min_length=1, max_length=64)


class ProfileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    short_name: str | None = Field(None, max_length=40)  # "" clears it
    contact_email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    website: str | None = Field(None, max_length=500)
    postal_address: str | None = Field(None, max_length=500)
    primary_color: str | None = Field(None, max_length=7)
    secondary_color: str | None = Field(None, max_length=7)


class ConsentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: ConsentMode
    campaign_id: int | None = Field(None, ge=1, le=2**63 - 1, strict=True)  # not true, not 1.0
    channel: Channel | None = None
    # why, when switching off (optional; the switch never waits for it)
    reason: Literal["not_relevant", "timing", "too_frequent", "quality", "other"] | None = None
    comment: str | None = Field(None, max_length=1000)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(json_schema_extra={"enum": ["approve", "skip"]})
