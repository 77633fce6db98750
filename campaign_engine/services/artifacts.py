"""Content-addressed artifacts: the same inputs never render twice.

The key hashes the kit version, the partner's brand (logo bytes included), the channel, the
tracked links and the renderer version; a new logo changes the key for that partner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Artifact
from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, KitRenderers, RenderedAsset, RenderedFile
from campaign_engine.services.branding import brand_fingerprint
from campaign_engine.services.links import insert_ignoring_conflicts
from renderers import RENDERER_VERSION


def artifact_key(
    kit: KitContent, brand: BrandContext, channel: str, links: Mapping[str, str]
) -> str:
    payload = json.dumps(
        [kit.content_hash, brand_fingerprint(brand), channel, dict(links), RENDERER_VERSION],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def render_now(
    renderers: KitRenderers, channel: str, brand: BrandContext, links: Mapping[str, str]
) -> list[RenderedAsset]:
    assets: list[RenderedAsset] = []
    for renderer in renderers.for_channel(channel):
        result = renderer.render(brand, lambda name: links[name])
        assets += result if isinstance(result, list) else [result]
    return assets


def rendered_channel(
    session: Session,
    storage_dir: Path,
    kit: KitContent,
    renderers: KitRenderers,
    *,
    partner_id: int,
    kit_version_id: int,
    brand: BrandContext,
    channel: str,
    links: Mapping[str, str],
) -> list[RenderedAsset]:
    """The channel's assets for this partner, from the cache when they exist."""
    key = artifact_key(kit, brand, channel, links)
    folder = storage_dir / "artifacts" / key[:2] / key
    row = session.scalar(select(Artifact).where(Artifact.key == key))
    if row is not None and folder.is_dir():
        return _load(folder, row)
    assets = render_now(renderers, channel, brand, links)
    _store(folder, assets)
    insert_ignoring_conflicts(
        session,
        Artifact,
        [
            {
                "key": key,
                "kit_version_id": kit_version_id,
                "partner_id": partner_id,
                "channel": channel,
                "asset": ",".join(a.asset for a in assets),
                "files": [
                    {
                        "asset": a.asset,
                        "channel": a.channel,
                        "name": f.name,
                        "media_type": f.media_type,
                    }
                    for a in assets
                    for f in a.files
                ],
                "meta": {a.asset: dict(a.meta) for a in assets},
            }
        ],
    )
    return assets


def _store(folder: Path, assets: list[RenderedAsset]) -> None:
    if folder.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent))
    for asset in assets:
        (staging / asset.asset).mkdir(exist_ok=True)
        for item in asset.files:
            (staging / asset.asset / item.name).write_bytes(item.content)
    try:
        os.rename(staging, folder)
    except OSError:  # a concurrent render of the same key won; its files are identical
        shutil.rmtree(staging, ignore_errors=True)


def _load(folder: Path, row: Artifact) -> list[RenderedAsset]:
    by_asset: dict[str, list[RenderedFile]] = {}
    channels: dict[str, str] = {}
    for entry in row.files:
        content = (folder / entry["asset"] / entry["name"]).read_bytes()
        by_asset.setdefault(entry["asset"], []).append(
            RenderedFile(entry["name"], entry["media_type"], content)
        )
        channels[entry["asset"]] = entry.get("channel", row.channel)
    return [
        RenderedAsset(
            channel=channels[asset], asset=asset, files=tuple(files), meta=row.meta.get(asset, {})
        )
        for asset, files in by_asset.items()
    ]
