"""A held item as the partner reviews it: its proposed edits sorted into those within the
kit's limits and those past them, the item re-rendered with the accepted ones, and the
edits that change something (a post's text left as the kit wrote it stays the kit's).

The web words it (labels and messages in the reader's language); this decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, Partner
from campaign_engine.domain.kit import (
    Customisable,
    KitContent,
    KitSpec,
    check_customisation,
    customisable_field,
    post_text_key,
)
from campaign_engine.domain.words import N_
from campaign_engine.errors import NotFound
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.assets.preview import Preview, preview_version
from campaign_engine.services.partners.customisation import customisations_for
from campaign_engine.services.workspace.library import channel_assets, post_texts


@dataclass(frozen=True)
class Refused:
    """An edit past the kit's limits: the field it was for and what was typed."""

    key: str
    field: Customisable
    value: str


@dataclass(frozen=True)
class EditField:
    """One field the partner may edit: its key, the kit's field, its limit, its text now."""

    key: str
    field: Customisable
    max_length: int
    text: str


@dataclass
class ItemPreview:
    item: Delivery
    kit: KitContent
    shown: Preview
    accepted: dict[str, str]
    refused: list[Refused]
    texts: list[tuple[str | None, str]] = field(default_factory=list)  # (network, post text)
    images: list[bytes] = field(default_factory=list)  # the LinkedIn image, as it would post
    fields: list[EditField] = field(default_factory=list)


def own_item(session: Session, partner: Partner, delivery_id: int) -> tuple[Delivery, Campaign]:
    """The partner's own item and its campaign; another's id is a 404, before all else."""
    item = session.get(Delivery, delivery_id)
    if item is None or item.partner_id != partner.id:
        raise NotFound(N_("this item is not in your review queue"))
    campaign = session.get(Campaign, item.campaign_id)
    assert campaign is not None
    return item, campaign


def sort_edits(campaign: Campaign, edits: dict[str, str]) -> tuple[dict[str, str], list[Refused]]:
    """Edits within the kit's limits (the same check as saving: what the preview shows can
    be approved), and those past them."""
    spec = KitSpec.model_validate(campaign.kit_version.spec)
    accepted: dict[str, str] = {}
    refused = []
    for key, value in edits.items():
        found = customisable_field(spec, key)
        if found is None or not value.strip():
            continue
        try:
            check_customisation(spec, key, value)
        except ValueError:
            refused.append(Refused(key, found, value))
        else:
            accepted[key] = value
    return accepted, refused


def changed_edits(
    runtime: Runtime,
    session: Session,
    partner: Partner,
    campaign: Campaign,
    item: Delivery,
    edits: dict[str, str],
) -> dict[str, str]:
    """The edits that change something: a post's text left as the kit wrote it stays the
    kit's (a later kit version's new wording then applies), not a copy pinned forever."""
    stored = customisations_for(session, partner.id, campaign.kit_version)
    kit = materialise(session, campaign.kit_version, runtime.settings.storage_dir)
    now: dict[str, Any] = {**stored}
    if item.channel == "social":
        texts = post_texts(kit, partner, item.asset, stored)
        now.update({post_text_key(item.asset, k): v for k, v in texts.items()})
    return {
        k: v for k, v in edits.items() if v.strip() and v.strip() != str(now.get(k, "")).strip()
    }


def item_preview(
    runtime: Runtime,
    session: Session,
    partner: Partner,
    campaign: Campaign,
    item: Delivery,
    edits: dict[str, str] | None = None,
) -> ItemPreview:
    """The held item re-rendered with the proposed edits within limits; those past them
    are reported and left out."""
    accepted, refused = sort_edits(campaign, edits or {})
    overrides: dict[str, object] = dict(accepted)
    kit, shown = preview_version(runtime, session, partner, campaign.kit_version, overrides)
    preview = ItemPreview(item, kit, shown, accepted, refused)
    if item.channel != "email":  # with the channel's own tracked links, per network
        _rendered_posts(runtime, session, partner, campaign, preview)
    values = {**customisations_for(session, partner.id, campaign.kit_version), **accepted}
    preview.fields = _edit_fields(kit, partner, item, values)
    return preview


def _rendered_posts(
    runtime: Runtime, session: Session, partner: Partner, campaign: Campaign, preview: ItemPreview
) -> None:
    overrides: dict[str, object] = dict(preview.accepted)
    assets = channel_assets(runtime, session, partner, campaign, preview.item.channel, overrides)
    for asset in assets:
        if asset.asset != preview.item.asset:
            continue
        for f in asset.files:
            if f.media_type == "text/plain":
                preview.texts.append((f.network, f.content.decode()))
            elif f.media_type == "image/jpeg" and f.network == "linkedin":
                preview.images.append(f.content)


def _edit_fields(
    kit: KitContent, partner: Partner, item: Delivery, values: dict[str, Any]
) -> list[EditField]:
    """A post: its text per network, within that network's limit; anything else: the
    kit's customisable fields that have a length limit."""
    if item.channel != "social":
        return [
            EditField(key, found, found.max_length, str(values.get(key, "")))
            for key, found in kit.spec.customisable.items()
            if found.max_length
        ]
    fields = []
    for platform, text in post_texts(kit, partner, item.asset, values).items():
        key = post_text_key(item.asset, platform)
        found = customisable_field(kit.spec, key)
        assert found is not None and found.max_length is not None
        fields.append(EditField(key, found, found.max_length, text))
    return fields
