"""Preview: any partner's co-branded assets from a kit, without a campaign or a send."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from campaign_engine.db import KitVersion, Partner
from campaign_engine.domain.kit import KitContent
from campaign_engine.domain.tracking import WEBSITE_LINK, web_link, with_utm
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
from campaign_engine.services.assets.artifacts import cached_render
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.attribution.links import NETWORK, WEBSITE_CONTENT, network_links
from campaign_engine.services.delivery.messages import PreparedChannel, email_message
from campaign_engine.services.partners.customisation import customisations_for


@dataclass(frozen=True)
class Preview:
    assets: list[RenderedAsset]
    email: Message | None
    rendered: int  # channels rendered now rather than taken from the cache
    brand: BrandContext  # what they were rendered for
    # the links each channel (and "brochure") was rendered with: preflight lays the
    # brochure out again with the same ones
    links: dict[str, dict[str, str]] = field(default_factory=dict)
    # assets not made, with the reason: a field the kit requires is missing (a channel,
    # or "brochure")
    held: dict[str, str] = field(default_factory=dict)
    # the profile fields each held asset lacks, for words in the reader's language
    lacking: dict[str, list[str]] = field(default_factory=dict)


def preview_links(kit: KitContent, partner: Partner, channel: str) -> dict[str, str]:
    """Direct links with the UTM tags a real send would add (no tracked token yet)."""
    website = web_link(partner.website)
    own = {}
    if website is not None:
        own[WEBSITE_LINK] = with_utm(
            website,
            source=partner.slug,
            medium=channel,
            campaign="preview",
            content=WEBSITE_CONTENT,
        )
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


def sent_shaped_links(
    kit: KitContent, partner: Partner, channel: str, base_url: str
) -> dict[str, str]:
    """Each link the channel sends, shaped as a send's tracked one: `<base>/r/` and 16
    characters, one per link and network as a launch makes them. X counts a link as 23
    characters only when it recognises it as a URL (a `.example` target is not one), so a
    preview with direct links was cut where the send was not: the preview now carries
    links of the send's own length and form, and shows exactly what goes out."""
    return {
        name: f"{base_url}/r/{preview_token(partner.slug, channel, name)}"
        for name in preview_links(kit, partner, channel)
    }


def preview_token(slug: str, channel: str, name: str) -> str:
    """16 URL-safe characters, as long as a real token (domain/tracking.new_token), stable
    for a partner, channel and link (so previews are cached) and never a real one's."""
    digest = hashlib.blake2b(f"{slug}\0{channel}\0{name}".encode(), digest_size=12).digest()
    return base64.urlsafe_b64encode(digest).decode()


def preview_partner(
    kit: KitContent,
    renderers: KitRenderers,
    partner: Partner,
    base_url: str,
    *,
    storage_dir: Path,
    customisations: dict[str, object] | None = None,
) -> Preview:
    """Every asset as the partner's customers would get it, cached like a launch's, with
    links of the send's shape (`sent_shaped_links`): what a post keeps and cuts is the
    send's. An asset the kit requires a field for that the partner lacks is not made, as a
    launch would not send it (a brochure without a phone number is no brochure, an email
    without a postal address breaks the law of most places); `Preview.held` says why."""
    from campaign_engine.services.assets.requirements import requirement_reason

    brand = brand_context(partner, customisations)
    assets: list[RenderedAsset] = []
    message = None
    rendered_count = 0
    used: dict[str, dict[str, str]] = {}
    held: dict[str, str] = {}
    lacking: dict[str, list[str]] = {}
    for channel in kit.spec.channels():
        links = sent_shaped_links(kit, partner, channel, base_url)
        # The brochure is rendered for previews and attachments, never by a launch,
        # with the email's links; it needs its own fields, not the email's.
        brochure = channel == "email" and kit.spec.assets.pdf is not None
        for target in (channel, BROCHURE) if brochure else (channel,):
            rendered, fresh, missing = _render_unless_lacking(
                kit, renderers, partner, brand, target, links, storage_dir
            )
            if missing:  # a launch would not send it: neither does the preview show it as sent
                held[target] = requirement_reason(partner.name, target, missing)
                lacking[target] = missing
                continue
            used[target] = links
            rendered_count += fresh
            assets += rendered
            if target == "email":
                message = sample_email(
                    kit, partner, brand, rendered, base_url, 0, "preview", "preview"
                )
    return Preview(
        assets=assets,
        email=message,
        rendered=rendered_count,
        brand=brand,
        links=used,
        held=held,
        lacking=lacking,
    )


def _render_unless_lacking(
    kit: KitContent,
    renderers: KitRenderers,
    partner: Partner,
    brand: BrandContext,
    target: str,
    links: dict[str, str],
    storage_dir: Path,
) -> tuple[list[RenderedAsset], bool, list[str]]:
    """(assets, rendered now?, []) for a channel or the brochure, through the artifact
    cache; ([], False, the fields it requires) when the partner lacks any of them."""
    from campaign_engine.services.assets.requirements import missing_fields, partner_has

    missing = missing_fields(kit.spec, target, partner_has(partner))
    if missing:
        return [], False, missing
    _, rendered, fresh = cached_render(storage_dir, kit, renderers, brand, target, links)
    return rendered, fresh, []


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
    )
    return kit, shown


def linkedin_images(shown: Preview, asset: str | None = None) -> list[tuple[str, str]]:
    """(file name, base64 JPEG) of the LinkedIn images, one asset's or all."""
    return [
        (f.name, base64.b64encode(f.content).decode())
        for a in shown.assets
        if asset is None or a.asset == asset
        for f in a.files
        if f.media_type == "image/jpeg" and f.network == "linkedin"
    ]
