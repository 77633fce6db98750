"""Website syndication: a partner's current live co-branded content as an HTML fragment.

Computed on each request from the ledger, so it changes by itself when a campaign goes
live or ends, and is empty the moment the partner opts out.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Artifact, Campaign, Delivery
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.services.artifacts import cached_assets
from campaign_engine.services.consent import mode_for
from campaign_engine.services.links import SignedIds


class EmbedTokens(SignedIds):
    """The partner's embed id: signed, permanent, safe to put in public page source."""

    salt = "website-embed"
    invalid = "unknown embed"


def current_fragment(session: Session, partner_id: int, storage_dir: Path) -> str:
    """The newest live campaign's web snippet for this partner, or "" when there is none
    or the partner has switched the web channel off."""
    rows = session.execute(
        select(Campaign, Delivery.id)
        .join(Delivery, Delivery.campaign_id == Campaign.id)
        .where(
            Delivery.partner_id == partner_id,
            Delivery.channel == "web",
            Delivery.status == DeliveryStatus.SENT,
            Campaign.status == CampaignStatus.LIVE,
        )
        .order_by(Campaign.launched_at.desc(), Campaign.id.desc())
    ).all()
    for campaign, _ in rows:
        if mode_for(session, partner_id, campaign, "web") is ConsentMode.OFF:
            continue
        key = session.scalar(
            select(Artifact.key)
            .where(
                Artifact.partner_id == partner_id,
                Artifact.channel == "web",
                Artifact.kit_version_id == campaign.kit_version_id,
            )
            .order_by(Artifact.id.desc())
        )
        assets = cached_assets(storage_dir, key) if key else None
        if assets:
            return assets[0].file("snippet.html").content.decode()
    return ""
