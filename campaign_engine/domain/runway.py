"""The activation runway, as rules: the milestones a new partner passes, when each step of
an always-on sequence is due for one partner, and who is at risk. No database, no clock:
callers pass both in, so the rules are tested with a clock that moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from campaign_engine.domain.sendtime import local_due


class Milestone(StrEnum):
    SIGNED = "signed"
    ONBOARDED = "onboarded"
    CERTIFIED = "certified"
    JOINT_PLAN = "joint_plan"
    FIRST_CAMPAIGN_LIVE = "first_campaign_live"
    FIRST_DEAL_REGISTERED = "first_deal_registered"
    FIRST_CLOSED_WON = "first_closed_won"


ORDER = list(Milestone)
# What a person reads: "first_deal_registered" on a page is a column name, not a label.
LABELS = {
    Milestone.SIGNED: "Signed",
    Milestone.ONBOARDED: "Onboarded",
    Milestone.CERTIFIED: "Certified",
    Milestone.JOINT_PLAN: "Joint plan",
    Milestone.FIRST_CAMPAIGN_LIVE: "First campaign live",
    Milestone.FIRST_DEAL_REGISTERED: "First deal registered",
    Milestone.FIRST_CLOSED_WON: "First deal won",
}


def label(name: str) -> str:
    """A milestone, or a stage between two ("signed -> onboarded"), as a person reads it."""
    if " -> " in name:
        before, _, after = name.partition(" -> ")
        return f"{label(before)} to {label(after).lower()}"
    try:
        return LABELS[Milestone(name)]
    except ValueError:
        return name


# What the owner should do to move a partner to the milestone it has not reached yet.
FIRST_ACTIONS = {
    Milestone.ONBOARDED: "book their onboarding call",
    Milestone.CERTIFIED: "enrol one of their sellers in certification",
    Milestone.JOINT_PLAN: "agree a joint plan with them (the template went out on day 45)",
    Milestone.FIRST_CAMPAIGN_LIVE: "switch on their first campaign with them",
    Milestone.FIRST_DEAL_REGISTERED: "help them register a first deal",
    Milestone.FIRST_CLOSED_WON: "help them close their first deal",
}
RUNWAY_DAYS = 120


@dataclass(frozen=True)
class StepRule:
    day: int
    wait_for: Milestone | None = None
    skip_if: Milestone | None = None


def step_due(
    rule: StepRule,
    entered_at: datetime,
    timezone: str,
    send_time: str,
    reached: dict[Milestone, datetime],
) -> datetime | None:
    """When the step goes out (UTC), or None while it waits for a milestone. Days count
    in the partner's own calendar: day 7 is the seventh local date after entering, at the
    local send time."""
    zone = ZoneInfo(timezone)
    day = entered_at.astimezone(zone).date() + timedelta(days=rule.day)
    due = local_due(
        datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC), timezone, send_time, None
    )
    if rule.wait_for is not None:
        if rule.wait_for not in reached:
            return None
        due = max(due, local_due(reached[rule.wait_for], timezone, send_time, None))
    return due


def next_milestone(reached: dict[Milestone, datetime]) -> Milestone | None:
    return next((m for m in ORDER if m not in reached), None)


@dataclass(frozen=True)
class Position:
    """Where one partner stands on its runway."""

    day: int  # days since signing
    stage: Milestone  # the furthest milestone reached
    next: Milestone | None
    last_progress: datetime
    days_quiet: int  # days since the last milestone
    at_risk: bool
    first_action: str

    @property
    def overdue_days(self) -> int:
        """Days past the runway without a first deal won: what the owner must hear first."""
        return max(0, self.day - RUNWAY_DAYS) if self.next is not None else 0

    @property
    def day_words(self) -> str:
        """ "Day 45 of 120"; past the runway, how far past, never "Day 212 of 120"."""
        if self.next is None:
            return f"Day {self.day}: runway complete, first deal won"
        if self.overdue_days:
            return f"Day {self.day}: {self.overdue_days} days overdue (the runway is {RUNWAY_DAYS})"
        return f"Day {self.day} of {RUNWAY_DAYS}"


def position(
    signed_at: datetime, reached: dict[Milestone, datetime], *, now: datetime, quiet_days: int
) -> Position:
    """At risk: inside its 120 days, not yet won a deal, and no milestone for `quiet_days`.
    Overdue: past its 120 days without a deal won (Position.overdue_days)."""
    reached = {Milestone.SIGNED: signed_at, **reached}
    stage = max(reached, key=ORDER.index)
    last = max(reached.values())
    upcoming = next_milestone(reached)
    quiet = (now - last).days
    return Position(
        day=(now - signed_at).days,
        stage=stage,
        next=upcoming,
        last_progress=last,
        days_quiet=quiet,
        # Past the runway a partner is overdue, its own state: not "at risk" of being late.
        at_risk=upcoming is not None
        and quiet >= quiet_days
        and (now - signed_at).days <= RUNWAY_DAYS,
        first_action=FIRST_ACTIONS.get(upcoming, "keep them selling")
        if upcoming
        else "keep them selling",
    )
