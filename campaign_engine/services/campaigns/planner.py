"""Planning: the audience, minus opt-outs and suppressions, becomes delivery rows.

Rows are inserted with ON CONFLICT DO NOTHING on their unique key, so planning twice (or a
re-plan after new partners joined the audience) adds only what is missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Contact, Delivery, NotPlanned, Partner, Suppression
from campaign_engine.db.bulk import insert_ignoring_conflicts, refresh_statistics
from campaign_engine.domain.consent import (
    ConsentMode,
    ConsentRules,
    campaign_mode,
    deciding,
    decision_words,
    resolve,
)
from campaign_engine.domain.kit import KitSpec
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.domain.sendtime import local_due
from campaign_engine.services.attribution.links import ensure_links
from campaign_engine.services.campaigns.audience import audience_partners
from campaign_engine.services.partners.consent.read import decisions_for

# Channels with no endpoint of the partner's own go to the built-in default (the portal).
SINGLE_RECIPIENT = {"crm": "crm", "web": "website", "signature": "signature"}
SOCIAL_RECIPIENT = "social-queue"


def idempotency_key(
    campaign_id: int, partner_id: int, channel: str, asset: str, recipient: str
) -> str:
    raw = f"{campaign_id}:{partner_id}:{channel}:{asset}:{recipient.lower()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def plan_deliveries(
    session: Session,
    campaign: Campaign,
    now: datetime,
    rules: ConsentRules,
    partner_ids: Collection[int] | None = None,
    *,
    commit: Callable[[], None] | None = None,
) -> int:
    """Write the missing delivery rows, and what was not planned with its reason (the
    ledger's not-sent rows); returns how many delivery rows the campaign now has.

    With `partner_ids`, only those partners are planned (a partner who opted back in to a
    running campaign), and only their ledger rows are rewritten. With `commit`, the rows
    are written and committed a few partners at a time (a launch of a million emails was
    one transaction holding every row in memory); planning again adds only what is
    missing, so a planner that dies part way is resumed (pipeline.jobs.sync_schedule)."""
    spec = KitSpec.model_validate(campaign.kit_version.spec)
    partners = audience_partners(session, campaign.audience)
    if partner_ids is not None:
        only = set(partner_ids)
        partners = [p for p in partners if p.id in only]
    decisions = decisions_for(session, campaign.id, [p.id for p in partners])
    channels = spec.channels()
    ensure_links(session, campaign, spec, [p.id for p in partners], channels)
    skipped = _Exclusions(campaign.id, now)
    writer = _ChunkWriter(session, campaign, now, commit)
    for done, partner in enumerate(partners, start=1):
        for channel in channels:
            mine = decisions.get(partner.id, {})
            mode = resolve(
                mine,
                campaign.id,
                channel,
                campaign_mode(campaign.consent_default),
                rules.programme_default,
            )
            if mode is ConsentMode.OFF:
                words = decision_words(deciding(mine, campaign.id, channel))
                skipped.add(partner.id, channel, Reason.OPTED_OUT, f"opted out of {words}")
                continue
            status = DeliveryStatus.HELD if mode is ConsentMode.REVIEW else DeliveryStatus.PENDING
            sendable, suppressed = (
                _email_contacts(session, partner.id) if channel == "email" else ([], [])
            )
            planned = _rows_for(campaign, partner, channel, spec, now, status.value, sendable)
            skipped.recipients(partner.id, channel, planned, suppressed)
            if mode is ConsentMode.REVIEW:  # the partner gets a window to approve or skip
                for row in planned:
                    row["review_by"] = review_deadline(
                        campaign, partner, row["due_at"], now, rules.review_hours
                    )
            writer.rows += planned
        writer.write(last=done == len(partners))
    if partner_ids is None:
        skipped.outside(session, {p.id for p in partners})
    skipped.write(session, partner_ids)
    return session.scalar(select(func.count()).where(Delivery.campaign_id == campaign.id)) or 0


# rows planned: past this, and each time they double, the table's statistics are refreshed
# (db.bulk.refresh_statistics), so the dispatcher's claims keep their index meanwhile
ANALYZE_AFTER = 10_000
PLAN_CHUNK = 20_000  # delivery rows written (and, with `commit`, committed) at a time


class _ChunkWriter:
    """Planned rows written a chunk at a time: with `commit`, each chunk committed; the
    table's statistics refreshed each time it has doubled (db.bulk.refresh_statistics)."""

    def __init__(
        self, session: Session, campaign: Campaign, now: datetime, commit: Callable[[], None] | None
    ) -> None:
        self.session, self.campaign, self.now, self.commit = session, campaign, now, commit
        self.rows: list[dict[str, Any]] = []
        self.written = self.analyzed = 0

    def write(self, *, last: bool) -> None:
        if len(self.rows) < PLAN_CHUNK and not last:
            return
        self.written += len(self.rows)
        for start in range(0, len(self.rows), 500):
            insert_ignoring_conflicts(self.session, Delivery, self.rows[start : start + 500])
        self.rows = []
        if self.written >= max(ANALYZE_AFTER, 2 * self.analyzed):  # the table grew a lot
            refresh_statistics(self.session, "deliveries")
            self.analyzed = self.written
        if self.commit is not None:
            self.campaign.updated_at = self.now  # still planning (sync_schedule resumes)
            self.commit()


class _Exclusions:
    """The ledger rows of one plan: what was targeted and not planned, and why."""

    def __init__(self, campaign_id: int, now: datetime) -> None:
        self.campaign_id, self.now = campaign_id, now
        self.rows: list[dict[str, Any]] = []

    def add(
        self, partner_id: int, channel: str, reason: Reason, detail: str, recipient: str = ""
    ) -> None:
        self.rows.append(
            {
                "campaign_id": self.campaign_id,
                "partner_id": partner_id,
                "channel": channel,
                "recipient": recipient,
                "reason": reason.value,
                "detail": detail[:300],
                "recorded_at": self.now,
            }
        )

    def recipients(
        self, partner_id: int, channel: str, planned: list[dict[str, Any]], suppressed: list[str]
    ) -> None:
        """Email only: each suppressed contact, or the fact that there is no contact."""
        if channel != "email":
            return
        for email in suppressed:
            self.add(partner_id, channel, Reason.SUPPRESSED, "unsubscribed or bounced", email)
        if not planned and not suppressed:
            self.add(partner_id, channel, Reason.NO_RECIPIENTS, "no contacts imported")

    def outside(self, session: Session, inside: set[int]) -> None:
        """Every other partner of the programme: the marketer sees who the filter left out."""
        for partner_id in session.scalars(select(Partner.id).order_by(Partner.id)):
            if partner_id not in inside:
                self.add(partner_id, "*", Reason.OUTSIDE_AUDIENCE, "not matched by the filter")

    def write(self, session: Session, partner_ids: Collection[int] | None) -> None:
        """Replace the campaign's rows (or those of the partners planned), leaving out
        whatever has a delivery: a partner who opted out after an earlier plan, or a
        contact suppressed since, is in the ledger through its delivery rows (skipped,
        with their reason)."""
        stale = delete(NotPlanned).where(NotPlanned.campaign_id == self.campaign_id)
        if partner_ids is not None:
            stale = stale.where(NotPlanned.partner_id.in_(list(partner_ids)))
        session.execute(stale)
        # only the deliveries of partners with a ledger row: all of a million-email
        # campaign's recipients were read into memory here
        mentioned = sorted({row["partner_id"] for row in self.rows})
        recipients = {
            (partner_id, channel, recipient.lower())
            for start in range(0, len(mentioned), 500)
            for partner_id, channel, recipient in session.execute(
                select(Delivery.partner_id, Delivery.channel, Delivery.recipient).where(
                    Delivery.campaign_id == self.campaign_id,
                    Delivery.partner_id.in_(mentioned[start : start + 500]),
                )
            )
        }
        pairs = {(p, c) for p, c, _ in recipients}
        partners = {p for p, _ in pairs}

        def covered(row: dict[str, Any]) -> bool:
            if row["recipient"]:
                return (row["partner_id"], row["channel"], row["recipient"].lower()) in recipients
            if row["channel"] == "*":
                return row["partner_id"] in partners
            return (row["partner_id"], row["channel"]) in pairs

        rows = [r for r in self.rows if not covered(r)]
        for start in range(0, len(rows), 500):
            insert_ignoring_conflicts(session, NotPlanned, rows[start : start + 500])


def partner_start(campaign: Campaign, partner: Partner, now: datetime) -> datetime:
    """When this partner's first item is due: now, or the campaign's local send time."""
    if not campaign.send_time:
        return now
    return local_due(now, partner.timezone, campaign.send_time, campaign.send_weekday)


def review_deadline(
    campaign: Campaign, partner: Partner, due: datetime, now: datetime, review_hours: float
) -> datetime:
    """Until when a held item waits for the partner's approval: its own time or the end of
    the review window from `now`, whichever is later. Approved, it goes at its own time
    (at once if that has passed); not approved by then, it is not sent."""
    return _after_review(campaign, partner, due, now + timedelta(hours=review_hours))


def _after_review(
    campaign: Campaign, partner: Partner, due: datetime, deadline: datetime
) -> datetime:
    """The later of an item's own time and the review window's end, then at the
    partner's local send time (not at 03:12, when a 48-hour window happens to end)."""
    if due >= deadline:
        return due
    if not campaign.send_time:
        return deadline
    return local_due(deadline, partner.timezone, campaign.send_time, campaign.send_weekday)


def go_live(
    campaign: Campaign, partner: Partner, *, review_hours: float | None = None
) -> datetime | None:
    """When the partner's first item goes out, in the partner's own time: the launch with
    the campaign's local send time and weekday applied (what notices and previews say);
    for a partner who reviews each item (`review_hours` given), after its review window."""
    if campaign.launch_at is None:
        return None
    start = partner_start(campaign, partner, campaign.launch_at)
    if review_hours is not None:
        deadline = campaign.launch_at + timedelta(hours=review_hours)
        start = _after_review(campaign, partner, start, deadline)
    return start.astimezone(ZoneInfo(partner.timezone))


def days_later(start: datetime, timezone: str, days: int) -> datetime:
    """Same local wall-clock time `days` later, whatever DST does in between."""
    local = start.astimezone(ZoneInfo(timezone)) + timedelta(days=days)
    return local.astimezone(UTC)


def _email_contacts(session: Session, partner_id: int) -> tuple[list[str], list[str]]:
    """The partner's contacts that may be sent to, and those on its suppression list: the
    planner's rows and the ledger's "suppressed" rows, from one read of each table."""
    suppressed = set(
        session.scalars(select(Suppression.email).where(Suppression.partner_id == partner_id))
    )
    contacts = list(session.scalars(select(Contact.email).where(Contact.partner_id == partner_id)))
    return (
        [email for email in contacts if email.lower() not in suppressed],
        [email for email in contacts if email.lower() in suppressed],
    )


def item_times(
    campaign: Campaign, partner: Partner, channel: str, spec: KitSpec, now: datetime
) -> list[tuple[str, datetime]]:
    """(asset, due) of each item a channel sends this partner when planned at `now`: the
    email once (to every contact), each social post on its cadence day, one item else.
    What the planner writes, and what the portal shows of a campaign not yet launched."""
    start = partner_start(campaign, partner, now)
    if channel == "social":
        social = spec.assets.social
        if social is None:
            return []
        return [
            (
                post.id,
                days_later(
                    start,
                    partner.timezone,
                    social.cadence_days[min(index, len(social.cadence_days) - 1)],
                ),
            )
            for index, post in enumerate(social.posts)
        ]
    return [(channel, start)]


def _recipient(channel: str) -> str:
    return SOCIAL_RECIPIENT if channel == "social" else SINGLE_RECIPIENT[channel]


def _rows_for(
    campaign: Campaign,
    partner: Partner,
    channel: str,
    spec: KitSpec,
    now: datetime,
    status: str,
    sendable: list[str],
) -> list[dict[str, Any]]:
    items = [
        (asset, recipient, due)
        for asset, due in item_times(campaign, partner, channel, spec, now)
        for recipient in (sendable if channel == "email" else [_recipient(channel)])
    ]
    return [
        {
            "campaign_id": campaign.id,
            "partner_id": partner.id,
            "channel": channel,
            "asset": asset,
            "recipient": recipient,
            "due_at": due,
            "review_by": None,
            "status": status,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
            "idempotency_key": idempotency_key(campaign.id, partner.id, channel, asset, recipient),
        }
        for asset, recipient, due in items
    ]
