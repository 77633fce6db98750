"""Campaign use cases: create, launch (plan now), status, lifecycle changes."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, Delivery, KitVersion, Suppression, utcnow
from campaign_engine.db.results import affected_rows
from campaign_engine.domain.audience import AUDIENCE_KEYS
from campaign_engine.domain.channels import CHANNELS
from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import CampaignStatus, DeliveryStatus, ensure_transition
from campaign_engine.errors import InvalidInput, NotFound
from campaign_engine.infra.audit import record
from campaign_engine.services.campaigns.audience import check_audience_values

if TYPE_CHECKING:  # pydantic builds its models at import: `campaigns status` needs none
    from campaign_engine.domain.campaign_options import CampaignOptions

OPEN = (DeliveryStatus.HELD, DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def parse_audience(pairs: list[str]) -> dict[str, list[str]]:
    """['tier=gold', 'tier=silver', 'region=emea'] -> {'tier': ['gold', 'silver'], ...}"""
    audience: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise InvalidInput(f"'{pair}' is not KEY=VALUE", where="--audience")
        if key not in AUDIENCE_KEYS:
            raise InvalidInput(
                f"unknown key '{key}'; use one of {', '.join(sorted(AUDIENCE_KEYS))}",
                where="--audience",
            )
        audience[key].append(value)
    return dict(audience)


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "campaign"


def create_campaign(
    session: Session,
    version: KitVersion,
    name: str,
    audience: dict[str, list[str]],
    launch_at: datetime | None,
    *,
    actor: str = "cli",
) -> Campaign:
    if not name.strip():
        raise InvalidInput("a campaign needs a name", where="--name")
    if launch_at is not None and launch_at.tzinfo is None:
        raise InvalidInput("give a timezone, e.g. 2026-12-01T09:00:00+01:00", where="--launch-at")
    campaign = Campaign(
        name=name.strip(),
        slug=slugify(name),
        kit_version_id=version.id,
        audience=audience,
        launch_at=launch_at,
        status=(CampaignStatus.SCHEDULED if launch_at else CampaignStatus.DRAFT),
    )
    session.add(campaign)
    session.flush()
    record(
        session,
        actor,
        "campaign.create",
        "campaign",
        campaign.id,
        {"name": name, "audience": audience, "kit_version": version.content_hash},
    )
    return campaign


def create_campaign_from(
    session: Session, version: KitVersion, options: CampaignOptions, *, actor: str
) -> Campaign:
    """A campaign with every option of the schema applied: what the command line, the API
    and the console's form all call, so each refuses the same audience."""
    if options.always_on and not version.spec.get("sequence"):
        raise InvalidInput("the kit has no sequence for an always-on campaign", where="kit")
    check_audience_values(session, options.audience)
    campaign = create_campaign(
        session, version, options.name, options.audience, options.launch_at, actor=actor
    )
    campaign.send_time, campaign.send_weekday = options.send_time, options.weekday_number
    campaign.recurrence, campaign.always_on = options.recurrence, options.always_on
    campaign.consent_default = options.consent_default and options.consent_default.value
    campaign.preview_days = options.preview_days
    session.flush()
    return campaign


MAX_ID = 2**63 - 1  # what a BIGINT holds; larger ids would overflow in the driver


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None:
        raise NotFound(f"no campaign with id {campaign_id} (see the console's campaign list)")
    return campaign


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.id.desc())))


def change_status(
    session: Session,
    campaign: Campaign,
    target: CampaignStatus,
    *,
    actor: str,
    now: datetime | None = None,
) -> None:
    ensure_transition(campaign.status, target)
    previous = campaign.status
    campaign.status = target.value
    if target is CampaignStatus.LIVE and campaign.launched_at is None:
        campaign.launched_at = now or utcnow()
    if target is CampaignStatus.COMPLETED:
        campaign.completed_at = now or utcnow()
    if target is CampaignStatus.CANCELLED:
        session.execute(
            update(Delivery)
            .where(
                Delivery.campaign_id == campaign.id,
                Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.HELD]),
            )
            .values(
                status=DeliveryStatus.SKIPPED,
                reason=Reason.CANCELLED,
                last_error="campaign cancelled",
            )
        )
    record(
        session,
        actor,
        "campaign.status",
        "campaign",
        campaign.id,
        {"from": previous, "to": target.value},
    )


def delivery_counts(session: Session, campaign_id: int) -> dict[str, dict[str, int]]:
    """Per channel: pending (waiting or in flight), sent, failed, skipped."""
    counts = {
        channel: {s: 0 for s in ("pending", "sent", "failed", "skipped")} for channel in CHANNELS
    }
    rows = session.execute(
        select(Delivery.channel, Delivery.status, func.count())
        .where(Delivery.campaign_id == campaign_id)
        .group_by(Delivery.channel, Delivery.status)
    )
    for channel, status, n in rows:
        bucket = "pending" if status in OPEN else status
        counts.setdefault(channel, {s: 0 for s in ("pending", "sent", "failed", "skipped")})
        counts[channel][bucket] += n
    return counts


def failure_reasons(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Why deliveries failed or were skipped, most common first: what the marketer fixes."""
    rows = session.execute(
        select(Delivery.channel, Delivery.status, Delivery.last_error, func.count())
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]),
        )
        .group_by(Delivery.channel, Delivery.status, Delivery.last_error)
        .order_by(func.count().desc())
    )
    return [
        {"channel": c, "status": s, "reason": r or "unknown", "count": n} for c, s, r, n in rows
    ]


def campaign_status(session: Session, campaign_id: int) -> dict[str, Any]:
    """Progress and the ledger: the same figures on the page, in `campaigns status` and the
    API. An always-on campaign's email items are its runway steps."""
    from campaign_engine.services.campaigns.ledger import ledger_summary, step_counts
    from campaign_engine.services.delivery.health.waits import waits

    campaign = get_campaign(session, campaign_id)
    status = {
        "id": campaign.id,
        "name": campaign.name,
        "status": campaign.status,
        "always_on": campaign.always_on,
        "deliveries": delivery_counts(session, campaign.id),
        "scheduled_later": scheduled_later(session, campaign.id),
        **waiting_for_review(session, campaign.id),
        "problems": failure_reasons(session, campaign.id),
        "ledger": ledger_summary(session, campaign),
        **next_dates(session, campaign, utcnow()),
    }
    pending = {channel: counts["pending"] for channel, counts in status["deliveries"].items()}
    status["waiting"] = waits(session, campaign.id, pending)  # why pending items wait
    if campaign.always_on:
        steps = step_counts(session, campaign.id, utcnow())
        status["steps"] = steps
        status["deliveries"]["email"] = {
            "pending": steps["due"] + steps["waiting"],
            "sent": steps["sent"],
            "failed": 0,
            "skipped": steps["skipped"],
        }
        status["scheduled_later"] = steps["waiting"]
    return status


def next_dates(session: Session, campaign: Campaign, now: datetime) -> dict[str, Any]:
    """When something happens next, ISO 8601 in UTC: the launch of a scheduled campaign,
    the next send per channel (items waiting for their time, not those held for review,
    whose time is the partner's to choose), and a recurring campaign's next occurrence."""
    rows = session.execute(
        select(Delivery.channel, func.min(Delivery.due_at))
        .where(Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.PENDING)
        .group_by(Delivery.channel)
    )
    by_channel: dict[str, datetime] = {channel: max(due, now) for channel, due in rows}
    if campaign.status == CampaignStatus.SCHEDULED and campaign.launch_at is not None:
        by_channel = {}  # nothing planned yet: the launch is the next thing
    upcoming = [*by_channel.values(), *_launch(campaign)]
    return {
        "launch_at": _iso(campaign.launch_at),
        "next_send_at": _iso(min(upcoming)) if upcoming else None,
        "next_send_by_channel": {c: _iso(by_channel.get(c)) for c in CHANNELS},
        "next_occurrence_at": _iso(next_occurrence(campaign, now)),
    }


def _launch(campaign: Campaign) -> list[datetime]:
    scheduled = campaign.status == CampaignStatus.SCHEDULED
    return [campaign.launch_at] if scheduled and campaign.launch_at else []


def next_occurrence(campaign: Campaign, now: datetime) -> datetime | None:
    """A recurring campaign's next run (its cron is in UTC), None once it is cancelled."""
    if not campaign.recurrence or campaign.status == CampaignStatus.CANCELLED:
        return None
    from apscheduler.triggers.cron import CronTrigger  # only for recurring campaigns

    trigger = CronTrigger.from_crontab(campaign.recurrence, timezone="UTC")
    fire: datetime | None = trigger.get_next_fire_time(None, now)  # APScheduler is untyped
    return fire


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def scheduled_later(session: Session, campaign_id: int) -> int:
    """Pending items due in the future (a social cadence, a send time): not stuck. Items
    held for review are counted apart: their time is the partner's to decide."""
    return (
        session.scalar(
            select(func.count()).where(
                Delivery.campaign_id == campaign_id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.due_at > utcnow(),
            )
        )
        or 0
    )


def waiting_for_review(session: Session, campaign_id: int) -> dict[str, Any]:
    """Items held for partners' approval, and the first deadline among them (ISO 8601)."""
    count, first = session.execute(
        select(func.count(), func.min(Delivery.review_by)).where(
            Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.HELD
        )
    ).one()
    return {"waiting_for_review": count or 0, "first_review_deadline_at": _iso(first)}


def refresh_completion(
    session: Session, campaign: Campaign, *, now: datetime | None = None
) -> bool:
    """Completed only when every delivery is final: never "finished" with sends outstanding."""
    if campaign.status != CampaignStatus.LIVE:
        return False
    # EXISTS, not COUNT: called after every work item, it stops at the first open row.
    still_open = select(Delivery.id).where(
        Delivery.campaign_id == campaign.id, Delivery.status.in_(list(OPEN))
    )
    if session.scalar(select(still_open.exists())):
        return False
    change_status(session, campaign, CampaignStatus.COMPLETED, actor="engine", now=now)
    return True


def complete_finished(session: Session, *, now: datetime | None = None) -> int:
    """Complete every live campaign whose deliveries are all final; returns how many.

    Each work item completes its campaign when it leaves no open row behind, but two last
    items finishing at the same moment each see the other's row still open, and neither
    completes it: the campaign stayed "live" at 100% sent. The dispatcher and `launch
    --wait` sweep for those. Rows are locked (skipped when another process holds them) so
    two sweeps never complete one campaign twice."""
    still_open = (
        select(Delivery.id)
        .where(Delivery.campaign_id == Campaign.id, Delivery.status.in_(list(OPEN)))
        .exists()
    )
    finished = session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.LIVE, ~still_open)
        .with_for_update(skip_locked=True)
    ).all()
    return sum(refresh_completion(session, campaign, now=now) for campaign in finished)


@dataclass(frozen=True)
class RetryOutcome:
    """What a retry queued, and what it left failed because sending it again could only be
    skipped: "63 queued again" followed by 63 skips tells the marketer nothing to act on."""

    queued: int
    suppressed: int = 0

    @property
    def not_resent(self) -> dict[str, int]:
        """Failed deliveries left as they are, by reason code (domain/ledger.Reason)."""
        return {Reason.SUPPRESSED.value: self.suppressed} if self.suppressed else {}

    def sentence(self) -> str:
        """One line for the command line, the console's notice and the API's message."""
        said = f"{self.queued} failed deliver{'y' if self.queued == 1 else 'ies'} queued again"
        if not self.suppressed:
            return said
        n = self.suppressed
        return (
            f"{said}; {n} not resent: {n} recipient{' is' if n == 1 else 's are'} suppressed "
            "(unsubscribed or bounced): lift one with `campaign-engine contacts unsuppress EMAIL`"
        )


def _to_suppressed_address() -> ColumnElement[bool]:
    """An email delivery whose recipient is on its partner's suppression list: the send
    would skip it, so a retry must not queue it."""
    return and_(
        Delivery.channel == "email",
        exists().where(
            Suppression.partner_id == Delivery.partner_id,
            Suppression.email == func.lower(Delivery.recipient),
        ),
    )


def retry_failed(
    session: Session, campaign: Campaign, *, channel: str | None, now: datetime, actor: str
) -> RetryOutcome:
    """Failed deliveries back to pending, due now, with a fresh retry window; those to a
    suppressed address stay failed (lifting the suppression lets a later retry send them)."""
    failed = [Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.FAILED]
    if channel:
        failed.append(Delivery.channel == channel)
    blocked = _to_suppressed_address()
    suppressed = session.scalar(select(func.count()).where(*failed, blocked)) or 0
    result = session.execute(
        update(Delivery)
        .where(*failed, ~blocked)
        .values(
            status=DeliveryStatus.PENDING,
            due_at=now,
            attempts=0,
            retry_until=None,  # a fresh retry window too
            last_error=None,
            reason=None,
            updated_at=now,
        )
    )
    outcome = RetryOutcome(queued=affected_rows(result), suppressed=suppressed)
    if campaign.status == CampaignStatus.COMPLETED and outcome.queued:
        change_status(session, campaign, CampaignStatus.LIVE, actor=actor, now=now)
    record(
        session,
        actor,
        "deliveries.retry",
        "campaign",
        campaign.id,
        {"channel": channel, "count": outcome.queued, "not_resent": outcome.not_resent},
    )
    return outcome
