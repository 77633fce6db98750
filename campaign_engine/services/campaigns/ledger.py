"""The campaign's ledger: every partner and channel it targeted has an outcome, and every
outcome that is not a send has a reason (domain.ledger.Reason).

Three sources make it up. Delivery rows that were held, skipped or failed; the planner's
NotPlanned rows (opted out, suppressed contacts, no contacts, outside the audience); and,
for an always-on campaign, its runway steps. The page, `campaigns status`, the API and the
report all read these functions, so a count and its drill-down list cannot disagree.

The runway's and the partners' models are named through `models.` so that they load only
where a function needs them: `campaigns status` of a one-off campaign stays on the campaign
tables (building a model's mapper is most of a short command's time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, String, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from campaign_engine import db as models
from campaign_engine.db import Campaign, Delivery, NotPlanned
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.ledger import ORDER, Reason, label
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.errors import InvalidInput

if TYPE_CHECKING:
    from campaign_engine.services.campaigns.pair_counts import PairCounts

# The runway keeps its reasons as words (services/partners/runway/sequence.py): their
# codes, by first words.
RUNWAY_REASONS = (
    ("already reached", Reason.ALREADY_REACHED),
    ("not in the audience", Reason.LEFT_AUDIENCE),
    ("partner opted out", Reason.OPTED_OUT),
)
NOT_SENT = (DeliveryStatus.HELD, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)


@dataclass(frozen=True)
class NotSentRow:
    partner_slug: str
    partner_name: str
    channel: str  # "*" for the partner as a whole (outside the audience)
    recipient: str
    reason: str
    detail: str | None
    at: datetime | None

    @property
    def label(self) -> str:
        return label(self.reason)


def _delivery_rows(campaign_id: int) -> Select[int, str, str, str, str | None, datetime]:
    reason = case(
        (Delivery.status == DeliveryStatus.HELD, literal(Reason.REVIEW_PENDING.value)),
        else_=func.coalesce(Delivery.reason, literal(Reason.SEND_FAILED.value)),
    )
    return select(
        Delivery.partner_id.label("partner_id"),
        Delivery.channel.label("channel"),
        Delivery.recipient.label("recipient"),
        cast(reason, String).label("reason"),
        Delivery.last_error.label("detail"),
        Delivery.updated_at.label("at"),
    ).where(Delivery.campaign_id == campaign_id, Delivery.status.in_(NOT_SENT))


def _planner_rows(campaign_id: int) -> Select[int, str, str, str, str, datetime]:
    return select(
        NotPlanned.partner_id.label("partner_id"),
        NotPlanned.channel.label("channel"),
        NotPlanned.recipient.label("recipient"),
        NotPlanned.reason.label("reason"),
        cast(NotPlanned.detail, String).label("detail"),
        NotPlanned.recorded_at.label("at"),
    ).where(NotPlanned.campaign_id == campaign_id)


def _runway_rows(campaign_id: int) -> Select[int, str, str, str, str, datetime | None]:
    reason = case(
        *[
            (models.StepDelivery.reason.startswith(words), literal(code.value))
            for words, code in RUNWAY_REASONS
        ],
        else_=literal(Reason.SEND_FAILED.value),
    )
    return (
        select(
            models.Enrollment.partner_id.label("partner_id"),
            literal("email").label("channel"),
            models.StepDelivery.step.label("recipient"),
            cast(reason, String).label("reason"),
            cast(models.StepDelivery.reason, String).label("detail"),
            models.StepDelivery.due_at.label("at"),
        )
        .join(models.Enrollment, models.Enrollment.id == models.StepDelivery.enrollment_id)
        .where(
            models.Enrollment.campaign_id == campaign_id, models.StepDelivery.status == "skipped"
        )
    )


def _all_rows(campaign: Campaign) -> Any:
    # one column list; the types differ in what may be NULL
    parts: list[Select[*tuple[Any, ...]]] = [
        _delivery_rows(campaign.id),
        _planner_rows(campaign.id),
    ]
    if campaign.always_on:
        parts.append(_runway_rows(campaign.id))
    return union_all(*parts).subquery("ledger")


def reason_counts(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """Items not sent, per reason and channel, in the order a marketer acts on them."""
    rows = _all_rows(campaign)
    counted = session.execute(
        select(rows.c.reason, rows.c.channel, func.count()).group_by(rows.c.reason, rows.c.channel)
    )
    rank = {code.value: i for i, code in enumerate(ORDER)}
    out = [
        {"reason": reason, "label": label(reason), "channel": channel, "count": n}
        for reason, channel, n in counted
    ]
    return sorted(out, key=lambda r: (rank.get(r["reason"], len(rank)), r["channel"]))


def not_sent_by_partner(session: Session, campaign: Campaign) -> dict[tuple[int, str], int]:
    """(partner_id, channel) -> items not sent, for the report's per-partner rows (a
    partner outside the audience was not targeted, so it has none)."""
    rows = _all_rows(campaign)
    counted = session.execute(
        select(rows.c.partner_id, rows.c.channel, func.count())
        .where(rows.c.reason != Reason.OUTSIDE_AUDIENCE.value)
        .group_by(rows.c.partner_id, rows.c.channel)
    )
    return {(partner_id, channel): n for partner_id, channel, n in counted}


def check_filters(reason: str, channel: str) -> None:
    """The drill-down's filters, as a user typed them: unknown ones are named, not ignored."""
    if reason and reason not in {r.value for r in Reason}:
        raise InvalidInput(
            f"unknown reason '{reason}'; use one of {', '.join(r.value for r in Reason)}",
            where="reason",
        )
    if channel and channel not in (*CHANNELS, "*"):
        raise InvalidInput(
            f"unknown channel '{channel}'; use one of {', '.join(CHANNELS)} or *", where="channel"
        )


def not_sent(
    session: Session,
    campaign: Campaign,
    *,
    reason: str | None = None,
    channel: str | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[NotSentRow], int]:
    """One page of the drill-down list, and how many rows match in all."""
    check_filters(reason or "", channel or "")
    rows = _all_rows(campaign)
    query = select(rows, models.Partner.slug, models.Partner.name).join(
        models.Partner, models.Partner.id == rows.c.partner_id
    )
    if reason:
        query = query.where(rows.c.reason == reason)
    if channel:
        query = query.where(rows.c.channel == channel)
    if search:
        text = search.strip().lower()  # % and _ are letters here, not wildcards
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(text, autoescape=True)
                    for column in (models.Partner.name, models.Partner.slug, rows.c.recipient)
                )
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.execute(
        query.order_by(models.Partner.name, rows.c.channel, rows.c.recipient)
        .limit(limit)
        .offset(offset)
    )
    return [
        NotSentRow(r.slug, r.name, r.channel, r.recipient, r.reason, r.detail, r.at) for r in page
    ], total


def _targeted_pairs(campaign: Campaign) -> Any:
    """(partner_id, channel) of everything targeted: a delivery or a reason for none."""
    if campaign.always_on:
        return select(models.Enrollment.partner_id, literal("email").label("channel")).where(
            models.Enrollment.campaign_id == campaign.id
        )
    planned = select(Delivery.partner_id, Delivery.channel).where(
        Delivery.campaign_id == campaign.id
    )
    skipped = select(NotPlanned.partner_id, NotPlanned.channel).where(
        NotPlanned.campaign_id == campaign.id, NotPlanned.channel != "*"
    )
    return union_all(planned, skipped)


def targeted_partners(session: Session, campaign: Campaign) -> set[int]:
    """The partners the campaign targeted. Before it is planned, those its audience
    would target now (what the builder's count says)."""
    pairs = _targeted_pairs(campaign).subquery()
    ids = set(session.scalars(select(pairs.c.partner_id).distinct()))
    if ids or campaign.launched_at is not None:
        return ids
    from campaign_engine.services.campaigns.audience import audience_partners

    return {p.id for p in audience_partners(session, campaign.audience)}


def _taking_part(campaign: Campaign) -> Any:
    """(partner_id, channel) of what was planned and not skipped: held for review counts
    (the partner is in). Always-on: a step of theirs not skipped."""
    if campaign.always_on:
        enrollment, step = models.Enrollment, models.StepDelivery
        return (
            select(enrollment.partner_id, literal("email").label("channel"))
            .join(step, step.enrollment_id == enrollment.id)
            .where(enrollment.campaign_id == campaign.id, step.status != "skipped")
        )
    return select(Delivery.partner_id, Delivery.channel).where(
        Delivery.campaign_id == campaign.id, Delivery.status != DeliveryStatus.SKIPPED
    )


def participating(session: Session, campaign: Campaign) -> dict[str, int]:
    """Partners taking part, per channel."""
    rows = _taking_part(campaign).subquery()
    counted = session.execute(
        select(rows.c.channel, func.count(func.distinct(rows.c.partner_id))).group_by(
            rows.c.channel
        )
    )
    return {channel: n for channel, n in counted}


def participating_partners(session: Session, campaign: Campaign) -> set[int]:
    rows = _taking_part(campaign).subquery()
    return set(session.scalars(select(rows.c.partner_id).distinct()))


def targeted(session: Session, campaign: Campaign) -> dict[str, int]:
    """Partners the campaign targeted, per channel: those with a delivery or a reason for
    none. Before it is planned, nobody is targeted yet (the builder's count says who
    would be)."""
    pairs = _targeted_pairs(campaign).subquery()
    rows = session.execute(
        select(pairs.c.channel, func.count(func.distinct(pairs.c.partner_id))).group_by(
            pairs.c.channel
        )
    )
    return {channel: n for channel, n in rows}


def outside_audience(session: Session, campaign: Campaign) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                NotPlanned.campaign_id == campaign.id,
                NotPlanned.reason == Reason.OUTSIDE_AUDIENCE,
            )
        )
        or 0
    )


def ledger_summary(
    session: Session, campaign: Campaign, counts: PairCounts | None = None
) -> dict[str, Any]:
    """What `campaigns status`, the campaign page and the API show of the ledger (with
    `counts`, targeted is counted from them rather than read again)."""
    return {
        "targeted": counts.targeted() if counts is not None else targeted(session, campaign),
        "not_planned": not_planned(session, campaign),
        "not_sent": reason_counts(session, campaign),
        "outside_audience": outside_audience(session, campaign),
    }


def not_planned(session: Session, campaign: Campaign) -> dict[str, int]:
    """Per channel, the items the planner wrote no delivery for (beside the deliveries'
    own pending, sent, failed and skipped, these make up everything targeted)."""
    rows = session.execute(
        select(NotPlanned.channel, func.count())
        .where(NotPlanned.campaign_id == campaign.id, NotPlanned.channel != "*")
        .group_by(NotPlanned.channel)
    )
    return {channel: n for channel, n in rows}


def step_counts(session: Session, campaign_id: int, now: datetime) -> dict[str, int]:
    """An always-on campaign's steps: due (or being sent), waiting (for their day or a
    milestone), sent, skipped. A step whose send failed waits for the next pass: due."""
    bucket = case(
        (models.StepDelivery.status.in_(["sent", "skipped"]), models.StepDelivery.status),
        (
            (models.StepDelivery.status == "pending")
            & (models.StepDelivery.due_at.is_(None) | (models.StepDelivery.due_at > now)),
            literal("waiting"),
        ),
        else_=literal("due"),
    )
    rows = session.execute(
        select(bucket, func.count())
        .join(models.Enrollment, models.Enrollment.id == models.StepDelivery.enrollment_id)
        .where(models.Enrollment.campaign_id == campaign_id)
        .group_by(bucket)
    )
    counts = dict.fromkeys(("due", "waiting", "sent", "skipped"), 0)
    counts.update({bucket: n for bucket, n in rows})
    return counts


def partner_ledger(session: Session, partner_id: int) -> list[dict[str, Any]]:
    """One partner's outcomes in every campaign, per channel: sent, on the way, and each
    reason something was not sent (its page in the console)."""
    names = dict(session.execute(select(Campaign.id, Campaign.name)).all())
    table: dict[tuple[int, str], dict[str, Any]] = {}

    def row(campaign_id: int, channel: str) -> dict[str, Any]:
        key = (campaign_id, channel)
        if key not in table:
            table[key] = {
                "campaign_id": campaign_id,
                "campaign": names.get(campaign_id, "?"),
                "channel": channel,
                "sent": 0,
                "pending": 0,
                "not_sent": {},
            }
        return table[key]

    open_states = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    deliveries = session.execute(
        select(
            Delivery.campaign_id, Delivery.channel, Delivery.status, Delivery.reason, func.count()
        )
        .where(Delivery.partner_id == partner_id)
        .group_by(Delivery.campaign_id, Delivery.channel, Delivery.status, Delivery.reason)
    )
    for campaign_id, channel, status, reason, n in deliveries:
        entry = row(campaign_id, channel)
        if status == DeliveryStatus.SENT:
            entry["sent"] += n
        elif status in open_states:
            entry["pending"] += n
        else:
            code = Reason.REVIEW_PENDING if status == DeliveryStatus.HELD else reason
            words = label(code)
            entry["not_sent"][words] = entry["not_sent"].get(words, 0) + n
    skipped = session.execute(
        select(NotPlanned.campaign_id, NotPlanned.channel, NotPlanned.reason, func.count())
        .where(NotPlanned.partner_id == partner_id)
        .group_by(NotPlanned.campaign_id, NotPlanned.channel, NotPlanned.reason)
    )
    for campaign_id, channel, reason, n in skipped:
        entry = row(campaign_id, channel)
        entry["not_sent"][label(reason)] = entry["not_sent"].get(label(reason), 0) + n
    return sorted(table.values(), key=lambda r: (-r["campaign_id"], r["channel"]))
