"""The weekly at-risk digest: each owner gets the partners on their runway that have gone
quiet (no milestone for `quiet_days`), with the first thing to do about each. Partners
without an owner go to the admins, so nobody falls through."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from campaign_engine.db import Partner, User
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Endpoint, Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.insights.runway_reports import positions
from campaign_engine.services.milestones import reached


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
    """Emails each owner; returns owner -> number of partners named. Keyed by ISO week, so
    a second run in the same week (a restarted scheduler) sends nothing new."""
    sent = {}
    week = now.strftime("%G-W%V")
    for owner, rows in at_risk_by_owner(runtime, now=now).items():
        lines = [
            f"- {r['name']} ({r['partner']}): day {r['day']} of 120, {r['days_quiet']} days "
            f"since their last milestone ({r['stage']}). First action: {r['first_action']}."
            for r in rows
        ]
        message = Message(
            channel="email",
            recipient=owner,
            subject=f"{len(rows)} partner{'s' if len(rows) != 1 else ''} at risk on their runway",
            body_text=(
                "These partners have reached no milestone for "
                f"{runtime.settings.runway.quiet_days} days or more:\n\n"
                + "\n".join(lines)
                + f"\n\nThe runway page: {runtime.settings.public_base_url}/runway\n"
            ),
            sender_name=runtime.settings.programme.name,
        )
        try:
            key = f"digest-{week}-{hashlib.sha256(owner.encode()).hexdigest()[:16]}"
            runtime.connector("email").publish(message, Endpoint("email"), key)
        except DeliveryError:
            continue
        sent[owner] = len(rows)
    return sent
