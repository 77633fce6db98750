"""The 48-hour promise: every pending request shows its clock; at half time its owner and
the marketers get a reminder, when it lapses the admins an escalation. Each fires once
per submission (a resubmitted request starts a new clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import MdfRequest, Partner, User
from campaign_engine.domain.mdf import RequestStatus
from campaign_engine.services.access.accounts import VENDOR_ROLES
from campaign_engine.services.partners.runway.owners import admin_emails


@dataclass(frozen=True)
class Alert:
    """One email to a vendor user about one request; `key` makes a resend a no-op."""

    recipient: str
    subject: str
    body: str
    key: str


def clock(request: MdfRequest, now: datetime) -> dict[str, object]:
    """What every surface shows of a pending request's SLA."""
    left = (request.due_at - now).total_seconds() / 3600
    return {"due_at": request.due_at, "hours_left": round(left, 1), "overdue": left < 0}


def desk_link(base_url: str, request: MdfRequest) -> str:
    """The request on the desk. The desk is one page with an anchor per request: the
    /mdf/requests/<id> these emails linked to is no page (a 404 in every email)."""
    return f"{base_url}/mdf/#request-{request.id}"


def _who(session: Session, partner: Partner, *, admins_only: bool) -> list[str]:
    if admins_only:
        return admin_emails(session)
    users = set(session.scalars(select(User.email).where(User.role.in_(VENDOR_ROLES))))
    if partner.owner_id:
        owner = session.get(User, partner.owner_id)
        if owner is not None:
            users.add(owner.email)
    return sorted(users)


def sweep(session: Session, *, now: datetime, base_url: str) -> list[Alert]:
    """Mark and return the reminders and escalations due now."""
    alerts: list[Alert] = []
    pending = session.scalars(
        select(MdfRequest).where(MdfRequest.status == RequestStatus.PENDING.value)
    )
    for request in pending:
        partner = session.get(Partner, request.partner_id)
        assert partner is not None
        half = request.submitted_at + (request.due_at - request.submitted_at) / 2
        stamp = request.submitted_at.strftime("%Y%m%d%H%M%S")
        link = desk_link(base_url, request)
        what = f"{partner.name}'s MDF request for {request.amount} {request.currency}"
        if request.escalated_at is None and now >= request.due_at:
            request.escalated_at = now
            for email in _who(session, partner, admins_only=True):
                alerts.append(
                    Alert(
                        email,
                        f"Overdue: {what}",
                        f"{what} was due for a decision at "
                        f"{request.due_at:%Y-%m-%d %H:%M} UTC and has none.\n\n{link}\n",
                        f"mdf-escalate-{request.id}-{stamp}-{email}",
                    )
                )
        elif request.reminded_at is None and now >= half:
            request.reminded_at = now
            for email in _who(session, partner, admins_only=False):
                alerts.append(
                    Alert(
                        email,
                        f"Half time: {what}",
                        f"{what} needs a decision by "
                        f"{request.due_at:%Y-%m-%d %H:%M} UTC.\n\n{link}\n",
                        f"mdf-remind-{request.id}-{stamp}-{email}",
                    )
                )
    return alerts


def new_request_alerts(session: Session, request: MdfRequest, *, base_url: str) -> list[Alert]:
    """The owner and the marketers hear of a new (or resubmitted) request at once."""
    partner = session.get(Partner, request.partner_id)
    assert partner is not None
    what = f"{partner.name} asks for {request.amount} {request.currency} of MDF"
    stamp = request.submitted_at.strftime("%Y%m%d%H%M%S")
    body = (
        f"{what} ({request.activity.replace('_', ' ')}, {request.starts_on} to "
        f"{request.ends_on}).\nExpected outcome: {request.expected_outcome}\n\n"
        f"Decide by {request.due_at:%Y-%m-%d %H:%M} UTC: {desk_link(base_url, request)}\n"
    )
    return [
        Alert(email, what, body, f"mdf-new-{request.id}-{stamp}-{email}")
        for email in _who(session, partner, admins_only=False)
    ]
