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
from campaign_engine.services.assets.artifacts import cached_assets
from campaign_engine.services.attribution.links import SignedIds
from campaign_engine.services.partners.consent.read import mode_for


class EmbedTokens(SignedIds):
    """The partner's embed id: signed, permanent, safe to put in public page source."""

    salt = "website-embed"
    invalid = "unknown embed"


def live_campaigns(
    session: Session, partner_id: int, channel: str, programme_default: ConsentMode
) -> list[Campaign]:
    """The live campaigns whose `channel` item reached the partner and that the partner
    has not switched off there, in the vendor's order (banner priority, then the newest):
    what its website embed and its signature banner may show."""
    campaigns = session.scalars(
        select(Campaign)
        .join(Delivery, Delivery.campaign_id == Campaign.id)
        .where(
            Delivery.partner_id == partner_id,
            Delivery.channel == channel,
            Delivery.status == DeliveryStatus.SENT,
            Campaign.status == CampaignStatus.LIVE,
        )
        .order_by(Campaign.banner_priority.desc(), Campaign.launched_at.desc(), Campaign.id.desc())
        .distinct()
    ).all()
    return [
        c
        for c in campaigns
        if mode_for(session, partner_id, c, channel, programme_default) is not ConsentMode.OFF
    ]


def current_fragment(
    session: Session, partner_id: int, storage_dir: Path, programme_default: ConsentMode
) -> str:
    """The newest live campaign's web snippet for this partner, or "" when there is none
    or the partner has switched the web channel off."""
    for campaign in live_campaigns(session, partner_id, "web", programme_default):
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
