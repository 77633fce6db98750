"""Why something a campaign targeted was not sent: one code per reason, and the words a
marketer reads for it. The ledger (services/campaigns/ledger.py) gives every targeted
partner and channel an outcome; these are the outcomes that are not "sent" or "pending"."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    OPTED_OUT = "opted_out"
    REVIEW_PENDING = "review_pending"
    DECLINED_IN_REVIEW = "declined_in_review"
    NOT_APPROVED = "not_approved"
    SUPPRESSED = "suppressed"
    NO_RECIPIENTS = "no_recipients"
    MISSING_FIELD = "missing_field"
    HELD_BY_PREFLIGHT = "held_by_preflight"
    OUTSIDE_AUDIENCE = "outside_audience"
    LEFT_AUDIENCE = "left_audience"
    ALREADY_REACHED = "already_reached"
    CANCELLED = "cancelled"
    SEND_FAILED = "send_failed"
    NOT_CHOSEN = "not_chosen"


LABELS: dict[Reason, str] = {
    Reason.OPTED_OUT: "Opted out",
    Reason.REVIEW_PENDING: "Waiting for the partner's review",
    Reason.DECLINED_IN_REVIEW: "Declined by the partner in review",
    Reason.NOT_APPROVED: "Not approved before the deadline",
    Reason.SUPPRESSED: "Contact unsubscribed or bounced",
    Reason.NO_RECIPIENTS: "No contacts to send to",
    Reason.MISSING_FIELD: "Profile lacks a field the kit needs",
    Reason.HELD_BY_PREFLIGHT: "Held by preflight",
    Reason.OUTSIDE_AUDIENCE: "Outside the audience",
    Reason.LEFT_AUDIENCE: "Left the audience before its day",
    Reason.ALREADY_REACHED: "Milestone already reached",
    Reason.CANCELLED: "Campaign cancelled",
    Reason.SEND_FAILED: "The send failed",
    Reason.NOT_CHOSEN: "Left out by the partner's choice of posts",
}

# The order a marketer reads them in: what they can act on first.
ORDER: tuple[Reason, ...] = tuple(LABELS)


def label(code: str | None) -> str:
    """The words for a stored code; an unknown or missing one reads as a failed send."""
    if code is None:
        return LABELS[Reason.SEND_FAILED]
    try:
        return LABELS[Reason(code)]
    except ValueError:
        return LABELS[Reason.SEND_FAILED]
