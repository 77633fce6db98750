"""The API's models (pydantic), which the views parse and answer with and web/openapi.py
publishes: the request bodies of web/api_*.py, the parameters every list shares, and what
every reply is built on (Reply, Page, Problem, Timestamp, Amount). The replies themselves
are beside them: campaign_schemas, partner_schemas, insight_schemas, me_schemas,
mdf_schemas, lead_schemas, rating_schemas, privacy_schemas."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
)

from campaign_engine.domain.campaign_options import CampaignOptions
from campaign_engine.domain.channels import Channel
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.runway import Milestone
from campaign_engine.domain.times import StorableTime

# What every reply is built on


def _with_zone(value: str) -> str:
    """An ISO 8601 time as the views write it (datetime.isoformat), with its offset."""
    if datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("a time without its offset")
    return value


# Kept as the text the view wrote ("+00:00", a partner's own offset), checked, not rewritten.
Timestamp = Annotated[
    str, AfterValidator(_with_zone), WithJsonSchema({"type": "string", "format": "date-time"})
]
Amount = Annotated[
    Decimal,
    WithJsonSchema({"type": "string", "description": "a decimal amount, e.g. 1250.00"}),
]


class Reply(BaseModel):
    """An answer of the API. Every field it sends is declared: a view that answers a field
    its model lacks fails (extra="forbid"), so the document cannot miss one."""

    model_config = ConfigDict(extra="forbid")


class Sparse(Reply):
    """A reply some of whose fields are left out when the view gives none, rather than
    sent as null (as the views always answered)."""

    omitted_when_unset: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _omit(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # no return annotation: pydantic then keeps the model's own JSON Schema
        data = handler(self)
        for name in self.omitted_when_unset - self.model_fields_set:
            data.pop(name, None)
        return data


T = TypeVar("T")


class Page(Reply, Generic[T]):
    """One page of a list (?page=, ?per_page=), with how many there are in all."""

    items: list[T]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=200)
    total: int = Field(ge=0)


class Problem(BaseModel):
    """RFC 9457 problem details: every error of the API (web/errors.py problem_body)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""


class EventAccepted(Reply):
    """A signed callback taken: recorded now, or a repeat of a webhook-id already recorded."""

    status: Literal["recorded", "duplicate"]


# Query parameters every list shares (described, not parsed: web/paging.py reads them)


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


# Request bodies


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
