"""Reading consent: every decision relevant to a campaign, and the mode that applies."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Consent
from campaign_engine.domain.consent import (
    PROGRAMME,
    ConsentMode,
    campaign_mode,
    campaign_scope,
    resolve,
)

Decisions = dict[tuple[str, str], str]


def decisions_for(
    session: Session, campaign_id: int, partner_ids: list[int]
) -> dict[int, Decisions]:
    """Every decision relevant to a campaign, grouped by partner, in one query."""
    rows = session.execute(
        select(Consent.partner_id, Consent.scope, Consent.channel, Consent.mode).where(
            Consent.partner_id.in_(partner_ids),
            or_(Consent.scope == PROGRAMME, Consent.scope == campaign_scope(campaign_id)),
        )
    )
    grouped: dict[int, Decisions] = defaultdict(dict)
    for partner_id, scope, channel, mode in rows:
        grouped[partner_id][(scope, channel)] = mode
    return grouped


def mode_for(
    session: Session,
    partner_id: int,
    campaign: Campaign,
    channel: str,
    programme_default: ConsentMode,
) -> ConsentMode:
    decisions = decisions_for(session, campaign.id, [partner_id]).get(partner_id, {})
    return resolve(
        decisions, campaign.id, channel, campaign_mode(campaign.consent_default), programme_default
    )
