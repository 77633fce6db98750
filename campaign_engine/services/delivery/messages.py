"""Turning a partner's rendered assets into connector messages, one per delivery."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from campaign_engine.ports import BrandContext, Message, Recipient, RenderedAsset, RenderedFile
from campaign_engine.typeset.slots import PARTNER_LOGO_CID, VENDOR_LOGO_CID, personalise
from campaign_engine.typeset.textbreak import isolate_names


@dataclass(frozen=True)
class PreparedChannel:
    """Everything needed to send one channel of one partner, rendered once."""

    campaign_id: int
    campaign_name: str
    partner_id: int
    partner_slug: str
    channel: str
    brand: BrandContext
    vendor_name: str
    vendor_logo: bytes
    assets: dict[str, RenderedAsset]
    links: dict[str, str]
    endpoint_kind: str
    endpoint_url: str | None
    recipients: dict[str, Recipient] = field(default_factory=dict)  # email -> contact, once
    endpoint_config: dict[str, str] = field(default_factory=dict)  # secrets already opened
    from_address: str | None = None  # the partner's verified sending address
    # keyed hashes of addresses erased for this partner or all (services/stewardship/keys.py)
    erased: frozenset[str] = frozenset()


def email_message(
    prepared: PreparedChannel,
    recipient: Recipient,
    unsubscribe_url: str,
    unsubscribe_mailto: str,
    open_url: str,
) -> Message:
    asset = prepared.assets["email"]
    subject, body_html, body_text = personalise(asset, recipient, unsubscribe_url, open_url)
    brand = prepared.brand
    logos = {f.name: f for f in asset.files if f.media_type.startswith("image/")}
    return Message(
        channel="email",
        recipient=recipient.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers={
            # RFC 8058 one-click: an https URL that unsubscribes on POST, plus a mailto.
            "List-Unsubscribe": f"<{unsubscribe_url}>, <{unsubscribe_mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Campaign-Partner": prepared.partner_slug,
        },
        inline_images=(
            logos.get(PARTNER_LOGO_CID)
            or RenderedFile(PARTNER_LOGO_CID, "image/png", brand.logo_png or b""),
            logos.get(VENDOR_LOGO_CID)
            or RenderedFile(VENDOR_LOGO_CID, "image/png", prepared.vendor_logo),
        ),
        # isolated: "شركة النور via Northwind" otherwise reads with "via" on the wrong side
        sender_name=isolate_names(
            f"{brand.display_name} via {prepared.vendor_name}",
            (brand.display_name,),
            brand.language,
        ),
        reply_to=brand.contact_email,
        from_address=prepared.from_address,
    )


def item_message(prepared: PreparedChannel, asset_name: str, base_url: str) -> Message:
    """Social posts, CRM talking points and web snippets: a structured payload."""
    asset = prepared.assets.get(asset_name) or next(iter(prepared.assets.values()))
    payload: dict[str, object] = {
        "campaign": {"id": prepared.campaign_id, "name": prepared.campaign_name},
        "partner": prepared.partner_slug,
        "channel": prepared.channel,
        "asset": asset.asset,
        "links": prepared.links,
    }
    texts: dict[str, str] = {}  # payload["text"] and payload["files"], once there is one
    files: list[dict[str, object]] = []
    for item in asset.files:
        if item.media_type == "application/json":
            payload["content"] = json.loads(item.content)
        elif item.media_type.startswith("text/"):
            payload.setdefault("text", texts)
            texts[item.name] = item.content.decode()
        else:
            payload.setdefault("files", files)
            files.append(
                {"name": item.name, "media_type": item.media_type, "bytes": len(item.content)}
            )
    images = tuple(f for f in asset.files if f.media_type.startswith("image/"))
    return Message(
        channel=prepared.channel,
        attachments=images,
        recipient=prepared.endpoint_url or "portal",
        subject=asset.meta.get("headline", asset.asset),
        body_text="",
        payload=payload,
    )
