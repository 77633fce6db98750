"""What a running engine holds: settings, the session factory, chosen adapters, the clock.

Built once by bootstrap.py and passed explicitly; nothing here is a module-level global.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from campaign_engine.domain.kit import KitContent
from campaign_engine.infra.processes import ClaimsInProgress
from campaign_engine.ports import BrandContext, Connector, KitRenderers, RenderedAsset
from campaign_engine.services.assets.artifacts import artifact_key, cached_assets, cached_render
from campaign_engine.settings import Settings


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    connectors: dict[str, Connector]
    renderers: Callable[[KitContent], KitRenderers]
    clock: Callable[[], datetime] = system_clock
    render_pool: Executor | None = None  # processes for rendering (the local executor)
    # The items this process is sending now, whose claims its heartbeat renews.
    claims: ClaimsInProgress = field(default_factory=ClaimsInProgress)

    def render(
        self, kit: KitContent, brand: BrandContext, channel: str, links: Mapping[str, str]
    ) -> tuple[str, list[RenderedAsset], bool]:
        """(artifact key, assets, rendered now?): from the cache, else rendered here or in
        the render pool's processes, which write the cache folder we then read."""
        storage = self.settings.storage_dir
        if self.render_pool is None:
            return cached_render(storage, kit, self.renderers(kit), brand, channel, links)
        key = artifact_key(kit, brand, channel, links)
        cached = cached_assets(storage, key)
        if cached is not None:
            return key, cached, False
        from campaign_engine.bootstrap import render_in_child

        self.render_pool.submit(
            render_in_child,
            str(kit.root),
            kit.content_hash,
            str(storage),
            brand,
            channel,
            dict(links),
        ).result()
        assets = cached_assets(storage, key)
        assert assets is not None, "the render pool writes the artifact before returning"
        return key, assets, True

    def connector(self, kind: str) -> Connector:
        return self.connectors[kind]

    def close(self) -> None:
        if self.render_pool is not None:
            self.render_pool.shutdown(wait=True)
        for connector in self.connectors.values():
            close = getattr(connector, "close", None)
            if callable(close):
                close()
        self.engine.dispose()
