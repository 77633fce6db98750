"""Tracked links per (campaign, partner, channel, link) and signed unsubscribe tokens."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Partner, TrackedLink
from campaign_engine.domain.kit import KitSpec
from campaign_engine.domain.tracking import new_token, with_utm
from campaign_engine.errors import NotFound


def insert_ignoring_conflicts(
    session: Session, model: type[Any], rows: list[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on both databases: planning twice adds nothing,
    and two processes planning at once cannot both insert the same row."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(model).on_conflict_do_nothing(), rows)


def ensure_links(
    session: Session, campaign: Campaign, spec: KitSpec, partner_ids: list[int], channels: list[str]
) -> None:
    rows = [
        {
            "token": new_token(),
            "campaign_id": campaign.id,
            "partner_id": partner_id,
            "channel": channel,
            "name": name,
            "target_url": str(link.url),
        }
        for partner_id in partner_ids
        for channel in channels
        for name, link in spec.links.items()
    ]
    for start in range(0, len(rows), 500):
        insert_ignoring_conflicts(session, TrackedLink, rows[start : start + 500])


def link_urls(
    session: Session, campaign_id: int, partner_id: int, channel: str, base_url: str
) -> dict[str, str]:
    rows = session.execute(
        select(TrackedLink.name, TrackedLink.token).where(
            TrackedLink.campaign_id == campaign_id,
            TrackedLink.partner_id == partner_id,
            TrackedLink.channel == channel,
        )
    )
    return {name: f"{base_url}/r/{token}" for name, token in rows}


def redirect_target(session: Session, token: str) -> tuple[TrackedLink, str]:
    """The tracked link and the URL to send the visitor to, UTM tags added."""
    link = session.scalar(select(TrackedLink).where(TrackedLink.token == token))
    if link is None:
        raise NotFound("this link is not known; it may have been mistyped")
    campaign = session.get(Campaign, link.campaign_id)
    assert campaign is not None
    spec = KitSpec.model_validate(campaign.kit_version.spec)
    declared = spec.links.get(link.name)
    content = declared.utm_content if declared and declared.utm_content else link.name
    partner = session.get(Partner, link.partner_id)
    assert partner is not None
    return link, with_utm(
        link.target_url,
        source=partner.slug,
        medium=link.channel,
        campaign=campaign.slug,
        content=content,
        extra=dict(declared.utm) if declared else None,
    )


class UnsubscribeTokens:
    """Signed (not encrypted) tokens naming the delivery; short enough that the
    List-Unsubscribe header stays readable, and nothing extra to store."""

    def __init__(self, secret_key: str) -> None:
        self.serializer = URLSafeSerializer(secret_key, salt="unsubscribe")

    def make(self, delivery_id: int) -> str:
        return str(self.serializer.dumps(delivery_id))

    def read(self, token: str) -> int:
        try:
            delivery_id = self.serializer.loads(token)
        except (BadSignature, ValueError, TypeError):
            raise NotFound("this unsubscribe link is not valid") from None
        if not isinstance(delivery_id, int):
            raise NotFound("this unsubscribe link is not valid")
        return delivery_id


class OpenTokens:
    """Signed delivery ids for the open pixel."""

    def __init__(self, secret_key: str) -> None:
        self.serializer = URLSafeSerializer(secret_key, salt="open-pixel")

    def make(self, delivery_id: int) -> str:
        return str(self.serializer.dumps(delivery_id))

    def read_quietly(self, token: str) -> int | None:
        try:
            value = self.serializer.loads(token)
        except (BadSignature, ValueError, TypeError):
            return None
        return value if isinstance(value, int) else None
