"""The re-check before each send, in the transaction that sends it: the row is still
ours, the campaign running, consent and suppression still allow it, the platform's daily
cap not reached. One read decides the usual case; anything else takes the full check on
the ORM row, which records why a delivery is not sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, bindparam, exists, func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Consent, Delivery, Suppression
from campaign_engine.domain.consent import (
    ALL_CHANNELS,
    PROGRAMME,
    ConsentMode,
    ConsentRules,
    campaign_mode,
    campaign_scope,
    resolve,
)
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.ports import Message, Recipient
from campaign_engine.runtime import Runtime
from campaign_engine.services.attribution.links import OpenTokens, UnsubscribeTokens
from campaign_engine.services.delivery.messages import PreparedChannel, email_message, item_message
from campaign_engine.services.partners.consent.follow import hold_for_review
from campaign_engine.services.partners.consent.read import mode_for
from campaign_engine.services.stewardship.keys import address_hashes, is_erased

# The statements every delivery runs are built once, on the tables, and run on the
# session's connection: building a statement (coercions, cache keys) and the ORM's
# statement handling cost more than running it (cProfile over bench/launch.py).
_DELIVERIES = Delivery.__table__
_CAMPAIGNS = Campaign.__table__
_CONSENTS = Consent.__table__
_SUPPRESSIONS = Suppression.__table__


def _decision(scope: str, channel: str) -> ScalarSelect[str]:
    """The partner's own consent row for one (scope, channel) key (unique), or NULL."""
    return (
        select(_CONSENTS.c.mode)
        .where(
            _CONSENTS.c.partner_id == _DELIVERIES.c.partner_id,
            _CONSENTS.c.scope == bindparam(scope),
            _CONSENTS.c.channel == bindparam(channel),
        )
        .scalar_subquery()
    )


# One round trip for everything the usual send re-checks: the row is still ours, the
# campaign's status, the four consent keys resolve() reads, and the suppression list.
_USUAL = (
    select(
        _DELIVERIES.c.status,
        _DELIVERIES.c.lease_owner,
        _DELIVERIES.c.lease_expires_at,
        _DELIVERIES.c.partner_id,
        _DELIVERIES.c.channel,
        _DELIVERIES.c.recipient,
        _DELIVERIES.c.asset,
        _DELIVERIES.c.idempotency_key,
        _CAMPAIGNS.c.status.label("campaign_status"),
        _CAMPAIGNS.c.consent_default,
        _decision("campaign_scope", "channel").label("campaign_channel"),
        _decision("campaign_scope", "all_channels").label("campaign_all"),
        _decision("programme", "channel").label("programme_channel"),
        _decision("programme", "all_channels").label("programme_all"),
        exists()
        .where(
            _SUPPRESSIONS.c.partner_id == _DELIVERIES.c.partner_id,
            _SUPPRESSIONS.c.email == _DELIVERIES.c.recipient,
        )
        .label("suppressed"),
    )
    .join(_CAMPAIGNS, _CAMPAIGNS.c.id == _DELIVERIES.c.campaign_id)
    .add_columns(_DELIVERIES.c.id)
    .where(_DELIVERIES.c.id.in_(bindparam("delivery_ids", expanding=True)))
)


_RUNNING = (CampaignStatus.LIVE, CampaignStatus.LAUNCHING)


def usual_messages(
    runtime: Runtime,
    session: Session,
    prepared: PreparedChannel,
    delivery_ids: Sequence[int],
    owner: str,
) -> dict[int, tuple[Message, str]]:
    """(message, idempotency key) by delivery for the usual case, from one read of them
    all: still ours, campaign running, consent not off, lease far from lapsing, recipient
    not suppressed, no daily cap. A delivery missing from the answer is anything else,
    which checked_message handles (and records) on the ORM row; both apply the same rules
    (domain.consent.resolve for consent). One read per batch, not per delivery: the read
    and its round trip were a third of a worker's time per email (bench/scale.py)."""
    scope = campaign_scope(prepared.campaign_id)
    rows = session.connection().execute(
        _USUAL,
        {
            "delivery_ids": list(delivery_ids),
            "campaign_scope": scope,
            "programme": PROGRAMME,
            "channel": prepared.channel,
            "all_channels": ALL_CHANNELS,
        },
    )
    usual = {}
    for row in rows:
        message = _usual(runtime, prepared, scope, row, owner)
        if message is not None:
            usual[row.id] = (message, row.idempotency_key)
    return usual


def _usual(
    runtime: Runtime, prepared: PreparedChannel, scope: str, row: Any, owner: str
) -> Message | None:
    """The message for one row of the usual read, or None when it is not the usual case."""
    if row.status != DeliveryStatus.SENDING or row.lease_owner != owner:
        return None
    if row.campaign_status not in _RUNNING or row.channel != prepared.channel:
        return None
    now = runtime.clock()
    lease = timedelta(seconds=runtime.settings.dispatch.progress_seconds)
    if row.lease_expires_at is None or row.lease_expires_at - now < lease / 2:
        return None
    if _consent(runtime, prepared, scope, row) is not ConsentMode.AUTO:
        return None  # off, or review: was it approved? (the ORM path)
    if row.channel != "email":
        if daily_limit(runtime, prepared) is not None or _left_out(prepared, row.asset):
            return None
        return item_message(prepared, row.asset, runtime.settings.public_base_url)
    # Suppressions are stored lowercased by Python; the query compares as stored, so only
    # an address already in that form is decided here (SQL lower() depends on locale).
    if row.suppressed or not (row.recipient.isascii() and row.recipient == row.recipient.lower()):
        return None
    if prepared.erased and address_hashes(row.recipient, runtime.settings.signing_keys) & (
        prepared.erased
    ):
        return None  # erased: the ORM path records why it is not sent
    return _email_for(runtime, prepared, row.id, row.recipient)


def _consent(runtime: Runtime, prepared: PreparedChannel, scope: str, row: Any) -> ConsentMode:
    """The partner's consent for this delivery from the four keys the one read fetched,
    resolved as the ORM path's mode_for resolves them (domain.consent.resolve)."""
    decisions = {
        key: mode
        for key, mode in (
            ((scope, row.channel), row.campaign_channel),
            ((scope, ALL_CHANNELS), row.campaign_all),
            ((PROGRAMME, row.channel), row.programme_channel),
            ((PROGRAMME, ALL_CHANNELS), row.programme_all),
        )
        if mode is not None
    }
    programme_default = ConsentMode(runtime.settings.programme.consent_default)
    campaign_default = campaign_mode(row.consent_default)
    return resolve(
        decisions, prepared.campaign_id, row.channel, campaign_default, programme_default
    )


def _left_out(prepared: PreparedChannel, asset: str) -> bool:
    """A social post the partner's `posts` choice leaves out renders no asset: it must be
    skipped, never sent as whichever post did render."""
    return prepared.channel == "social" and asset not in prepared.assets


def checked_message(
    runtime: Runtime,
    session: Session,
    prepared: PreparedChannel,
    delivery: Delivery | None,
    owner: str,
) -> Message | None:
    """The message to send, or None after recording why this delivery must not go out."""
    if (
        delivery is None
        or delivery.status != DeliveryStatus.SENDING
        or delivery.lease_owner != owner
    ):
        return None  # someone else owns it now
    campaign = session.get(Campaign, delivery.campaign_id)
    assert campaign is not None
    now = runtime.clock()
    if campaign.status == CampaignStatus.CANCELLED:
        return _skip(delivery, Reason.CANCELLED, "campaign cancelled")
    if campaign.status not in (CampaignStatus.LIVE, CampaignStatus.LAUNCHING):
        delivery.status, delivery.lease_owner, delivery.lease_expires_at = "pending", None, None
        return None  # paused: back to the queue untouched, resume sends it
    rules = runtime.settings.programme.rules()
    mode = mode_for(
        session, delivery.partner_id, campaign, delivery.channel, rules.programme_default
    )
    if mode is ConsentMode.OFF:
        return _skip(delivery, Reason.OPTED_OUT, "partner opted out")
    if mode is ConsentMode.REVIEW and delivery.approved_at is None:
        return _hold(session, campaign, delivery, rules, now)
    lease = timedelta(seconds=runtime.settings.dispatch.progress_seconds)
    if delivery.lease_expires_at is None or delivery.lease_expires_at - now < lease / 2:
        delivery.lease_expires_at = now + lease  # a long item keeps its rows
    if delivery.channel != "email":
        if _left_out(prepared, delivery.asset):
            return _skip(delivery, Reason.NOT_CHOSEN, "the partner left this post out")
        limit = daily_limit(runtime, prepared)
        if limit is not None and sent_today(session, delivery, now) >= limit:
            return _defer_to_tomorrow(delivery, now, limit, prepared.endpoint_kind)
        return item_message(prepared, delivery.asset, runtime.settings.public_base_url)
    if session.scalar(
        select(Suppression.id).where(
            Suppression.partner_id == delivery.partner_id,
            Suppression.email == delivery.recipient.lower(),
        )
    ):
        return _skip(delivery, Reason.SUPPRESSED, "recipient unsubscribed or bounced")
    if is_erased(session, delivery.recipient, delivery.partner_id, runtime.settings.signing_keys):
        return _skip(delivery, Reason.SUPPRESSED, "recipient erased at their request")
    return _email_for(runtime, prepared, delivery.id, delivery.recipient)


def _email_for(
    runtime: Runtime, prepared: PreparedChannel, delivery_id: int, address: str
) -> Message:
    recipient = prepared.recipients.get(address) or Recipient(address)
    token = UnsubscribeTokens(runtime.settings.signing_keys).make(delivery_id)
    base = runtime.settings.public_base_url
    mailbox = runtime.settings.email.from_address
    pixel = OpenTokens(runtime.settings.signing_keys).make(delivery_id)
    return email_message(
        prepared,
        recipient,
        f"{base}/u/{token}",
        f"mailto:{mailbox}?subject=unsubscribe%20{token}",
        f"{base}/o/{pixel}.gif",
    )


def daily_limit(runtime: Runtime, prepared: PreparedChannel) -> int | None:
    """The platform's posts-per-day cap, lowered by the partner's own `posts_per_day`."""
    limit: int | None = getattr(runtime.connector(prepared.endpoint_kind), "daily_limit", None)
    own = prepared.endpoint_config.get("posts_per_day")
    if own and str(own).isdigit():
        limit = min(limit or int(own), int(own))
    return limit


def sent_today(session: Session, delivery: Delivery, now: datetime) -> int:
    """Items this partner's channel sent since midnight UTC (when platforms reset their
    counters), plus any being sent right now by another worker."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    same = (Delivery.partner_id == delivery.partner_id) & (Delivery.channel == delivery.channel)
    counted = ((Delivery.status == DeliveryStatus.SENT) & (Delivery.sent_at >= midnight)) | (
        (Delivery.status == DeliveryStatus.SENDING)
        & (Delivery.id != delivery.id)
        & (Delivery.lease_expires_at > now)
    )
    return session.scalar(select(func.count()).where(same & counted)) or 0


def _defer_to_tomorrow(delivery: Delivery, now: datetime, limit: int, kind: str) -> None:
    """Not a failure and not an attempt: the item waits for the platform's next day."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    delivery.status, delivery.due_at = DeliveryStatus.PENDING, midnight
    delivery.attempts = max(0, delivery.attempts - 1)
    delivery.lease_owner = delivery.lease_expires_at = None
    delivery.last_error = f"{kind} allows {limit} posts a day; waiting for 00:00 UTC"
    return None


def _hold(
    session: Session, campaign: Campaign, delivery: Delivery, rules: ConsentRules, now: datetime
) -> None:
    """The partner switched to review while this item was on its way: it waits for the
    partner's approval like every other future item (consent.follow moved those)."""
    hold_for_review(session, campaign, delivery, rules, now)
    delivery.lease_owner = delivery.lease_expires_at = None
    return None


def _skip(delivery: Delivery, reason: Reason, detail: str) -> None:
    delivery.status, delivery.reason = DeliveryStatus.SKIPPED, reason
    delivery.last_error = detail
    delivery.lease_owner = delivery.lease_expires_at = None
    return None
