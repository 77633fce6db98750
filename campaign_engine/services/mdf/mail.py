"""MDF emails: the vendor hears of new requests and lapsing clocks, the partner of each
decision. Each has an idempotency key (the outbox file name, the Message-ID), so a
repeated call sends nothing new."""

from __future__ import annotations

from sqlalchemy.orm import Session

from campaign_engine.db import MdfRequest
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.access.memberships import member_emails
from campaign_engine.services.delivery.programme_mail import send_programme_mail
from campaign_engine.services.mdf.sla import Alert, new_request_alerts

DECIDED = {
    "approved": "approved",
    "rejected": "declined",
    "changes_requested": "sent back for a change",
}


def send_alerts(runtime: Runtime, alerts: list[Alert]) -> int:
    """Hand each alert to the mail connector; the number it took (a refusal is logged by
    the connector and tried again by the next sweep's reminder, not retried here)."""
    sent = 0
    for alert in alerts:
        message = Message(
            channel="email",
            recipient=alert.recipient,
            subject=alert.subject,
            body_text=alert.body,
            sender_name=runtime.settings.programme.name,
        )
        try:
            send_programme_mail(runtime, message, alert.key)
        except DeliveryError:
            continue
        sent += 1
    return sent


def request_made(runtime: Runtime, session: Session, request: MdfRequest) -> int:
    return send_alerts(
        runtime, new_request_alerts(session, request, base_url=runtime.settings.public_base_url)
    )


def decision_made(runtime: Runtime, session: Session, request: MdfRequest) -> int:
    """The partner's users hear the vendor's decision, with its reason."""
    emails = member_emails(session, request.partner_id)
    words = DECIDED.get(request.status, request.status)
    subject = f"Your MDF request for {request.amount} {request.currency} was {words}"
    body = subject + (f":\n\n{request.reason}\n" if request.reason else ".\n")
    body += f"\n{runtime.settings.public_base_url}/portal/mdf\n"
    stamp = (request.decided_at or request.submitted_at).strftime("%Y%m%d%H%M%S")
    alerts = [
        Alert(email, subject, body, f"mdf-decided-{request.id}-{stamp}-{email}") for email in emails
    ]
    return send_alerts(runtime, alerts)
