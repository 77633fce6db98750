"""Asset ratings: a partner says whether each asset of its campaign (in its library or its
review queue) was useful, with an optional comment and, when not, an optional reason.

One rating per partner, campaign and asset (a unique index): rating again replaces the
earlier one, so a partner that changes its mind is counted once, with its latest word.
A partner rates only assets its campaign has for it; anything else is not found, the same
answer as for a campaign of another audience."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, Partner, PartnerFeedback
from campaign_engine.domain.kit import KitSpec
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.ports import BROCHURE
from campaign_engine.services.feedback.alerts import brand_concern
from campaign_engine.services.feedback.record import REASONS, _comment

RATING = "rating"


def rateable_assets(session: Session, partner: Partner, campaign_id: int) -> set[str]:
    """The assets this campaign has for this partner: what its deliveries carry, and the
    brochure beside the email when the kit has one (the library shows it there). Empty for
    a campaign the partner is not in the audience of."""
    assets = set(
        session.scalars(
            select(Delivery.asset)
            .where(Delivery.campaign_id == campaign_id, Delivery.partner_id == partner.id)
            .distinct()
        )
    )
    campaign = session.get(Campaign, campaign_id)
    spec = KitSpec.model_validate(campaign.kit_version.spec) if campaign is not None else None
    if spec is not None and "email" in assets and spec.assets.pdf is not None:
        assets.add(BROCHURE)
    return assets


def rate_asset(
    session: Session,
    partner: Partner,
    campaign_id: int,
    asset: str,
    *,
    useful: bool,
    reason: str | None,
    comment: str | None,
    actor: str,
    via: str,
    now: datetime,
) -> PartnerFeedback:
    """Store (or replace) the partner's rating of one asset. A "not useful" with the
    quality or brand concern alerts the partner's owner, once per rating."""
    if asset not in rateable_assets(session, partner, campaign_id):
        raise NotFound(N_("this asset is not in your campaigns"))
    if reason in ("", None) or useful:
        reason = None  # a reason says why not: with "useful" there is nothing to explain
    elif reason not in REASONS:
        raise InvalidInput(f"{reason!r} is not one of {', '.join(REASONS)}", where="reason")
    words = _comment(comment)
    row = _stored(session, partner.id, campaign_id, asset)
    if row is None:
        row = _insert(session, partner.id, campaign_id, asset, actor=actor, via=via)
    row.useful, row.reason, row.comment = useful, reason, words
    row.actor, row.via, row.at = actor, via, now
    session.flush()
    record(
        session,
        actor,
        "feedback.rating",
        "partner",
        partner.slug,
        {"campaign_id": campaign_id, "asset": asset, "useful": useful, "reason": reason},
    )
    if not useful and reason == "quality":
        brand_concern(session, partner, row, now=now)
    return row


def _stored(
    session: Session, partner_id: int, campaign_id: int, asset: str
) -> PartnerFeedback | None:
    return session.scalar(
        select(PartnerFeedback).where(
            PartnerFeedback.partner_id == partner_id,
            PartnerFeedback.campaign_id == campaign_id,
            PartnerFeedback.asset == asset,
            PartnerFeedback.kind == RATING,
        )
    )


def _insert(
    session: Session, partner_id: int, campaign_id: int, asset: str, *, actor: str, via: str
) -> PartnerFeedback:
    """A new rating row; when another request of the same partner stored one first (two
    taps at once), that one, so the unique index never turns a double tap into an error."""
    row = PartnerFeedback(
        partner_id=partner_id,
        campaign_id=campaign_id,
        kind=RATING,
        asset=asset,
        comment="",
        reply="",
        actor=actor,
        via=via,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = _stored(session, partner_id, campaign_id, asset)
        assert existing is not None
        return existing
    return row


def ratings_of(session: Session, partner_id: int, campaign_id: int | None = None) -> list[Any]:
    """The partner's own ratings (newest first), for its pages and its API."""
    query = select(PartnerFeedback).where(
        PartnerFeedback.partner_id == partner_id, PartnerFeedback.kind == RATING
    )
    if campaign_id is not None:
        query = query.where(PartnerFeedback.campaign_id == campaign_id)
    return list(session.scalars(query.order_by(PartnerFeedback.at.desc())))


def by_asset(
    session: Session, partner_id: int, campaign_id: int | None = None
) -> dict[tuple[int | None, str | None], PartnerFeedback]:
    """(campaign id, asset) -> the partner's rating of it."""
    return {(r.campaign_id, r.asset): r for r in ratings_of(session, partner_id, campaign_id)}


def rating_json(row: PartnerFeedback) -> dict[str, Any]:
    return {
        "id": row.id,
        "campaign_id": row.campaign_id,
        "asset": row.asset,
        "useful": bool(row.useful),
        "reason": row.reason,
        "comment": row.comment,
        "at": row.at.isoformat(),
        "reply": row.reply or None,
        "replied_at": row.replied_at.isoformat() if row.replied_at else None,
    }
