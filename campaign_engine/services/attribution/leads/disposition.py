"""The partner says what became of a lead. The first change from "new" is its first
touch, which the SLA measures; a rejection needs a reason the vendor can read."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Event, Lead
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record


class LeadState(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CONTACTED = "contacted"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"


CLOSED = (LeadState.REJECTED, LeadState.WON, LeadState.LOST)
# Landing-page leads that are no lead yet (services/attribution/leads/intake.py): none has an event,
# so none is counted anywhere. A held one is the partner's to release or discard; an
# unconfirmed one waits for its visitor, and neither it nor a discarded one is shown.
HELD, UNCONFIRMED, DISCARDED = "held", "unconfirmed", "discarded"
NOT_LEADS = (HELD, UNCONFIRMED, DISCARDED)
REJECT_REASONS = ("not_a_fit", "duplicate", "spam", "no_budget", "other")


def get_lead(session: Session, lead_id: int, *, partner_id: int) -> Lead:
    """A partner's own lead; another partner's id, or one still waiting for its
    visitor's confirmation or discarded, is as unknown as a made-up one."""
    lead = session.get(Lead, lead_id) if 0 < lead_id < 2**63 else None
    if lead is None or lead.partner_id != partner_id or lead.state in (UNCONFIRMED, DISCARDED):
        raise NotFound(f"no lead {lead_id}")
    return lead


def set_state(
    session: Session,
    lead: Lead,
    state: str,
    *,
    reason: str | None,
    actor: str,
    now: datetime,
) -> Lead:
    try:
        target = LeadState(state)
    except ValueError:
        words = ", ".join(s.value for s in LeadState if s is not LeadState.NEW)
        raise InvalidInput(f"{state!r} is not one of {words}", where="state") from None
    if lead.state == HELD:
        raise InvalidInput("release the held lead first, or discard it", where="state")
    if target is LeadState.NEW:
        raise InvalidInput("a lead cannot be made new again", where="state")
    words = (reason or "").strip()
    if target is LeadState.REJECTED and words not in REJECT_REASONS:
        raise InvalidInput(f"say why: one of {', '.join(REJECT_REASONS)}", where="reason")
    if lead.first_touch_at is None:
        lead.first_touch_at = now
    lead.state, lead.reason, lead.state_at = target.value, words[:500], now
    record(session, actor, "lead.state", "lead", lead.id, {"state": target.value, "reason": words})
    return lead


def leads_of(session: Session, partner_id: int, *, open_only: bool = False) -> list[Lead]:
    """The partner's leads, newest first, and the held ones it may release or discard."""
    query = (
        select(Lead)
        .where(Lead.partner_id == partner_id, Lead.state.not_in([UNCONFIRMED, DISCARDED]))
        .order_by(Lead.received_at.desc())
    )
    if open_only:
        query = query.where(Lead.state.not_in([*(s.value for s in CLOSED), HELD]))
    return list(session.scalars(query))


def contact_of(session: Session, lead: Lead) -> dict[str, str]:
    """What the visitor gave on a landing page (kept on its event, or on a held lead
    until it has one), for the partner."""
    if lead.pending:
        given = lead.pending.get("lead") or {}
        return {k: str(v) for k, v in given.items() if k in ("name", "email", "company")}
    data = session.scalar(
        select(Event.data).where(
            Event.partner_id == lead.partner_id,
            Event.type == "lead.created",
            Event.external_id == lead.external_id,
        )
    )
    given = (data or {}).get("lead") or {}
    return {k: str(v) for k, v in given.items() if k in ("name", "email", "company")}
