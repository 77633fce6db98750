"""MDF reporting: what was allocated, committed, claimed, paid and expired per partner,
tier and period; what it bought (pipeline and won revenue per unit paid); how fast
requests were decided against the SLA."""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import MdfEntry, MdfRequest, Partner
from campaign_engine.domain.mdf import EntryKind, RequestStatus
from campaign_engine.services.mdf.claims import proof_for

FLOWS = ("allocated", "committed", "released", "claimed", "paid", "expired")
KIND_FLOW = {
    EntryKind.ALLOCATION: "allocated",
    EntryKind.COMMITMENT: "committed",
    EntryKind.RELEASE: "released",
    EntryKind.CLAIM: "claimed",
    EntryKind.PAYMENT: "paid",
    EntryKind.EXPIRY: "expired",
}
ZERO = Decimal("0.00")


def _flows() -> dict[str, Decimal]:
    return dict.fromkeys(FLOWS, ZERO)


def mdf_report(session: Session, *, sla_hours: float) -> dict[str, Any]:
    rows = session.execute(
        select(
            Partner.slug,
            Partner.tier,
            MdfEntry.period,
            MdfEntry.currency,
            MdfEntry.kind,
            func.sum(MdfEntry.amount),
        )
        .join(Partner, Partner.id == MdfEntry.partner_id)
        .group_by(Partner.slug, Partner.tier, MdfEntry.period, MdfEntry.currency, MdfEntry.kind)
    )
    partners: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(_flows)
    tiers: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(_flows)
    periods: dict[tuple[str, str], dict[str, Any]] = defaultdict(_flows)
    for slug, tier, period, code, kind, total in rows:
        flow = KIND_FLOW[EntryKind(kind)]
        amount = Decimal(total)
        partners[(slug, period, code)][flow] += amount
        tiers[(tier or "-", period, code)][flow] += amount
        periods[(period, code)][flow] += amount
    return {
        "partners": [
            {"partner": k[0], "period": k[1], "currency": k[2], **_text(v)}
            for k, v in sorted(partners.items())
        ],
        "tiers": [
            {"tier": k[0], "period": k[1], "currency": k[2], **_text(v)}
            for k, v in sorted(tiers.items())
        ],
        "periods": [
            {"period": k[0], "currency": k[1], **_text(v)} for k, v in sorted(periods.items())
        ],
        "returns": _returns(session),
        "decision_hours": _decision_hours(session, sla_hours),
    }


def _text(values: dict[str, Decimal]) -> dict[str, str]:
    return {key: str(value.quantize(ZERO)) for key, value in values.items()}


def _returns(session: Session) -> list[dict[str, str]]:
    """Per currency: MDF paid, the pipeline and won revenue its campaigns were credited
    with, and each per unit paid (revenue in the programme's currency, as attributed)."""
    paid: dict[str, Decimal] = defaultdict(Decimal)
    pipeline: dict[str, Decimal] = defaultdict(Decimal)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for request in session.scalars(
        select(MdfRequest).where(MdfRequest.status == RequestStatus.CLAIMED.value)
    ):
        spent = session.scalar(
            select(func.coalesce(func.sum(MdfEntry.amount), 0)).where(
                MdfEntry.request_id == request.id, MdfEntry.kind == EntryKind.PAYMENT.value
            )
        )
        if not spent:
            continue
        proof = proof_for(session, request)
        paid[request.currency] += Decimal(spent)
        pipeline[request.currency] += Decimal(proof.get("pipeline", "0"))
        revenue[request.currency] += Decimal(proof.get("revenue", "0"))
    return [
        {
            "currency": code,
            "paid": str(paid[code].quantize(ZERO)),
            "pipeline": str(pipeline[code].quantize(ZERO)),
            "revenue": str(revenue[code].quantize(ZERO)),
            "pipeline_per_unit": str((pipeline[code] / paid[code]).quantize(ZERO)),
            "revenue_per_unit": str((revenue[code] / paid[code]).quantize(ZERO)),
        }
        for code in sorted(paid)
    ]


def _decision_hours(session: Session, sla_hours: float) -> dict[str, Any]:
    """Hours from (last) submission to a decision, over every decided request."""
    decided = session.execute(
        select(MdfRequest.submitted_at, MdfRequest.decided_at).where(
            MdfRequest.decided_at.is_not(None),
            MdfRequest.status.in_(
                [
                    RequestStatus.APPROVED.value,
                    RequestStatus.REJECTED.value,
                    RequestStatus.CLAIMED.value,
                ]
            ),
        )
    )
    hours = sorted((d - s).total_seconds() / 3600 for s, d in decided if d is not None)
    if not hours:
        return {"count": 0, "median": None, "p90": None, "target": sla_hours, "within_target": None}
    p90 = (
        hours[min(len(hours) - 1, int(0.9 * len(hours) + 0.5) - 1)] if len(hours) > 1 else hours[0]
    )
    return {
        "count": len(hours),
        "median": round(statistics.median(hours), 1),
        "p90": round(p90, 1),
        "target": sla_hours,
        "within_target": round(sum(h <= sla_hours for h in hours) / len(hours), 4),
    }


def report_csv_rows(report: dict[str, Any]) -> list[dict[str, str]]:
    """The finance-friendly CSV: one row per partner, period and currency."""
    return list(report["partners"])
