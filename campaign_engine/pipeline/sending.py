"""Sending a batch of a work item: one transaction records the receipts of the sends
before it and re-checks the batch, then each message goes out through the channel's
connector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from campaign_engine.db import Delivery
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import PermanentError, RetryableError
from campaign_engine.pipeline.failures import record_failure
from campaign_engine.pipeline.recheck import checked_message, usual_messages
from campaign_engine.pipeline.throttle import wait_for_rate_limits
from campaign_engine.ports import Endpoint, Message, Receipt
from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.messages import PreparedChannel

Checked = tuple[Message, str]  # the message and its idempotency key


@dataclass(frozen=True)
class Sent:
    delivery_id: int
    receipt: Receipt


def check_batch(
    runtime: Runtime,
    prepared: PreparedChannel,
    delivery_ids: Sequence[int],
    owner: str,
    *,
    receipts: Sequence[Sent] = (),
) -> dict[int, Checked]:
    """The messages of the batch that may go out, by delivery. The receipts of the sends
    before it are recorded in the same transaction, before any of this batch goes out: a
    crash repeats at most what was sent since the last commit. The usual case for the
    whole batch is one read (recheck.usual_messages); anything else takes the full check
    on the ORM row, which records why a delivery is not sent."""
    try:
        with runtime.sessions.begin() as session:
            record_sent(session, receipts)
            checked = usual_messages(runtime, session, prepared, delivery_ids, owner)
            for delivery_id in delivery_ids:
                if delivery_id in checked:
                    continue
                delivery = session.get(Delivery, delivery_id)
                message = checked_message(runtime, session, prepared, delivery, owner)
                if message is not None and delivery is not None:
                    checked[delivery_id] = (message, delivery.idempotency_key)
            return checked
    except Exception:
        if receipts:  # this batch's problem must not lose the last receipts
            record_receipts(runtime, receipts)
        raise


def publish(
    runtime: Runtime, prepared: PreparedChannel, delivery_id: int, owner: str, checked: Checked
) -> Sent | None:
    """Send one checked message; a connector's refusal is recorded here (retry or fail)."""
    message, key = checked
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


def repeat_safe(runtime: Runtime, prepared: PreparedChannel) -> bool:
    """Whether the channel's connector takes the same message twice as once (the outbox
    names its file by the idempotency key; the portal queue is the delivery row itself):
    then a batch is re-checked and recorded at a time, else each delivery (pipeline.delivery)."""
    return bool(getattr(runtime.connector(prepared.endpoint_kind), "repeat_safe", False))


def record_receipts(runtime: Runtime, receipts: Sequence[Sent]) -> None:
    with runtime.sessions.begin() as session:
        record_sent(session, receipts)


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


def record_sent(session: Session, receipts: Sequence[Sent]) -> None:
    """One UPDATE per receipt in one round trip (executemany), recorded even if our lease
    lapsed meanwhile: the message did go out."""
    if not receipts:
        return
    session.connection().execute(
        _RECORD_SENT,
        [
            {
                "delivery_id": sent.delivery_id,
                "provider": sent.receipt.provider,
                "provider_ref": sent.receipt.reference[:300],
                "accepted_at": sent.receipt.accepted_at,
            }
            for sent in receipts
        ],
    )
