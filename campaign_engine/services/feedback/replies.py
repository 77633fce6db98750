"""The vendor's reply to what a partner said (a rating, a comment, a reason): stored on
the feedback row, emailed to the partner's users in the partner's language, and shown in
the portal (the campaign's assets, and "Replies from <vendor>" on the home page). The
reply closes the loop: a partner learns that someone read it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Partner, PartnerFeedback
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.services.access.memberships import member_emails
from campaign_engine.services.feedback.alerts import queue_mail
from campaign_engine.services.feedback.record import plain_words
from campaign_engine.translations import partner_language

MAX_REPLY = 2000


def reply_to(
    session: Session,
    feedback_id: int,
    text: str | None,
    *,
    actor: str,
    now: datetime,
    vendor: str,
    campaign_id: int | None = None,
) -> PartnerFeedback:
    """Store the reply (a new one replaces the last) and owe the partner's users an email.
    `campaign_id`, when given, must be the row's: a reply posted on one campaign's page
    never lands on another's feedback."""
    row = session.get(PartnerFeedback, feedback_id)
    if row is None or (campaign_id is not None and row.campaign_id != campaign_id):
        raise NotFound(f"no feedback {feedback_id}")
    words = plain_words(text, where="reply", most=MAX_REPLY)
    if not words:
        raise InvalidInput("write a reply", where="reply")
    row.reply, row.replied_by, row.replied_at = words, actor, now
    session.flush()
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    record(session, actor, "feedback.reply", "partner", partner.slug, {"feedback": row.id})
    _mail_partner(session, partner, row, vendor=vendor, now=now)
    return row


def _mail_partner(
    session: Session, partner: Partner, row: PartnerFeedback, *, vendor: str, now: datetime
) -> int:
    words, _ = partner_language(partner.locale)
    campaign = session.get(Campaign, row.campaign_id) if row.campaign_id else None
    values = {"vendor": vendor, "campaign": campaign.title if campaign else ""}
    said = row.comment
    if row.kind == "rating" and not said:
        said = words.gettext("useful") if row.useful else words.gettext("not useful")
    lines = [
        words.gettext("%(vendor)s replied to your feedback") % values
        + (f" ({values['campaign']})" if campaign else "")
        + ":",
        "",
        row.reply,
        "",
    ]
    if said:
        lines += [words.gettext("You wrote: %(said)s") % {"said": said}, ""]
    lines.append(words.gettext("Read it in your portal:"))
    link = (
        f"/portal/campaigns/{row.campaign_id}#rating-{row.campaign_id}-{row.asset}"
        if row.kind == "rating" and row.campaign_id
        else "/portal/#replies"
    )
    return queue_mail(
        session,
        # each new wording mails once: a double-click sends one, a corrected reply a second
        event=f"reply-{row.id}-{hashlib.sha256(row.reply.encode()).hexdigest()[:16]}",
        kind="reply",
        partner_id=partner.id,
        recipients=member_emails(session, partner.id),
        subject=words.gettext("%(vendor)s replied to your feedback") % values,
        body="\n".join(lines),
        link=link,
        now=now,
    )


def replies_for(session: Session, partner_id: int, *, limit: int = 5) -> list[dict[str, Any]]:
    """The partner's latest answered feedback, newest reply first, for its home page."""
    rows = session.execute(
        select(PartnerFeedback, Campaign)
        .outerjoin(Campaign, Campaign.id == PartnerFeedback.campaign_id)
        .where(PartnerFeedback.partner_id == partner_id, PartnerFeedback.replied_at.is_not(None))
        .order_by(PartnerFeedback.replied_at.desc())
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "campaign_id": row.campaign_id,
            "campaign": campaign.title if campaign is not None else None,
            "asset": row.asset,
            "useful": row.useful,
            "comment": row.comment,
            "reply": row.reply,
            "replied_at": row.replied_at,
        }
        for row, campaign in rows
    ]
