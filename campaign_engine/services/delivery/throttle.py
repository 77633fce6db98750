"""The shared rate limits (global, per connector, per partner), applied before each send:
the pipeline's deliveries and the programme's own mail take tokens from the same buckets,
so a notice run or a digest cannot push the mail server past what the deployment set."""

from __future__ import annotations

import time

from campaign_engine.infra.ratelimit import Limit, try_acquire
from campaign_engine.runtime import Runtime


def rate_limits(runtime: Runtime, kind: str, partner_id: int | None) -> list[Limit]:
    """The buckets one send of connector `kind` (for a partner, when it is for one) takes
    a token from."""
    config = runtime.settings.rate_limits
    limits = []
    if config.global_per_second:
        limits.append(Limit("global", config.global_per_second))
    per_connector = {"email": config.email_per_second, "webhook": config.webhook_per_second}
    if per_connector.get(kind):
        limits.append(Limit(f"connector:{kind}", per_connector[kind] or 1.0))
    if config.partner_per_minute and partner_id is not None:
        limits.append(Limit(f"partner:{partner_id}", config.partner_per_minute / 60))
    return limits


def wait_for_tokens(runtime: Runtime, limits: list[Limit], *, at_most: float | None = None) -> bool:
    """Block until every bucket grants a token (never more than a few seconds at a time,
    so a pause or a lost lease is noticed between waits); True once granted. With
    `at_most`, give up after that many seconds (False): a person waiting on a page for
    a sign-in link does not queue behind a launch's million emails."""
    give_up = None if at_most is None else time.monotonic() + at_most
    while limits:
        with runtime.sessions.begin() as session:
            wait = try_acquire(session, limits, runtime.clock())
        if wait <= 0:
            return True
        if give_up is not None and time.monotonic() + min(wait, 2.0) > give_up:
            return False
        time.sleep(min(wait, 2.0))
    return True
