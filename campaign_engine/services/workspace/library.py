"""A campaign's asset library for one partner: every item the campaign has for it, as it
goes out (the real tracked links, the partner's brand), with what happened to it.

Rendering goes through the artifact cache with the same inputs as the send, so opening
the library of a delivered campaign reads files the send already wrote. A partner whose
profile changed since sees the assets as they would go out now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.domain.kit import KitContent, post_text_key
from campaign_engine.errors import NotFound
from campaign_engine.ports import (
    BROCHURE,
    Message,
    RenderedAsset,
    RenderedFile,
)
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.artifacts import cached_render
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.assets.preview import sample_email
from campaign_engine.services.attribution.links import link_urls
from campaign_engine.services.partners.customisation import customisations_for
from campaign_engine.services.partners.view import VISIBLE
from campaign_engine.services.workspace.snippet import SignatureTokens, snippet
from campaign_engine.services.workspace.syndication import EmbedTokens

NETWORKS = ("linkedin", "instagram", "x", "facebook")


@dataclass(frozen=True)
class LibraryItem:
    """One thing the partner can use: a file to download, a text to copy, or both."""

    kind: str  # email | brochure | social | talking_points | embed | signature
    channel: str
    asset: str
    status: str  # the delivery's status: sent, pending, held, skipped, failed
    due_at: datetime | None
    network: str | None = None
    text: str | None = None
    files: tuple[RenderedFile, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Library:
    campaign: Campaign
    items: list[LibraryItem]
    email: Message | None  # the email as the partner's customers get it (a sample name)

    def file(self, asset: str, name: str) -> RenderedFile:
        """A file of this library by exact name: nothing outside it can be asked for."""
        for item in self.items:
            for candidate in item.files:
                if item.asset == asset and candidate.name == name:
                    return candidate
        raise NotFound(f"no file {name!r} in this campaign's assets")


def campaign_library(
    runtime: Runtime, session: Session, partner: Partner, campaign_id: int
) -> Library:
    """The library of a campaign the partner takes part in; any other campaign (another
    partner's, a draft, an unknown id) is not found, the same answer for each."""
    campaign = session.get(Campaign, campaign_id)
    rows = _deliveries(session, campaign_id, partner.id)
    if campaign is None or campaign.status not in VISIBLE or not rows:
        raise NotFound(f"no campaign {campaign_id} among yours")
    settings = runtime.settings
    version = campaign.kit_version
    kit = materialise(session, version, settings.storage_dir)
    brand = brand_context(partner, customisations_for(session, partner.id, version, kit.spec))
    by_channel: dict[str, list[Delivery]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
    items: list[LibraryItem] = []
    email = None
    for channel, deliveries in by_channel.items():
        links = link_urls(session, campaign.id, partner.id, channel, settings.public_base_url)
        assets = channel_assets(runtime, session, partner, campaign, channel)
        first = _summary(deliveries)
        if channel == "email":
            email = sample_email(
                kit,
                partner,
                brand,
                assets,
                settings.public_base_url,
                campaign.id,
                campaign.title,
                "sample",
            )
            items.append(_email_item(assets, first))
            if kit.spec.assets.pdf is not None:
                _, brochure, _ = cached_render(
                    settings.storage_dir, kit, runtime.renderers(kit), brand, BROCHURE, links
                )
                items += [_file_item("brochure", channel, a, first) for a in brochure]
        elif channel == "social":
            items += _social_items(assets, {d.asset: d for d in deliveries})
        elif channel == "crm":
            items += [_talking_points(a, first) for a in assets]
        elif channel == "web":
            token = EmbedTokens(settings.signing_keys).make(partner.id)
            items += [_embed_item(a, first, settings.public_base_url, token) for a in assets]
        elif channel == "signature":
            items += _signature_items(runtime, partner, assets, first)
        else:
            items += [_file_item(channel, channel, a, first) for a in assets]
    return Library(campaign=campaign, items=items, email=email)


def _deliveries(session: Session, campaign_id: int, partner_id: int) -> list[Delivery]:
    """The partner's deliveries of the campaign, in the order they go out."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.campaign_id == campaign_id, Delivery.partner_id == partner_id)
            .order_by(Delivery.due_at, Delivery.id)
        )
    )


def _signature_items(
    runtime: Runtime, partner: Partner, assets: list[RenderedAsset], first: Delivery
) -> list[LibraryItem]:
    """The signature banner with the snippet that shows it: the HTML to paste into a mail
    client, and the image's and the link's URLs."""
    settings = runtime.settings
    token = SignatureTokens(settings.signing_keys).make(partner.id)
    code = snippet(partner, settings.public_base_url, token)
    extra = {"html": code.html, "image_url": code.image_url, "link_url": code.link_url}
    return [
        LibraryItem(
            "signature",
            "signature",
            a.asset,
            first.status,
            first.sent_at or first.due_at,
            text=code.html,
            files=a.files,
            extra=extra,
        )
        for a in assets
    ]


def channel_assets(
    runtime: Runtime,
    session: Session,
    partner: Partner,
    campaign: Campaign,
    channel: str,
    edits: dict[str, object] | None = None,
) -> list[RenderedAsset]:
    """One channel's assets as they go out: the partner's customisations with `edits`
    on top (a review's proposed changes, saved nowhere) and the channel's own tracked
    links, so what a partner reviews is what its customers get."""
    settings = runtime.settings
    version = campaign.kit_version
    kit = materialise(session, version, settings.storage_dir)
    values = {**customisations_for(session, partner.id, version, kit.spec), **(edits or {})}
    links = link_urls(session, campaign.id, partner.id, channel, settings.public_base_url)
    _, assets, _ = cached_render(
        settings.storage_dir,
        kit,
        runtime.renderers(kit),
        brand_context(partner, values),
        channel,
        links,
    )
    return assets


def post_texts(
    kit: KitContent, partner: Partner, post_id: str, stored: dict[str, object]
) -> dict[str, str]:
    """Per network, the text a post goes out with before the engine adds its link and
    hashtags: the partner's own, else the kit's copy in the partner's language."""
    from campaign_engine.typeset.context import (  # the kit's copy, as renderers read it
        localise,
        lookup,
    )

    social = kit.spec.assets.social
    post = next((p for p in social.posts if p.id == post_id), None) if social else None
    if post is None:
        return {}
    language = (partner.locale or "en").replace("-", "_").split("_")[0].lower()
    # as the social renderer fills it: posts name the partner by its short name
    name = partner.short_name or partner.name
    body = str(lookup(localise(kit.copy_for(language), name), post.text))
    return {
        platform: str(stored.get(post_text_key(post.id, platform)) or body)
        for platform in post.platforms
    }


def _summary(deliveries: list[Delivery]) -> Delivery:
    """The channel's row that says the most: a sent one if any (an email channel has one
    row per customer), else the first."""
    return next((d for d in deliveries if d.status == "sent"), deliveries[0])


def _email_item(assets: list[RenderedAsset], row: Delivery) -> LibraryItem:
    asset = assets[0]
    return LibraryItem(
        "email",
        "email",
        asset.asset,
        row.status,
        row.sent_at or row.due_at,
        text=str(asset.meta.get("subject", "")),
        files=tuple(f for f in asset.files if f.media_type in ("text/html", "text/plain")),
    )


def _file_item(kind: str, channel: str, asset: RenderedAsset, row: Delivery) -> LibraryItem:
    return LibraryItem(
        kind, channel, asset.asset, row.status, row.sent_at or row.due_at, files=asset.files
    )


def _social_items(assets: list[RenderedAsset], rows: dict[str, Delivery]) -> list[LibraryItem]:
    """One item per post and network: its image and its text, for the posts the partner
    takes (the kit's `posts` choice decides which have a delivery)."""
    items = []
    for asset in assets:
        row = rows.get(asset.asset)
        if row is None:
            continue
        for network in NETWORKS:
            image = _for_network(asset, network, "image/jpeg")  # the first: square
            text = _for_network(asset, network, "text/plain")
            if image is None and text is None:
                continue
            items.append(
                LibraryItem(
                    "social",
                    "social",
                    asset.asset,
                    row.status,
                    row.sent_at or row.due_at,
                    network=network,
                    text=text.content.decode() if text else None,
                    files=tuple(f for f in (image, text) if f is not None),
                    extra={"headline": str(asset.meta.get("headline", ""))},
                )
            )
    return items


def _for_network(asset: RenderedAsset, network: str, media_type: str) -> RenderedFile | None:
    return next(
        (f for f in asset.files if f.network == network and f.media_type == media_type), None
    )


def _talking_points(asset: RenderedAsset, row: Delivery) -> LibraryItem:
    markdown = next((f for f in asset.files if f.media_type == "text/markdown"), None)
    return LibraryItem(
        "talking_points",
        "crm",
        asset.asset,
        row.status,
        row.sent_at or row.due_at,
        text=markdown.content.decode() if markdown else None,
        files=asset.files,
    )


def embed_code(base_url: str, token: str) -> dict[str, str]:
    """The two ways to put the partner's live campaign content on its website: either
    pasted once, both follow whichever campaign is live."""
    return {
        "script": f'<script src="{base_url}/embed/{token}.js" async></script>',
        # Without our script beside it the frame cannot size itself, so it gets a fixed
        # height; its sandbox runs no script at all, whatever the frame is navigated to.
        "iframe": (
            f'<iframe src="{base_url}/embed/{token}" title="Offers" loading="lazy" '
            'sandbox="allow-popups allow-popups-to-escape-sandbox" '
            'style="width:100%;height:620px;border:0"></iframe>'
        ),
    }


def _embed_item(asset: RenderedAsset, row: Delivery, base_url: str, token: str) -> LibraryItem:
    return LibraryItem(
        "embed",
        "web",
        asset.asset,
        row.status,
        row.sent_at or row.due_at,
        text=embed_code(base_url, token)["script"],
        files=asset.files,
        extra=embed_code(base_url, token),
    )
