"""Changing a campaign after it was created: what partners read, where it ranks on the
signature banner, and its consent default (which moves the ledger at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from campaign_engine.db import Campaign
from campaign_engine.domain.campaign_options import CampaignEdit
from campaign_engine.domain.consent import ConsentRules
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.errors import InvalidTransition
from campaign_engine.infra.audit import record
from campaign_engine.services.partners.consent.follow import follow_campaign

CLOSED = (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED)


@dataclass(frozen=True)
class Edited:
    changed: dict[str, object]  # field: its new value
    moved: int  # future items the new consent default moved


def edit_campaign(
    session: Session,
    campaign: Campaign,
    edit: CampaignEdit,
    *,
    rules: ConsentRules,
    now: datetime,
    actor: str,
) -> Edited:
    """Apply the fields given; returns what changed and how many future items moved."""
    given = edit.model_fields_set
    if "consent_default" in given and campaign.status in CLOSED:
        raise InvalidTransition(
            f"campaign {campaign.id} is {campaign.status}: its consent default no longer applies"
        )
    changed: dict[str, object] = {}
    for field in ("partner_title", "partner_description"):
        if field in given:
            changed[field] = getattr(edit, field) or None  # empty: the kit's again
    if "banner_priority" in given:
        changed["banner_priority"] = edit.banner_priority or 0
    if "consent_default" in given:
        changed["consent_default"] = edit.consent_default and edit.consent_default.value
    for field, value in changed.items():
        setattr(campaign, field, value)
    session.flush()
    moved = 0
    if "consent_default" in changed:
        moved = follow_campaign(session, campaign, rules, now=now)
    record(session, actor, "campaign.edit", "campaign", campaign.id, {**changed, "moved": moved})
    return Edited(changed, moved)
