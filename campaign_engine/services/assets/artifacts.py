"""Content-addressed artifacts: the same inputs never render twice.

The key hashes the kit version, the partner's brand (logo bytes and customisations
included), the channel, the links and the renderer version; a partner's new logo changes
the key for that partner only. The folder (with its manifest) is the cache; the database
row indexes it for the console.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import NotRequired, TypedDict

from sqlalchemy.orm import Session

from campaign_engine.db import Artifact
from campaign_engine.db.bulk import insert_ignoring_conflicts
from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext, KitRenderers, RenderedAsset, RenderedFile
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.brand.context import brand_fingerprint
from campaign_engine.typeset import RENDERER_VERSION

MANIFEST = "manifest.json"


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


def cached_render(
    storage_dir: Path,
    kit: KitContent,
    renderers: KitRenderers,
    brand: BrandContext,
    channel: str,
    links: Mapping[str, str],
) -> tuple[str, list[RenderedAsset], bool]:
    """(key, assets, rendered_now): from the cache folder when it exists."""
    key = artifact_key(kit, brand, channel, links)
    cached = cached_assets(storage_dir, key)
    if cached is not None:
        return key, cached, False
    assets = render_now(renderers, channel, brand, links)
    _store(artifact_folder(storage_dir, key), assets)
    return key, assets, True


def render_assets(
    runtime: Runtime, kit: KitContent, brand: BrandContext, channel: str, links: Mapping[str, str]
) -> tuple[str, list[RenderedAsset], bool]:
    """(artifact key, assets, rendered now?): from the cache, else rendered here or in
    the runtime's render pool, whose processes write the cache folder we then read."""
    storage = runtime.settings.storage_dir
    if runtime.render_pool is None:
        return cached_render(storage, kit, runtime.renderers(kit), brand, channel, links)
    key = artifact_key(kit, brand, channel, links)
    cached = cached_assets(storage, key)
    if cached is not None:
        return key, cached, False
    runtime.render_pool.render(kit, brand, channel, links)
    assets = cached_assets(storage, key)
    assert assets is not None, "the render pool writes the artifact before returning"
    return key, assets, True


def cached_assets(storage_dir: Path, key: str) -> list[RenderedAsset] | None:
    """The artifact's assets if its folder is complete (the manifest is written last)."""
    folder = artifact_folder(storage_dir, key)
    return load_assets(folder) if (folder / MANIFEST).is_file() else None


def index_artifact(
    session: Session,
    key: str,
    assets: list[RenderedAsset],
    *,
    partner_id: int,
    kit_version_id: int,
    channel: str,
) -> None:
    """Record a freshly rendered artifact so the console can list and serve it."""
    insert_ignoring_conflicts(
        session,
        Artifact,
        [
            {
                "key": key,
                "kit_version_id": kit_version_id,
                "partner_id": partner_id,
                "channel": channel,
                "asset": ",".join(a.asset for a in assets)[:64],
                "files": _manifest(assets),
                "meta": {a.asset: dict(a.meta) for a in assets},
            }
        ],
    )


def artifact_folder(storage_dir: Path, key: str) -> Path:
    return storage_dir / "artifacts" / key[:2] / key


class _ManifestEntry(TypedDict):
    """One file of a stored set, as manifest.json lists it."""

    asset: str
    channel: str
    name: str
    media_type: str
    network: NotRequired[str | None]  # absent from a manifest older than renderer version 4
    meta: dict[str, str]


def _manifest(assets: list[RenderedAsset]) -> list[_ManifestEntry]:
    return [
        {
            "asset": a.asset,
            "channel": a.channel,
            "name": f.name,
            "media_type": f.media_type,
            "network": f.network,
            "meta": dict(a.meta),
        }
        for a in assets
        for f in a.files
    ]


def _store(folder: Path, assets: list[RenderedAsset]) -> None:
    """Written to a staging folder and renamed into place: readers never see half a set."""
    if folder.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent))
    for asset in assets:
        (staging / asset.asset).mkdir(exist_ok=True)
        for item in asset.files:
            (staging / asset.asset / item.name).write_bytes(item.content)
    (staging / MANIFEST).write_text(json.dumps(_manifest(assets)), encoding="utf-8")
    try:
        os.rename(staging, folder)
    except OSError:  # a concurrent render of the same key won; its files are identical
        shutil.rmtree(staging, ignore_errors=True)


def load_assets(folder: Path) -> list[RenderedAsset]:
    """Joined as strings, not Paths: a cache hit reads a dozen files and pathlib's joins
    were a third of its time."""
    root = str(folder)
    with open(os.path.join(root, MANIFEST), encoding="utf-8") as manifest:
        entries: list[_ManifestEntry] = json.load(manifest)  # as _manifest wrote it
    grouped: dict[str, list[_ManifestEntry]] = {}
    for entry in entries:
        grouped.setdefault(str(entry["asset"]), []).append(entry)
    return [
        RenderedAsset(
            channel=str(items[0]["channel"]),
            asset=asset,
            files=tuple(
                RenderedFile(
                    str(e["name"]),
                    str(e["media_type"]),
                    _read(os.path.join(root, asset, str(e["name"]))),
                    e.get("network"),
                )
                for e in items
            ),
            meta=dict(items[0]["meta"]),
        )
        for asset, items in grouped.items()
    ]


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()
