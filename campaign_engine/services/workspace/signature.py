"""Email-signature banners: one stable snippet per partner whose image and link follow
the partner's current campaign.

The image (`/s/<token>.png`) is the banner of the newest live campaign whose signature
delivery was sent to the partner, unless the partner switched the channel off for it;
otherwise an evergreen banner (the partner and the vendor, no offer), so a signature
pasted once never shows a broken or stale image. The link (`/s/<token>`) goes to that
campaign's tracked signature link (utm_medium=signature), or to the partner's website.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, KitVersion, Partner
from campaign_engine.domain.tracking import web_link
from campaign_engine.errors import NotFound
from campaign_engine.infra.audit import record
from campaign_engine.runtime import BannerDrawer, Runtime
from campaign_engine.services.assets.brand.context import brand_context, brand_fingerprint
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.partners.view import VISIBLE
from campaign_engine.services.workspace.library import channel_assets
from campaign_engine.services.workspace.syndication import live_campaigns
from campaign_engine.typeset import RENDERER_VERSION

SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")  # fonts-dejavu-core


@dataclass(frozen=True)
class Banner:
    png: bytes
    link: str | None  # the campaign's tracked link, else the partner's or the vendor's site
    campaign_id: int | None


def current_banner(runtime: Runtime, session: Session, partner_id: int) -> Banner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise LookupError(partner_id)
    for campaign in banner_campaigns(runtime, session, partner):
        # This campaign's own banner (its links), whichever campaign shares its kit.
        banner = channel_assets(runtime, session, partner, campaign, "signature")[0]
        return Banner(banner.file("banner.png").content, str(banner.meta["url"]), campaign.id)
    png, vendor_site = evergreen(session, partner, runtime.settings.storage_dir, runtime.banner)
    return Banner(png, web_link(partner.website) or vendor_site, None)


def banner_campaigns(runtime: Runtime, session: Session, partner: Partner) -> list[Campaign]:
    """The campaigns the banner may show, the one it shows first: the partner's pin while
    that campaign is live for it, else the vendor's ranking (banner priority, newest)."""
    default = runtime.settings.programme.rules().programme_default
    campaigns = live_campaigns(session, partner.id, "signature", default)
    pinned = [c for c in campaigns if c.id == partner.banner_campaign_id]
    return pinned + [c for c in campaigns if c.id != partner.banner_campaign_id]


def pin_banner(
    runtime: Runtime, session: Session, partner: Partner, campaign_id: int | None, *, actor: str
) -> None:
    """The partner's own choice of campaign for its banner (None: the vendor's ranking).
    Only a campaign the banner may show it now can be pinned: one of its own, live."""
    if campaign_id is not None and campaign_id not in {
        c.id for c in banner_campaigns(runtime, session, partner)
    }:
        raise NotFound(f"campaign {campaign_id} is not live on {partner.name}'s banner")
    partner.banner_campaign_id = campaign_id
    record(session, actor, "signature.pin", "partner", partner.slug, {"campaign_id": campaign_id})


def _partners_kit(session: Session, partner_id: int) -> KitVersion | None:
    """The kit of the newest campaign that reached the partner: a kit loaded but never
    launched (an unannounced one) shows nowhere."""
    return session.scalar(
        select(KitVersion)
        .join(Campaign, Campaign.kit_version_id == KitVersion.id)
        .join(Delivery, Delivery.campaign_id == Campaign.id)
        .where(Delivery.partner_id == partner_id, Campaign.status.in_(VISIBLE))
        .order_by(Campaign.id.desc())
        .limit(1)
    )


def evergreen(
    session: Session, partner: Partner, storage_dir: Path, banner_png: BannerDrawer
) -> tuple[bytes, str | None]:
    """The partner with the vendor of its newest campaign's kit, no offer; stored on disk
    by its inputs, since mail clients fetch the image on every open."""
    version = _partners_kit(session, partner.id)
    kit = materialise(session, version, storage_dir) if version is not None else None
    brand = brand_context(partner)
    logo = (kit.root / kit.spec.vendor.logo).read_bytes() if kit else None
    font = str(kit.root / kit.spec.fonts.bold) if kit else str(SYSTEM_FONT)
    # the renderers' version in the key: a banner drawn by an older layout was served on
    # after the layout changed (a hand-kept "|3" was not raised with it: an attack)
    inputs = f"{brand_fingerprint(brand)}|{kit.content_hash if kit else ''}|{RENDERER_VERSION}"
    key = hashlib.sha256(inputs.encode()).hexdigest()
    site = str(kit.spec.vendor.website) if kit and kit.spec.vendor.website else None
    path = storage_dir / "signatures" / f"{key}.png"
    if path.is_file():
        return path.read_bytes(), site
    png = banner_png(brand, partner.name, font, logo)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    staging.write_bytes(png)
    staging.replace(path)
    return png, site
