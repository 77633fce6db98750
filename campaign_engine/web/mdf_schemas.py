"""The bodies and answers of the MDF and dashboard API (web/mdf_api.py), as pydantic models:
the views validate and serialise with them, web/openapi_mdf.py publishes their schemas."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from campaign_engine.domain.mdf import ClaimStatus, RequestStatus
from campaign_engine.services.mdf.evidence import MAX_FILES

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


class MdfBalance(BaseModel):
    currency: str
    period: str
    spend_by: date
    available: str
    requested: str
    committed: str
    claimed: str
    paid: str


class MdfRequestOut(BaseModel):
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
    created_at: str
    decided_at: str | None
    decision_due_at: str | None = None
    overdue: bool | None = None
    partner: str | None = None


class MdfClaimOut(BaseModel):
    id: int
    request_id: int
    status: ClaimStatus
    amount: str
    currency: str
    approved_amount: str | None
    proof: dict[str, Any]
    note: str
    reason: str | None
    created_at: str
    paid_at: str | None


class MyMdf(BaseModel):
    balance: MdfBalance
    requests: list[MdfRequestOut]
    claims: list[MdfClaimOut]


class OpenDeal(BaseModel):
    external_id: str
    stage: Literal["lead", "opportunity", "registered deal"]
    amount: str | None
    campaign_id: int
    campaign: str


class DashboardCampaign(BaseModel):
    id: int
    title: str
    status: str
    launch_at: str | None
    delivered: int
    waiting_for_review: int


class Dashboard(BaseModel):
    campaigns: list[DashboardCampaign]
    mdf: MdfBalance
    open_deals: list[OpenDeal]
    next_action: str


class MdfRequestPage(BaseModel):
    items: list[MdfRequestOut]
    page: int
    per_page: int
    total: int


class MdfClaimPage(BaseModel):
    items: list[MdfClaimOut]
    page: int
    per_page: int
    total: int


class MdfAllocated(BaseModel):
    partner: str
    period: str
    currency: str
    available: str


class MdfFlows(BaseModel):
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


class MdfReturns(BaseModel):
    currency: str
    paid: str
    pipeline: str
    revenue: str
    pipeline_per_unit: str
    revenue_per_unit: str


class MdfDecisionHours(BaseModel):
    count: int
    median: float | None
    p90: float | None
    target: float
    within_target: float | None


class MdfReport(BaseModel):
    partners: list[MdfPartnerFlows]
    tiers: list[MdfTierFlows]
    periods: list[MdfFlows]
    returns: list[MdfReturns]
    decision_hours: MdfDecisionHours


SCHEMAS: tuple[type[BaseModel], ...] = (
    MdfRequestIn,
    MdfClaimIn,
    MdfDecision,
    MdfAllocationIn,
    MyMdf,
    MdfRequestOut,
    MdfClaimOut,
    Dashboard,
    MdfRequestPage,
    MdfClaimPage,
    MdfAllocated,
    MdfReport,
)
