"""Details expire; figures stay. Run daily (pipeline/jobs.py retention_job) with the
windows of settings.retention:

- opens and clicks older than `engagement_months`: their rows (the hashed visitor, the
  link or email) are deleted, and so are their first-visit rows (unique_engagements).
  Every report reads the tallies kept as they arrived (event_tallies), so no count moves;
  `events recount`, which recounts from the rows, refuses after a prune;
- leads received more than `lead_months` ago: what their visitor gave (name, address,
  company, message, consent) leaves the lead, its event and a held lead's row, and a
  landing lead's external id (a hash of the address) becomes a keyed pseudonym; state,
  times, campaign and amounts stay, which is all the figures read;
- emails in the maildir outbox older than `outbox_days` (by file time): deleted;
- a leaving partner's zip kept for download (archives.py) older than `offboard_days`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign_engine.db import AuditEntry, Event, Lead, UniqueEngagement
from campaign_engine.db.results import affected_rows
from campaign_engine.infra.audit import record
from campaign_engine.infra.ratelimit import SIGN_IN_BUCKETS, forget_idle
from campaign_engine.runtime import Runtime
from campaign_engine.services.stewardship.archives import prune_archives
from campaign_engine.services.stewardship.erasure import rename_lead
from campaign_engine.services.stewardship.keys import keyed
from campaign_engine.settings_sections import RetentionSettings

ENGAGEMENT = ("open", "click")
PRUNED_ENGAGEMENT = "retention.engagement"  # the audit action rebuild-tallies looks for
BATCH = 5_000


@dataclass(frozen=True)
class Pruned:
    engagement: int  # open and click rows deleted
    first_visits: int  # unique_engagements rows deleted
    leads: int  # leads whose details went
    outbox_files: int
    archives: int = 0  # offboarded partners' zips

    def total(self) -> int:
        return self.engagement + self.first_visits + self.leads + self.outbox_files + self.archives


def prune_rows(
    session: Session, windows: RetentionSettings, *, now: datetime, secret_key: str
) -> Pruned:
    """The database part, in the caller's transaction; outbox files are prune_outbox's."""
    engagement_cutoff = now - relativedelta(months=windows.engagement_months)
    events = _delete_engagement(session, engagement_cutoff)
    visits = affected_rows(
        session.execute(
            delete(UniqueEngagement)
            .where(UniqueEngagement.day < engagement_cutoff.date())
            .execution_options(synchronize_session=False)
        )
    )
    leads = _strip_leads(session, now - relativedelta(months=windows.lead_months), secret_key)
    pruned = Pruned(events, visits, leads, 0)
    if pruned.total():
        action = PRUNED_ENGAGEMENT if events or visits else "retention.leads"
        detail = {"engagement": events, "first_visits": visits, "leads": leads}
        record(session, "engine", action, "programme", "*", detail)
    return pruned


def _delete_engagement(session: Session, cutoff: datetime) -> int:
    """Opens and clicks that occurred before `cutoff`, in batches (a year of clicks can
    be millions of rows; each batch is a short statement)."""
    deleted = 0
    while True:
        ids = list(
            session.scalars(
                select(Event.id)
                .where(Event.type.in_(ENGAGEMENT), Event.occurred_at < cutoff)
                .limit(BATCH)
            )
        )
        if not ids:
            return deleted
        session.execute(
            delete(Event).where(Event.id.in_(ids)).execution_options(synchronize_session=False)
        )
        deleted += len(ids)


def _strip_leads(session: Session, cutoff: datetime, secret_key: str) -> int:
    """Landing-page leads received before `cutoff`: the only leads that hold what a
    visitor gave (CRM and CSV leads carry the CRM's id alone). An erased or stripped one
    is named "erased-..." and so is not found again."""
    old = session.scalars(
        select(Lead).where(Lead.received_at < cutoff, Lead.external_id.like("landing-%"))
    ).all()
    for lead in old:
        rename_lead(
            session,
            lead.partner_id,
            lead.external_id,
            "erased-" + keyed(lead.external_id, secret_key),
        )
    return len(old)


def prune_outbox(outbox: Path, *, days: int, now: float | None = None) -> int:
    """Delete outbox emails whose file is older than `days`; returns how many."""
    cutoff = (now if now is not None else time.time()) - days * 86_400
    removed = 0
    for sub in ("new", "cur", "tmp"):
        folder = outbox / sub
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    if entry.is_file() and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:
                    continue
    return removed


def engagement_pruned(session: Session) -> bool:
    """Whether open or click rows were ever pruned: their counts live only in the tallies."""
    found = session.scalar(select(AuditEntry.id).where(AuditEntry.action == PRUNED_ENGAGEMENT))
    return found is not None


def run_retention(runtime: Runtime) -> Pruned:
    """One daily round: rows in one transaction, then the outbox, then SQLite's log
    emptied so the deleted pages leave the disk too."""
    from campaign_engine.services.stewardship.files import checkpoint

    settings = runtime.settings
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        rows = prune_rows(session, settings.retention, now=now, secret_key=settings.secret_key)
        forget_idle(session, SIGN_IN_BUCKETS, now - timedelta(days=1))  # client addresses
    files = prune_outbox(
        settings.email.outbox_dir, days=settings.retention.outbox_days, now=now.timestamp()
    )
    archives = prune_archives(
        settings.storage_dir, days=settings.retention.offboard_days, now=now.timestamp()
    )
    checkpoint(runtime.engine)  # also what an erasure could not empty while in use
    return Pruned(rows.engagement, rows.first_visits, rows.leads, files, archives)
