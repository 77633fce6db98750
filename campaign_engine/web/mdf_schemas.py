"""The bodies and answers of the MDF and dashboard API (web/mdf_api.py), as pydantic models:
the views validate and serialise with them, web/openapi.py publishes their schemas."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from campaign_engine.domain.mdf import ClaimStatus, RequestStatus
from campaign_engine.services.mdf.evidence import MAX_FILES
from campaign_engine.web.api_schemas import PageQuery, Reply, Sparse, Timestamp

AMOUNT = Field(pattern=r"^\d{1,12}(\.\d{1,2})?$", description="a decimal string: 2000.00")
CURRENCY = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MdfRequestIn(_Strict):
    kit: str | None = Field(None, max_length=80, description="a loaded kit's slug, or none")
    activity: Literal["email", "paid_social", "event", "other"]
    amount: str = AMOUNT
    currency: str = CURRENCY
    starts_on: date
    ends_on: date
    expected_outcome: str = Field(min_length=1, max_length=2000)


class MdfClaimFile(_Strict):
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(max_length=14_000_000)


class MdfClaimIn(_Strict):
    request_id: int = Field(ge=1, le=2**63 - 1, strict=True)
    amount: str = AMOUNT
    note: str = Field("", max_length=2000)
    files: list[MdfClaimFile] = Field(default_factory=list, max_length=MAX_FILES)


class MdfDecision(_Strict):
    reason: str | None = Field(None, max_length=2000)
    amount: str | None = Field(
        None, pattern=r"^\d{1,12}(\.\d{1,2})?$", description="accept only part of a claim"
    )


class MdfAllocationIn(_Strict):
    partner: str = Field(min_length=1, max_length=80)
    amount: str = AMOUNT
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    period: str | None = Field(None, pattern=r"^\d{4}-Q[1-4]$")


class MdfBalance(Reply):
    currency: str
    period: str
    spend_by: date
    available: str
    requested: str
    committed: str
    claimed: str
    paid: str


class MdfRequestOut(Reply):
    id: int
    status: RequestStatus
    kit: str | None
    activity: str
    amount: str
    currency: str
    period: str
    starts_on: date
    ends_on: date
    expected_outcome: str
    reason: str | None
    campaign_id: int | None
    created_at: Timestamp
    decided_at: Timestamp | None
    decision_due_at: Timestamp | None = Field(None, description="pending requests only")
    overdue: bool | None = Field(None, description="pending requests only")
    partner: str | None = Field(None, description="the partner's slug, in the vendor's list")


class MdfProof(Sparse):
    """What the request's campaign did for the partner when it claimed, as attribution
    counts it (services/mdf/claims.proof_for); for an activity of the partner's own (no
    campaign) only `campaign_id`, null. Each field is there only if it was recorded."""

    omitted_when_unset = frozenset(
        {"campaign_id", "delivered", "opens", "clicks", "leads", "opportunities"}
        | {"closed_won", "pipeline", "revenue"}
    )

    campaign_id: int | None = None
    delivered: int | None = None
    opens: int | None = None
    clicks: int | None = None
    leads: int | None = None
    opportunities: int | None = None
    closed_won: int | None = None
    pipeline: str | None = Field(None, description="a decimal amount")
    revenue: str | None = Field(None, description="a decimal amount")


class MdfClaimOut(Reply):
    id: int
    request_id: int
    status: ClaimStatus
    amount: str
    currency: str
    approved_amount: str | None
    proof: MdfProof
    note: str
    reason: str | None
    created_at: Timestamp
    paid_at: Timestamp | None


class MyMdf(Reply):
    balance: MdfBalance
    requests: list[MdfRequestOut]
    claims: list[MdfClaimOut]


class OpenDeal(Reply):
    external_id: str
    stage: Literal["lead", "opportunity", "registered deal"]
    amount: str | None
    campaign_id: int
    campaign: str


class DashboardCampaign(Reply):
    id: int
    title: str
    status: str
    launch_at: Timestamp | None
    delivered: int
    waiting_for_review: int


class Dashboard(Reply):
    campaigns: list[DashboardCampaign]
    mdf: MdfBalance
    open_deals: list[OpenDeal]
    next_action: str


class MdfAllocated(Reply):
    partner: str
    period: str
    currency: str
    available: str


class MdfFlows(Reply):
    currency: str
    period: str
    allocated: str
    committed: str
    released: str
    claimed: str
    paid: str
    expired: str


class MdfPartnerFlows(MdfFlows):
    partner: str


class MdfTierFlows(MdfFlows):
    tier: str


class MdfReturns(Reply):
    currency: str
    paid: str
    pipeline: str
    revenue: str
    pipeline_per_unit: str
    revenue_per_unit: str


class MdfDecisionHours(Reply):
    count: int
    median: float | None
    p90: float | None
    target: float
    within_target: float | None


class MdfReport(Reply):
    partners: list[MdfPartnerFlows]
    tiers: list[MdfTierFlows]
    periods: list[MdfFlows]
    returns: list[MdfReturns]
    decision_hours: MdfDecisionHours


class MdfListQuery(PageQuery):
    status: str | None = Field(None, max_length=40, description="only requests or claims in it")
