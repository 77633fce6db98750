"""Status machines for campaigns and deliveries, enforced in one place."""

from __future__ import annotations

from enum import StrEnum

from campaign_engine.errors import InvalidTransition


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LAUNCHING = "launching"
    LIVE = "live"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ALLOWED_TRANSITIONS: dict[CampaignStatus, set[CampaignStatus]] = {
    CampaignStatus.DRAFT: {
        CampaignStatus.SCHEDULED,
        CampaignStatus.LAUNCHING,
        CampaignStatus.CANCELLED,
    },
    CampaignStatus.SCHEDULED: {
        CampaignStatus.LAUNCHING,
        CampaignStatus.DRAFT,
        CampaignStatus.CANCELLED,
    },
    CampaignStatus.LAUNCHING: {
        CampaignStatus.LIVE,
        CampaignStatus.PAUSED,
        CampaignStatus.CANCELLED,
    },
    CampaignStatus.LIVE: {
        CampaignStatus.COMPLETED,
        CampaignStatus.PAUSED,
        CampaignStatus.CANCELLED,
    },
    CampaignStatus.PAUSED: {CampaignStatus.LIVE, CampaignStatus.CANCELLED},
    # A re-plan that adds partners who joined the audience re-opens a completed campaign.
    CampaignStatus.COMPLETED: {CampaignStatus.LIVE},
    CampaignStatus.CANCELLED: set(),
}


def ensure_transition(current: str, target: CampaignStatus) -> None:
    source = CampaignStatus(current)
    if target not in ALLOWED_TRANSITIONS[source]:
        raise InvalidTransition(f"a {source.value} campaign cannot become {target.value}")


class DeliveryStatus(StrEnum):
    HELD = "held"  # review mode: waits for the partner's approval until its due time
    PENDING = "pending"  # waiting for its due time (or its retry time)
    SENDING = "sending"  # claimed by a worker under a lease
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # consent withdrawn or recipient suppressed before the send


FINAL = {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED}
