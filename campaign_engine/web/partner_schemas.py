"""The partner replies of the API (web/api_partners.py, web/api_me.py) and their
parameters: a partner and its profile, imports and uploads, milestones and owners."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from campaign_engine.domain.runway import Milestone
from campaign_engine.services.partners.directory import SORTS
from campaign_engine.web.api_schemas import PageQuery, Reply

SLUG = r"^[a-z0-9-]{1,63}$"


class Partner(Reply):
    slug: str
    name: str
    short_name: str = Field(max_length=40)
    contact_email: str
    tier: str
    region: str
    vertical: str
    timezone: str
    locale: str
    tags: list[str]
    has_logo: bool
    profile_complete: int = Field(ge=0, le=100, description="per cent of the profile filled")


class MyPartner(Partner):
    """The signed-in partner."""

    next_action: str = Field(description="what the partner should do next, in a sentence")


class ProfileSaved(Partner):
    pending_contact_email: str | None = Field(
        description="a new contact address waiting for its owner to confirm it"
    )
    warnings: list[str] = Field(description="what the new colours or logo will look like")


class Imported(Reply):
    created: int
    updated: int
    warnings: list[str] = Field(
        description="what imported but will look wrong (row and column named)"
    )


class KitLoaded(Reply):
    kit: str = Field(description="the kit's slug")
    version: str = Field(description="the content hash of the version loaded")


class MilestoneSaved(Reply):
    partner: str
    milestone: Milestone
    changed: bool = Field(description="false: the milestone was known at that date or earlier")


class OwnersSaved(Reply):
    owner: str
    partners: int = Field(description="partners now owned")


# Parameters


class PartnersQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="part of a name or slug")
    tier: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    vertical: str | None = Field(None, max_length=100)
    sort: Literal[SORTS] = "name"  # type: ignore[valid-type]
    order: Literal["asc", "desc"] = "asc"


class PartnerSlug(BaseModel):
    slug: str = Field(pattern=SLUG)
