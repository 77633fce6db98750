"""MDF requests: a partner asks for part of its funds; the vendor approves, rejects or asks
for a change against an SLA clock; approval commits the funds and, for a kit, launches a
single-partner campaign on the dates asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, MdfRequest, Partner
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.domain.mdf import (
    Activity,
    EntryKind,
    MdfError,
    Period,
    RequestStatus,
    currency,
    money,
    plain,
)
from campaign_engine.errors import InvalidTransition, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.services.assets.kits import latest_version
from campaign_engine.services.campaigns.lifecycle import change_status, create_campaign
from campaign_engine.services.mdf.ledger import Funds, balance, lock_partner, post

OPEN = (RequestStatus.PENDING, RequestStatus.CHANGES_REQUESTED)
MAX_OUTCOME = 2000
AHEAD = timedelta(days=366)  # how far ahead an activity may start, and how long it may last


@dataclass(frozen=True)
class Ask:
    """What a partner asks for, as typed (strings from a form, JSON or the command line)."""

    amount: str
    currency: str
    activity: str
    starts_on: str
    ends_on: str
    expected_outcome: str
    kit: str | None = None


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise MdfError(f"{text!r} is not a date such as 2026-12-31", where=field) from None


class _Checked(TypedDict):
    """An ask's fields as a request stores them."""

    amount: Decimal
    currency: str
    activity: str
    starts_on: date
    ends_on: date
    expected_outcome: str
    kit_slug: str | None


def _checked(session: Session, ask: Ask, today: date) -> _Checked:
    """The ask's fields typed and checked, each error naming its field."""
    try:
        activity = Activity(str(ask.activity).strip())
    except ValueError:
        words = ", ".join(a.value for a in Activity)
        raise MdfError(f"{ask.activity!r} is not one of {words}", where="activity") from None
    starts, ends = _day(ask.starts_on, "starts_on"), _day(ask.ends_on, "ends_on")
    if starts < today:
        raise MdfError(f"{starts} is in the past", where="starts_on")
    if starts - today > AHEAD:  # 9999-12-31 + a year was an OverflowError, a 500
        raise MdfError("an activity starts within a year from today", where="starts_on")
    if ends < starts:
        raise MdfError("the activity ends before it starts", where="ends_on")
    if ends - starts > AHEAD:
        raise MdfError("an activity lasts at most a year", where="ends_on")
    outcome = plain(ask.expected_outcome, field="expected_outcome")
    if not outcome or len(outcome) > MAX_OUTCOME:
        raise MdfError(
            f"say what you expect, in 1 to {MAX_OUTCOME} characters", where="expected_outcome"
        )
    kit = plain(ask.kit, field="kit") or None
    if kit:
        try:
            latest_version(session, kit)
        except NotFound:
            raise MdfError(f"no kit '{kit}'", where="kit") from None
    return {
        "amount": money(ask.amount),
        "currency": currency(ask.currency),
        "activity": activity.value,
        "starts_on": starts,
        "ends_on": ends,
        "expected_outcome": outcome,
        "kit_slug": kit,
    }


def waiting(session: Session, funds: Funds, *, besides: int | None = None) -> Decimal:
    """What the partner's open requests ask of these funds (not yet committed)."""
    query = select(func.coalesce(func.sum(MdfRequest.amount), 0)).where(
        MdfRequest.partner_id == funds.partner_id,
        MdfRequest.period == str(funds.period),
        MdfRequest.currency == funds.currency,
        MdfRequest.status.in_([s.value for s in OPEN]),
    )
    if besides is not None:
        query = query.where(MdfRequest.id != besides)
    return Decimal(session.scalar(query) or 0)


def _ensure_room(session: Session, funds: Funds, amount: Decimal, besides: int | None) -> None:
    """A request fits in what is available less what other open requests ask: the
    refusal names both, so the partner knows what it may ask."""
    lock_partner(session, funds.partner_id)
    available = balance(session, funds).available
    asked = waiting(session, funds, besides=besides)
    room = available - asked
    if amount > room:
        also = (
            f", less {asked} {funds.currency} in requests waiting for a decision" if asked else ""
        )
        raise MdfError(
            f"{amount} {funds.currency} is more than your available balance of "
            f"{available} {funds.currency}{also}; you can ask for up to "
            f"{max(room, Decimal('0.00'))} {funds.currency}",
            where="amount",
        )


MAX_OPEN = 10  # open requests per partner: each makes a draft campaign and emails marketers


def _ensure_few_open(session: Session, partner_id: int) -> None:
    """A partner with ten requests waiting must settle some first (a flood of tiny ones
    would fill the desk and every marketer's inbox)."""
    count = session.scalar(
        select(func.count()).where(
            MdfRequest.partner_id == partner_id,
            MdfRequest.status.in_([s.value for s in OPEN]),
        )
    )
    if (count or 0) >= MAX_OPEN:
        raise MdfError(
            f"you have {count} requests waiting; withdraw one or wait for a decision",
            where="request",
        )


def create_request(
    session: Session, partner: Partner, ask: Ask, *, actor: str, now: datetime, sla_hours: float
) -> MdfRequest:
    fields = _checked(session, ask, now.date())
    period = Period.of(now.date())
    funds = Funds(partner.id, period, str(fields["currency"]))
    _ensure_room(session, funds, fields["amount"], None)
    _ensure_few_open(session, partner.id)
    request = MdfRequest(
        partner_id=partner.id,
        period=str(period),
        status=RequestStatus.PENDING.value,
        requested_by=actor,
        submitted_at=now,
        due_at=now + timedelta(hours=sla_hours),
        created_at=now,
        reason="",
        **fields,
    )
    if request.kit_slug:
        request.campaign_id = _draft_campaign(session, partner, request, actor=actor).id
    session.add(request)
    session.flush()
    record(
        session, actor, "mdf.request", "mdf_request", request.id, {"amount": str(request.amount)}
    )
    return request


def _draft_campaign(
    session: Session, partner: Partner, request: MdfRequest, *, actor: str
) -> Campaign:
    """The request's campaign, a draft for this partner alone: its portal shows the kit's
    assets co-branded at once (the ready-to-deploy promise), before any decision. It
    has no consent default of its own: the partner's settings and the programme's decide,
    as for every campaign; the partner asked for it, so no preview notice."""
    assert request.kit_slug
    campaign = create_campaign(
        session,
        latest_version(session, request.kit_slug),
        f"MDF request: {partner.name}"[:200],
        {"partner": [partner.slug]},
        None,
        actor=actor,
    )
    campaign.preview_days = 0
    return campaign


def _close_campaign(session: Session, request: MdfRequest, *, actor: str, now: datetime) -> None:
    campaign = session.get(Campaign, request.campaign_id) if request.campaign_id else None
    if campaign is not None and campaign.status == CampaignStatus.DRAFT:
        change_status(session, campaign, CampaignStatus.CANCELLED, actor=actor, now=now)


def get_request(session: Session, request_id: int, *, partner_id: int | None = None) -> MdfRequest:
    """A request by id; `partner_id` scopes it to one partner (a partner never learns that
    another partner's request exists)."""
    request = session.get(MdfRequest, request_id) if 0 < request_id < 2**63 else None
    if request is None or (partner_id is not None and request.partner_id != partner_id):
        raise NotFound(f"no MDF request {request_id}")
    return request


def locked(session: Session, request: MdfRequest) -> MdfRequest:
    """The request as it stands once its partner's funds are locked, until the transaction
    ends. Its status read before the lock may be stale: two clicks on Approve (or Approve
    and Cancel at once) each saw "pending" and both went through, committing the funds
    twice on PostgreSQL. Every change of a request starts here."""
    lock_partner(session, request.partner_id)
    session.refresh(request)
    return request


def _must_be(request: MdfRequest, *allowed: RequestStatus) -> None:
    if request.status not in {s.value for s in allowed}:
        states = " or ".join(s.value.replace("_", " ") for s in allowed)
        raise InvalidTransition(
            f"MDF request {request.id} is {request.status.replace('_', ' ')}; "
            f"only a {states} one can be changed so"
        )


def approve(
    session: Session, request: MdfRequest, *, actor: str, now: datetime, send_time: str = "09:00"
) -> MdfRequest:
    """Commit the funds and, for a kit, schedule the request's campaign for the first day
    asked at the programme's send time in the partner's timezone (now, if that passed)."""
    _must_be(locked(session, request), RequestStatus.PENDING)
    funds = Funds(request.partner_id, Period.parse(request.period), request.currency)
    post(
        session,
        funds,
        EntryKind.COMMITMENT,
        Decimal(request.amount),
        actor=actor,
        request_id=request.id,
    )
    request.status = RequestStatus.APPROVED.value
    request.decided_by, request.decided_at = actor, now
    campaign = session.get(Campaign, request.campaign_id) if request.campaign_id else None
    if campaign is not None:
        partner = session.get(Partner, request.partner_id)
        assert partner is not None
        hour, minute = (int(part) for part in send_time.split(":"))
        local = datetime.combine(request.starts_on, time(hour, minute), ZoneInfo(partner.timezone))
        campaign.launch_at = max(local.astimezone(UTC), now)  # a day already begun: now
        change_status(session, campaign, CampaignStatus.SCHEDULED, actor=actor, now=now)
    record(
        session, actor, "mdf.approve", "mdf_request", request.id, {"campaign": request.campaign_id}
    )
    return request


def reject(
    session: Session, request: MdfRequest, reason: str, *, actor: str, now: datetime
) -> None:
    _decide(session, request, RequestStatus.REJECTED, reason, actor=actor, now=now)


def ask_changes(
    session: Session, request: MdfRequest, reason: str, *, actor: str, now: datetime
) -> None:
    """Back to the partner with what to change; the SLA clock stops until it answers."""
    _decide(session, request, RequestStatus.CHANGES_REQUESTED, reason, actor=actor, now=now)


def _decide(
    session: Session,
    request: MdfRequest,
    status: RequestStatus,
    reason: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    _must_be(locked(session, request), RequestStatus.PENDING)
    words = plain(reason, field="reason")
    if not words or len(words) > MAX_OUTCOME:
        raise MdfError(
            f"give the partner a reason, in 1 to {MAX_OUTCOME} characters", where="reason"
        )
    request.status, request.reason = status.value, words
    request.decided_by, request.decided_at = actor, now
    if status is RequestStatus.REJECTED:
        _close_campaign(session, request, actor=actor, now=now)
    record(session, actor, f"mdf.{status.value}", "mdf_request", request.id, {"reason": words})


def resubmit(
    session: Session, request: MdfRequest, ask: Ask, *, actor: str, now: datetime, sla_hours: float
) -> MdfRequest:
    """The partner's answer to a request for changes: new values, a new SLA clock."""
    _must_be(locked(session, request), RequestStatus.CHANGES_REQUESTED)
    fields = _checked(session, ask, now.date())
    if fields["currency"] != request.currency:
        raise MdfError("a request keeps its currency; cancel it and ask anew", where="currency")
    if fields["kit_slug"] != request.kit_slug:
        raise MdfError("a request keeps its kit; cancel it and ask anew", where="kit")
    funds = Funds(request.partner_id, Period.parse(request.period), request.currency)
    _ensure_room(session, funds, fields["amount"], request.id)
    for key, value in fields.items():
        setattr(request, key, value)
    request.status = RequestStatus.PENDING.value
    request.submitted_at, request.due_at = now, now + timedelta(hours=sla_hours)
    request.reminded_at = request.escalated_at = request.decided_at = None
    record(
        session, actor, "mdf.resubmit", "mdf_request", request.id, {"amount": str(request.amount)}
    )
    return request


def cancel(session: Session, request: MdfRequest, *, actor: str, now: datetime) -> None:
    """The partner withdraws an open request; nothing was committed, nothing moves."""
    _must_be(locked(session, request), *OPEN)
    request.status = RequestStatus.CANCELLED.value
    request.decided_by, request.decided_at = actor, now
    _close_campaign(session, request, actor=actor, now=now)
    record(session, actor, "mdf.cancel", "mdf_request", request.id, {})


def listed(
    session: Session,
    model: type[Any],
    states: type[StrEnum],
    *,
    status: str | None,
    partner_id: int | None,
) -> list[Any]:
    """Requests or claims, newest first, in one state and of one partner when asked; an
    unknown state is refused by name, never read as "every state"."""
    query = select(model).order_by(model.id.desc())
    if status:
        try:
            query = query.where(model.status == states(status).value)
        except ValueError:
            words = ", ".join(s.value for s in states)
            raise MdfError(f"{status!r} is not one of {words}", where="status") from None
    if partner_id is not None:
        query = query.where(model.partner_id == partner_id)
    return list(session.scalars(query))


def list_requests(
    session: Session, *, status: str | None = None, partner_id: int | None = None
) -> list[MdfRequest]:
    return listed(session, MdfRequest, RequestStatus, status=status, partner_id=partner_id)
