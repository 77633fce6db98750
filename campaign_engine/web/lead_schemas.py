"""The bodies and answers of the partner's leads API (web/leads.py), as pydantic models:
the views validate and serialise with them, web/openapi.py publishes their schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from campaign_engine.web.api_schemas import Reply


class LeadChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # "released" and "discarded" are for a held lead (services/attribution/leads/intake.py):
    # released, it counts (or waits for its visitor's confirmation); discarded, it is gone.
    state: Literal[
        "accepted", "rejected", "contacted", "opportunity", "won", "lost", "released", "discarded"
    ]
    reason: Literal["not_a_fit", "duplicate", "spam", "no_budget", "other"] | None = None


class LeadOut(Reply):
    id: int
    state: Literal[
        "new",
        "accepted",
        "rejected",
        "contacted",
        "opportunity",
        "won",
        "lost",
        "held",
        "unconfirmed",
        "discarded",
    ]
    reason: str | None
    campaign_id: int | None
    channel: str | None
    source: str
    received_at: datetime
    first_touch_at: datetime | None
    first_touch_due_at: datetime
    overdue: bool = False  # still new past its first-touch time
    contact: dict[str, str] = Field(default_factory=dict)


class LeadList(Reply):
    items: list[LeadOut]
