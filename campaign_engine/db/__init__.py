"""Typed SQLAlchemy 2 models.

A model is imported from its module when a caller first names it (PEP 562 `__getattr__`),
so `campaigns status`, which reads three tables, does not build all thirty mapped classes
(a third of its start-up). Whatever writes or serves calls `load_all()` first: the
runtime, the migrations and anyone asking for `Base` get every table registered.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from campaign_engine.db.base import utcnow

# What mypy sees (`X as X`: a re-export); at run time __getattr__ below imports each on first use.
if TYPE_CHECKING:
    from campaign_engine.db.accounts import ApiToken as ApiToken
    from campaign_engine.db.accounts import AuditEntry as AuditEntry
    from campaign_engine.db.accounts import EmailConfirmation as EmailConfirmation
    from campaign_engine.db.accounts import MagicLink as MagicLink
    from campaign_engine.db.accounts import Membership as Membership
    from campaign_engine.db.accounts import User as User
    from campaign_engine.db.accounts import UserSession as UserSession
    from campaign_engine.db.base import Base as Base
    from campaign_engine.db.campaigns import Campaign as Campaign
    from campaign_engine.db.campaigns import Consent as Consent
    from campaign_engine.db.campaigns import ConsentEvent as ConsentEvent
    from campaign_engine.db.campaigns import Delivery as Delivery
    from campaign_engine.db.campaigns import DeliveryWait as DeliveryWait
    from campaign_engine.db.campaigns import NotPlanned as NotPlanned
    from campaign_engine.db.campaigns import PartnerFeedback as PartnerFeedback
    from campaign_engine.db.campaigns import ReviewEdit as ReviewEdit
    from campaign_engine.db.coordination import EngineProcess as EngineProcess
    from campaign_engine.db.coordination import Lease as Lease
    from campaign_engine.db.coordination import RateBucket as RateBucket
    from campaign_engine.db.feedback import FeedbackMail as FeedbackMail
    from campaign_engine.db.kits import Artifact as Artifact
    from campaign_engine.db.kits import Kit as Kit
    from campaign_engine.db.kits import KitVersion as KitVersion
    from campaign_engine.db.mdf import MdfClaim as MdfClaim
    from campaign_engine.db.mdf import MdfClaimFile as MdfClaimFile
    from campaign_engine.db.mdf import MdfEntry as MdfEntry
    from campaign_engine.db.mdf import MdfRequest as MdfRequest
    from campaign_engine.db.partners import ChannelEndpoint as ChannelEndpoint
    from campaign_engine.db.partners import Contact as Contact
    from campaign_engine.db.partners import Customisation as Customisation
    from campaign_engine.db.partners import Partner as Partner
    from campaign_engine.db.partners import Suppression as Suppression
    from campaign_engine.db.privacy import ErasedAddress as ErasedAddress
    from campaign_engine.db.runway import Enrollment as Enrollment
    from campaign_engine.db.runway import MilestoneRecord as MilestoneRecord
    from campaign_engine.db.runway import StepDelivery as StepDelivery
    from campaign_engine.db.tracking import DealRecord as DealRecord
    from campaign_engine.db.tracking import Event as Event
    from campaign_engine.db.tracking import EventTally as EventTally
    from campaign_engine.db.tracking import Lead as Lead
    from campaign_engine.db.tracking import TrackedLink as TrackedLink
    from campaign_engine.db.tracking import UniqueEngagement as UniqueEngagement

# model name: the module of this package that defines it
MODELS: dict[str, str] = {
    **dict.fromkeys(
        [
            "ApiToken",
            "AuditEntry",
            "EmailConfirmation",
            "MagicLink",
            "Membership",
            "User",
            "UserSession",
        ],
        "accounts",
    ),
    **dict.fromkeys(
        [
            "Campaign",
            "Consent",
            "ConsentEvent",
            "Delivery",
            "DeliveryWait",
            "NotPlanned",
            "PartnerFeedback",
            "ReviewEdit",
        ],
        "campaigns",
    ),
    **dict.fromkeys(["EngineProcess", "Lease", "RateBucket"], "coordination"),
    "FeedbackMail": "feedback",
    **dict.fromkeys(["Artifact", "Kit", "KitVersion"], "kits"),
    **dict.fromkeys(["MdfClaim", "MdfClaimFile", "MdfEntry", "MdfRequest"], "mdf"),
    **dict.fromkeys(
        ["ChannelEndpoint", "Contact", "Customisation", "Partner", "Suppression"], "partners"
    ),
    "ErasedAddress": "privacy",
    **dict.fromkeys(["Enrollment", "MilestoneRecord", "StepDelivery"], "runway"),
    **dict.fromkeys(
        ["DealRecord", "Event", "EventTally", "Lead", "TrackedLink", "UniqueEngagement"],
        "tracking",
    ),
}

__all__ = ["Base", "load_all", "utcnow", *MODELS]


def load_all() -> None:
    """Register every table and mapper (idempotent)."""
    for module in sorted(set(MODELS.values())):
        importlib.import_module(f"{__name__}.{module}")


def __getattr__(name: str) -> Any:
    if name == "Base":
        load_all()
        from campaign_engine.db.base import Base

        globals()["Base"] = Base
        return Base
    module = MODELS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
