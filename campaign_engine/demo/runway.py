"""Demo data for the runway: partners signed over the last eight months, each at a
plausible stage (the funnel narrows, as real programmes do), owners, a few deals, and an
always-on campaign for the newest, so every chart in the console shows something real."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Event, KitVersion, Partner
from campaign_engine.domain.consent import ConsentRules
from campaign_engine.domain.runway import ORDER, Milestone
from campaign_engine.services.access.accounts import create_user
from campaign_engine.services.attribution.tallies import rebuild_tallies
from campaign_engine.services.campaigns.launch import launch_campaign
from campaign_engine.services.campaigns.lifecycle import create_campaign
from campaign_engine.services.partners.runway.milestones import set_milestone

# Chance of reaching each milestone once the previous one is reached, and typical days to it.
STEPS = {
    Milestone.ONBOARDED: (0.9, 8),
    Milestone.CERTIFIED: (0.75, 20),
    Milestone.JOINT_PLAN: (0.7, 15),
    Milestone.FIRST_CAMPAIGN_LIVE: (0.85, 10),
    Milestone.FIRST_DEAL_REGISTERED: (0.7, 20),
    Milestone.FIRST_CLOSED_WON: (0.6, 30),
}


def populate_runway(
    session: Session,
    version: KitVersion,
    campaign_id: int,
    *,
    now: datetime,
    rules: ConsentRules,
    seed: int = 11,
) -> Campaign:
    rng = random.Random(seed)  # noqa: S311 (repeatable sample data, not a secret)
    owners = [
        create_user(session, f"{name}@vendor.example", "marketer", actor="demo")[0]
        for name in ("ana", "ben")
    ]
    for partner in session.scalars(select(Partner).order_by(Partner.id)):
        partner.signed_at = now - timedelta(days=rng.randint(3, 240), hours=rng.randint(0, 23))
        partner.owner_id = rng.choice(owners).id
        if (now - partner.signed_at).days <= 120:
            partner.tags = sorted({*(partner.tags or []), "new"})
        _progress(session, partner, campaign_id, now, rng)
    session.flush()
    rebuild_tallies(session)  # the demo's deals went in as rows, not through the API
    runway = create_campaign(
        session, version, "New partner runway", {"tag": ["new"]}, None, actor="demo"
    )
    runway.always_on = True
    launch_campaign(session, runway, now=now, actor="demo", rules=rules)
    return runway


def _progress(
    session: Session, partner: Partner, campaign_id: int, now: datetime, rng: random.Random
) -> None:
    at = partner.signed_at
    assert at is not None
    for milestone in ORDER[1:]:
        chance, days = STEPS[milestone]
        at = at + timedelta(days=max(1, rng.gauss(days, days / 3)))
        if at >= now or rng.random() > chance:
            return
        set_milestone(session, partner, milestone, at, source="csv", actor="demo")
        if milestone in (Milestone.FIRST_DEAL_REGISTERED, Milestone.FIRST_CLOSED_WON):
            amount = Decimal(rng.randrange(4_000, 60_000, 500))
            kind = (
                "deal.registered"
                if milestone is Milestone.FIRST_DEAL_REGISTERED
                else "deal.closed_won"
            )
            session.add(
                Event(
                    type=kind,
                    campaign_id=campaign_id,
                    partner_id=partner.id,
                    channel="email",
                    external_id=f"demo-{partner.slug}",
                    amount=amount,
                    currency="EUR",
                    occurred_at=at,
                    dedupe_key=f"demo:{partner.slug}:{kind}",
                )
            )
