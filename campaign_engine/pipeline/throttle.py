"""Applying the shared rate limits (global, per connector, per partner) before each send."""

from __future__ import annotations

import time

from campaign_engine.infra.ratelimit import Limit, try_acquire
from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.messages import PreparedChannel


def rate_limits(runtime: Runtime, prepared: PreparedChannel) -> list[Limit]:
    config = runtime.settings.rate_limits
    limits = []
    if config.global_per_second:
        limits.append(Limit("global", config.global_per_second))
    per_connector = {"email": config.email_per_second, "webhook": config.webhook_per_second}
    if per_connector.get(prepared.endpoint_kind):
        limits.append(
            Limit(
                f"connector:{prepared.endpoint_kind}", per_connector[prepared.endpoint_kind] or 1.0
            )
        )
    if config.partner_per_minute:
        limits.append(Limit(f"partner:{prepared.partner_id}", config.partner_per_minute / 60))
    return limits


def wait_for_rate_limits(runtime: Runtime, prepared: PreparedChannel) -> None:
    """Block this worker until every bucket grants a token (never more than a few seconds
    at a time, so a pause or a lost lease is noticed between waits)."""
    limits = rate_limits(runtime, prepared)
    while limits:
        with runtime.sessions.begin() as session:
            wait = try_acquire(session, limits, runtime.clock())
        if wait <= 0:
            return
        time.sleep(min(wait, 2.0))
