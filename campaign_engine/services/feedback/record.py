"""Recording what partners say. A reason is never a barrier: the opt-out, skip or pause
has happened already; the reason is added to it afterwards, or never."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, PartnerFeedback
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.services.audit import record

# each reason as the partner reads it (translated where it is shown)
REASON_WORDS = {
    "not_relevant": N_("Not relevant to my customers"),
    "timing": N_("Wrong timing"),
    "too_frequent": N_("Too frequent"),
    "quality": N_("Quality or brand concern"),
    "other": N_("Other"),
}
REASONS = tuple(REASON_WORDS)
KINDS = ("opt_out", "skip", "pause")
MAX_COMMENT = 1000


def _comment(text: str | None) -> str:
    words = (text or "").strip()
    if len(words) > MAX_COMMENT:
        raise InvalidInput(f"at most {MAX_COMMENT} characters", where="comment")
    return words


def _campaign(session: Session, campaign_id: int | None) -> None:
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise NotFound(f"no campaign {campaign_id}")


def give_reason(
    session: Session,
    partner_id: int,
    kind: str,
    reason: str,
    *,
    campaign_id: int | None,
    channel: str | None,
    comment: str | None,
    actor: str,
    via: str,
    now: datetime,
) -> PartnerFeedback:
    """Why the partner opted out of a campaign, skipped an item or paused a channel."""
    if kind not in KINDS:
        raise InvalidInput(f"{kind!r} is not one of {', '.join(KINDS)}", where="kind")
    if reason not in REASONS:
        raise InvalidInput(f"{reason!r} is not one of {', '.join(REASONS)}", where="reason")
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}", where="channel")
    _campaign(session, campaign_id)
    feedback = PartnerFeedback(
        partner_id=partner_id,
        campaign_id=campaign_id,
        kind=kind,
        channel=channel,
        reason=reason,
        comment=_comment(comment),
        actor=actor,
        via=via,
        at=now,
    )
    session.add(feedback)
    session.flush()
    record(session, actor, f"feedback.{kind}", "partner", partner_id, {"reason": reason})
    return feedback


def kind_of_decision(mode: str, campaign_id: int | None, channel: str | None) -> str | None:
    """Which feedback a consent decision may carry: "off" for one campaign is an opt-out,
    "off" for a channel everywhere a pause; switching on asks nothing."""
    if mode != "off":
        return None
    return "opt_out" if campaign_id is not None else "pause"
