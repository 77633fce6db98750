"""The emails that carry a sign-in or confirmation link. Their idempotency key (which
becomes the Message-ID and the outbox file name) is random: a key derived from the
token would put part of the secret into headers and file names that others can read."""

from __future__ import annotations

import uuid

from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Endpoint, Message
from campaign_engine.runtime import Runtime


def send_link_email(
    runtime: Runtime, recipient: str, subject: str, body: str, *, partner: str | None = None
) -> bool:
    """True when handed to the mail connector; False when it refused (the caller's page
    says the same either way, and the person can ask again). `partner`: the slug of the
    partner the mail is about (a lead, a confirmation), so erasing and offboarding can
    tell its mails from other partners' (X-Campaign-Partner, as campaign emails carry)."""
    message = Message(
        channel="email",
        recipient=recipient,
        subject=subject,
        body_text=body,
        sender_name=runtime.settings.programme.name,
        headers={"X-Campaign-Partner": partner} if partner else {},
    )
    try:
        runtime.connector("email").publish(message, Endpoint("email"), f"account-{uuid.uuid4()}")
    except DeliveryError:
        return False
    return True
