"""What a running engine holds: settings, the session factory, chosen adapters, the clock.

Built once by bootstrap.py and passed explicitly; nothing here is a module-level global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import Connector, KitRenderers
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
    extras: dict[str, object] = field(default_factory=dict)

    def connector(self, kind: str) -> Connector:
        return self.connectors[kind]

    def close(self) -> None:
        for connector in self.connectors.values():
            close = getattr(connector, "close", None)
            if callable(close):
                close()
        self.engine.dispose()
