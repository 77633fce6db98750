"""The one way the programme's own mail leaves (sign-in and confirmation links, preview
notices, runway steps, digests, token warnings, MDF and feedback alerts): through the
email connector, after the same rate limits the pipeline's deliveries wait for.

The idempotency key becomes the Message-ID and the outbox file name: a retried send of
the same key is the same mail."""

from __future__ import annotations

from campaign_engine.ports import Endpoint, Message, Receipt
from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.throttle import rate_limits, wait_for_tokens


def send_programme_mail(
    runtime: Runtime,
    message: Message,
    key: str,
    *,
    partner_id: int | None = None,
    interactive: bool = False,
) -> Receipt:
    """Send `message` (raises DeliveryError as the connector does). `partner_id`: the
    partner it is sent to or for, whose per-partner budget it takes from. `interactive`:
    someone waits on a page for it (a sign-in link); it waits its turn at most
    INTERACTIVE_WAIT seconds, then goes anyway: one mail past the limit, not a page that
    hangs for the length of a launch."""
    wait_turn(runtime, partner_id, at_most=INTERACTIVE_WAIT if interactive else None)
    return publish(runtime, message, key)


INTERACTIVE_WAIT = 5.0


def wait_turn(
    runtime: Runtime, partner_id: int | None = None, *, at_most: float | None = None
) -> None:
    """The rate limits' wait alone, for a caller that sends inside a transaction holding
    a row (SQLite's one writer: the buckets could not be written meanwhile)."""
    wait_for_tokens(runtime, rate_limits(runtime, "email", partner_id), at_most=at_most)


def publish(runtime: Runtime, message: Message, key: str) -> Receipt:
    """The send alone, after wait_turn."""
    return runtime.connector("email").publish(message, Endpoint("email"), key)
