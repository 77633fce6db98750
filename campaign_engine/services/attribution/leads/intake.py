"""Landing-page leads on their way in, so that no one client can inflate a partner's
numbers or shut its form for everyone else.

A submission is counted against its client (the visitor of domain/visitors.py: network
/24 or /64 plus browser, hashed) and its network. Within the limits it becomes a lead at
once, or "unconfirmed" when the kit asks for double opt-in (services/attribution/leads/optin.py);
over them it is "held" for the partner (or a vendor admin) to release or discard, and the
form answers the visitor as it would anyway. Only past a hard bound per network is that
one client refused (429); every other visitor still gets the form.

A held or unconfirmed lead has a row here (with what the visitor gave, `pending`) and no
event: results, reports, tallies and dashboards count events, so it counts nowhere until
`count` records its `lead.created` event, exactly as a fresh lead's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import Event, Lead
from campaign_engine.domain.visitors import visitor_key
from campaign_engine.errors import InvalidInput
from campaign_engine.infra.audit import record
from campaign_engine.services.attribution.callbacks import InboundEvent, record_event
from campaign_engine.services.attribution.leads.disposition import DISCARDED, HELD, UNCONFIRMED

WINDOW = timedelta(hours=1)
CLIENT_PER_HOUR = 3  # one browser on one network: a person asks once, a colleague twice
NETWORK_PER_HOUR = 10  # one office, whatever browsers it rotates through
CLIENTS_PER_HOUR = 60  # distinct clients per partner whose leads count at once
HELD_PER_NETWORK = 50  # past this, one network's submissions are refused, not stored
SOURCE = "landing page"


class Verdict(StrEnum):
    COUNT = "count"  # a lead (or unconfirmed, with double opt-in)
    HOLD = "hold"  # kept for review, counted nowhere
    REFUSE = "refuse"  # this client only: 429, nothing stored


@dataclass(frozen=True)
class Visitor:
    client: str  # network and browser, hashed
    network: str  # the network alone, hashed


def visitor_of(address: str | None, agent: str, salt: bytes) -> Visitor:
    return Visitor(visitor_key(address, agent, salt), visitor_key(address, "", salt))


@dataclass(frozen=True)
class Arrival:
    """One landing-page submission, before it is admitted."""

    partner_id: int
    campaign_id: int
    channel: str
    token: str  # the tracked link's, which attributes the event
    key: str  # the dedupe key: one lead per address and partner page
    lead: dict[str, str]
    consent: str

    @property
    def external_id(self) -> str:
        return f"landing-{self.key[:24]}"


def verdict(session: Session, partner_id: int, visitor: Visitor, now: datetime) -> Verdict:
    """From the partner's landing leads of the last hour, in one query: how many this
    client and this network sent, how many of the network's are held, and how many
    distinct clients' leads count (a cap on clients, not requests: one client is one)."""
    counting = Lead.state.not_in([HELD, DISCARDED])
    mine = Lead.client == visitor.client
    row = session.execute(
        select(
            func.count(case((mine, 1))),
            func.count(case((Lead.network == visitor.network, 1))),
            func.count(case(((Lead.network == visitor.network) & (Lead.state == HELD), 1))),
            func.count(func.distinct(case((counting, Lead.client)))),
            func.count(case((mine & counting, 1))),
        ).where(
            Lead.partner_id == partner_id,
            Lead.received_at >= now - WINDOW,
            Lead.client.is_not(None),
        )
    ).one()
    by_client, by_network, held, clients, admitted = row
    if held >= HELD_PER_NETWORK:
        return Verdict.REFUSE
    if by_client >= CLIENT_PER_HOUR or by_network >= NETWORK_PER_HOUR:
        return Verdict.HOLD
    if not admitted and clients >= CLIENTS_PER_HOUR:
        return Verdict.HOLD
    return Verdict.COUNT


def known(session: Session, partner_id: int, external_id: str) -> Lead | None:
    return session.scalar(
        select(Lead).where(Lead.partner_id == partner_id, Lead.external_id == external_id)
    )


def admit(
    session: Session, arrival: Arrival, visitor: Visitor, state: str, now: datetime
) -> Lead | None:
    """The lead's row in `state` ("new", "held" or "unconfirmed"); None when this address
    already asked on this page (it counts once, whatever state the first is in), unless
    that first was discarded: a held lead its partner threw away (perhaps a flooder
    naming someone else's address) or an unconfirmed one whose link expired. Its row is
    this arrival's now, so the address is never silenced for good."""
    lead = known(session, arrival.partner_id, arrival.external_id)
    if lead is not None and lead.state != DISCARDED:
        return None
    waiting = state in (HELD, UNCONFIRMED)
    if lead is None:
        lead = Lead(partner_id=arrival.partner_id, external_id=arrival.external_id)
        session.add(lead)
    lead.campaign_id, lead.channel, lead.source = arrival.campaign_id, arrival.channel, SOURCE
    lead.state, lead.reason, lead.state_at, lead.received_at = state, "", None, now
    lead.client, lead.network = visitor.client, visitor.network
    lead.pending = _pending(arrival) if waiting else None
    session.flush()
    if not waiting:
        _record(session, lead, _pending(arrival), now)
    return lead


def _pending(arrival: Arrival) -> dict[str, Any]:
    return {
        "token": arrival.token,
        "key": arrival.key,
        "lead": dict(arrival.lead),
        "consent": arrival.consent,
    }


def _record(session: Session, lead: Lead, given: dict[str, Any], now: datetime) -> bool:
    """The lead's `lead.created` event, through the attribution service as a CRM's lead
    is, so every surface counts it alike; what the visitor gave is kept on the event."""
    event = InboundEvent(
        type="lead.created",
        external_id=lead.external_id,
        occurred_at=now,
        tracking_token=given["token"],
    )
    if not record_event(session, event, dedupe_key=given["key"], source=SOURCE):
        return False
    stored = session.scalar(select(Event).where(Event.dedupe_key == given["key"]))
    if stored is not None:
        stored.data = {**stored.data, "lead": given["lead"], "consent": given["consent"]}
    return True


def count(session: Session, lead: Lead, now: datetime) -> dict[str, Any]:
    """A held or unconfirmed lead becomes a lead now: its event is recorded, it is "new"
    from this moment (its first-touch clock starts), and what the visitor gave moves to
    the event. Returns what the visitor gave, for the partner's email and CRM."""
    given = _claim(session, lead, now)
    if given is None:
        raise InvalidInput(f"the lead is {lead.state}, not waiting", where="state")
    return given


def _claim(session: Session, lead: Lead, now: datetime) -> dict[str, Any] | None:
    """The waiting lead made "new" by one conditional UPDATE, so of two requests at the
    same moment (a confirmation link sent twenty times at once, an attack test; two
    releases) exactly one wins and records it: each of twenty had emailed the partner
    the lead, though it counted once. What the visitor gave, or None for the loser."""
    given = dict(lead.pending or {})
    waiting = lead.state
    if waiting not in (HELD, UNCONFIRMED) or not given:
        return None
    won = session.execute(
        update(Lead)
        .where(Lead.id == lead.id, Lead.state == waiting)
        .values(state="new", received_at=now, pending=None)
        .execution_options(synchronize_session=False)
    )
    session.expire(lead, ["state", "received_at", "pending"])
    if getattr(won, "rowcount", 0) != 1:
        return None
    _record(session, lead, given, now)
    return given


def release(session: Session, lead: Lead, *, confirm_first: bool, actor: str, now: datetime) -> str:
    """A held lead let through: it counts now, or waits for its visitor's confirmation
    when the kit asks for double opt-in. Returns the state it is in."""
    if lead.state != HELD:
        raise InvalidInput(
            f"only a held lead can be released, not a {lead.state} one", where="state"
        )
    if confirm_first:
        _move(session, lead, state=UNCONFIRMED, received_at=now)
        record(session, actor, "lead.release", "lead", lead.id, {})
        return UNCONFIRMED
    count(session, lead, now)
    record(session, actor, "lead.release", "lead", lead.id, {})
    return "new"


def discard(session: Session, lead: Lead, *, actor: str, now: datetime) -> None:
    """A held lead thrown away, and what its visitor gave with it; the row stays, empty,
    so the hour's limits still see the submission."""
    if lead.state != HELD:
        raise InvalidInput(
            f"only a held lead can be discarded, not a {lead.state} one", where="state"
        )
    _move(session, lead, state=DISCARDED, state_at=now, pending=None)
    record(session, actor, "lead.discard", "lead", lead.id, {})


def _move(session: Session, lead: Lead, **values: Any) -> None:
    """A held lead changed by one conditional UPDATE: of two requests at the same moment
    one wins, the other is told the lead is held no longer (eight releases at once mailed
    its visitor eight confirmation links, and a discard racing a release could empty a
    lead already counted: an attack test)."""
    won = session.execute(
        update(Lead)
        .where(Lead.id == lead.id, Lead.state == HELD)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(lead, list(values))
    if getattr(won, "rowcount", 0) != 1:
        raise InvalidInput(
            "the lead is held no longer: it was just released or discarded", where="state"
        )


def confirm(session: Session, lead: Lead, now: datetime) -> dict[str, Any] | None:
    """The visitor confirmed: what it gave when this made it a lead, None when it already
    was one (a second click, or a second request at the same moment, counts nothing)."""
    return _claim(session, lead, now) if lead.state == UNCONFIRMED else None


def expire_unconfirmed(session: Session, *, now: datetime, hours: float) -> int:
    """Unconfirmed leads whose link has expired are discarded, with what their visitors
    gave: nobody agreed to be contacted."""
    stale = list(
        session.scalars(
            select(Lead).where(
                Lead.state == UNCONFIRMED, Lead.received_at <= now - timedelta(hours=hours)
            )
        )
    )
    for lead in stale:
        lead.state, lead.state_at, lead.pending = DISCARDED, now, None
    return len(stale)
