"""The worker's side of a delivery: re-check, render (cached), send, record.

Each send is bracketed by two short transactions. Before: the lease is still ours, the
campaign is running, consent and suppression still allow it. After: the receipt. A worker
that dies between the two leaves a SENDING row whose lease expires; it is claimed again,
which is the only way a recipient can get a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, ChannelEndpoint, Contact, Partner
from campaign_engine.domain.kit import KitContent
from campaign_engine.errors import HeldByPreflight, InvalidInput, PermanentError, RetryableError
from campaign_engine.infra.processes import return_claims
from campaign_engine.infra.repeats import log_repeated
from campaign_engine.infra.secrets import unseal
from campaign_engine.pipeline.failures import record_failure
from campaign_engine.pipeline.sending import (
    Sent,
    check_batch,
    publish,
    record_sent,
    repeat_safe,
)
from campaign_engine.ports import BrandContext, Recipient, RenderedAsset
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.artifacts import index_artifact, render_assets
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.assets.preflight.checks import check_assets
from campaign_engine.services.assets.preflight.checks_brand import check_brand
from campaign_engine.services.assets.preflight.problems import blocking
from campaign_engine.services.assets.requirements import check_requirements
from campaign_engine.services.attribution.links import link_urls
from campaign_engine.services.campaigns.lifecycle import refresh_completion
from campaign_engine.services.delivery.health.waits import clear_wait, describe_failure
from campaign_engine.services.delivery.messages import PreparedChannel
from campaign_engine.services.delivery.senders import verified_sender
from campaign_engine.services.partners.customisation import customisations_for
from campaign_engine.services.stewardship.keys import erased_hashes

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
            record_failure(runtime, delivery_id, item.lease_owner, exc)
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
            record_failure(runtime, delivery_id, item.lease_owner, failure)
        return
    done = _send_batches(runtime, item, prepared, step)
    with runtime.sessions.begin() as session:
        record_sent(session, done.receipts)
        if done.last_ok:  # sending works again
            clear_wait(session, item.campaign_id, item.channel, now=runtime.clock())
        return_claims(session, done.unsent, unsent=True)
        campaign = session.get(Campaign, item.campaign_id)
        if campaign is not None:
            refresh_completion(session, campaign, now=runtime.clock())


# Where the connector takes a repeat as one message (the outbox, the portal queue), a
# batch of deliveries is re-checked in one read and recorded in one commit: per delivery,
# that read and commit were most of a worker's and PostgreSQL's time (bench/scale.py).
# Elsewhere (SMTP, HTTP APIs) each delivery is re-checked just before it goes out, with
# the previous one's receipt: a crash repeats at most the one in flight, and a pause or an
# opt-out stops the very next send.
BATCH = 50


@dataclass
class _Done:
    """How a work item's sending ended: the receipts not yet recorded, whether its last
    send went through, and the claims left unsent (a backup asked for a quiet moment)."""

    receipts: list[Sent]
    last_ok: bool = False
    unsent: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)


def _send_batches(
    runtime: Runtime, item: WorkItem, prepared: PreparedChannel, step: Callable[[], None]
) -> _Done:
    """Send the item a batch at a time."""
    ids, owner = item.delivery_ids, item.lease_owner
    size = BATCH if repeat_safe(runtime, prepared) else 1
    done = _Done(receipts=[])
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        checked = check_batch(runtime, prepared, batch, owner, receipts=done.receipts)
        done.receipts = []
        for offset, delivery_id in enumerate(batch):
            if runtime.claims.paused.is_set():  # a backup is waiting for a quiet moment
                done.unsent = [(owner, ids[start + offset :])]
                return done
            step()
            if delivery_id not in checked:
                continue
            sent = publish(runtime, prepared, delivery_id, owner, checked[delivery_id])
            done.last_ok = sent is not None
            if sent is None:
                continue
            done.receipts.append(sent)  # recorded with the next batch's check, or at the end
    return done


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
        endpoint_kind, endpoint_url, endpoint_config = _endpoint(
            session, partner.id, item.channel, settings.signing_keys
        )
        campaign_name, partner_slug, version_id = campaign.title, partner.slug, version.id
        from_address = verified_sender(partner)
        erased = erased_hashes(session, partner.id)
        recipients = {} if item.channel != "email" else _recipients(session, partner.id)
    key, assets, fresh = render_assets(runtime, kit, brand, item.channel, links)
    _hold_or_index(runtime, item, kit, brand, (key, assets, fresh), version_id)
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


def _endpoint(
    session: Session, partner_id: int, channel: str, keys: str | list[str]
) -> tuple[str, str | None, dict[str, str]]:
    """How the channel reaches the partner: its kind (email; else the partner's endpoint,
    or the portal without one), the endpoint's URL and its configuration, secrets opened."""
    endpoint = session.scalar(
        select(ChannelEndpoint).where(
            ChannelEndpoint.partner_id == partner_id, ChannelEndpoint.channel == channel
        )
    )
    endpoint_kind = "email" if channel == "email" else endpoint.kind if endpoint else "portal"
    endpoint_url = endpoint.url if endpoint else None
    endpoint_config = unseal(endpoint.config or {}, keys) if endpoint else {}
    return endpoint_kind, endpoint_url, endpoint_config


def _recipients(session: Session, partner_id: int) -> dict[str, Recipient]:
    """The partner's contacts by address, read once for the whole work item."""
    return {
        c.email: Recipient(c.email, c.first_name, c.last_name, c.company)
        for c in session.scalars(select(Contact).where(Contact.partner_id == partner_id))
    }


def _hold_or_index(
    runtime: Runtime,
    item: WorkItem,
    kit: KitContent,
    brand: BrandContext,
    rendered: tuple[str, list[RenderedAsset], bool],
    version_id: int,
) -> None:
    """Preflight's send-time checks on what was rendered (a blocking problem raises
    HeldByPreflight), then a freshly rendered artifact indexed in a short transaction."""
    key, assets, fresh = rendered
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
