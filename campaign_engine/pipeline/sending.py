"""One send: the re-check and the previous send's receipt in one transaction, then the
message out through the channel's connector."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import PermanentError, RetryableError
from campaign_engine.pipeline.failures import record_failure
from campaign_engine.pipeline.recheck import checked_message, usual_message
from campaign_engine.pipeline.throttle import wait_for_rate_limits
from campaign_engine.ports import Endpoint, Receipt
from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.messages import PreparedChannel


@dataclass(frozen=True)
class Sent:
    delivery_id: int
    receipt: Receipt


def send_one(
    runtime: Runtime,
    prepared: PreparedChannel,
    delivery_id: int,
    owner: str,
    *,
    previous: Sent | None = None,
) -> Sent | None:
    """Check, send, and return the receipt for the caller to record. The previous send's
    receipt is recorded in the same transaction as this delivery's check, before this
    send: still durable before anything else goes out (so a crash repeats at most the one
    message in flight), at one commit per delivery instead of two."""
    try:
        with runtime.sessions.begin() as session:
            if previous is not None:
                record_sent(session, previous)
            checked = usual_message(runtime, session, prepared, delivery_id, owner)
            if checked is None:  # anything unusual: the full check, on the ORM row
                delivery = session.get(Delivery, delivery_id)
                message = checked_message(runtime, session, prepared, delivery, owner)
                if message is None or delivery is None:
                    return None
                checked = message, delivery.idempotency_key
            message, key = checked
    except Exception:
        if previous is not None:  # this row's problem must not lose the last receipt
            with runtime.sessions.begin() as session:
                record_sent(session, previous)
        raise
    connector = runtime.connector(prepared.endpoint_kind)
    endpoint = Endpoint(
        kind=prepared.endpoint_kind, url=prepared.endpoint_url, config=prepared.endpoint_config
    )
    wait_for_rate_limits(runtime, prepared)
    try:
        receipt = connector.publish(message, endpoint, key)
    except (RetryableError, PermanentError) as exc:
        record_failure(runtime, delivery_id, owner, exc)
        return None
    return Sent(delivery_id, receipt)


# Built once, on the table, and run on the session's connection (see recheck._USUAL).
_DELIVERIES = Delivery.__table__
_RECORD_SENT = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("delivery_id"))
    .values(
        status=DeliveryStatus.SENT,
        provider=bindparam("provider"),
        provider_ref=bindparam("provider_ref"),
        sent_at=bindparam("accepted_at"),
        lease_owner=None,
        lease_expires_at=None,
        last_error=None,
        updated_at=bindparam("accepted_at"),
    )
)


def record_sent(session: Session, sent: Sent) -> None:
    """One UPDATE, recorded even if our lease lapsed meanwhile: the message did go out."""
    receipt = sent.receipt
    session.connection().execute(
        _RECORD_SENT,
        {
            "delivery_id": sent.delivery_id,
            "provider": receipt.provider,
            "provider_ref": receipt.reference[:300],
            "accepted_at": receipt.accepted_at,
        },
    )
