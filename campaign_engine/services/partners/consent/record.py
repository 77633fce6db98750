"""Recording consent decisions, with their history, and following them at once: every
affected future delivery moves the moment the decision is made (consent.follow)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Consent, ConsentEvent, Delivery, Partner
from campaign_engine.domain.audience import includes
from campaign_engine.domain.consent import (
    ALL_CHANNELS,
    PROGRAMME,
    ConsentMode,
    ConsentRules,
    campaign_scope,
)
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.ports import CHANNELS
from campaign_engine.services.campaigns.lifecycle import get_campaign
from campaign_engine.services.feedback.alerts import opted_out_of_everything
from campaign_engine.services.partners.consent.follow import follow_partner


def set_consent(
    session: Session,
    partner: Partner,
    mode: ConsentMode,
    *,
    campaign_id: int | None = None,
    channel: str | None = None,
    actor: str,
    via: str,
    rules: ConsentRules,
    now: datetime,
) -> int:
    """Record one decision and move what it affects at once; returns the rows moved."""
    _store(session, partner, mode, campaign_id=campaign_id, channel=channel, actor=actor, via=via)
    session.flush()
    return follow_partner(session, partner.id, rules, now=now, campaign_id=campaign_id)


def _store(
    session: Session,
    partner: Partner,
    mode: ConsentMode,
    *,
    campaign_id: int | None,
    channel: str | None,
    actor: str,
    via: str,
) -> None:
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput(
            f"unknown channel '{channel}'; use one of {', '.join(CHANNELS)}", where="--channel"
        )
    if campaign_id is not None:
        _check_targets(session, get_campaign(session, campaign_id), partner)
    scope = campaign_scope(campaign_id) if campaign_id is not None else PROGRAMME
    key = channel or ALL_CHANNELS
    row = session.scalar(
        select(Consent).where(
            Consent.partner_id == partner.id, Consent.scope == scope, Consent.channel == key
        )
    )
    if row is None:
        row = Consent(
            partner_id=partner.id,
            scope=scope,
            campaign_id=campaign_id,
            channel=key,
            mode=mode.value,
        )
        session.add(row)
    was = row.mode if row.id is not None else None
    row.mode = mode.value
    decision = ConsentEvent(
        partner_id=partner.id,
        campaign_id=campaign_id,
        channel=key,
        mode=mode.value,
        actor=actor,
        via=via,
    )
    session.add(decision)
    if scope == PROGRAMME and key == ALL_CHANNELS and mode is ConsentMode.OFF and was != "off":
        session.flush()  # the decision's id names the alert: once per opt-out
        opted_out_of_everything(session, partner, decision.id)
    record(
        session,
        actor,
        f"consent.{mode.value}",
        "partner",
        partner.slug,
        {"campaign_id": campaign_id, "channel": key, "via": via},
    )


def opt_out_of_campaign(
    session: Session,
    partner: Partner,
    campaign_id: int,
    *,
    actor: str,
    via: str,
    rules: ConsentRules,
    now: datetime,
) -> int:
    """The one-click opt-out: nothing of this campaign goes out, whatever the partner
    chose for single channels of it before (a channel choice would otherwise win over
    the campaign-wide off, and the page would promise what is not so)."""
    _store(
        session,
        partner,
        ConsentMode.OFF,
        campaign_id=campaign_id,
        channel=None,
        actor=actor,
        via=via,
    )
    for row in _campaign_rows(session, partner.id, campaign_id):
        if row.channel != ALL_CHANNELS and row.mode != ConsentMode.OFF:
            _store(
                session,
                partner,
                ConsentMode.OFF,
                campaign_id=campaign_id,
                channel=row.channel,
                actor=actor,
                via=via,
            )
    session.flush()
    return follow_partner(session, partner.id, rules, now=now, campaign_id=campaign_id)


def _campaign_rows(session: Session, partner_id: int, campaign_id: int) -> list[Consent]:
    return list(
        session.scalars(
            select(Consent).where(
                Consent.partner_id == partner_id, Consent.scope == campaign_scope(campaign_id)
            )
        )
    )


def _check_targets(session: Session, campaign: Campaign, partner: Partner) -> None:
    """A decision about a campaign is the partner's to make only if the campaign is for
    it: its audience takes the partner in, or it already has deliveries for it."""
    if includes(
        campaign.audience or {},
        slug=partner.slug,
        tier=partner.tier,
        region=partner.region,
        vertical=partner.vertical,
        tags=partner.tags or [],
    ):
        return
    planned = session.scalar(
        select(Delivery.id)
        .where(Delivery.campaign_id == campaign.id, Delivery.partner_id == partner.id)
        .limit(1)
    )
    if planned is None:
        raise NotFound(f"campaign {campaign.id} is not one of {partner.slug}'s campaigns")


def campaign_choices(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """The partners' own decisions about this campaign (and programme-wide ones), newest
    first, for the marketer: who switched what, when and how."""
    rows = session.execute(
        select(ConsentEvent, Partner.slug, Partner.name)
        .join(Partner, Partner.id == ConsentEvent.partner_id)
        .where(or_(ConsentEvent.campaign_id == campaign_id, ConsentEvent.campaign_id.is_(None)))
        .order_by(ConsentEvent.id.desc())
    )
    return [
        {
            "partner": slug,
            "partner_name": name,
            "channel": event.channel if event.channel != ALL_CHANNELS else "all channels",
            "mode": event.mode,
            "scope": "this campaign" if event.campaign_id else "every campaign",
            "via": event.via,
            "at": event.at,
        }
        for event, slug, name in rows
    ]
