"""A send that failed: back to the queue inside the retry window, or failed for good with
the reason the campaign page shows."""

from __future__ import annotations

from datetime import UTC, timedelta

from campaign_engine.db import Delivery
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.domain.retry import RetryPolicy
from campaign_engine.errors import (
    DeliveryError,
    HeldByPreflight,
    MissingField,
    PermanentError,
    RecipientRejected,
    RetryableError,
)
from campaign_engine.runtime import Runtime
from campaign_engine.services.attribution.tracking import suppress
from campaign_engine.services.delivery.health.waits import describe_failure, record_wait


def record_failure(
    runtime: Runtime, delivery_id: int, owner: str, exc: RetryableError | PermanentError
) -> None:
    """Back to the queue for a later try (transient, inside the retry window), or failed
    with the reason. The lease owner check keeps it idempotent: a work item whose rows
    were claimed again records nothing."""
    policy = retry_policy(runtime)
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.lease_owner != owner:
            return
        delivery.last_error = str(exc)[:2000]
        delivery.lease_owner = delivery.lease_expires_at = None
        if isinstance(exc, RecipientRejected):
            suppress(session, delivery.partner_id, delivery.recipient, "bounce", str(exc))
        next_try = None
        if isinstance(exc, RetryableError):
            delivery.retry_until = delivery.retry_until or policy.deadline(now)
            next_try = policy.next_try(
                attempts=delivery.attempts,
                now=now,
                until=delivery.retry_until,
                retry_after=exc.retry_after,
            )
            if next_try is None:
                delivery.last_error = _gave_up(delivery, exc)
        if next_try is not None:
            delivery.status = DeliveryStatus.PENDING
            delivery.due_at = next_try
            record_wait(
                session,
                delivery.campaign_id,
                delivery.channel,
                describe_failure(exc),
                now=now,
                retry_until=delivery.retry_until or next_try,
            )
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.reason = (
                Reason.MISSING_FIELD
                if isinstance(exc, MissingField)
                else Reason.HELD_BY_PREFLIGHT
                if isinstance(exc, HeldByPreflight)
                else Reason.SEND_FAILED
            )


def retry_policy(runtime: Runtime) -> RetryPolicy:
    dispatch = runtime.settings.dispatch
    return RetryPolicy(
        base_seconds=dispatch.backoff_base_seconds,
        cap_seconds=dispatch.backoff_cap_seconds,
        window=timedelta(hours=dispatch.retry_window_hours),
        max_attempts=dispatch.max_attempts,
    )


def _gave_up(delivery: Delivery, exc: DeliveryError) -> str:
    """The failure's reason once the window closed: how long it was tried, and why."""
    until = delivery.retry_until
    window = f" until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if until else ""
    return f"gave up after {delivery.attempts} attempts{window}: {exc}"[:2000]
