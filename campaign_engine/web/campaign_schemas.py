"""The vendor's campaign replies of the API (web/api_campaigns.py) and their query
parameters: the campaign, its progress and ledger, what it did not send, its report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from campaign_engine.db import Campaign as CampaignRow
from campaign_engine.domain.channels import Channel
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.domain.sendtime import WEEKDAYS
from campaign_engine.web.api_schemas import Amount, PageQuery, Reply, Sparse, Timestamp

Values = list[Annotated[str, Field(max_length=100)]] | None


class Campaign(Reply):
    id: int
    name: str
    slug: str
    status: CampaignStatus
    kit: str = Field(description="the kit's slug")
    audience: dict[str, list[str]] = Field(description="the audience filter, as created")
    launch_at: Timestamp | None
    consent_default: ConsentMode | None = Field(description="null: the programme's default decides")
    preview_days: int
    send_time: str | None
    send_weekday: str | None
    recurrence: str | None
    always_on: bool
    partner_title: str | None
    partner_description: str | None
    title: str = Field(description="what partners read")
    banner_priority: int

    @staticmethod
    def fields_of(row: CampaignRow) -> dict[str, Any]:
        """A stored campaign's fields, as this model names them."""
        weekday = row.send_weekday
        return {
            "id": row.id,
            "name": row.name,
            "slug": row.slug,
            "status": row.status,
            "kit": row.kit_version.kit.slug,
            "audience": row.audience or {},
            "launch_at": row.launch_at.isoformat() if row.launch_at else None,
            "consent_default": row.consent_default,
            "preview_days": row.preview_days,
            "send_time": row.send_time,
            "send_weekday": None if weekday is None else WEEKDAYS[weekday],
            "recurrence": row.recurrence,
            "always_on": bool(row.always_on),
            "partner_title": row.partner_title,
            "partner_description": row.partner_description,
            "title": row.title,
            "banner_priority": row.banner_priority,
        }


class CampaignEdited(Campaign):
    moved: int = Field(description="future items a new consent default moved")


class CampaignActed(Campaign):
    deliveries: int | None = Field(description="deliveries planned (launch); null otherwise")


class Retried(CampaignActed):
    deliveries: int = Field(description="failed deliveries queued again")
    not_resent: dict[Reason, int] = Field(
        description="failed deliveries left failed, by why they cannot be sent (suppressed: "
        "the recipient unsubscribed or bounced)"
    )
    message: str


# Progress and the ledger


class DeliveryCounts(Reply):
    pending: int
    sent: int
    failed: int
    skipped: int


class StepCounts(Reply):
    """An always-on campaign's runway steps."""

    due: int
    waiting: int
    sent: int
    skipped: int


class FailureCount(Reply):
    """Why deliveries failed or were skipped, most common first."""

    channel: str
    status: Literal["failed", "skipped"]
    reason: str
    count: int


class ChannelWait(Reply):
    """A channel whose pending items wait on a failure (the storage full, a provider down)."""

    channel: str
    pending: int
    reason: str
    since: Timestamp
    last_at: Timestamp
    retrying_until: Timestamp
    failures: int
    sentence: str


class NotSentCount(Reply):
    reason: Reason
    label: str
    channel: str
    count: int


class Ledger(Reply):
    """Every targeted partner and channel has an outcome: sent, on the way, or a reason."""

    targeted: dict[str, int] = Field(description="partners targeted, per channel")
    not_planned: dict[str, int] = Field(description="items never planned, per channel")
    not_sent: list[NotSentCount]
    outside_audience: int


class Status(Sparse):
    omitted_when_unset = frozenset({"steps"})

    id: int
    name: str
    status: CampaignStatus
    always_on: bool
    deliveries: dict[str, DeliveryCounts] = Field(description="per channel")
    steps: StepCounts | None = Field(None, description="always-on campaigns only")
    scheduled_later: int = Field(description="pending items due in the future")
    waiting_for_review: int = Field(
        description="items held for partners' approval (not in scheduled_later)"
    )
    first_review_deadline_at: Timestamp | None
    problems: list[FailureCount]
    ledger: Ledger
    launch_at: Timestamp | None
    next_send_at: Timestamp | None = Field(
        description="the next item due to go out (or the launch), ISO 8601 UTC"
    )
    next_send_by_channel: dict[str, Timestamp | None]
    next_occurrence_at: Timestamp | None = Field(description="a recurring campaign's next run")
    waiting: list[ChannelWait] = Field(description="why pending items wait, per channel")


class NotSentItem(Reply):
    partner: str
    partner_name: str
    channel: str
    recipient: str
    reason: Reason
    label: str
    detail: str | None


# The report


class Metrics(Reply):
    """The funnel of one partner, one channel or the whole campaign."""

    targeted: int
    participating: int
    delivered: int
    not_sent: int
    opens: int
    unique_opens: int
    clicks: int
    unique_clicks: int
    leads: int
    opportunities: int
    deals_registered: int
    closed_won: int
    pipeline: Amount
    revenue: Amount


class Totals(Metrics):
    participation_rate: float


class ReportCampaign(Reply):
    id: int
    name: str
    slug: str
    status: CampaignStatus


class Report(Reply):
    campaign: ReportCampaign
    totals: Totals
    partners: dict[str, Metrics] = Field(description="by partner slug, most engaged first")
    channels: dict[str, Metrics]
    ledger: Ledger
    notes: list[str]


class AudienceCount(Reply):
    partners: int
    opted_out: int
    reached: int


# Query parameters


class CampaignsQuery(PageQuery):
    status: CampaignStatus | None = None


class NotSentQuery(PageQuery):
    per_page: int = Field(100, ge=1, le=200)
    reason: Reason | None = None
    channel: Channel | Literal["*"] | None = None
    q: str | None = Field(None, max_length=100, description="part of a partner's name or slug")


class ReportQuery(BaseModel):
    format: Literal["json", "csv"] = "json"


class AudienceQuery(BaseModel):
    """Values widen within a key, keys narrow; none: every partner."""

    tier: Values = None
    region: Values = None
    vertical: Values = None
    tag: Values = None
    partner: Values = None
    exclude: Values = None


class KitSlug(BaseModel):
    slug: str = Field(max_length=64)
