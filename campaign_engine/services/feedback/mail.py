"""Sending what the feedback loop owes (FeedbackMail rows): after the transaction that
raised them commits (the view that took a rating or a reply, the scheduler's feedback
job), and again by every job run for anything a dead process left unsent.

Each row is sent under a row lock (skipped by a concurrent sender on PostgreSQL) and
marked sent in the same transaction; its idempotency key (the outbox file name, the
Message-ID) is fixed by the row, so a mail sent just before a crash is not a second mail
in the outbox, and has the same Message-ID over SMTP."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select

from campaign_engine.db import FeedbackMail
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.programme_mail import publish, wait_turn

log = logging.getLogger(__name__)


def mail_key(row: FeedbackMail) -> str:
    """The event and a hash of the address (no address in file names or Message-IDs)."""
    return f"feedback-{row.event}-{hashlib.sha256(row.recipient.encode()).hexdigest()[:16]}"


def send_pending(runtime: Runtime, *, limit: int = 500) -> int:
    """Send up to `limit` unsent mails; returns how many the mail connector took. One it
    refuses stays unsent and is tried again on the next run."""
    with runtime.sessions() as session:
        waiting = list(
            session.scalars(
                select(FeedbackMail.id)
                .where(FeedbackMail.sent_at.is_(None))
                .order_by(FeedbackMail.id)
                .limit(limit)
            )
        )
    sent = 0
    for mail_id in waiting:
        wait_turn(runtime)  # before the row is locked: the buckets are rows too
        with runtime.sessions.begin() as session:
            row = session.scalar(
                select(FeedbackMail)
                .where(FeedbackMail.id == mail_id, FeedbackMail.sent_at.is_(None))
                .with_for_update(skip_locked=True)
            )
            if row is None:
                continue  # sent by another process meanwhile
            body = row.body + (
                f"\n\n{runtime.settings.public_base_url}{row.link}\n" if row.link else "\n"
            )
            message = Message(
                channel="email",
                recipient=row.recipient,
                subject=row.subject,
                body_text=body,
                sender_name=runtime.settings.programme.name,
            )
            try:
                publish(runtime, message, mail_key(row))
            except DeliveryError as exc:
                log.warning("feedback mail %s not sent: %s", row.id, exc)
                continue
            row.sent_at = runtime.clock()
            sent += 1
    return sent
