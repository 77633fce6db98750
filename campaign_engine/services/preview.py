"""Preview: any partner's co-branded assets from a kit, without a campaign or a send."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from campaign_engine.db import KitVersion, Partner
from campaign_engine.domain.kit import KitContent
from campaign_engine.domain.tracking import WEBSITE_LINK, web_link, with_utm
from campaign_engine.pipeline.messages import PreparedChannel, email_message
from campaign_engine.ports import (
    BROCHURE,
    BrandContext,
    KitRenderers,
    Message,
    Recipient,
    RenderedAsset,
    with_inline_images,
)
from campaign_engine.runtime import Runtime
from campaign_engine.services.artifacts import cached_render
from campaign_engine.services.brand.context import brand_context
from campaign_engine.services.customisation import customisations_for
from campaign_engine.services.kits import materialise
from campaign_engine.services.links import NETWORK, WEBSITE_CONTENT, network_links


@dataclass(frozen=True)
class Preview:
    assets: list[RenderedAsset]
    email: Message | None
    rendered: int  # channels rendered now rather than taken from the cache
    brand: BrandContext  # what they were rendered for


def preview_links(kit: KitContent, partner: Partner, channel: str) -> dict[str, str]:
    """Direct links with the UTM tags a real send would add (no tracked token yet)."""
    website = web_link(partner.website)
    own = {}
    if website is not None:
        tags = {"source": partner.slug, "medium": channel, "campaign": "preview"}
        own[WEBSITE_LINK] = with_utm(website, content=WEBSITE_CONTENT, **tags)
    return own | {
        name: with_utm(
            str(link.url),
            source=partner.slug,
            medium=name.partition(NETWORK)[2] or channel,
            campaign="preview",
            content=link.utm_content or name.partition(NETWORK)[0],
            extra=dict(link.utm),
        )
        for name, link in [*kit.spec.links.items(), *network_links(kit.spec, channel)]
    }


AS_SENT_TOKEN = "p" * 16  # as long as a real token (domain/tracking.new_token)


def preview_partner(
    kit: KitContent,
    renderers: KitRenderers,
    partner: Partner,
    base_url: str,
    *,
    storage_dir: Path,
    customisations: dict[str, object] | None = None,
    as_sent: bool = False,
) -> Preview:
    """Every asset as the partner's customers would get it; cached like a launch's. With
    `as_sent`, links are shaped like a send's tracked ones (`<base>/r/<16 characters>`)
    instead of leading straight to their targets: the length X counts, and so where a
    post is cut, is then the send's (preflight, the contact sheet)."""
    brand = brand_context(partner, customisations)
    assets: list[RenderedAsset] = []
    message = None
    rendered_count = 0
    for channel in kit.spec.channels():
        links = preview_links(kit, partner, channel)
        if as_sent:
            links = {name: f"{base_url}/r/{AS_SENT_TOKEN}" for name in links}
        _, rendered, fresh = cached_render(storage_dir, kit, renderers, brand, channel, links)
        rendered_count += fresh
        assets += rendered
        if channel == "email" and kit.spec.assets.pdf is not None:
            # The brochure is rendered for previews and attachments, never by a launch.
            _, brochure, fresh = cached_render(storage_dir, kit, renderers, brand, BROCHURE, links)
            rendered_count += fresh
            assets += brochure
        if channel == "email":
            message = sample_email(kit, partner, brand, rendered, base_url, 0, "preview", "preview")
    return Preview(assets=assets, email=message, rendered=rendered_count, brand=brand)


def sample_email(
    kit: KitContent,
    partner: Partner,
    brand: BrandContext,
    assets: list[RenderedAsset],
    base_url: str,
    campaign_id: int,
    campaign_name: str,
    token: str,
) -> Message:
    """The email as a customer gets it, addressed to a sample name: the partner sees its
    links, and no customer's address (a preview, the asset library)."""
    prepared = PreparedChannel(
        campaign_id=campaign_id,
        campaign_name=campaign_name,
        partner_id=partner.id,
        partner_slug=partner.slug,
        channel="email",
        brand=brand,
        vendor_name=kit.spec.vendor.name,
        vendor_logo=(kit.root / kit.spec.vendor.logo).read_bytes(),
        assets={a.asset: a for a in assets},
        links={},
        endpoint_kind="email",
        endpoint_url=None,
    )
    sample = Recipient(email="jordan.sample@customer.example", first_name="Jordan")
    return email_message(
        prepared,
        sample,
        f"{base_url}/u/{token}",
        "mailto:unsubscribe@vendor.example",
        f"{base_url}/o/{token}.gif",
    )


def browser_html(message: Message) -> str:
    """The email's HTML with its inline images as data: URIs, since a browser (a preview
    page, a screenshot) cannot resolve the cid: references a mail client does."""
    return with_inline_images(message.body_html or "", message.inline_images)


def preview_version(
    runtime: Runtime,
    session: Session,
    partner: Partner,
    version: KitVersion,
    edits: dict[str, object] | None = None,
    *,
    as_sent: bool = False,
) -> tuple[KitContent, Preview]:
    """A loaded kit version as this partner would send it: its stored customisations,
    with `edits` (a review's proposed changes, saved nowhere) on top."""
    kit = materialise(session, version, runtime.settings.storage_dir)
    values = {**customisations_for(session, partner.id, version), **(edits or {})}
    shown = preview_partner(
        kit,
        runtime.renderers(kit),
        partner,
        runtime.settings.public_base_url,
        storage_dir=runtime.settings.storage_dir,
        customisations=values,
        as_sent=as_sent,
    )
    return kit, shown


def linkedin_images(shown: Preview, asset: str | None = None) -> list[tuple[str, str]]:
    """(file name, base64 JPEG) of the LinkedIn images, one asset's or all."""
    return [
        (f.name, base64.b64encode(f.content).decode())
        for a in shown.assets
        if asset is None or a.asset == asset
        for f in a.files
        if f.media_type == "image/jpeg" and "-linkedin" in f.name
    ]
