"""The built-in default for social, CRM and web: the item waits in the partner portal.

It is a real delivery (the partner sees the post, talking points or snippet there), not a
failure for lack of an endpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime

from campaign_engine.ports import Endpoint, Message, Receipt


class PortalQueue:
    name = "portal"
    repeat_safe = True  # the same message twice is one (pipeline.sending.repeat_safe)

    def validate(self, endpoint: Endpoint) -> None:
        return None

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        return Receipt(
            provider=self.name,
            reference=idempotency_key,
            accepted_at=datetime.now(UTC),
            detail=f"{message.channel} in the portal",
        )
