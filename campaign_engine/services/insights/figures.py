"""One definition per figure, used by every page, report, CSV and API that shows it.

The programme page and the runway page once each computed "live", "idle" and the median
days to first pipeline their own way (over all partners against those signed in the last
six months; whole days against fractional), so the same programme read 11% live on one
page and 15% on the other. Each figure is now defined here once, with the population it
counts, and tests/web/test_figures.py reads it through every surface.

- partners: every partner in the programme.
- signed: partners whose agreement date is known (the runway follows these).
- live: partners with attributed pipeline (a lead, opportunity or deal) in the last 90 days.
- idle: partners who are not live.
- live rate: live / partners.
- median days to first pipeline: over partners with both an agreement date and pipeline,
  in days to one decimal.
- lead acceptance rate: of the leads a partner has decided on (any state but "new"), the
  share it did not reject.
- time to first touch: the median hours from a lead's arrival to its first change of
  state, over touched leads, to one decimal; "untouched" counts leads still new.
- opt-outs: (campaign, partner) pairs over every launched campaign, targeted and switched
  off, wholly or for one of its channels; opt-out rate = opted out / targeted, the
  baseline every campaign's and kit's feedback is read against
  (services/feedback/report_tally.py baseline, not computed twice).
- opt-out reasons: the reasons behind those opt-outs, each partner's latest per campaign
  (services/feedback/report.py programme_opt_outs); "given" opt-outs carry one, the rest
  said nothing, so given <= opted out.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Event, Lead, Partner
from campaign_engine.services.attribution.leads.disposition import NOT_LEADS
from campaign_engine.services.feedback.record import REASONS
from campaign_engine.services.feedback.report import programme_opt_outs
from campaign_engine.services.insights.reports import PIPELINE_TYPES

LIVE_WINDOW = timedelta(days=90)


def live_partners(session: Session, *, now: datetime) -> set[int]:
    """Ids of partners with attributed pipeline in the last 90 days: the live ones."""
    return set(
        session.scalars(
            select(Event.partner_id)
            .where(Event.type.in_(PIPELINE_TYPES), Event.occurred_at >= now - LIVE_WINDOW)
            .distinct()
        )
    )


def first_pipeline(session: Session) -> dict[int, datetime]:
    """Each partner's first attributed pipeline."""
    rows = session.execute(
        select(Event.partner_id, func.min(Event.occurred_at))
        .where(Event.type.in_(PIPELINE_TYPES), Event.partner_id.is_not(None))
        .group_by(Event.partner_id)
    )
    return {partner_id: at for partner_id, at in rows if partner_id is not None}


def median_days_to_first_pipeline(
    partners: list[Partner], first: dict[int, datetime]
) -> float | None:
    days = [
        (first[p.id] - p.signed_at).total_seconds() / 86400
        for p in partners
        if p.signed_at is not None and p.id in first
    ]
    return round(statistics.median(days), 1) if days else None


@dataclass(frozen=True)
class Headline:
    partners: int
    signed: int
    live: int
    idle: int
    live_rate: float

    @property
    def sentence(self) -> str:
        return (
            f"{self.partners} partners ({self.signed} signed), {self.live} live in the "
            f"last 90 days, {self.idle} idle"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sentence": self.sentence}


def headline(partners: list[Partner], live: set[int]) -> Headline:
    """The figures over `partners`, given the ids `live_partners` found live."""
    count = len(partners)
    live_count = sum(p.id in live for p in partners)
    return Headline(
        partners=count,
        signed=sum(p.signed_at is not None for p in partners),
        live=live_count,
        idle=count - live_count,
        live_rate=round(live_count / count, 4) if count else 0.0,
    )


LeadRow = Row[str, str, datetime, datetime | None]  # slug, state, received, first touched


@dataclass(frozen=True)
class LeadFollowUp:
    leads: int
    untouched: int
    acceptance_rate: float | None
    median_hours_to_first_touch: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def lead_follow_up(session: Session) -> dict[str, Any]:
    """The programme's lead figures, and each partner's (by slug)."""
    rows = session.execute(
        select(Partner.slug, Lead.state, Lead.received_at, Lead.first_touch_at)
        .join(Partner, Partner.id == Lead.partner_id)
        .where(Lead.state.not_in(NOT_LEADS))  # held, unconfirmed, discarded: no lead yet
    ).all()
    per_partner: dict[str, list[LeadRow]] = {}
    for row in rows:
        per_partner.setdefault(row.slug, []).append(row)
    return {
        **_follow_up(rows).as_dict(),
        "partners": {
            slug: _follow_up(mine).as_dict() for slug, mine in sorted(per_partner.items())
        },
    }


def _follow_up(rows: Sequence[LeadRow]) -> LeadFollowUp:
    decided = [r for r in rows if r.state != "new"]
    hours = [
        (r.first_touch_at - r.received_at).total_seconds() / 3600
        for r in rows
        if r.first_touch_at is not None
    ]
    return LeadFollowUp(
        leads=len(rows),
        untouched=len(rows) - len(decided),
        acceptance_rate=(
            round(sum(r.state != "rejected" for r in decided) / len(decided), 4)
            if decided
            else None
        ),
        median_hours_to_first_touch=round(statistics.median(hours), 1) if hours else None,
    )


def opt_out_reasons(session: Session) -> dict[str, Any]:
    """The programme's opt-outs and why: the rate (a launched campaign switched off, wholly
    or for a channel, over the partners it targeted), and how many of those gave each
    reason (every reason listed, zero included, so a chart or a column never goes
    missing)."""
    rate, said = programme_opt_outs(session)
    counts = {reason: 0 for reason in REASONS}
    for f in said:
        counts[str(f.reason)] += 1
    return {
        "targeted": rate.targeted,
        "opted_out": rate.opted_out,
        "opt_out_rate": rate.opt_out_rate,
        "given": len(said),
        "reasons": counts,
    }
