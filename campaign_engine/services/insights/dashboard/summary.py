"""The partner's dashboard as data (portal home, `GET /api/v1/me/dashboard`): its
campaigns' status, its MDF balance, its open deals and the one next action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from campaign_engine.db import Partner
from campaign_engine.domain.consent import ConsentRules
from campaign_engine.services.insights.dashboard.deals import open_deals
from campaign_engine.services.mdf.view import balance_json
from campaign_engine.services.partners.runway.nextaction import next_action
from campaign_engine.services.partners.view import partner_campaigns


def dashboard(
    session: Session, partner: Partner, *, now: datetime, rules: ConsentRules, currency: str
) -> dict[str, Any]:
    campaigns = [
        {
            "id": row.campaign.id,
            "title": row.campaign.title,
            "status": row.campaign.status,
            "launch_at": row.campaign.launch_at.isoformat() if row.campaign.launch_at else None,
            "delivered": row.delivered,
            "waiting_for_review": row.waiting,
        }
        for row in partner_campaigns(session, partner, rules)
    ]
    deals = [
        {
            "external_id": deal.external_id,
            "stage": deal.stage,
            "amount": None if deal.amount is None else str(deal.amount),
            "campaign_id": deal.campaign_id,
            "campaign": deal.campaign,
        }
        for deal in open_deals(session, partner.id)
    ]
    return {
        "campaigns": campaigns,
        "mdf": balance_json(session, partner, now=now, currency=currency),
        "open_deals": deals,
        "next_action": next_action(session, partner, now=now),
    }
