"""Planning: the audience, minus opt-outs and suppressions, becomes delivery rows.

Rows are inserted with ON CONFLICT DO NOTHING on their unique key, so planning twice (or a
re-plan after new partners joined the audience) adds only what is missing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Contact, Delivery, Partner, Suppression
from campaign_engine.domain.consent import ConsentMode, resolve
from campaign_engine.domain.kit import KitSpec
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.domain.sendtime import local_due
from campaign_engine.services.consent import decisions_for
from campaign_engine.services.links import ensure_links, insert_ignoring_conflicts

# Channels with no endpoint of the partner's own go to the built-in default (the portal).
SINGLE_RECIPIENT = {"crm": "crm", "web": "website"}
SOCIAL_RECIPIENT = "social-queue"


def audience_query(audience: dict[str, list[str]]) -> Select[tuple[Partner]]:
    query = select(Partner)
    if audience.get("tier"):
        query = query.where(Partner.tier.in_(audience["tier"]))
    if audience.get("region"):
        query = query.where(Partner.region.in_(audience["region"]))
    if audience.get("vertical"):
        query = query.where(Partner.vertical.in_(audience["vertical"]))
    if audience.get("partner"):
        query = query.where(Partner.slug.in_(audience["partner"]))
    if audience.get("exclude"):
        query = query.where(Partner.slug.not_in(audience["exclude"]))
    return query.order_by(Partner.id)


def audience_partners(session: Session, audience: dict[str, list[str]]) -> list[Partner]:
    partners = list(session.scalars(audience_query(audience)))
    tags = set(audience.get("tag", []))
    return [p for p in partners if not tags or tags & set(p.tags or [])]


def idempotency_key(
    campaign_id: int, partner_id: int, channel: str, asset: str, recipient: str
) -> str:
    raw = f"{campaign_id}:{partner_id}:{channel}:{asset}:{recipient.lower()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def plan_deliveries(
    session: Session,
    campaign: Campaign,
    now: datetime,
    programme_default: ConsentMode = ConsentMode.AUTO,
    review_hours: float = 48.0,
) -> int:
    """Write the missing delivery rows; returns how many rows the campaign now has."""
    spec = KitSpec.model_validate(campaign.kit_version.spec)
    partners = audience_partners(session, campaign.audience)
    decisions = decisions_for(session, campaign.id, [p.id for p in partners])
    channels = spec.channels()
    ensure_links(session, campaign, spec, [p.id for p in partners], channels)
    rows: list[dict[str, Any]] = []
    for partner in partners:
        for channel in channels:
            mode = resolve(
                decisions.get(partner.id, {}),
                campaign.id,
                channel,
                ConsentMode(campaign.consent_default),
                programme_default,
            )
            if mode is ConsentMode.OFF:
                continue
            status = DeliveryStatus.HELD if mode is ConsentMode.REVIEW else DeliveryStatus.PENDING
            planned = _rows_for(session, campaign, partner, channel, spec, now, status.value)
            if mode is ConsentMode.REVIEW:  # the partner gets a window to approve or skip
                deadline = now + timedelta(hours=review_hours)
                for row in planned:
                    row["due_at"] = max(row["due_at"], deadline)
            rows += planned
    for start in range(0, len(rows), 500):
        insert_ignoring_conflicts(session, Delivery, rows[start : start + 500])
    return session.scalar(select(func.count()).where(Delivery.campaign_id == campaign.id)) or 0


def partner_start(campaign: Campaign, partner: Partner, now: datetime) -> datetime:
    """When this partner's first item is due: now, or the campaign's local send time."""
    if not campaign.send_time:
        return now
    return local_due(now, partner.timezone, campaign.send_time, campaign.send_weekday)


def days_later(start: datetime, timezone: str, days: int) -> datetime:
    """Same local wall-clock time `days` later, whatever DST does in between."""
    local = start.astimezone(ZoneInfo(timezone)) + timedelta(days=days)
    return local.astimezone(UTC)


def _rows_for(
    session: Session,
    campaign: Campaign,
    partner: Partner,
    channel: str,
    spec: KitSpec,
    now: datetime,
    status: str,
) -> list[dict[str, Any]]:
    start = partner_start(campaign, partner, now)
    items: list[tuple[str, str, datetime]] = []
    if channel == "email":
        suppressed = set(
            session.scalars(select(Suppression.email).where(Suppression.partner_id == partner.id))
        )
        contacts = session.scalars(select(Contact.email).where(Contact.partner_id == partner.id))
        items = [("email", email, start) for email in contacts if email.lower() not in suppressed]
    elif channel == "social" and spec.assets.social:
        social = spec.assets.social
        for index, post in enumerate(social.posts):
            day = social.cadence_days[min(index, len(social.cadence_days) - 1)]
            items.append((post.id, SOCIAL_RECIPIENT, days_later(start, partner.timezone, day)))
    else:
        items = [(channel, SINGLE_RECIPIENT[channel], start)]
    return [
        {
            "campaign_id": campaign.id,
            "partner_id": partner.id,
            "channel": channel,
            "asset": asset,
            "recipient": recipient,
            "due_at": due,
            "status": status,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
            "idempotency_key": idempotency_key(campaign.id, partner.id, channel, asset, recipient),
        }
        for asset, recipient, due in items
    ]
