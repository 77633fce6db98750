"""Typed SQLAlchemy 2 models; importing this package registers every table."""

from campaign_engine.db.accounts import (
    ApiToken,
    AuditEntry,
    EmailConfirmation,
    MagicLink,
    Membership,
    User,
    UserSession,
)
from campaign_engine.db.base import Base, utcnow
from campaign_engine.db.campaigns import Campaign, Consent, ConsentEvent, Delivery
from campaign_engine.db.coordination import EngineProcess, Lease, RateBucket
from campaign_engine.db.kits import Artifact, Kit, KitVersion
from campaign_engine.db.partners import (
    ChannelEndpoint,
    Contact,
    Customisation,
    Partner,
    Suppression,
)
from campaign_engine.db.runway import Enrollment, MilestoneRecord, StepDelivery
from campaign_engine.db.tracking import DealRecord, Event, EventTally, TrackedLink

__all__ = [
    "ApiToken",
    "Artifact",
    "AuditEntry",
    "Base",
    "Campaign",
    "ChannelEndpoint",
    "Consent",
    "ConsentEvent",
    "Contact",
    "Customisation",
    "DealRecord",
    "Delivery",
    "EmailConfirmation",
    "EngineProcess",
    "Enrollment",
    "Event",
    "EventTally",
    "Kit",
    "KitVersion",
    "Lease",
    "MagicLink",
    "Membership",
    "MilestoneRecord",
    "Partner",
    "RateBucket",
    "StepDelivery",
    "Suppression",
    "TrackedLink",
    "User",
    "UserSession",
    "utcnow",
]
