"""Recording clicks and opens, and honouring unsubscribes."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery, Event, Suppression, TrackedLink, utcnow
from campaign_engine.errors import NotFound
from campaign_engine.infra.audit import record

# Mail security scanners and link unfurlers fetch every link; they are not people.
BOT_AGENTS = re.compile(
    r"bot|crawler|spider|preview|scanner|safelinks|proofpoint|mimecast|barracuda|slurp|"
    r"facebookexternalhit|linkedinbot|twitterbot|slackbot|headless|python-requests|curl",
    re.IGNORECASE,
)


def visitor_salt(secret_key: str) -> bytes:
    """The key visitors are hashed with: derived from the secret key, so a leaked events
    table cannot be matched against addresses (and rotating the key starts afresh)."""
    return hashlib.sha256(b"campaign-engine visitors|" + secret_key.encode()).digest()


def is_bot(user_agent: str) -> bool:
    return not user_agent or bool(BOT_AGENTS.search(user_agent))


def click_event(
    link: TrackedLink, user_agent: str, now: datetime, visitor: str | None = None
) -> dict[str, object]:
    """The row a click becomes (written later, in a batch, by the web layer's recorder).
    `visitor` (domain/visitors.py) is what counts it once per visitor and day."""
    return {
        "type": "click",
        "campaign_id": link.campaign_id,
        "partner_id": link.partner_id,
        "channel": link.channel,
        "link_id": link.id,
        "is_bot": is_bot(user_agent),
        "visitor": visitor,
        "data": {"link": link.name},
        "occurred_at": now,
        "received_at": now,
    }


def open_event(
    delivery: Delivery, user_agent: str, now: datetime, visitor: str | None = None
) -> dict[str, object]:
    return {
        "type": "open",
        "campaign_id": delivery.campaign_id,
        "partner_id": delivery.partner_id,
        "channel": "email",
        "link_id": None,
        "is_bot": is_bot(user_agent),
        "visitor": visitor,
        "data": {"delivery": delivery.id},
        "occurred_at": now,
        "received_at": now,
    }


def suppress(session: Session, partner_id: int, email: str, reason: str, detail: str) -> bool:
    """Put the address on the partner's suppression list (honoured at every later send);
    False when it was there already."""
    email = email.lower()
    exists = session.scalar(
        select(Suppression.id).where(
            Suppression.partner_id == partner_id, Suppression.email == email
        )
    )
    if exists is not None:
        return False
    session.add(
        Suppression(
            partner_id=partner_id,
            email=email,
            reason=reason,
            detail=detail[:500],
            created_at=utcnow(),
        )
    )
    return True


def unsubscribe(session: Session, delivery_id: int, *, via: str) -> bool:
    """Suppress the delivery's recipient for its partner; True if not suppressed before."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("this unsubscribe link is not valid")
    partner_id, campaign_id = delivery.partner_id, delivery.campaign_id
    email = delivery.recipient.lower()
    if not suppress(session, partner_id, email, "unsubscribe", f"campaign {campaign_id} via {via}"):
        return False
    session.add(
        Event(
            type="unsubscribe",
            campaign_id=campaign_id,
            partner_id=partner_id,
            channel="email",
            data={"via": via},
        )
    )
    record(session, email, "suppression.add", "partner", partner_id, {"via": via})
    return True
