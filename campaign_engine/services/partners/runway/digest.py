"""The weekly at-risk digest: each owner gets the partners on their runway that have gone
quiet (no milestone for `quiet_days`), with the first thing to do about each. Partners
without an owner go to the admins, so nobody falls through."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from campaign_engine.db import Partner, User
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.programme_mail import send_programme_mail
from campaign_engine.services.feedback.alerts import alerts_since
from campaign_engine.services.partners.runway.milestones import reached
from campaign_engine.services.partners.runway.reports import positions


def at_risk_by_owner(runtime: Runtime, *, now: datetime) -> dict[str, list[dict[str, object]]]:
    """owner email -> that owner's at-risk partners (unowned ones under every admin)."""
    quiet = runtime.settings.runway.quiet_days
    with runtime.sessions() as session:
        partners = [p for p in session.scalars(select(Partner)) if p.signed_at is not None]
        rows = positions(session, partners, reached(session), now=now, quiet_days=quiet)
        admins = list(session.scalars(select(User.email).where(User.role == "admin")))
    grouped: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        if not row["at_risk"]:  # overdue partners are listed on the runway page instead
            continue
        for owner in [row["owner"]] if row["owner"] else admins:
            grouped[str(owner)].append(row)
    return dict(grouped)


def send_digest(runtime: Runtime, *, now: datetime) -> dict[str, int]:
    """Emails each owner; returns owner -> number of partners and alerts named. Keyed by
    ISO week, so a second run in the same week (a restarted scheduler) sends nothing new.
    The week's feedback alerts (services/feedback/alerts.py: opted out of everything, a
    brand concern, gone silent) are listed again under the partners at risk."""
    sent = {}
    week = now.strftime("%G-W%V")
    at_risk = at_risk_by_owner(runtime, now=now)
    with runtime.sessions() as session:
        alerts = {
            owner: [(row.subject, row.link) for row in rows]
            for owner, rows in alerts_since(session, now - timedelta(days=7)).items()
        }
    for owner in sorted(set(at_risk) | set(alerts)):
        rows, raised = at_risk.get(owner, []), alerts.get(owner, [])
        message = Message(
            channel="email",
            recipient=owner,
            subject=_subject(len(rows), len(raised)),
            body_text=_body(runtime, rows, raised),
            sender_name=runtime.settings.programme.name,
        )
        try:
            key = f"digest-{week}-{hashlib.sha256(owner.encode()).hexdigest()[:16]}"
            send_programme_mail(runtime, message, key)
        except DeliveryError:
            continue
        sent[owner] = len(rows) + len(raised)
    return sent


def _subject(at_risk: int, alerts: int) -> str:
    if not at_risk:
        return f"{alerts} partner alert{'s' if alerts != 1 else ''} this week"
    subject = f"{at_risk} partner{'s' if at_risk != 1 else ''} at risk on their runway"
    return subject + (f", {alerts} alert{'s' if alerts != 1 else ''}" if alerts else "")


def _body(runtime: Runtime, rows: list[dict[str, object]], alerts: list[tuple[str, str]]) -> str:
    base = runtime.settings.public_base_url
    parts = []
    if rows:
        lines = [
            f"- {r['name']} ({r['partner']}): day {r['day']} of 120, {r['days_quiet']} days "
            f"since their last milestone ({r['stage']}). First action: {r['first_action']}."
            for r in rows
        ]
        parts.append(
            "These partners have reached no milestone for "
            f"{runtime.settings.runway.quiet_days} days or more:\n\n"
            + "\n".join(lines)
            + f"\n\nThe runway page: {base}/runway\n"
        )
    if alerts:
        lines = [f"- {subject}: {base}{link}" for subject, link in alerts]
        parts.append("Alerts this week:\n\n" + "\n".join(lines) + "\n")
    return "\n".join(parts)
