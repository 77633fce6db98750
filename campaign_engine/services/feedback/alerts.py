"""Alerts to a partner's owner (the admins when it has none) about what needs a person:
the partner opted out of everything, rated an asset down with a quality or brand concern,
or went silent (no notice link opened, no portal visit, nothing sent for
feedback.silent_days).

Each alert is a FeedbackMail row written in the same transaction as its cause, under a
unique (event, recipient): seen again (a second run, a second scheduler after failover, a
repeated opt-out) it adds nothing. services/feedback/mail.py sends what is unsent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign_engine.db import (
    Campaign,
    Consent,
    Delivery,
    FeedbackMail,
    Membership,
    Partner,
    PartnerFeedback,
    UserSession,
)
from campaign_engine.db.base import utcnow
from campaign_engine.domain.consent import ALL_CHANNELS, PROGRAMME
from campaign_engine.services.partners.runway.owners import owner_or_admins

OPT_OUT_ALERT_EVERY = timedelta(days=1)  # one partner's "opted out of everything", at most
KINDS = ("opt_out_all", "brand", "silent", "reply")
ALERT_KINDS = ("opt_out_all", "brand", "silent")  # to the vendor; "reply" goes to partners


def queue_mail(
    session: Session,
    *,
    event: str,
    kind: str,
    partner_id: int,
    recipients: list[str],
    subject: str,
    body: str,
    link: str,
    now: datetime | None = None,
) -> int:
    """Owe each recipient this mail once; returns how many rows were new (0: the event
    was queued before)."""
    known = set(session.scalars(select(FeedbackMail.recipient).where(FeedbackMail.event == event)))
    added = 0
    for recipient in recipients:
        if recipient in known:
            continue
        try:
            with session.begin_nested():  # a concurrent twin of this event: keep theirs
                session.add(
                    FeedbackMail(
                        event=event,
                        kind=kind,
                        partner_id=partner_id,
                        recipient=recipient,
                        subject=subject[:300],
                        body=body,
                        link=link,
                        **({"created_at": now} if now is not None else {}),
                    )
                )
        except IntegrityError:
            continue
        added += 1
    return added


def _alert(
    session: Session,
    partner: Partner,
    event: str,
    kind: str,
    subject: str,
    body: str,
    link: str,
    now: datetime | None = None,
) -> int:
    return queue_mail(
        session,
        event=event,
        kind=kind,
        partner_id=partner.id,
        recipients=owner_or_admins(session, partner),
        subject=subject,
        body=body,
        link=link,
        now=now,
    )


def opted_out_of_everything(session: Session, partner: Partner, decision_id: int) -> int:
    """Called as the programme-wide, all-channel "off" is recorded (and only when it was
    not off already): the owner hears that nothing more goes out in this partner's name.
    At most once a day per partner: switching off and on again is a new opt-out, but a
    member (or a script) doing it over and over must not fill the owner's inbox."""
    recent = session.scalar(
        select(FeedbackMail.id)
        .where(
            FeedbackMail.partner_id == partner.id,
            FeedbackMail.kind == "opt_out_all",
            FeedbackMail.created_at >= utcnow() - OPT_OUT_ALERT_EVERY,
        )
        .limit(1)
    )
    if recent is not None:
        return 0
    return _alert(
        session,
        partner,
        f"optout-{partner.id}-{decision_id}",
        "opt_out_all",
        f"{partner.name} opted out of everything",
        f"{partner.name} ({partner.slug}) switched every campaign and every channel off: "
        f"nothing more goes out in their name until they switch back on.\n"
        "A call now may learn why (a reason they give shows on their page).",
        f"/partners/{partner.slug}",
    )


def brand_concern(
    session: Session, partner: Partner, rating: PartnerFeedback, *, now: datetime
) -> int:
    """A "not useful" with the quality or brand concern: once per rating row (rating the
    same asset down again is the same concern)."""
    comment = f'\n\nTheir comment: "{rating.comment}"' if rating.comment else ""
    campaign = session.get(Campaign, rating.campaign_id) if rating.campaign_id else None
    named = f'"{campaign.name}"' if campaign else f"campaign {rating.campaign_id}"
    return _alert(
        session,
        partner,
        f"brand-{rating.id}",
        "brand",
        f"{partner.name} has a brand concern about the {rating.asset} of {named}",
        f"{partner.name} ({partner.slug}) rated the {rating.asset} of {named} "
        f"not useful, for a quality or brand concern.{comment}\n\n"
        "Reply to them from the campaign's feedback section:",
        f"/campaigns/{rating.campaign_id}#feedback",
        now,
    )


def notice_opened(session: Session, partner_id: int, *, now: datetime) -> None:
    """A notice link of the partner's was opened (its preview or its opt-out page): a sign
    of life. Written at most hourly, and without touching the profile's updated_at."""
    session.execute(
        update(Partner)
        .where(
            Partner.id == partner_id,
            or_(
                Partner.notice_opened_at.is_(None),
                Partner.notice_opened_at < now - timedelta(hours=1),
            ),
        )
        .values(notice_opened_at=now, updated_at=Partner.updated_at)
        .execution_options(synchronize_session=False)
    )


def last_signs_of_life(session: Session) -> dict[int, datetime]:
    """partner id -> the latest of: a notice link opened, a member's portal visit,
    something sent in its name, and its creation (a partner never heard from is silent
    from the day it was added)."""
    latest: dict[int, datetime] = {}

    def keep(rows: Iterable[tuple[int, datetime | None]]) -> None:
        for partner_id, at in rows:
            if at is not None and (partner_id not in latest or at > latest[partner_id]):
                latest[partner_id] = at

    keep(session.execute(select(Partner.id, Partner.created_at)))
    keep(session.execute(select(Partner.id, Partner.notice_opened_at)))
    keep(
        session.execute(
            select(Membership.partner_id, func.max(UserSession.last_seen_at))
            .join(UserSession, UserSession.user_id == Membership.user_id)
            .group_by(Membership.partner_id)
        )
    )
    keep(
        session.execute(
            select(Delivery.partner_id, func.max(Delivery.sent_at))
            .where(Delivery.sent_at.is_not(None))
            .group_by(Delivery.partner_id)
        )
    )
    return latest


def _opted_out_everywhere(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(Consent.partner_id).where(
                Consent.scope == PROGRAMME, Consent.channel == ALL_CHANNELS, Consent.mode == "off"
            )
        )
    )


def sweep_silence(session: Session, *, now: datetime, days: int) -> list[int]:
    """Alert the owners of partners silent for `days`; returns the partners newly alerted.
    The event is the partner and its last sign of life, so a silence is alerted once
    however many runs see it, and a partner that wakes up and falls silent again is a
    new silence. A partner that opted out of everything was alerted for that instead."""
    quiet_since = now - timedelta(days=days)
    out = _opted_out_everywhere(session)
    alerted = []
    for partner_id, last in last_signs_of_life(session).items():
        if last > quiet_since or partner_id in out:
            continue
        partner = session.get(Partner, partner_id)
        assert partner is not None
        waited = (now - last).days
        if _alert(
            session,
            partner,
            f"silent-{partner.id}-{last:%Y%m%d%H%M%S}",
            "silent",
            f"{partner.name} has gone silent for {waited} days",
            f"Since {last:%Y-%m-%d}, {partner.name} ({partner.slug}) has opened no notice, "
            f"visited no portal page and had nothing sent in its name ({waited} days; the "
            f"alert comes after {days}).",
            f"/partners/{partner.slug}",
            now,
        ):
            alerted.append(partner.id)
    return alerted


def alerts_since(session: Session, since: datetime) -> dict[str, list[FeedbackMail]]:
    """recipient -> the alerts raised for them since `since`: the owner's digest lists them
    again beside the partners at risk."""
    grouped: dict[str, list[FeedbackMail]] = defaultdict(list)
    for row in session.scalars(
        select(FeedbackMail)
        .where(FeedbackMail.kind.in_(ALERT_KINDS), FeedbackMail.created_at >= since)
        .order_by(FeedbackMail.created_at)
    ):
        grouped[row.recipient].append(row)
    return dict(grouped)
