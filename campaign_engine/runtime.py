"""What a running engine holds: settings, the session factory, chosen adapters, the clock.

Built once by bootstrap.py and passed explicitly; nothing here is a module-level global.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from campaign_engine.domain.kit import KitContent
from campaign_engine.infra.processes import ClaimsInProgress
from campaign_engine.ports import BrandContext, Connector, KitRenderers
from campaign_engine.settings import Settings


def system_clock() -> datetime:
    return datetime.now(UTC)


class RenderPool(Protocol):
    """Renders into the artifact cache in other processes (rendering is CPU-bound; the
    sending threads of one process would share a core). bootstrap.ProcessRenderPool."""

    def render(
        self, kit: KitContent, brand: BrandContext, channel: str, links: Mapping[str, str]
    ) -> None: ...

    def shutdown(self) -> None: ...


class BannerDrawer(Protocol):
    """renderers.signature.banner_png, named by the composition root."""

    def __call__(
        self, brand: BrandContext, headline: str, font_path: str, vendor_logo: bytes | None
    ) -> bytes: ...


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    connectors: dict[str, Connector]
    renderers: Callable[[KitContent], KitRenderers]
    banner: BannerDrawer  # the signature banner drawn without a campaign (evergreen)
    clock: Callable[[], datetime] = system_clock
    render_pool: RenderPool | None = None  # processes for rendering (the local executor)
    # The items this process is sending now, whose claims its heartbeat renews.
    claims: ClaimsInProgress = field(default_factory=ClaimsInProgress)

    def connector(self, kind: str) -> Connector:
        return self.connectors[kind]

    def close(self) -> None:
        if self.render_pool is not None:
            self.render_pool.shutdown()
        for connector in self.connectors.values():
            close = getattr(connector, "close", None)
            if callable(close):
                close()
        self.engine.dispose()
