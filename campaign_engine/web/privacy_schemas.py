"""The erasure API's replies and parameters (web/privacy.py): counts only, never the
address."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from campaign_engine.web.api_schemas import Reply

Count = Annotated[int, Field(ge=0)]


class ErasedCounts(Reply):
    """How many of each kind were deleted or pseudonymised."""

    contacts: Count
    suppressions: Count
    deliveries: Count
    not_planned: Count
    opens: Count
    leads: Count
    audit_entries: Count
    files: Count


class Erasure(Reply):
    erased: ErasedCounts
    nothing_left: bool = Field(description="the address was found nowhere (it stays suppressed)")


class EmailPath(BaseModel):
    email: str = Field(
        max_length=254, description="the person's address (any case); never echoed back"
    )


class ErasureQuery(BaseModel):
    partner: str | None = Field(None, max_length=64, description="only this partner's data")
