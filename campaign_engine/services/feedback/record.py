"""Recording what partners say. A reason is never a barrier: the opt-out, skip or pause
has happened already; the reason is added to it afterwards, or never."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Consent, Delivery, PartnerFeedback
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.consent import ALL_CHANNELS, PROGRAMME, campaign_scope
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.plain_text import plain_text
from campaign_engine.domain.words import N_
from campaign_engine.errors import InvalidInput, InvalidTransition, NotFound
from campaign_engine.infra.audit import record

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


def plain_words(text: str | None, *, where: str, most: int) -> str:
    """What a person typed for another to read (a comment, a reason's words, a reply):
    its line breaks and tabs kept as plain ones, and no other control character (a NUL
    PostgreSQL refuses, a 500; an escape sequence that rewrites the terminal `campaigns
    feedback` prints to) nor a bidi override (which reverses the words around it)."""
    words = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").strip()
    try:
        plain_text(words, lines=True)
    except ValueError as exc:
        raise InvalidInput(str(exc), where=where) from None
    if len(words) > most:
        raise InvalidInput(f"at most {most} characters", where=where)
    return words


def _comment(text: str | None) -> str:
    return plain_words(text, where="comment", most=MAX_COMMENT)


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
    asset: str | None = None,
) -> PartnerFeedback:
    """Why the partner opted out of a campaign, skipped an item or paused a channel. The
    reason explains what the partner did: a skip names an item (campaign, channel, asset)
    it declined in review; an opt-out or a pause a switch it has off now (any other is a
    409, so no partner can put reasons on a campaign it never left, or another
    audience's). A second reason for the same thing replaces the first (one the vendor has
    answered stays, beside its reply), so a script cannot flood the vendor's pages."""
    if kind not in KINDS:
        raise InvalidInput(f"{kind!r} is not one of {', '.join(KINDS)}", where="kind")
    if reason not in REASONS:
        raise InvalidInput(f"{reason!r} is not one of {', '.join(REASONS)}", where="reason")
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}", where="channel")
    _campaign(session, campaign_id)
    if asset is not None and "\x00" in asset:  # PostgreSQL refuses it even in a query
        raise NotFound(N_("this item is not in your review queue"))
    if asset is not None or kind == "skip":
        _skipped_item(session, partner_id, campaign_id, channel, asset)
    else:
        _switched_off(session, partner_id, kind, campaign_id, channel)
    session.execute(
        delete(PartnerFeedback).where(
            PartnerFeedback.partner_id == partner_id,
            PartnerFeedback.kind == kind,
            _same(PartnerFeedback.campaign_id, campaign_id),
            _same(PartnerFeedback.channel, channel),
            _same(PartnerFeedback.asset, asset),
            PartnerFeedback.replied_at.is_(None),
        )
    )
    feedback = PartnerFeedback(
        partner_id=partner_id,
        campaign_id=campaign_id,
        kind=kind,
        channel=channel,
        asset=asset,
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


def _same(column: Any, value: object) -> Any:
    return column.is_(None) if value is None else column == value


def _switched_off(
    session: Session, partner_id: int, kind: str, campaign_id: int | None, channel: str | None
) -> None:
    """An opt-out's reason needs that campaign (or its channel) off for the partner; a
    pause's, the programme-wide switch of that channel (or of all) off."""
    if kind == "opt_out" and campaign_id is None:
        raise InvalidInput("an opt-out's reason names its campaign", where="campaign_id")
    if kind == "pause" and campaign_id is not None:
        raise InvalidInput("a pause is programme-wide: it names no campaign", where="campaign_id")
    scope = campaign_scope(campaign_id) if campaign_id is not None else PROGRAMME
    off = session.scalar(
        select(Consent.id).where(
            Consent.partner_id == partner_id,
            Consent.scope == scope,
            Consent.channel == (channel or ALL_CHANNELS),
            Consent.mode == "off",
        )
    )
    if off is None:
        raise InvalidTransition(N_("opt out first; the reason goes with the opt-out"))


def _skipped_item(
    session: Session,
    partner_id: int,
    campaign_id: int | None,
    channel: str | None,
    asset: str | None,
) -> None:
    """A skip's reason names an item this partner skipped in review (campaign, channel,
    asset), never one it made up for the vendor's report or another partner's."""
    found = session.scalar(
        select(Delivery.id)
        .where(
            Delivery.partner_id == partner_id,
            Delivery.campaign_id == campaign_id,
            Delivery.channel == channel,
            Delivery.asset == asset,
            Delivery.reason == Reason.DECLINED_IN_REVIEW,
        )
        .limit(1)
    )
    if None in (campaign_id, channel, asset) or found is None:
        raise NotFound(N_("this item is not in your review queue"))


def give_notice_reason(
    session: Session,
    partner_id: int,
    campaign_id: int,
    reason: str,
    *,
    comment: str | None,
    now: datetime,
) -> PartnerFeedback:
    """Why the partner opted out through its notice link (no sign-in: the link names the
    partner and the campaign, and nothing else). Only after that campaign is switched off;
    a second reason through the link replaces the first, so a forwarded link cannot
    inflate the vendor's counts."""
    off = session.scalar(
        select(Consent.id).where(
            Consent.partner_id == partner_id,
            Consent.scope == f"campaign:{campaign_id}",
            Consent.channel == "*",
            Consent.mode == "off",
        )
    )
    if off is None:
        raise InvalidTransition(N_("opt out first; the reason goes with the opt-out"))
    session.execute(
        delete(PartnerFeedback).where(
            PartnerFeedback.partner_id == partner_id,
            PartnerFeedback.campaign_id == campaign_id,
            PartnerFeedback.kind == "opt_out",
            PartnerFeedback.via == "link",
        )
    )
    return give_reason(
        session,
        partner_id,
        "opt_out",
        reason,
        campaign_id=campaign_id,
        channel=None,
        comment=comment,
        actor="notice link",
        via="link",
        now=now,
    )


def kind_of_decision(mode: str, campaign_id: int | None, channel: str | None) -> str | None:
    """Which feedback a consent decision may carry: "off" for one campaign is an opt-out,
    "off" for a channel everywhere a pause; switching on asks nothing."""
    if mode != "off":
        return None
    return "opt_out" if campaign_id is not None else "pause"
