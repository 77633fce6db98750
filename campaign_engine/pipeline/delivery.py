"""The worker's side of a delivery: re-check, render (cached), send, record.

Each send is bracketed by two short transactions. Before: the lease is still ours, the
campaign is running, consent and suppression still allow it. After: the receipt. A worker
that dies between the two leaves a SENDING row whose lease expires; it is claimed again,
which is the only way a recipient can get a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jinja2 import TemplateError
from sqlalchemy import ScalarSelect, bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import (
    Campaign,
    ChannelEndpoint,
    Consent,
    Contact,
    Delivery,
    Partner,
    Suppression,
)
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
from campaign_engine.domain.retry import RetryPolicy
from campaign_engine.errors import (
    DeliveryError,
    HeldByPreflight,
    InvalidInput,
    MissingField,
    PermanentError,
    RecipientRejected,
    RetryableError,
)
from campaign_engine.infra.processes import return_claims
from campaign_engine.infra.repeats import log_repeated
from campaign_engine.infra.secrets import unseal
from campaign_engine.pipeline.throttle import wait_for_rate_limits
from campaign_engine.ports import Endpoint, Message, Receipt, Recipient
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.artifacts import index_artifact, render_assets
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.assets.preflight.checks import check_assets
from campaign_engine.services.assets.preflight.checks_brand import check_brand
from campaign_engine.services.assets.preflight.problems import blocking
from campaign_engine.services.assets.requirements import check_requirements
from campaign_engine.services.attribution.links import OpenTokens, UnsubscribeTokens, link_urls
from campaign_engine.services.attribution.tracking import suppress
from campaign_engine.services.campaigns.lifecycle import refresh_completion
from campaign_engine.services.delivery.health.waits import clear_wait, describe_failure, record_wait
from campaign_engine.services.delivery.messages import PreparedChannel, email_message, item_message
from campaign_engine.services.delivery.senders import verified_sender
from campaign_engine.services.partners.consent.follow import hold_for_review
from campaign_engine.services.partners.consent.read import mode_for
from campaign_engine.services.partners.customisation import customisations_for
from campaign_engine.services.stewardship.keys import address_hashes, erased_hashes, is_erased

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkItem:
    """One task: the claimed deliveries of one partner on one channel."""

    campaign_id: int
    partner_id: int
    channel: str
    delivery_ids: tuple[int, ...]
    lease_owner: str


def deliver(runtime: Runtime, item: WorkItem) -> None:
    """Send one work item while this process's heartbeat renews its claim's progress
    deadline (campaign_engine/infra/processes.ClaimsInProgress): each send is one step."""
    with runtime.claims.work(item.lease_owner, item.delivery_ids) as step:
        _deliver(runtime, item, step)


def _deliver(runtime: Runtime, item: WorkItem, step: Callable[[], None]) -> None:
    try:
        prepared = prepare(runtime, item)
    except PermanentError as exc:  # e.g. the partner's profile lacks a required field
        for delivery_id in item.delivery_ids:
            _record_failure(runtime, delivery_id, item.lease_owner, exc)
        return
    except Exception as exc:  # nothing may strand the rows in SENDING
        failure = preparation_failure(exc)
        log_repeated(
            log,
            ("prepare", type(exc).__name__, str(failure)),
            "preparing campaign %s, partner %s, %s failed: %s",
            item.campaign_id,
            item.partner_id,
            item.channel,
            failure,
            exc_info=exc,
        )
        for delivery_id in item.delivery_ids:
            _record_failure(runtime, delivery_id, item.lease_owner, failure)
        return
    sent: Sent | None = None
    for done, delivery_id in enumerate(item.delivery_ids):
        if runtime.claims.paused.is_set():  # a backup is waiting for a quiet moment
            unsent = [(item.lease_owner, item.delivery_ids[done:])]
            break
        step()
        sent = send_one(runtime, prepared, delivery_id, item.lease_owner, previous=sent)
    else:
        unsent = []
    with runtime.sessions.begin() as session:
        if sent is not None:
            record_sent(session, sent)
            # sending works again
            clear_wait(session, item.campaign_id, item.channel, now=runtime.clock())
        return_claims(session, unsent, unsent=True)
        campaign = session.get(Campaign, item.campaign_id)
        if campaign is not None:
            refresh_completion(session, campaign, now=runtime.clock())


# Rendering a kit's templates for a partner fails the same way every time for these: a
# template or value problem, which no retry fixes (kits are checked when loaded, so this
# is a partner's customisation or profile the kit did not foresee).
PERMANENT_RENDER_ERRORS: tuple[type[BaseException], ...] = (
    TemplateError,
    InvalidInput,
    ValueError,
    LookupError,
    TypeError,
)


def preparation_failure(exc: BaseException) -> RetryableError | PermanentError:
    """Transient (a full or unwritable disk, the database or a render process gone, and
    anything unforeseen: the window bounds it) or permanent (the template cannot render
    for this partner), with the words the campaign page shows."""
    if isinstance(exc, PERMANENT_RENDER_ERRORS) and not isinstance(exc, OSError):
        return PermanentError(f"template error: {type(exc).__name__}: {exc}"[:2000])
    reason = describe_failure(exc)
    if reason == str(exc).strip():
        reason = f"rendering failed: {type(exc).__name__}: {reason}"
    return RetryableError(reason)


def prepare(runtime: Runtime, item: WorkItem) -> PreparedChannel:
    """Read what the channel needs in one short transaction, render outside any
    transaction (SQLite would otherwise hold its write lock for the whole render), then
    index a fresh artifact in another short one."""
    settings = runtime.settings
    with runtime.sessions.begin() as session:
        campaign = session.get(Campaign, item.campaign_id)
        partner = session.get(Partner, item.partner_id)
        assert campaign is not None and partner is not None
        version = campaign.kit_version
        kit = materialise(session, version, settings.storage_dir)  # cached per process
        spec = kit.spec
        check_requirements(partner, spec, item.channel)
        brand = brand_context(partner, customisations_for(session, partner.id, version, spec))
        links = link_urls(session, campaign.id, partner.id, item.channel, settings.public_base_url)
        endpoint = session.scalar(
            select(ChannelEndpoint).where(
                ChannelEndpoint.partner_id == partner.id, ChannelEndpoint.channel == item.channel
            )
        )
        endpoint_kind = (
            "email" if item.channel == "email" else endpoint.kind if endpoint else "portal"
        )
        endpoint_url = endpoint.url if endpoint else None
        endpoint_config = unseal(endpoint.config or {}, settings.signing_keys) if endpoint else {}
        campaign_name, partner_slug, version_id = campaign.title, partner.slug, version.id
        from_address = verified_sender(partner)
        erased = erased_hashes(session, partner.id)
        recipients = (
            {}
            if item.channel != "email"
            else {
                c.email: Recipient(c.email, c.first_name, c.last_name, c.company)
                for c in session.scalars(select(Contact).where(Contact.partner_id == partner.id))
            }
        )
    key, assets, fresh = render_assets(runtime, kit, brand, item.channel, links)
    held = blocking(check_brand(kit, brand) + check_assets(kit, brand, assets))
    if held:  # after indexing nothing: a held asset is not one to show as sent
        raise HeldByPreflight("; ".join(p.held_as() for p in held))
    if fresh:
        with runtime.sessions.begin() as session:
            index_artifact(
                session,
                key,
                assets,
                partner_id=item.partner_id,
                kit_version_id=version_id,
                channel=item.channel,
            )
    return PreparedChannel(
        campaign_id=item.campaign_id,
        campaign_name=campaign_name,
        partner_id=item.partner_id,
        partner_slug=partner_slug,
        channel=item.channel,
        brand=brand,
        vendor_name=spec.vendor.name,
        vendor_logo=(kit.root / spec.vendor.logo).read_bytes(),
        assets={a.asset: a for a in assets},
        links=links,
        endpoint_kind=endpoint_kind,
        endpoint_url=endpoint_url,
        recipients=recipients,
        endpoint_config=endpoint_config,
        from_address=from_address,
        erased=erased,
    )


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
            checked = _usual_message(runtime, session, prepared, delivery_id, owner)
            if checked is None:  # anything unusual: the full check, on the ORM row
                delivery = session.get(Delivery, delivery_id)
                message = _checked_message(runtime, session, prepared, delivery, owner)
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
        _record_failure(runtime, delivery_id, owner, exc)
        return None
    return Sent(delivery_id, receipt)


# The statements every delivery runs are built once, on the tables, and run on the
# session's connection: building a statement (coercions, cache keys) and the ORM's
# statement handling cost more than running it (cProfile over bench/launch.py).
_DELIVERIES = Delivery.__table__
_CAMPAIGNS = Campaign.__table__
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
    .where(_DELIVERIES.c.id == bindparam("delivery_id"))
)
_RUNNING = (CampaignStatus.LIVE, CampaignStatus.LAUNCHING)


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


def _usual_message(
    runtime: Runtime, session: Session, prepared: PreparedChannel, delivery_id: int, owner: str
) -> tuple[Message, str] | None:
    """(message, idempotency key) for the usual case, from one read: still ours, campaign
    running, consent not off, lease far from lapsing, recipient not suppressed, no daily
    cap. None for anything else, which _checked_message handles (and records) on the ORM
    row; both apply the same rules (domain.consent.resolve for consent)."""
    scope = campaign_scope(prepared.campaign_id)
    row = (
        session.connection()
        .execute(
            _USUAL,
            {
                "delivery_id": delivery_id,
                "campaign_scope": scope,
                "programme": PROGRAMME,
                "channel": prepared.channel,
                "all_channels": ALL_CHANNELS,
            },
        )
        .one_or_none()
    )
    if row is None or row.status != DeliveryStatus.SENDING or row.lease_owner != owner:
        return None
    if row.campaign_status not in _RUNNING or row.channel != prepared.channel:
        return None
    now = runtime.clock()
    lease = timedelta(seconds=runtime.settings.dispatch.progress_seconds)
    if row.lease_expires_at is None or row.lease_expires_at - now < lease / 2:
        return None
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
    mode = resolve(
        decisions, prepared.campaign_id, row.channel, campaign_default, programme_default
    )
    if mode is not ConsentMode.AUTO:  # off, or review: was it approved? (the ORM path)
        return None
    if row.channel != "email":
        if daily_limit(runtime, prepared) is not None or _left_out(prepared, row.asset):
            return None
        message = item_message(prepared, row.asset, runtime.settings.public_base_url)
        return message, row.idempotency_key
    # Suppressions are stored lowercased by Python; the query compares as stored, so only
    # an address already in that form is decided here (SQL lower() depends on locale).
    if row.suppressed or not (row.recipient.isascii() and row.recipient == row.recipient.lower()):
        return None
    if prepared.erased and address_hashes(row.recipient, runtime.settings.signing_keys) & (
        prepared.erased
    ):
        return None  # erased: the ORM path records why it is not sent
    return _email_for(runtime, prepared, delivery_id, row.recipient), row.idempotency_key


def _left_out(prepared: PreparedChannel, asset: str) -> bool:
    """A social post the partner's `posts` choice leaves out renders no asset: it must be
    skipped, never sent as whichever post did render."""
    return prepared.channel == "social" and asset not in prepared.assets


def _checked_message(
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


def _record_failure(
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
