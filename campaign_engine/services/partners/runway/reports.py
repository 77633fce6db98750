"""Runway reports: milestone hit rates, time in each stage, the live-versus-signed headline,
time to first pipeline, cohort progress, and each partner's position on its 120 days."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Partner, User
from campaign_engine.domain.runway import ORDER, RUNWAY_DAYS, Milestone, position
from campaign_engine.services.insights.figures import (
    first_pipeline,
    headline,
    live_partners,
    median_days_to_first_pipeline,
)
from campaign_engine.services.partners.runway.milestones import reached


def runway_report(session: Session, *, now: datetime, quiet_days: int) -> dict[str, Any]:
    everyone = list(session.scalars(select(Partner)))
    partners = [p for p in everyone if p.signed_at is not None]  # the runway follows these
    known = reached(session, [p.id for p in partners])
    first = first_pipeline(session)
    return {
        "headline": headline(everyone, live_partners(session, now=now)).as_dict(),
        "hit_rate": {
            m.value: round(sum(m in known.get(p.id, {}) for p in partners) / len(partners), 4)
            if partners
            else 0.0
            for m in ORDER
        },
        "median_days_in_stage": _stage_days(partners, known),
        "median_days_to_first_pipeline": median_days_to_first_pipeline(partners, first),
        "cohorts": _cohorts(partners, known),
        "positions": positions(session, partners, known, now=now, quiet_days=quiet_days),
    }


Known = dict[int, dict[Milestone, datetime]]


def positions(
    session: Session, partners: list[Partner], known: Known, *, now: datetime, quiet_days: int
) -> list[dict[str, Any]]:
    """Every partner inside its 120 days, and every one past them without a first deal
    won (overdue: said as such, never "day 212 of 120"); at risk and quiet longest first."""
    owners = dict(session.execute(select(User.id, User.email)).all())
    rows = []
    for partner in partners:
        if partner.signed_at is None:  # no agreement date: not on the runway
            continue
        where = position(
            partner.signed_at, known.get(partner.id, {}), now=now, quiet_days=quiet_days
        )
        if where.day > RUNWAY_DAYS and not where.overdue_days:
            continue  # past the runway with a deal won: it took off
        rows.append(
            {
                "partner": partner.slug,
                "name": partner.name,
                "owner": None if partner.owner_id is None else owners.get(partner.owner_id),
                "day": where.day,
                "day_words": where.day_words,
                "overdue_days": where.overdue_days,
                "stage": where.stage.value,
                "next": where.next.value if where.next else None,
                "days_quiet": where.days_quiet,
                "at_risk": where.at_risk,
                "first_action": where.first_action,
            }
        )
    return sorted(rows, key=lambda r: (not r["at_risk"], -r["days_quiet"]))


def _stage_days(
    partners: list[Partner], known: dict[int, dict[Milestone, datetime]]
) -> dict[str, float | None]:
    """Median days from one milestone to the next, over partners that reached both: the
    largest is the bottleneck."""
    result = {}
    for before, after in itertools.pairwise(ORDER):
        days = [
            (k[after] - k[before]).total_seconds() / 86400
            for p in partners
            if before in (k := known.get(p.id, {})) and after in k
        ]
        result[f"{before.value} -> {after.value}"] = _median(days)
    return result


def _cohorts(partners: list[Partner], known: Known) -> dict[str, dict[str, int]]:
    cohorts: dict[str, dict[str, int]] = defaultdict(lambda: {m.value: 0 for m in ORDER})
    for partner in partners:
        if partner.signed_at is None:  # no agreement date: not on the runway
            continue
        month = partner.signed_at.strftime("%Y-%m")
        for milestone in known.get(partner.id, {}):
            cohorts[month][milestone.value] += 1
    return dict(sorted(cohorts.items()))


def _median(values: list[float] | list[int]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's figures as rows (metric, key, value) for a CSV export."""
    rows: list[dict[str, Any]] = [
        {"metric": "headline", "key": k, "value": v} for k, v in report["headline"].items()
    ]
    rows += [{"metric": "hit_rate", "key": k, "value": v} for k, v in report["hit_rate"].items()]
    rows += [
        {"metric": "median_days_in_stage", "key": k, "value": v}
        for k, v in report["median_days_in_stage"].items()
    ]
    rows.append(
        {
            "metric": "median_days_to_first_pipeline",
            "key": "",
            "value": report["median_days_to_first_pipeline"],
        }
    )
    rows += [
        {"metric": f"cohort {month}", "key": milestone, "value": count}
        for month, counts in report["cohorts"].items()
        for milestone, count in counts.items()
    ]
    return rows
