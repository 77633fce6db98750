"""Claiming due deliveries under a lease and grouping them into work items.

A claim is one UPDATE over a sub-select of due rows: on PostgreSQL the sub-select takes
`FOR UPDATE SKIP LOCKED`, so several dispatchers never claim the same row; on SQLite the
single writer lock gives the same guarantee.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery
from campaign_engine.db.results import affected_rows
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus
from campaign_engine.pipeline.delivery import WorkItem
from campaign_engine.services.stewardship.pause import sending_paused_by

RUNNING = (CampaignStatus.LAUNCHING.value, CampaignStatus.LIVE.value)


def new_owner(prefix: str = "worker") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease_seconds: int,
    owner: str,
    campaign_id: int | None = None,
) -> list[WorkItem]:
    if sending_paused_by(session, now=now):
        return []  # a backup is taking its snapshot (services/stewardship/pause.py)
    running = select(Campaign.id).where(Campaign.status.in_(RUNNING))
    if campaign_id is not None:
        running = running.where(Campaign.id == campaign_id)
    # Two reads, each served in order by ix_deliveries_claim so that LIMIT stops the scan:
    # one `OR` over both states, joined to campaigns, made PostgreSQL sort every due row
    # (and scan campaigns once per row) on each tick, a cost that grew with the backlog.
    lapsed = _due(session, limit, running).where(
        Delivery.status == DeliveryStatus.SENDING, Delivery.lease_expires_at < now
    )
    ids = list(session.scalars(lapsed))
    if len(ids) < limit:
        pending = _due(session, limit - len(ids), running).where(
            Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now
        )
        ids += session.scalars(pending)
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(
            status=DeliveryStatus.SENDING,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(Delivery.id, Delivery.campaign_id, Delivery.partner_id, Delivery.channel)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.id)
    )
    groups: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    for delivery_id, c_id, partner_id, channel in rows:
        groups[(c_id, partner_id, channel)].append(delivery_id)
    return [WorkItem(c, p, ch, tuple(d), owner) for (c, p, ch), d in groups.items()]


def _due(session: Session, limit: int, running: Select[int]) -> Select[int]:
    """The oldest due rows first, a partner's channels together, locked where the database
    can skip what another dispatcher holds."""
    query = (
        select(Delivery.id)
        .where(Delivery.campaign_id.in_(running))
        .order_by(Delivery.due_at, Delivery.partner_id, Delivery.channel)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Delivery)
    return query


def release_held(session: Session, *, now: datetime) -> int:
    """Review means the partner approves each item before it goes out: an item still held
    at its review deadline is not sent ("not approved before the deadline")."""
    deadline = func.coalesce(Delivery.review_by, Delivery.due_at)
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.HELD, deadline <= now)
        .values(
            status=DeliveryStatus.SKIPPED,
            reason=Reason.NOT_APPROVED,
            last_error="not approved before the deadline",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)
