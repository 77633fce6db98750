"""First touch within leads.first_touch_hours (48): a lead still "new" after that reminds
the partner's users and alerts its owner (the admins when it has none), once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Lead, Partner
from campaign_engine.services.access.memberships import member_emails
from campaign_engine.services.mdf.sla import Alert
from campaign_engine.services.partners.runway.owners import owner_or_admins


def lapsed(session: Session, *, now: datetime, hours: float) -> list[Lead]:
    due = now - timedelta(hours=hours)
    return list(
        session.scalars(
            select(Lead).where(
                Lead.state == "new", Lead.received_at <= due, Lead.reminded_at.is_(None)
            )
        )
    )


def sweep(session: Session, *, now: datetime, hours: float, base_url: str) -> list[Alert]:
    """Mark and return the reminders (to the partner) and alerts (to its owner) due now."""
    alerts: list[Alert] = []
    for lead in lapsed(session, now=now, hours=hours):
        partner = session.get(Partner, lead.partner_id)
        assert partner is not None
        lead.reminded_at = lead.escalated_at = now
        waited = f"{(now - lead.received_at).total_seconds() / 3600:.0f} hours"
        for email in member_emails(session, partner.id):
            alerts.append(
                Alert(
                    email,
                    "A lead is waiting for you",
                    f"A lead from your campaign arrived {waited} ago and nobody has answered "
                    f"it yet. Say what became of it:\n\n{base_url}/portal/leads\n",
                    f"lead-remind-{lead.id}-{email}",
                )
            )
        for email in owner_or_admins(session, partner):
            alerts.append(
                Alert(
                    email,
                    f"{partner.name} has not touched a lead for {waited}",
                    f"{partner.name} ({partner.slug}) has a lead from "
                    f"{lead.source or 'a campaign'} untouched for {waited}.\n\n"
                    f"{base_url}/partners/{partner.slug}\n",
                    f"lead-alert-{lead.id}-{email}",
                )
            )
    return alerts
