"""A partner's MDF as every surface shows it (portal, `GET /api/v1/me/mdf`, dashboard):
one schema, amounts as decimal strings, dates as ISO dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import MdfClaim, MdfRequest, Partner
from campaign_engine.domain.mdf import CENT, Balance, Period, RequestStatus
from campaign_engine.services.mdf.claims import list_claims
from campaign_engine.services.mdf.ledger import Funds, balances_of
from campaign_engine.services.mdf.requests import list_requests, waiting
from campaign_engine.services.mdf.sla import clock


def current_balance(session: Session, partner: Partner, *, now: datetime, currency: str) -> Balance:
    """This period's pot: the currency the partner was given funds in this period (the
    programme's MDF currency when it has none)."""
    period = str(Period.of(now.date()))
    pots = {code: b for (p, code), b in balances_of(session, partner.id).items() if p == period}
    if currency not in pots and pots:
        currency = sorted(pots)[0]
    return pots.get(currency, Balance(currency))


def balance_json(
    session: Session, partner: Partner, *, now: datetime, currency: str
) -> dict[str, Any]:
    funds = current_balance(session, partner, now=now, currency=currency)
    period = Period.of(now.date())
    asked = waiting(session, Funds(partner.id, period, funds.currency))
    return {
        "currency": funds.currency,
        "period": str(period),
        "spend_by": period.ends_on.isoformat(),
        "available": str(funds.available),
        "requested": str(asked.quantize(CENT)),
        "committed": str(funds.committed),
        "claimed": str(funds.claimed),
        "paid": str(funds.paid),
    }


def request_json(request: MdfRequest, *, now: datetime) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": request.id,
        "status": request.status,
        "kit": request.kit_slug,
        "activity": request.activity,
        "amount": str(request.amount),
        "currency": request.currency,
        "period": request.period,
        "starts_on": request.starts_on.isoformat(),
        "ends_on": request.ends_on.isoformat(),
        "expected_outcome": request.expected_outcome,
        "reason": request.reason or None,
        "campaign_id": request.campaign_id,
        "created_at": request.created_at.isoformat(),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
    }
    if request.status == RequestStatus.PENDING:
        sla = clock(request, now)
        shown["decision_due_at"] = request.due_at.isoformat()
        shown["overdue"] = sla["overdue"]
    return shown


def claim_json(claim: MdfClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "request_id": claim.request_id,
        "status": claim.status,
        "amount": str(claim.amount),
        "currency": claim.currency,
        "approved_amount": None if claim.approved_amount is None else str(claim.approved_amount),
        "proof": claim.proof,
        "note": claim.note,
        "reason": claim.reason or None,
        "created_at": claim.created_at.isoformat(),
        "paid_at": claim.paid_at.isoformat() if claim.paid_at else None,
    }


def partner_mdf(
    session: Session, partner: Partner, *, now: datetime, currency: str
) -> dict[str, Any]:
    """`GET /api/v1/me/mdf`: the balance, its requests and its claims."""
    requests = list_requests(session, partner_id=partner.id)
    return {
        "balance": balance_json(session, partner, now=now, currency=currency),
        "requests": [request_json(r, now=now) for r in requests],
        "claims": [claim_json(c) for c in list_claims(session, partner_id=partner.id)],
    }


def partner_slugs(session: Session) -> dict[int, str]:
    return {pid: slug for pid, slug in session.execute(select(Partner.id, Partner.slug))}
