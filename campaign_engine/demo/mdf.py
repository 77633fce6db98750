"""The demo's funds: every partner of the sample programme gets its tier's quarter, and
two of them show a request waiting on the desk and a claim to accept."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Partner
from campaign_engine.domain.mdf import AllocationRule, Period
from campaign_engine.services.mdf.allocate import Grant, allocate_by_rule
from campaign_engine.services.mdf.claims import submit_claim
from campaign_engine.services.mdf.requests import Ask, approve, create_request

TIERS = {"platinum": Decimal("10000"), "gold": Decimal("5000"), "silver": Decimal("2000")}


def populate_mdf(session: Session, *, now: datetime, currency: str, sla_hours: float) -> int:
    """Allocations for this quarter; returns how many partners got funds."""
    period = str(Period.of(now.date()))
    given = allocate_by_rule(
        session,
        AllocationRule.FIXED,
        period,
        currency,
        Grant("demo", True, None),
        per_tier=TIERS,
        earned_percent=Decimal("0"),
    )
    funded = [p for p in session.scalars(select(Partner).order_by(Partner.slug)) if p.slug in given]
    start = (now + timedelta(days=3)).date().isoformat()
    end = (now + timedelta(days=30)).date().isoformat()
    if funded:
        ask = Ask("1500.00", currency, "email", start, end, "25 meetings", "secure-cloud-q3")
        create_request(session, funded[0], ask, actor="demo", now=now, sla_hours=sla_hours)
    if len(funded) > 1:
        ask = Ask("800.00", currency, "event", start, end, "A stand at a trade fair")
        done = create_request(session, funded[1], ask, actor="demo", now=now, sla_hours=sla_hours)
        approve(session, done, actor="demo", now=now)
        submit_claim(session, done, "750.00", note="Stand invoice", files=[], actor="demo", now=now)
    return len(given)
