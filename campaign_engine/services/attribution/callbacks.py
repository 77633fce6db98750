"""Attribution: CRM and web-form callbacks resolved to (partner, campaign, channel).

An event names what it belongs to by a tracking token, by UTM tags, or by partner slug and
campaign id. One that names nothing resolvable is refused; one that resolves partly is kept
as unattributed with the reason, so the marketer can see and fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Event, Partner, TrackedLink
from campaign_engine.db.bulk import insert_new
from campaign_engine.domain.times import StorableTime
from campaign_engine.errors import InvalidInput
from campaign_engine.ports import CHANNELS
from campaign_engine.services.attribution.leads.register import open_leads
from campaign_engine.services.attribution.tallies import count_records

EventType = Literal[
    "lead.created",
    "opportunity.created",
    "deal.registered",
    "deal.closed_won",
    "deal.closed_lost",
]


class InboundEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    type: EventType
    external_id: str = Field(min_length=1, max_length=200)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    occurred_at: StorableTime
    tracking_token: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    partner: str | None = None
    campaign: int | None = Field(None, ge=1, le=2**63 - 1)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


@dataclass(frozen=True)
class Attribution:
    partner_id: int | None
    campaign_id: int | None
    channel: str | None
    link_id: int | None
    reason: str | None  # why it is (partly) unattributed; None when fully attributed


def resolve(session: Session, event: InboundEvent) -> Attribution:
    if event.tracking_token:
        found = _link(session, event.tracking_token)
        if found is not None:
            return found
    partner = _partner(session, event.partner or event.utm_source)
    campaign = _campaign(session, event)
    channel = event.utm_medium if event.utm_medium in CHANNELS else None
    if partner is None and campaign is None:
        raise InvalidInput(
            "names no known tracking_token, partner or campaign", where=f"event {event.external_id}"
        )
    missing = [
        name for name, value in (("partner", partner), ("campaign", campaign)) if value is None
    ]
    reason = f"unknown {' and '.join(missing)}" if missing else None
    return Attribution(
        partner.id if partner else None, campaign.id if campaign else None, channel, None, reason
    )


_links: dict[str, Attribution] = {}


def _link(session: Session, token: str) -> Attribution | None:
    """Tracked links never change: each token is looked up once per process."""
    if token not in _links:
        _prime_links(session, {token})
    return _links.get(token)


def _prime_links(session: Session, tokens: set[str]) -> None:
    """Look up, in one query, the tokens of a batch not yet known to this process."""
    unknown = [token for token in tokens if token not in _links]
    if not unknown:
        return
    if len(_links) > 200_000:
        _links.clear()
    found = session.execute(
        select(
            TrackedLink.token,
            TrackedLink.partner_id,
            TrackedLink.campaign_id,
            TrackedLink.channel,
            TrackedLink.id,
        ).where(TrackedLink.token.in_(unknown))
    )
    for token, partner_id, campaign_id, channel, link_id in found:
        _links[token] = Attribution(partner_id, campaign_id, channel, link_id, None)


def _partner(session: Session, slug: str | None) -> Partner | None:
    if not slug:
        return None
    return session.scalar(select(Partner).where(Partner.slug == slug.lower()))


def _campaign(session: Session, event: InboundEvent) -> Campaign | None:
    if event.campaign is not None:
        return session.get(Campaign, event.campaign)
    if event.utm_campaign:
        return session.scalar(
            select(Campaign)
            .where(Campaign.slug == event.utm_campaign.lower())
            .order_by(Campaign.id.desc())
        )
    return None


@dataclass(frozen=True)
class Inbound:
    """One callback to store: the event, the key that makes its retries count once, and
    where it came from (webhook, a CSV file)."""

    event: InboundEvent
    dedupe_key: str
    source: str


def record_event(session: Session, event: InboundEvent, *, dedupe_key: str, source: str) -> bool:
    """Store the event once; False when this dedupe key was seen before (a retry)."""
    outcome = record_events(session, [Inbound(event, dedupe_key, source)])[0]
    if isinstance(outcome, InvalidInput):
        raise outcome
    return outcome


def record_events(session: Session, items: Sequence[Inbound]) -> list[bool | InvalidInput]:
    """Store a batch: for each item True (stored), False (a retry of a stored key) or the
    reason it cannot be attributed. One INSERT ... ON CONFLICT DO NOTHING decides which keys
    are new, so concurrent retries cannot double-count, and a batch costs one round trip
    rather than one per event."""
    _prime_links(session, {i.event.tracking_token for i in items if i.event.tracking_token})
    now = datetime.now(UTC)
    outcomes: list[bool | InvalidInput] = []
    rows: dict[str, dict[str, Any]] = {}
    first: dict[str, int] = {}  # each key's first item; later ones in the batch are retries
    for index, item in enumerate(items):
        try:
            target = resolve(session, item.event)
        except InvalidInput as exc:
            outcomes.append(exc)
            continue
        outcomes.append(False)
        if item.dedupe_key not in rows:
            first[item.dedupe_key] = index
            rows[item.dedupe_key] = _event_row(item, target, now)
    if not rows:
        return outcomes
    fresh = _insert_new(session, list(rows.values()))
    stored = [row for key, row in rows.items() if key in fresh]
    count_records(session, stored)
    open_leads(session, stored)  # every new lead gets a state for its partner to set
    for key, index in first.items():
        outcomes[index] = key in fresh
    return outcomes


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the rows whose dedupe key is new; returns those keys."""
    inserted = insert_new(
        session.connection(),
        Event.__table__,
        rows,
        returning=["dedupe_key"],
        conflict=["dedupe_key"],
    )
    return {row.dedupe_key for row in inserted}


def _event_row(item: Inbound, target: Attribution, now: datetime) -> dict[str, Any]:
    event = item.event
    data: dict[str, str] = {"source": item.source, "external_id": event.external_id}
    if target.reason:
        data["unattributed"] = target.reason
    return {
        "type": event.type,
        "campaign_id": target.campaign_id,
        "partner_id": target.partner_id,
        "channel": target.channel,
        "link_id": target.link_id,
        "dedupe_key": item.dedupe_key,
        "external_id": event.external_id,
        "amount": event.amount,
        "currency": event.currency,
        "is_bot": False,
        "data": data,
        "occurred_at": event.occurred_at,
        "received_at": now,
    }
