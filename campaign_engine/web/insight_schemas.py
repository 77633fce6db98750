"""The programme's reports as the API answers them (web/api_partners.py): programme
analytics (services/insights/programme.py) and the activation runway
(services/partners/runway/reports.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.domain.runway import Milestone
from campaign_engine.web.api_schemas import Amount, Reply

Rate = float | None  # None: nothing to divide by yet


class Headline(Reply):
    """The programme's headline figures (services/insights/figures.py)."""

    partners: int
    signed: int
    live: int = Field(description="partners with pipeline in the last 90 days")
    idle: int
    live_rate: float


class Participation(Reply):
    id: int
    name: str
    status: CampaignStatus
    always_on: bool
    targeted: int
    participating: int
    participation_rate: float


class Cohort(Reply):
    signed: int
    live: int


class TopPartner(Reply):
    slug: str
    name: str
    pipeline: Amount
    same_name: bool = Field(description="another partner trades under the same name")


class Funnel(Reply):
    """Partners at each stage, over every campaign."""

    targeted: int
    delivered: int
    clicked: int
    lead: int
    opportunity: int
    won: int


class LeadFigures(Reply):
    leads: int
    untouched: int
    acceptance_rate: Rate
    median_hours_to_first_touch: float | None


class LeadFollowUp(LeadFigures):
    partners: dict[str, LeadFigures] = Field(description="by partner slug")


class OptOutReasons(Reply):
    targeted: int
    opted_out: int
    opt_out_rate: Rate
    given: int = Field(description="opt-outs that said why")
    reasons: dict[str, int] = Field(description="every reason, zero included")


class Programme(Headline):
    campaigns: list[Participation]
    median_days_to_first_pipeline: float | None
    cohorts: dict[str, Cohort] = Field(description="by the month partners signed, YYYY-MM")
    top_20_percent_share_of_pipeline: Rate
    live_rate_by_month: dict[str, float] = Field(description="the last 12 months, YYYY-MM")
    top_partners: list[TopPartner] = Field(description="by pipeline, the largest first")
    funnel: Funnel
    lead_follow_up: LeadFollowUp
    opt_out_reasons: OptOutReasons
    summary: str


class RunwayHeadline(Headline):
    sentence: str


class RunwayPosition(Reply):
    """Where one partner stands on its runway (domain/runway.py)."""

    partner: str
    name: str
    owner: str | None
    day: int = Field(description="days since signing")
    day_words: str
    overdue_days: int = Field(description="days past the runway without a first deal won")
    stage: Milestone = Field(description="the furthest milestone reached")
    next: Milestone | None
    days_quiet: int
    at_risk: bool
    first_action: str


class Runway(Reply):
    headline: RunwayHeadline
    hit_rate: dict[Milestone, float] = Field(description="share of signed partners reaching each")
    median_days_in_stage: dict[str, float | None] = Field(
        description='from one milestone to the next ("signed -> onboarded"), in days'
    )
    median_days_to_first_pipeline: float | None
    cohorts: dict[str, dict[Milestone, int]] = Field(
        description="by the month partners signed (YYYY-MM): how many reached each milestone"
    )
    positions: list[RunwayPosition]


# Parameters


class ProgrammeQuery(BaseModel):
    format: Literal["json", "csv"] = Field(
        "json", description="csv: the campaigns' participation as a file"
    )


class RunwayQuery(BaseModel):
    format: Literal["json", "csv"] = "json"
    table: Literal["positions", "summary"] = Field(
        "positions", description="with format=csv: which table"
    )
