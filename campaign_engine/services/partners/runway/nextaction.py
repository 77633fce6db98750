"""One recommended next action for a partner, computed from its own data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import ChannelEndpoint, Consent, Contact, Delivery, Event, Partner
from campaign_engine.domain.channels import CHANNELS, channel_label
from campaign_engine.domain.consent import PROGRAMME, ConsentMode, resolve
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.domain.words import N_, Listed, Nn_, Words
from campaign_engine.services.assets.preflight.problems import fix_for
from campaign_engine.services.delivery.token_expiry import NAMES, token_expiry
from campaign_engine.services.mdf.nudge import mdf_step

Action = Words  # a next action is words to translate where they are read


def next_action(session: Session, partner: Partner, *, now: datetime) -> str:
    """The most useful thing to do now, most urgent first, in English."""
    return str(next_step(session, partner, now=now))


def _held_by_preflight(session: Session, partner: Partner) -> Action | None:
    """Deliveries preflight held, with what to fix: the first problem's own words."""
    rows = session.execute(
        select(Delivery.last_error).where(
            Delivery.partner_id == partner.id,
            Delivery.status == DeliveryStatus.FAILED,
            Delivery.reason == Reason.HELD_BY_PREFLIGHT,
        )
    ).all()
    if not rows:
        return None
    one, many = Nn_(
        "%(num)d campaign item is held because it would not look right in your name "
        "(%(problem)s). Fix it in your profile and it goes out",
        "%(num)d campaign items are held because they would not look right in your name "
        "(%(problem)s). Fix it in your profile and they go out",
    )
    return Action(one, {"problem": fix_for(rows[0][0] or "")}, plural=many, count=len(rows))


def next_step(session: Session, partner: Partner, *, now: datetime) -> Action:
    """The most useful thing to do now, most urgent first."""
    return (
        _waiting_for_approval(session, partner)
        or _held_by_preflight(session, partner)
        or _expiring_connection(session, partner, now)
        or _logo_missing(partner)
        or _channels_off(session, partner)
        or mdf_step(session, partner, now=now)
        or _no_contacts(session, partner)
        or _recent_clicks(session, partner, now)
        or _profile_gaps(partner)
        or Action(N_("You are all set: your next campaign goes out automatically"))
    )


def _waiting_for_approval(session: Session, partner: Partner) -> Action | None:
    """Items held for the partner's review, counted once per campaign, channel and asset."""
    waiting = (
        select(Delivery.campaign_id, Delivery.channel, Delivery.asset)
        .where(Delivery.partner_id == partner.id, Delivery.status == DeliveryStatus.HELD)
        .distinct()
        .subquery()
    )
    held = session.scalar(select(func.count()).select_from(waiting)) or 0
    if not held:
        return None
    one, many = Nn_(
        "%(num)d campaign item is waiting for your approval",
        "%(num)d campaign items are waiting for your approval",
    )
    return Action(one, plural=many, count=held)


def _logo_missing(partner: Partner) -> Action | None:
    if partner.logo_sha256:
        return None
    return Action(
        N_("Your logo is missing: your brochure and posts use your name instead. Upload it.")
    )


def _channels_off(session: Session, partner: Partner) -> Action | None:
    """Everything, or some channels, switched off for every campaign."""
    switched_off = _switched_off(session, partner)
    if switched_off == ("*",):
        return Action(
            N_(
                "Everything is switched off for every campaign: nothing goes out in your "
                "name. Switch it back on under Your campaigns when you are ready"
            )
        )
    if not switched_off:
        return None
    one, many = Nn_(
        "%(channels)s is switched off for every campaign: nothing goes out there in "
        "your name. Switch it back on under Your campaigns when you are ready",
        "%(channels)s are switched off for every campaign: nothing goes out there in "
        "your name. Switch it back on under Your campaigns when you are ready",
    )
    channels = Listed(channel_label(c) for c in switched_off)
    return Action(one, {"channels": channels}, plural=many, count=len(switched_off))


def _no_contacts(session: Session, partner: Partner) -> Action | None:
    if session.scalar(select(Contact.id).where(Contact.partner_id == partner.id).limit(1)):
        return None
    return Action(
        N_(
            "No customer contacts yet: campaign emails have nobody to go to. Send your "
            "contact list to the vendor's partner team"
        )
    )


def _recent_clicks(session: Session, partner: Partner, now: datetime) -> Action | None:
    """People (not bots) who clicked the partner's links in the last seven days."""
    clicks = (
        session.scalar(
            select(func.count()).where(
                Event.partner_id == partner.id,
                Event.type == "click",
                Event.is_bot.is_(False),
                Event.occurred_at >= now - timedelta(days=7),
            )
        )
        or 0
    )
    if not clicks:
        return None
    one, many = Nn_(
        "%(num)d customer clicked your campaign links this week: call them",
        "%(num)d customers clicked your campaign links this week: call them",
    )
    return Action(one, plural=many, count=clicks)


def _profile_gaps(partner: Partner) -> Action | None:
    """A phone number or postal address some assets require."""
    if not partner.phone and not partner.postal_address:
        return Action(
            N_("Add your phone number and postal address: some assets cannot go out without it")
        )
    if not partner.phone:
        return Action(N_("Add your phone number: some assets cannot go out without it"))
    if not partner.postal_address:
        return Action(N_("Add your postal address: some assets cannot go out without it"))
    return None


def _switched_off(session: Session, partner: Partner) -> tuple[str, ...]:
    """The channels the partner's programme-wide decisions switch off ("*" for all),
    resolved as the planner resolves them (a channel's own decision wins over the
    all-channels one)."""
    decisions = {
        (scope, channel): mode
        for scope, channel, mode in session.execute(
            select(Consent.scope, Consent.channel, Consent.mode).where(
                Consent.partner_id == partner.id, Consent.scope == PROGRAMME
            )
        )
    }
    off = tuple(c for c in CHANNELS if decisions and resolve(decisions, 0, c) is ConsentMode.OFF)
    return ("*",) if off and len(off) == len(CHANNELS) else off


def _expiring_connection(session: Session, partner: Partner, now: datetime) -> Action | None:
    for endpoint in session.scalars(
        select(ChannelEndpoint).where(ChannelEndpoint.partner_id == partner.id)
    ):
        expires = token_expiry(endpoint)
        if expires is not None and expires <= now + timedelta(days=14):
            service = NAMES.get(endpoint.kind, endpoint.kind)
            if expires <= now:
                return Action(
                    N_(
                        "Your %(service)s connection has expired: reconnect it so your posts "
                        "keep going out"
                    ),
                    {"service": service},
                )
            return Action(
                N_(
                    "Your %(service)s connection expires on %(day)s: reconnect it so your posts "
                    "keep going out"
                ),
                {"service": service, "day": expires},
            )
    return None
