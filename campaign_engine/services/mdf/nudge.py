"""What the partner's next action says about its funds: a request sent back for changes,
a finished MDF campaign to claim, money to spend before the period ends."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, MdfClaim, MdfRequest, Partner
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.domain.mdf import ClaimStatus, Period, RequestStatus
from campaign_engine.domain.words import N_, Money, Words
from campaign_engine.services.mdf.ledger import balances_of


def mdf_step(session: Session, partner: Partner, *, now: datetime) -> Words | None:
    mine = list(session.scalars(select(MdfRequest).where(MdfRequest.partner_id == partner.id)))
    for request in mine:
        if request.status == RequestStatus.CHANGES_REQUESTED:
            return Words(
                N_("The vendor asked for a change to your MDF request: %(reason)s"),
                {"reason": request.reason},
            )
    for request in mine:
        if request.status == RequestStatus.APPROVED and _claimable(session, request, now):
            return Words(
                N_("Your co-funded campaign has run: claim your %(amount)s with its results"),
                {"amount": Money(request.amount, request.currency)},
            )
    period = Period.of(now.date())
    pots = [b for (p, _), b in balances_of(session, partner.id).items() if p == str(period)]
    money = max(pots, key=lambda b: b.available, default=None)
    if money is not None and money.available > 0:
        return Words(
            N_("You have %(amount)s to spend by %(day)s: request a co-funded campaign"),
            {
                "amount": Money(money.available, money.currency),
                "day": datetime.combine(period.ends_on, time(12), UTC),
            },
        )
    return None


def _claimable(session: Session, request: MdfRequest, now: datetime) -> bool:
    """The activity has ended (or its campaign finished) and no claim waits or was paid."""
    if session.scalar(
        select(MdfClaim.id).where(
            MdfClaim.request_id == request.id, MdfClaim.status != ClaimStatus.REJECTED
        )
    ):
        return False
    campaign = session.get(Campaign, request.campaign_id) if request.campaign_id else None
    if campaign is not None and campaign.status == CampaignStatus.COMPLETED:
        return True
    return request.ends_on < now.date()
