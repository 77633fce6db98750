"""Applying the shared rate limits before each delivery (services/delivery/throttle)."""

from __future__ import annotations

from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.messages import PreparedChannel
from campaign_engine.services.delivery.throttle import rate_limits, wait_for_tokens


def wait_for_rate_limits(runtime: Runtime, prepared: PreparedChannel) -> None:
    """Block this worker until every bucket of this send grants a token."""
    wait_for_tokens(runtime, rate_limits(runtime, prepared.endpoint_kind, prepared.partner_id))
