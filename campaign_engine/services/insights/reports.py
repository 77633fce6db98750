"""Campaign reports: the funnel per partner and per channel, from the ledger and events."""

from __future__ import annotations

import csv
import gc
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, DealRecord, EventTally, Partner
from campaign_engine.db.runway import Enrollment, StepDelivery
from campaign_engine.services.campaigns.ledger import (
    ledger_summary,
    not_sent_by_partner,
    participating,
    participating_partners,
    targeted_partners,
)
from campaign_engine.services.campaigns.lifecycle import get_campaign
from campaign_engine.services.campaigns.pair_counts import PairCounts, pair_counts

COUNTED = {
    "lead.created": "leads",
    "opportunity.created": "opportunities",
    "deal.registered": "deals_registered",
    "deal.closed_won": "closed_won",
}
PIPELINE_TYPES = ("opportunity.created", "deal.registered", "deal.closed_won")
ENGAGEMENT_METRICS = {
    "open": "opens",
    "unique_open": "unique_opens",
    "click": "clicks",
    "unique_click": "unique_clicks",
}
METRICS = (
    "targeted",
    "participating",
    "delivered",
    "not_sent",
    "opens",
    "unique_opens",
    "clicks",
    "unique_clicks",
    "leads",
    "opportunities",
    "deals_registered",
    "closed_won",
    "pipeline",
    "revenue",
)


def empty() -> dict[str, Any]:
    return {m: (Decimal("0") if m in ("pipeline", "revenue") else 0) for m in METRICS}


def campaign_report(session: Session, campaign_id: int) -> dict[str, Any]:
    with _no_cycle_collection():
        return _campaign_report(session, campaign_id)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The report of a million-email campaign builds some 100,000 small objects (its
    grouped rows, a row of figures a partner); the cyclic collector ran over them in the
    middle of every other report, 180 ms became 300 (bench/scale.py). None of them forms
    a cycle, so reference counting frees them all; collection resumes right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _campaign_report(session: Session, campaign_id: int) -> dict[str, Any]:
    campaign = get_campaign(session, campaign_id)
    slugs = dict(session.execute(select(Partner.id, Partner.slug)).all())
    partners: dict[str, dict[str, Any]] = defaultdict(empty)
    channels: dict[str, dict[str, Any]] = defaultdict(empty)
    counts = pair_counts(session, campaign)  # one read of the deliveries (None: always-on)
    targeted = (
        {p for p, _ in counts.targeted_pairs}
        if counts is not None and counts.targeted_pairs
        else targeted_partners(session, campaign)  # not planned yet: the audience's
    )
    for partner_id in targeted:
        partners[slugs[partner_id]]["targeted"] = 1
    ledger = ledger_summary(session, campaign, counts)
    for channel, count in ledger["targeted"].items():
        channels[channel]["targeted"] = count
    _deliveries(session, campaign, slugs, partners, channels, counts)
    _engagement(session, campaign_id, slugs, partners, channels)
    _deals(session, campaign_id, slugs, partners, channels)
    totals = empty()
    for row in partners.values():
        for metric in METRICS:
            totals[metric] += row[metric]
    totals["participation_rate"] = (
        round(totals["participating"] / totals["targeted"], 4) if totals["targeted"] else 0.0
    )
    return {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "slug": campaign.slug,
            "status": campaign.status,
        },
        "totals": totals,
        # ranked by people reached, not requests: fifty clicks from one client rank as one
        "partners": dict(sorted(partners.items(), key=_by_unique_engagement)),
        "channels": dict(sorted(channels.items())),
        "ledger": ledger,
        "notes": [
            "Opens are approximate: image blocking hides some, privacy proxies "
            "open others automatically.",
            "Unique opens and clicks count each visitor (network and browser) once per "
            "email or link and day; the raw counts beside them count every request.",
        ],
    }


def _deliveries(
    session: Session,
    campaign: Campaign,
    slugs: dict[int, str],
    partners: dict[str, dict[str, Any]],
    channels: dict[str, dict[str, Any]],
    counts: PairCounts | None,
) -> None:
    if counts is not None:
        _counted_deliveries(counts, slugs, partners, channels)
    else:
        _runway_deliveries(session, campaign, slugs, partners, channels)
    for (partner_id, channel), count in not_sent_by_partner(session, campaign).items():
        partners[slugs[partner_id]]["not_sent"] += count
        channels[channel]["not_sent"] += count


def _counted_deliveries(
    counts: PairCounts,
    slugs: dict[int, str],
    partners: dict[str, dict[str, Any]],
    channels: dict[str, dict[str, Any]],
) -> None:
    """Delivered and taking part, from the one read of a one-off campaign's deliveries."""
    sent = ((p, c, n) for (p, c), n in counts.sent.items())
    taking_part = (p for p, _ in counts.taking_part)
    _add_delivered(slugs, partners, channels, sent, taking_part, counts.participating())


def _runway_deliveries(
    session: Session,
    campaign: Campaign,
    slugs: dict[int, str],
    partners: dict[str, dict[str, Any]],
    channels: dict[str, dict[str, Any]],
) -> None:
    """An always-on campaign's emails are its runway's steps."""
    rows = session.execute(
        select(Enrollment.partner_id, literal("email"), func.count())
        .join(StepDelivery, StepDelivery.enrollment_id == Enrollment.id)
        .where(Enrollment.campaign_id == campaign.id, StepDelivery.status == "sent")
        .group_by(Enrollment.partner_id)
    )
    sent = ((p, c, n or 0) for p, c, n in rows)
    taking_part = participating_partners(session, campaign)
    _add_delivered(slugs, partners, channels, sent, taking_part, participating(session, campaign))


def _add_delivered(
    slugs: dict[int, str],
    partners: dict[str, dict[str, Any]],
    channels: dict[str, dict[str, Any]],
    sent: Iterable[tuple[int, str, int]],
    taking_part: Iterable[int],
    per_channel: dict[str, int],
) -> None:
    """The delivered and participating figures, however a campaign's sends were counted."""
    for partner_id, channel, n in sent:
        partners[slugs[partner_id]]["delivered"] += n
        channels[channel]["delivered"] += n
    for partner_id in taking_part:
        partners[slugs[partner_id]]["participating"] = 1
    for channel, count in per_channel.items():
        channels[channel]["participating"] = count


def _engagement(
    session: Session,
    campaign_id: int,
    slugs: dict[int, str],
    partners: dict[str, dict[str, Any]],
    channels: dict[str, dict[str, Any]],
) -> None:
    """From the running tallies (services/attribution/tallies.py), not the events: a report stays a
    few hundred rows of reading however many clicks were recorded. Raw counts beside the
    unique ones (each visitor once per link, or email, and day), which resist inflation."""
    rows = session.execute(
        select(EventTally.partner_id, EventTally.channel, EventTally.type, EventTally.count).where(
            EventTally.campaign_id == campaign_id, EventTally.type.in_(list(ENGAGEMENT_METRICS))
        )
    )
    for partner_id, channel, kind, count in rows:
        metric = ENGAGEMENT_METRICS[kind]
        if partner_id in slugs:
            partners[slugs[partner_id]][metric] += count
        if channel:
            channels[channel][metric] += count


def _deals(
    session: Session,
    campaign_id: int,
    slugs: dict[int, str],
    partners: dict[str, dict[str, Any]],
    channels: dict[str, dict[str, Any]],
) -> None:
    """Each CRM record counts once per stage (one row per record and stage); pipeline
    is the largest amount a deal was seen with while open or won, revenue the amount it was
    won for (from the per-record table, which holds only leads and deals)."""
    keys = (DealRecord.partner_id, DealRecord.channel, DealRecord.type)
    counts = session.execute(
        select(*keys, func.count())
        .where(DealRecord.campaign_id == campaign_id, DealRecord.type.in_(list(COUNTED)))
        .group_by(*keys)
    )
    for partner_id, channel, kind, count in counts:
        if partner_id in slugs:
            partners[slugs[partner_id]][COUNTED[kind]] += count
        if channel:
            channels[channel][COUNTED[kind]] += count
    amounts = session.execute(
        select(
            DealRecord.partner_id,
            DealRecord.channel,
            DealRecord.type,
            DealRecord.external_id,
            DealRecord.amount,
        ).where(
            DealRecord.campaign_id == campaign_id,
            DealRecord.type.in_(PIPELINE_TYPES),
            DealRecord.amount.is_not(None),
        )
    )
    pipeline: dict[tuple[int, str, str], Decimal] = {}
    for partner_id, channel, kind, external_id, amount in amounts:
        if amount is None:  # the query's own condition, which the types cannot carry
            continue
        key = (partner_id, channel, external_id)
        pipeline[key] = max(pipeline.get(key, Decimal("0")), Decimal(amount))
        if kind == "deal.closed_won" and partner_id in slugs:
            partners[slugs[partner_id]]["revenue"] += Decimal(amount)
            if channel:
                channels[channel]["revenue"] += Decimal(amount)
    for (partner_id, channel, _), amount in pipeline.items():
        if partner_id in slugs:
            partners[slugs[partner_id]]["pipeline"] += amount
        if channel:
            channels[channel]["pipeline"] += amount


def _by_unique_engagement(item: tuple[str, dict[str, Any]]) -> tuple[Any, ...]:
    slug, row = item
    return (-row["unique_clicks"], -row["unique_opens"], -row["leads"], slug)


def report_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {"scope": "partner", "key": slug, **metrics} for slug, metrics in data["partners"].items()
    ]
    rows += [
        {"scope": "channel", "key": channel, **metrics}
        for channel, metrics in data["channels"].items()
    ]
    totals = {k: v for k, v in data["totals"].items() if k != "participation_rate"}
    return [*rows, {"scope": "total", "key": "all", **totals}]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """OWASP's CSV injection advice: a text cell that a spreadsheet would read as a
    formula gets a leading single quote (partner names, campaign names and keys come from
    partners and marketers). Numbers stay numbers; the csv module quotes the rest."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    """Every CSV the engine exports (pages, API, CLI) is written here."""
    buffer = io.StringIO()
    if rows:
        fields = list(rows[0])
        writer = csv.DictWriter(buffer, fieldnames=[neutralise(f) for f in fields])
        writer.writeheader()
        writer.writerows({neutralise(k): neutralise(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()
